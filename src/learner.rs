//! The linfa learners behind a classifier: fit on a dense matrix, predict
//! class probabilities from sparse rows.

use linfa::prelude::*;
use linfa_bayes::{GaussianNb, NaiveBayes};
use linfa_logistic::{MultiFittedLogisticRegression, MultiLogisticRegression};
use ndarray::parallel::prelude::*;
use ndarray::{Array1, Array2, Axis};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::featurize::{dense, SparseRow};
use crate::params::{LearnerKind, TrainParams};

/// A fitted linfa model.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum Learner {
    /// Multinomial logistic regression.
    Logistic(MultiFittedLogisticRegression<f32, usize>),
    /// Gaussian naive Bayes.
    Bayes(GaussianNb<f64, usize>),
}

impl Learner {
    /// Fits the learner `params.kind` on sparse rows of width `dim` with class ids `y`.
    pub fn fit(params: &TrainParams, rows: &[SparseRow], dim: usize, y: &[usize]) -> Result<Self> {
        match params.kind {
            LearnerKind::Logistic => {
                let start = warm_start(params, rows, dim, y)?;
                let iterations = if start.is_some() {
                    refine_iterations(params.max_iter)
                } else {
                    params.max_iter
                };
                fit_logistic(params.alpha, dense(rows, dim), y, iterations, start)
                    .map(Learner::Logistic)
            }
            LearnerKind::Bayes => {
                let data = Dataset::new(dense(rows, dim).mapv(f64::from), Array1::from(y.to_vec()));
                let model = GaussianNb::params()
                    .var_smoothing(params.smoothing)
                    .fit(&data)
                    .map_err(|e| Error::Fit(e.to_string()))?;
                Ok(Learner::Bayes(model))
            }
        }
    }

    /// Class probabilities for each row, one column per class id in `0..n_classes`;
    /// a class absent from training gets probability 0.
    pub fn probabilities(&self, rows: &[SparseRow], dim: usize, n_classes: usize) -> Array2<f32> {
        match self {
            Learner::Logistic(model) => logistic_probabilities(model, rows, n_classes),
            Learner::Bayes(model) => {
                let x = dense(rows, dim).mapv(f64::from);
                let (p, classes) = model.predict_proba(x.view());
                let mut out = Array2::zeros((rows.len(), n_classes));
                for (j, &&class) in classes.iter().enumerate() {
                    out.column_mut(class)
                        .assign(&p.column(j).mapv(|v| v as f32));
                }
                out
            }
        }
    }

    /// Each nonzero feature's push toward `class` (its weight for the class
    /// less its mean weight over classes, times its value); logistic only.
    pub fn contributions(&self, row: &SparseRow, class: usize) -> Option<Vec<(u32, f32)>> {
        let Learner::Logistic(model) = self else {
            return None;
        };
        let j = model.classes().iter().position(|&c| c == class)?;
        let w = model.params();
        let k = w.ncols() as f32;
        Some(
            row.iter()
                .map(|&(col, v)| {
                    let weights = w.row(col as usize);
                    (col, v * (weights[j] - weights.sum() / k))
                })
                .collect(),
        )
    }
}

/// Softmax of the sparse linear scores: the same numbers linfa's
/// `predict_probabilities` gives, without building a dense matrix.
fn logistic_probabilities(
    model: &MultiFittedLogisticRegression<f32, usize>,
    rows: &[SparseRow],
    n_classes: usize,
) -> Array2<f32> {
    let (w, b, classes) = (model.params(), model.intercept(), model.classes());
    // Plain slices: a row has a few hundred nonzeros, each adding one short
    // weight row, where ndarray's per-call overhead outweighed the adds.
    let k = w.ncols();
    let weights = w.as_standard_layout();
    let weights = weights.as_slice().expect("standard layout is contiguous");
    let intercept = b.to_vec();
    // Row by row on the worker threads: classify calls this on blocks of
    // thousands of sentences, and done serially it capped 2-thread scaling.
    let mut out = Array2::zeros((rows.len(), n_classes));
    out.axis_iter_mut(Axis(0))
        .into_par_iter()
        .zip(rows)
        .for_each_init(Vec::new, |scores, (mut probs, row)| {
            scores.clone_from(&intercept);
            for &(col, v) in row {
                let start = col as usize * k;
                for (s, &wj) in scores.iter_mut().zip(&weights[start..start + k]) {
                    *s += v * wj;
                }
            }
            let max = scores.iter().fold(f32::NEG_INFINITY, |m, &s| m.max(s));
            scores.iter_mut().for_each(|s| *s = (*s - max).exp());
            let total: f32 = scores.iter().sum();
            for (&score, &class) in scores.iter().zip(classes) {
                probs[class] = score / total;
            }
        });
    out
}

