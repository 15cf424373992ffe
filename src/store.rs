//! The model file: a versioned, checksummed container, written atomically.
//!
//! Layout: 8 magic bytes, the format version (u32, little-endian), the
//! SHA-256 of the payload (32 bytes), then the payload: the classifier in
//! postcard's compact serde encoding.

use std::io::Write;
use std::path::Path;

use sha2::{Digest, Sha256};

use crate::classifier::Classifier;
use crate::error::{Error, Result};

const MAGIC: &[u8; 8] = b"STANCE\x00M";
/// The model file format this build reads and writes.
pub const FORMAT_VERSION: u32 = 3;
const HEADER: usize = 8 + 4 + 32;

/// Serialises a classifier to the bytes of a model file.
pub fn to_bytes(model: &Classifier) -> Result<Vec<u8>> {
    let payload = postcard::to_stdvec(model)
        .map_err(|e| Error::Fit(format!("cannot encode the model: {e}")))?;
    let mut out = Vec::with_capacity(HEADER + payload.len());
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
    out.extend_from_slice(&Sha256::digest(&payload));
    out.extend_from_slice(&payload);
    Ok(out)
}

/// Reads a classifier from the bytes of a model file; `path` names it in errors.
pub fn from_bytes(path: &Path, bytes: &[u8]) -> Result<Classifier> {
    let bad = |message: String| Error::BadModel {
        path: path.to_path_buf(),
        message,
    };
    if bytes.len() < 8 || &bytes[..8] != MAGIC {
        return Err(bad("not a stance model file".into()));
    }
    if bytes.len() < HEADER {
        return Err(bad("truncated model file (header incomplete)".into()));
    }
    let version = u32::from_le_bytes(bytes[8..12].try_into().expect("4 bytes"));
    if version != FORMAT_VERSION {
        return Err(bad(format!(
            "model format version {version}, but this stance reads version {FORMAT_VERSION}; retrain the model"
        )));
    }
    let payload = &bytes[HEADER..];
    if Sha256::digest(payload).as_slice() != &bytes[12..HEADER] {
        return Err(bad(
            "damaged or truncated model file (checksum mismatch)".into()
        ));
    }
    let mut model: Classifier =
        postcard::from_bytes(payload).map_err(|e| bad(format!("cannot decode the model: {e}")))?;
    model.prepare().map_err(|e| bad(e.to_string()))?;
    Ok(model)
}

/// Writes a model file atomically.
pub fn save(path: &Path, model: &Classifier) -> Result<()> {
    write_atomic(path, &to_bytes(model)?)
}

/// Loads a model file.
pub fn load(path: &Path) -> Result<Classifier> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    from_bytes(path, &bytes)
}

/// Writes bytes to a temporary file beside `path`, syncs it and renames it
/// over `path`, so readers see the old file or the new one, never half of one.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
    let result = (|| {
        let mut file = std::fs::File::create(&tmp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    result.map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        Error::io(path, e)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn foreign_bytes_are_not_a_model() {
        let err = from_bytes(Path::new("x"), b"hello world, not a model").unwrap_err();
        assert!(err.to_string().contains("not a stance model"));
    }

    #[test]
    fn other_versions_are_refused() {
        let mut bytes = MAGIC.to_vec();
        bytes.extend_from_slice(&99u32.to_le_bytes());
        bytes.extend_from_slice(&[0; 40]);
        let err = from_bytes(Path::new("x"), &bytes).unwrap_err();
        assert!(err.to_string().contains("version 99"), "{err}");
    }

    #[test]
    fn atomic_write_replaces_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("m.bin");
        write_atomic(&path, b"one").unwrap();
        write_atomic(&path, b"two").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"two");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }
}
