//! The shipped corpus passes the validator and matches the documented split.

use std::collections::{HashMap, HashSet};

use stance::corpus::{self, Example, Format};
use stance::LabelSet;

mod common;

fn read(name: &str) -> Vec<Example> {
    let path = common::repo(name);
    let examples = corpus::read(&path, Format::Jsonl, &LabelSet::default()).unwrap();
    corpus::check_unique(&path, &examples).unwrap();
    examples
}

#[test]
fn corpus_is_large_whole_articles_with_every_label() {
    let all = read("data/corpus.jsonl");
    assert!(all.len() >= 8000, "{} sentences", all.len());
    let mut sizes: HashMap<&str, usize> = HashMap::new();
    for ex in &all {
        *sizes
            .entry(ex.article.as_deref().expect("every row names its article"))
            .or_default() += 1;
        assert_eq!(ex.source.as_deref(), Some("written"), "line {}", ex.line);
    }
    assert!(sizes.len() >= 400, "{} articles", sizes.len());
    assert!(
        sizes.values().all(|n| (12..=25).contains(n)),
        "an article outside 12-25 sentences"
    );
    for (label, n) in LabelSet::default()
        .names()
        .iter()
        .zip(corpus::class_counts(&all, 4))
    {
        assert!(n >= 1200, "{label}: {n}");
    }
}

#[test]
fn articles_are_contiguous_in_the_file() {
    let all = read("data/corpus.jsonl");
    let mut finished = HashSet::new();
    for pair in all.windows(2) {
        if pair[0].group() != pair[1].group() {
            assert!(
                finished.insert(pair[0].group().to_string()),
                "article {} is split up",
                pair[0].group()
            );
            assert!(
                !finished.contains(pair[1].group()),
                "article {} comes back",
                pair[1].group()
            );
        }
    }
}

#[test]
fn train_and_test_are_the_documented_split() {
    let all = read("data/corpus.jsonl");
    let (train, test) = corpus::split_by_article(&all, 0.2, 2026);
    let ids = |v: &[Example]| v.iter().map(|e| e.id.clone()).collect::<Vec<_>>();
    let (train_file, test_file) = (read("data/train.jsonl"), read("data/test.jsonl"));
    assert_eq!(ids(&train), ids(&train_file));
    assert_eq!(ids(&test), ids(&test_file));
    let train_articles: HashSet<&str> = train_file.iter().map(Example::group).collect();
    assert!(test_file
        .iter()
        .all(|e| !train_articles.contains(e.group())));
    let labels = |v: &[Example]| v.iter().map(|e| e.label).collect::<Vec<_>>();
    assert_eq!(labels(&train), labels(&train_file));
}

/// Runs `stance check` on two repo files and asserts that both pass: each
/// valid, and no article or text in both.
fn check_apart(a: &str, b: &str) {
    let (a, b) = (common::repo(a), common::repo(b));
    let out = common::ok(&["check", a.to_str().unwrap(), b.to_str().unwrap()]);
    assert_eq!(out.lines().count(), 2, "{out}");
}

#[test]
fn check_command_accepts_the_split_and_rejects_overlap() {
    check_apart("data/train.jsonl", "data/test.jsonl");
    let train = common::repo("data/train.jsonl");
    let err = common::fails(&["check", train.to_str().unwrap(), train.to_str().unwrap()]);
    assert!(err.contains("also in"), "{err}");
}

#[test]
fn held_back_wave_is_valid_and_apart_from_the_corpus() {
    check_apart("data/corpus.jsonl", "data/held-back/wave5-outlets.jsonl");
}

#[test]
fn validator_rejects_duplicate_ids_and_texts() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("dups.jsonl");
    std::fs::write(&path, "{\"id\": \"a\", \"text\": \"One.\", \"label\": \"other\"}\n{\"id\": \"a\", \"text\": \"Two.\", \"label\": \"other\"}\n").unwrap();
    let err = common::fails(&["check", path.to_str().unwrap()]);
    assert!(err.contains(":2:") && err.contains("duplicate id"), "{err}");
    std::fs::write(&path, "{\"id\": \"a\", \"text\": \"One.\", \"label\": \"other\"}\n{\"id\": \"b\", \"text\": \"One.\", \"label\": \"other\"}\n").unwrap();
    let err = common::fails(&["check", path.to_str().unwrap()]);
    assert!(
        err.contains(":2:") && err.contains("duplicate text"),
        "{err}"
    );
}