/// Rows below which the logistic model is fitted in one go.
const WARM_START_ROWS: usize = 8000;
/// One row in this many (at least) makes the warm-start sample.
const WARM_START_STRIDE: usize = 4;
/// The most rows a warm-start sample holds: beyond this, a larger sample
/// barely moves the starting weights but its fit would grow with the data
/// and make training time grow faster than the corpus.
const WARM_START_MAX_SAMPLE: usize = 8000;

/// The sampling stride for a warm start on `n` rows.
fn warm_start_stride(n: usize) -> usize {
    WARM_START_STRIDE.max(n.div_ceil(WARM_START_MAX_SAMPLE))
}

/// L-BFGS iterations on all rows after a warm start.
fn refine_iterations(max_iter: u64) -> u64 {
    (max_iter / 2).max(1)
}

/// Starting weights for a large logistic fit: the same fit on every
/// `WARM_START_STRIDE`-th row (at most `WARM_START_MAX_SAMPLE` rows). Each
/// L-BFGS iteration costs a few reads of the whole dense matrix, so
/// `max_iter` iterations on a quarter of it and half as many on all of it
/// cost 60% of a cold fit, with the same grouped-CV macro-F1 (0.879 on
/// data/train.jsonl; refining for a quarter gave 0.875); `None` for small
/// data or a sample missing a class.
fn warm_start(
    params: &TrainParams,
    rows: &[SparseRow],
    dim: usize,
    y: &[usize],
) -> Result<Option<Array2<f32>>> {
    if rows.len() < WARM_START_ROWS {
        return Ok(None);
    }
    let stride = warm_start_stride(rows.len());
    let sample_y: Vec<usize> = y.iter().step_by(stride).copied().collect();
    if distinct(&sample_y) != distinct(y) {
        return Ok(None);
    }
    // linfa's loss sums over rows: a quarter of the rows needs a quarter of
    // the penalty to aim at the same weights.
    let alpha = params.alpha / stride as f32;
    let x = dense(rows.iter().step_by(stride), dim);
    let model = fit_logistic(alpha, x, &sample_y, params.max_iter, None)?;
    let intercept = model.intercept().view().insert_axis(Axis(0));
    let start = ndarray::concatenate(Axis(0), &[model.params().view(), intercept])
        .map_err(|e| Error::Fit(e.to_string()))?;
    Ok(Some(start))
}

fn distinct(y: &[usize]) -> Vec<usize> {
    let mut classes = y.to_vec();
    classes.sort_unstable();
    classes.dedup();
    classes
}

/// One linfa multinomial logistic fit.
fn fit_logistic(
    alpha: f32,
    x: Array2<f32>,
    y: &[usize],
    iterations: u64,
    start: Option<Array2<f32>>,
) -> Result<MultiFittedLogisticRegression<f32, usize>> {
    let data = Dataset::new(x, Array1::from(y.to_vec()));
    let mut model = MultiLogisticRegression::default()
        .alpha(alpha)
        .max_iterations(iterations);
    if let Some(start) = start {
        model = model.initial_params(start);
    }
    model.fit(&data).map_err(|e| Error::Fit(e.to_string()))
}
