//! Every kind of bad input gets a one-line error naming the file and line,
//! a non-zero exit, no panic, and nothing written.

mod common;

use std::path::{Path, PathBuf};

use common::{classify_stdin, fails, fixture, ok, small_model};

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// Writes `content` to a file in a fresh directory and tries to train on it,
/// returning stderr and asserting no model appeared.
fn train_on(name: &str, content: &[u8]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join(name);
    std::fs::write(&data, content).unwrap();
    let out = dir.path().join("out.model");
    let err = fails(&["train", "--data", s(&data), "--out", s(&out)]);
    assert!(!out.exists(), "a failed train wrote a model");
    assert!(
        std::fs::read_dir(dir.path()).unwrap().count() == 1,
        "a failed train left files behind"
    );
    assert!(err.contains(name), "error does not name the file: {err}");
    err
}

const GOOD: &str = "{\"text\": \"Troops shelled the town.\", \"label\": \"military_assessment\"}\n";

#[test]
fn malformed_json_names_the_line() {
    let err = train_on(
        "bad.jsonl",
        format!("{GOOD}{{\"text\": \"oops\"\n").as_bytes(),
    );
    assert!(
        err.contains(":2:") && err.contains("malformed JSON"),
        "{err}"
    );
}

#[test]
fn missing_text_is_an_error() {
    let err = train_on(
        "notext.jsonl",
        format!("{GOOD}{{\"label\": \"other\"}}\n").as_bytes(),
    );
    assert!(err.contains(":2:") && err.contains("\"text\""), "{err}");
}

#[test]
fn missing_label_is_an_error() {
    let err = train_on(
        "nolabel.jsonl",
        format!("{GOOD}{{\"text\": \"Hello.\"}}\n").as_bytes(),
    );
    assert!(err.contains(":2:") && err.contains("\"label\""), "{err}");
}

#[test]
fn unknown_label_is_an_error() {
    let err = train_on(
        "unknown.jsonl",
        format!("{GOOD}{{\"text\": \"Hi.\", \"label\": \"gossip\"}}\n").as_bytes(),
    );
    assert!(err.contains(":2:") && err.contains("gossip"), "{err}");
}

#[test]
fn empty_text_is_an_error() {
    let err = train_on(
        "empty-text.jsonl",
        format!("{GOOD}{{\"text\": \"  \", \"label\": \"other\"}}\n").as_bytes(),
    );
    assert!(err.contains(":2:") && err.contains("empty text"), "{err}");
}

#[test]
fn invalid_utf8_is_an_error() {
    let mut bytes = GOOD.as_bytes().to_vec();
    bytes.extend_from_slice(b"{\"text\": \"caf\xe9\", \"label\": \"other\"}\n");
    let err = train_on("latin1.jsonl", &bytes);
    assert!(err.contains(":2:") && err.contains("UTF-8"), "{err}");
}

#[test]
fn empty_file_is_an_error() {
    let err = train_on("empty.jsonl", b"\n\n");
    assert!(err.contains("no labelled sentences"), "{err}");
}

#[test]
fn one_class_is_an_error() {
    let one = format!("{GOOD}{}", GOOD.replace("Troops", "Tanks"));
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("one.jsonl");
    std::fs::write(&data, one).unwrap();
    let out = dir.path().join("out.model");
    let err = fails(&["train", "--data", s(&data), "--out", s(&out)]);
    assert!(
        err.contains("only one class") && err.contains("military_assessment"),
        "{err}"
    );
    assert!(!out.exists());
}

#[test]
fn missing_file_is_an_error() {
    let err = fails(&[
        "train",
        "--data",
        "/nonexistent/corpus.jsonl",
        "--out",
        "/tmp/never.model",
    ]);
    assert!(err.contains("/nonexistent/corpus.jsonl"), "{err}");
}

#[test]
fn missing_encoder_is_an_error_before_any_work() {
    for flag in ["--embeddings", "--word-vectors"] {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out.model");
        let err = fails(&[
            "train",
            "--data",
            s(&fixture("small.jsonl")),
            "--out",
            s(&out),
            flag,
            "/nonexistent/minilm",
        ]);
        assert!(
            err.contains("/nonexistent/minilm/config.json"),
            "{flag}: {err}"
        );
        assert!(!out.exists());
    }
}

#[test]
fn failed_train_keeps_the_existing_model() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("keep.model");
    std::fs::copy(small_model(), &model).unwrap();
    let before = std::fs::read(&model).unwrap();
    let bad = dir.path().join("bad.jsonl");
    std::fs::write(&bad, "not json\n").unwrap();
    fails(&["train", "--data", s(&bad), "--out", s(&model)]);
    assert_eq!(std::fs::read(&model).unwrap(), before);
}

fn damaged_model(name: &str, bytes: &[u8]) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::write(&path, bytes).unwrap();
    (dir, path)
}

#[test]
fn truncated_model_is_refused() {
    let bytes = std::fs::read(small_model()).unwrap();
    let (_dir, path) = damaged_model("cut.model", &bytes[..bytes.len() / 2]);
    let err = fails(&[
        "classify",
        s(&fixture("seed-article.txt")),
        "--model",
        s(&path),
    ]);
    assert!(
        err.contains("cut.model") && err.contains("truncated"),
        "{err}"
    );
}

#[test]
fn model_of_another_version_is_refused() {
    let mut bytes = std::fs::read(small_model()).unwrap();
    bytes[8..12].copy_from_slice(&7u32.to_le_bytes());
    let (_dir, path) = damaged_model("old.model", &bytes);
    let err = fails(&[
        "eval",
        "--model",
        s(&path),
        "--data",
        s(&fixture("seed-article.jsonl")),
    ]);
    assert!(err.contains("version 7"), "{err}");
}

#[test]
fn a_file_that_is_not_a_model_is_refused() {
    let err = fails(&[
        "classify",
        s(&fixture("seed-article.txt")),
        "--model",
        s(&fixture("seed-article.jsonl")),
    ]);
    assert!(err.contains("not a stance model"), "{err}");
}

#[test]
fn too_many_folds_is_an_error() {
    let err = fails(&[
        "eval",
        "--data",
        s(&fixture("seed-article.jsonl")),
        "--folds",
        "5",
    ]);
    assert!(err.contains("--folds 5") && err.contains("(1)"), "{err}");
}

#[test]
fn bad_hyperparameters_are_named() {
    let err = fails(&[
        "train",
        "--data",
        s(&fixture("small.jsonl")),
        "--out",
        "/tmp/x.model",
        "--alpha",
        "0",
    ]);
    assert!(err.contains("alpha"), "{err}");
}

#[test]
fn a_one_megabyte_line_is_classified() {
    let line = "word ".repeat(200_000);
    let out = classify_stdin(line.as_bytes(), &["--format", "tsv"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout).lines().count(), 2);
}

#[test]
fn binary_junk_is_classified_without_a_crash() {
    let junk: Vec<u8> = (0..20_000u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    let out = classify_stdin(&junk, &["--format", "jsonl"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for line in String::from_utf8(out.stdout).unwrap().lines() {
        serde_json::from_str::<serde_json::Value>(line).unwrap();
    }
}

#[test]
fn unknown_output_format_is_an_error() {
    let err = fails(&[
        "classify",
        s(&fixture("seed-article.txt")),
        "--format",
        "xml",
        "--model",
        s(small_model()),
    ]);
    assert!(err.contains("xml"), "{err}");
}

#[test]
fn check_accepts_a_valid_file() {
    let out = ok(&["check", s(&fixture("seed-article.jsonl"))]);
    assert!(out.contains("13 sentences"));
}
