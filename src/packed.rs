//! Short ASCII strings packed into integers: hash-map keys that hash and
//! compare much faster than strings, for the words and chunks looked up for
//! every sentence.

/// The longest string that packs.
const MAX_LEN: usize = 15;

/// Packs up to fifteen ASCII bytes, each passed through `map`, with their
/// count into an integer (one-to-one); `None` for longer or non-ASCII text.
pub(crate) fn pack(bytes: &[u8], map: impl Fn(u8) -> u8) -> Option<u128> {
    if bytes.len() > MAX_LEN || !bytes.is_ascii() {
        return None;
    }
    let body = bytes
        .iter()
        .fold(0u128, |key, &b| (key << 8) | u128::from(map(b)));
    Some(body | (bytes.len() as u128) << (8 * MAX_LEN))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_differ_with_length_and_content() {
        let exact = |s: &str| pack(s.as_bytes(), |b| b);
        assert_ne!(exact("a"), exact("\0a"));
        assert_ne!(exact("ab"), exact("ba"));
        assert_eq!(exact("said"), exact("said"));
        assert_eq!(pack(b"Said", |b| b.to_ascii_lowercase()), exact("said"));
    }

    #[test]
    fn long_or_non_ascii_text_does_not_pack() {
        assert!(pack(b"sixteen-letters!", |b| b).is_none());
        assert!(pack("café".as_bytes(), |b| b).is_none());
        assert!(pack(b"fifteen-letters", |b| b).is_some());
    }
}
