//! The train -> eval -> classify round trip through the real binary.

mod common;

use common::{classify_stdin, fixture, ok, small_model};

fn s(p: &std::path::Path) -> &str {
    p.to_str().unwrap()
}

/// Trains a model on the small fixture corpus with extra arguments.
fn train_small(model: &std::path::Path, extra: &[&str]) {
    let data = fixture("small.jsonl");
    let mut args = vec!["train", "--data", s(&data), "--out", s(model)];
    args.extend_from_slice(extra);
    ok(&args);
}

#[test]
fn eval_prints_every_class_and_the_confusion_matrix() {
    let out = ok(&[
        "eval",
        "--model",
        s(small_model()),
        "--data",
        s(&fixture("seed-article.jsonl")),
    ]);
    for label in [
        "official_quote",
        "policy_claim",
        "military_assessment",
        "other",
        "macro-F1",
        "confusion",
    ] {
        assert!(out.contains(label), "missing {label} in:\n{out}");
    }
}

#[test]
fn eval_json_is_consistent() {
    let out = ok(&[
        "eval",
        "--json",
        "--model",
        s(small_model()),
        "--data",
        s(&fixture("seed-article.jsonl")),
    ]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["n"], 13);
    let matrix = v["confusion"]["matrix"].as_array().unwrap();
    let total: u64 = matrix
        .iter()
        .flat_map(|r| r.as_array().unwrap())
        .map(|n| n.as_u64().unwrap())
        .sum();
    assert_eq!(total, 13);
    let diagonal: u64 = (0..4).map(|i| matrix[i][i].as_u64().unwrap()).sum();
    assert!((v["accuracy"].as_f64().unwrap() - diagonal as f64 / 13.0).abs() < 1e-9);
    let f1s: Vec<f64> = v["per_class"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["f1"].as_f64().unwrap())
        .collect();
    assert_eq!(f1s.len(), 4);
}

#[test]
fn eval_errors_lists_only_wrong_sentences() {
    let out = ok(&[
        "eval",
        "--json",
        "--errors",
        "--model",
        s(small_model()),
        "--data",
        s(&fixture("seed-article.jsonl")),
    ]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let errors = v["errors"].as_array().unwrap();
    let correct: u64 = (0..4)
        .map(|i| v["confusion"]["matrix"][i][i].as_u64().unwrap())
        .sum();
    assert_eq!(errors.len() as u64, 13 - correct);
    assert!(errors.iter().all(|e| e["gold"] != e["predicted"]));
}

#[test]
fn error_listing_prints_probabilities_in_the_header_label_order() {
    let out = ok(&[
        "eval",
        "--errors",
        "--model",
        s(small_model()),
        "--data",
        s(&fixture("seed-article.jsonl")),
    ]);
    let (_, listing) = out.split_once("\nerrors (").unwrap();
    let mut lines = listing.lines();
    let order: Vec<&str> = lines
        .next()
        .unwrap()
        .rsplit(' ')
        .next()
        .unwrap()
        .trim_end_matches("):")
        .split(',')
        .collect();
    let rows: Vec<&str> = lines.filter(|l| !l.is_empty()).collect();
    assert!(
        !rows.is_empty(),
        "the small model should get some seed sentences wrong"
    );
    for row in rows {
        let fields: Vec<&str> = row.split('\t').collect();
        let predicted = fields[1].split(" -> ").nth(1).unwrap();
        let probs: Vec<f64> = fields[2]
            .trim_matches(|c| c == '[' || c == ']')
            .split(' ')
            .map(|p| p.parse().unwrap())
            .collect();
        // Ties at two decimals are possible, so compare values, not positions.
        let best = probs.iter().copied().fold(f64::MIN, f64::max);
        let at = order.iter().position(|l| *l == predicted).unwrap();
        assert_eq!(probs[at], best, "{row}");
    }
}

#[test]
fn cross_validation_reports_mean_and_spread() {
    let out = ok(&[
        "eval",
        "--data",
        s(&fixture("small.jsonl")),
        "--folds",
        "3",
        "--features",
        "800",
        "--vocab-size",
        "1500",
    ]);
    assert!(out.contains("3-fold cross-validation"), "{out}");
    assert!(out.contains('±'), "{out}");
}

#[test]
fn classify_jsonl_offsets_slice_the_input() {
    let path = fixture("seed-article.txt");
    let text = std::fs::read_to_string(&path).unwrap();
    let chars: Vec<char> = text.chars().collect();
    let out = ok(&[
        "classify",
        s(&path),
        "--model",
        s(small_model()),
        "--format",
        "jsonl",
    ]);
    let lines: Vec<serde_json::Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 13);
    for v in &lines {
        let (start, end) = (
            v["start"].as_u64().unwrap() as usize,
            v["end"].as_u64().unwrap() as usize,
        );
        let slice: String = chars[start..end].iter().collect();
        assert_eq!(slice, v["text"].as_str().unwrap());
        let total: f64 = v["probabilities"]
            .as_object()
            .unwrap()
            .values()
            .map(|p| p.as_f64().unwrap())
            .sum();
        assert!((total - 1.0).abs() < 1e-3, "probabilities sum to {total}");
    }
}

