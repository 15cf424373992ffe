//! Scoring a classifier on labelled data, and cross-validation grouped by article.

use rayon::prelude::*;

use crate::classifier::{Classifier, Prediction};
use crate::corpus::{self, Example};
use crate::error::Result;
use crate::labels::LabelSet;
use crate::metrics::{CvReport, Report};
use crate::params::TrainParams;

/// Scores a classifier on examples, returning the report and each prediction.
pub fn evaluate(model: &Classifier, examples: &[Example]) -> Result<(Report, Vec<Prediction>)> {
    let predictions = model.predict_examples(examples)?;
    let gold: Vec<usize> = examples.iter().map(|e| e.label).collect();
    let predicted: Vec<usize> = predictions.iter().map(|p| p.label).collect();
    Ok((Report::new(model.labels(), &gold, &predicted), predictions))
}

/// Trains and scores `k` times, each time holding out one fold of articles.
pub fn cross_validate(
    params: &TrainParams,
    labels: &LabelSet,
    examples: &[Example],
    k: usize,
    seed: u64,
) -> Result<CvReport> {
    let folds = corpus::article_folds(examples, k, seed)?;
    let results: Vec<(Vec<usize>, Vec<usize>)> = (0..k)
        .into_par_iter()
        .map(|fold| {
            let train = in_folds(examples, &folds, |f| f != fold);
            let test = in_folds(examples, &folds, |f| f == fold);
            let model = Classifier::train(params, labels.clone(), &train)?;
            let predicted = model
                .predict_examples(&test)?
                .into_iter()
                .map(|p| p.label)
                .collect();
            Ok((test.iter().map(|e| e.label).collect(), predicted))
        })
        .collect::<Result<_>>()?;
    let reports = results
        .iter()
        .map(|(g, p)| Report::new(labels, g, p))
        .collect();
    let gold: Vec<usize> = results.iter().flat_map(|r| r.0.iter().copied()).collect();
    let predicted: Vec<usize> = results.iter().flat_map(|r| r.1.iter().copied()).collect();
    Ok(CvReport::new(
        reports,
        Report::new(labels, &gold, &predicted),
    ))
}

/// The examples whose fold passes `keep`.
fn in_folds(examples: &[Example], folds: &[usize], keep: impl Fn(usize) -> bool) -> Vec<Example> {
    examples
        .iter()
        .zip(folds)
        .filter(|(_, &f)| keep(f))
        .map(|(e, _)| e.clone())
        .collect()
}
