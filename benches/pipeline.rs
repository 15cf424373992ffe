//! Criterion benches of the inner loops: splitting, featurizing and the
//! whole classify path, on the articles of `data/test.jsonl`.

use std::collections::BTreeMap;
use std::path::Path;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};

use stance::corpus::{self, Format};
use stance::cues::Context;
use stance::{segment, Classifier, LabelSet, TrainParams};

/// The test articles as plain text, one string per article.
fn articles() -> Vec<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let examples = corpus::read(
        &root.join("data/test.jsonl"),
        Format::Jsonl,
        &LabelSet::default(),
    )
    .expect("data/test.jsonl");
    let mut by_article: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for ex in examples {
        by_article
            .entry(ex.group().to_string())
            .or_default()
            .push(ex.text);
    }
    by_article.into_values().map(|s| s.join("\n\n")).collect()
}

/// The shipped default model, or one trained on the test fixture if it is missing.
fn model() -> Classifier {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    if let Ok(model) = stance::store::load(&root.join("models/default.model")) {
        return model;
    }
    let data = corpus::read(
        &root.join("tests/fixtures/small.jsonl"),
        Format::Jsonl,
        &LabelSet::default(),
    )
    .expect("fixture");
    Classifier::train(&TrainParams::default(), LabelSet::default(), &data).expect("training")
}

fn benches(c: &mut Criterion) {
    let articles = articles();
    let model = model();
    let sentences: Vec<String> = articles
        .iter()
        .flat_map(|a| {
            segment::split(a)
                .into_iter()
                .map(move |s| a[s.start..s.end].to_string())
        })
        .collect();
    let bytes: usize = articles.iter().map(String::len).sum();

    let mut group = c.benchmark_group("pipeline");
    group.sample_size(10);
    group.throughput(Throughput::Bytes(bytes as u64));
    group.bench_function("segment/articles", |b| {
        b.iter(|| {
            articles
                .iter()
                .map(|a| segment::split(a).len())
                .sum::<usize>()
        })
    });
    group.throughput(Throughput::Elements(sentences.len() as u64));
    group.bench_function("featurize/sentences", |b| {
        b.iter(|| {
            sentences
                .iter()
                .map(|s| {
                    model
                        .featurizer()
                        .transform(s, Context::default())
                        .expect("transform")
                        .len()
                })
                .sum::<usize>()
        })
    });
    for threads in [1, 2] {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .expect("pool");
        group.bench_with_input(
            BenchmarkId::new("classify/sentences", threads),
            &threads,
            |b, _| {
                b.iter(|| {
                    pool.install(|| {
                        articles
                            .iter()
                            .map(|a| model.classify_article(a).expect("classify").len())
                            .sum::<usize>()
                    })
                })
            },
        );
    }
    group.finish();
}

criterion_group!(pipeline, benches);
criterion_main!(pipeline);