#[test]
fn classify_reads_standard_input_and_prints_tsv() {
    let out = classify_stdin(
        b"Troops shelled the town.\nThe minister said talks will resume.\n",
        &["--format", "tsv"],
    );
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 3, "header and two sentences:\n{text}");
    assert!(lines[0].starts_with("index\tstart\tend\tlabel\tp_official_quote"));
    assert_eq!(lines[1].split('\t').count(), 9);
}

#[test]
fn one_sentence_per_line_gives_that_many_sentences() {
    let input = "first line without stop\nsecond line. still second? no, split\nthird line\n";
    let out = classify_stdin(input.as_bytes(), &["--format", "jsonl"]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(text.lines().count(), 3, "{text}");
}

#[test]
fn explain_lists_features_for_each_sentence() {
    let out = classify_stdin(
        "\"We will not retreat,\" the defence minister said.".as_bytes(),
        &["--format", "jsonl", "--explain", "--top", "3"],
    );
    let v: serde_json::Value =
        serde_json::from_str(String::from_utf8(out.stdout).unwrap().trim()).unwrap();
    let feats = v["explain"].as_array().unwrap();
    assert!(!feats.is_empty() && feats.len() <= 3);
    assert!(feats.iter().all(|f| f["weight"].as_f64().unwrap() > 0.0));
}

#[test]
fn training_is_deterministic() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a.model"), dir.path().join("b.model"));
    for out in [&a, &b] {
        ok(&[
            "train",
            "--data",
            s(&fixture("seed-article.jsonl")),
            "--out",
            s(out),
            "--vocab-size",
            "300",
            "--features",
            "200",
            "--min-df",
            "1",
        ]);
    }
    let classify = |m: &std::path::Path| {
        ok(&[
            "classify",
            s(&fixture("seed-article.txt")),
            "--model",
            s(m),
            "--format",
            "jsonl",
        ])
    };
    assert_eq!(classify(&a), classify(&b));
}

#[test]
fn custom_label_sets_train_and_travel_in_the_model() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("two.tsv");
    std::fs::write(&data, "war\tTroops shelled the town.\nwar\tRebels seized the airport.\ntalk\tThe minister met his counterpart.\ntalk\tEnvoys discussed a truce.\n").unwrap();
    let model = dir.path().join("two.model");
    ok(&[
        "train",
        "--data",
        s(&data),
        "--out",
        s(&model),
        "--labels",
        "war,talk",
        "--min-df",
        "1",
        "--vocab-size",
        "100",
    ]);
    let out = ok(&["classify", "-", "--model", s(&model), "--format", "tsv"]);
    assert!(
        out.starts_with("index\tstart\tend\tlabel\tp_war\tp_talk\ttext"),
        "{out}"
    );
}

#[test]
fn fasttext_format_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("ft.txt");
    std::fs::write(
        &data,
        "__label__military_assessment Troops shelled the town.\n__label__other Rain fell.\n",
    )
    .unwrap();
    let out = ok(&["check", s(&data)]);
    assert!(out.contains("2 sentences"), "{out}");
}

#[test]
fn bayes_learner_trains_and_classifies() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("nb.model");
    train_small(
        &model,
        &[
            "--model-kind",
            "bayes",
            "--features",
            "500",
            "--vocab-size",
            "1000",
        ],
    );
    let out = ok(&[
        "eval",
        "--json",
        "--model",
        s(&model),
        "--data",
        s(&fixture("seed-article.jsonl")),
    ]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert!(v["accuracy"].as_f64().unwrap() > 0.0);
}

#[test]
fn word_vectors_travel_in_the_model_without_the_encoder() {
    let Some(encoder) = std::env::var_os("STANCE_MINILM_DIR") else {
        eprintln!("STANCE_MINILM_DIR unset; skipping the word-vector test");
        return;
    };
    // The encoder through links in a directory that is gone by the time the
    // model classifies: the distilled vectors must be all it needs.
    let dir = tempfile::tempdir().unwrap();
    let linked = dir.path().join("encoder");
    std::fs::create_dir(&linked).unwrap();
    for file in ["config.json", "model.safetensors", "tokenizer.json"] {
        std::os::unix::fs::symlink(std::path::Path::new(&encoder).join(file), linked.join(file))
            .unwrap();
    }
    let model = dir.path().join("wv.model");
    train_small(
        &model,
        &["--word-vectors", s(&linked), "--word-vector-dim", "32"],
    );
    std::fs::remove_dir_all(&linked).unwrap();
    let out = ok(&[
        "classify",
        s(&fixture("seed-article.txt")),
        "--model",
        s(&model),
        "--format",
        "jsonl",
        "--explain",
        "--top",
        "400",
    ]);
    let labels = common::jsonl_field(&out, "label");
    let gold = common::fixture_field("seed-article.jsonl", "label");
    assert_eq!(labels.len(), gold.len());
    let right = gold.iter().zip(&labels).filter(|(g, p)| g == p).count();
    assert!(right * 2 > gold.len(), "{right} of {} right", gold.len());
    assert!(
        out.contains("word-vector:"),
        "no token-vector column explained"
    );
}
