//! The default model shipped in `models/` works right after cloning.

mod common;

#[test]
fn default_model_labels_the_seed_article() {
    let article = common::fixture("seed-article.txt");
    let out = common::ok(&["classify", article.to_str().unwrap(), "--format", "jsonl"]);
    let gold = common::fixture_field("seed-article.jsonl", "label");
    let predicted = common::jsonl_field(&out, "label");
    assert_eq!(predicted.len(), 13);
    let right = gold.iter().zip(&predicted).filter(|(g, p)| g == p).count();
    assert!(right >= 10, "only {right} of 13 right: {predicted:?}");
}

#[test]
fn default_model_carries_its_training_record() {
    let model = stance::store::load(&common::repo("models/default.model")).unwrap();
    assert_eq!(model.labels(), &stance::LabelSet::default());
    assert!(model.info.sentences >= 8000);
    assert_eq!(model.info.data_sha256.len(), 64);
    assert!(model.info.created.starts_with("20") && model.info.created.ends_with('Z'));
    assert!(
        !model.info.metrics.is_empty(),
        "held-out metrics are recorded"
    );
}

#[test]
fn default_model_is_the_documented_configuration() {
    // README.md: distilled token vectors, no sentence encoder at classify time.
    let model = stance::store::load(&common::repo("models/default.model")).unwrap();
    let features = model.featurizer();
    assert_eq!(
        features.word_vector_dim(),
        stance::FeatureParams::default().word_vector_dim
    );
    assert!(features.params().embeddings.is_none());
}
