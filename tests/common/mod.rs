//! Helpers shared by the integration tests: run the real binary, find fixtures.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;

/// The path of a file under `tests/fixtures/`.
pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// The path of a file in the repository.
pub fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

/// Runs `stance` with arguments and optional standard input.
pub fn stance(args: &[&str], stdin: Option<&[u8]>) -> Output {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_stance"))
        .args(args)
        .env_remove("STANCE_MODEL")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the stance binary runs");
    let mut input = child.stdin.take().expect("stdin is piped");
    if let Some(bytes) = stdin {
        // A child that exits early closes the pipe; that is not the test's concern.
        let _ = input.write_all(bytes);
    }
    drop(input);
    child.wait_with_output().expect("stance finishes")
}

/// Runs `stance`, asserting success, and returns its standard output.
pub fn ok(args: &[&str]) -> String {
    let out = stance(args, None);
    assert!(
        out.status.success(),
        "stance {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("UTF-8 output")
}

/// Runs `stance`, asserting a clean failure, and returns its standard error.
pub fn fails(args: &[&str]) -> String {
    let out = stance(args, None);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(!out.status.success(), "stance {args:?} should fail");
    assert!(
        !stderr.contains("panicked"),
        "stance {args:?} panicked: {stderr}"
    );
    assert!(
        stderr.starts_with("stance: error:") || stderr.starts_with("error:"),
        "unexpected stderr: {stderr}"
    );
    stderr
}

/// A model trained once on the small fixture corpus, shared by the tests of one binary.
pub fn small_model() -> &'static Path {
    static MODEL: OnceLock<PathBuf> = OnceLock::new();
    MODEL.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("stance-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let path = dir.join("small.model");
        let data = fixture("small.jsonl");
        ok(&[
            "train",
            "--data",
            data.to_str().unwrap(),
            "--out",
            path.to_str().unwrap(),
            "--features",
            "1500",
            "--vocab-size",
            "2000",
        ]);
        path
    })
}

/// Classifies `input` from standard input with the small model and extra arguments.
pub fn classify_stdin(input: &[u8], extra: &[&str]) -> Output {
    let model = small_model().to_str().expect("UTF-8 path").to_string();
    let mut args = vec!["classify", "-", "--model", model.as_str()];
    args.extend_from_slice(extra);
    stance(&args, Some(input))
}

/// One string field of every JSON line of a text.
pub fn jsonl_field(text: &str, field: &str) -> Vec<String> {
    text.lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).expect("a JSON line");
            v[field].as_str().expect("a string field").to_string()
        })
        .collect()
}

/// One string field of every line of a JSON Lines fixture.
pub fn fixture_field(name: &str, field: &str) -> Vec<String> {
    jsonl_field(
        &std::fs::read_to_string(fixture(name)).expect("fixture"),
        field,
    )
}
