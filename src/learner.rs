//! The linfa learners behind a classifier: fit on a dense matrix, predict
//! class probabilities from sparse rows.

use linfa::prelude::*;
use linfa_bayes::{GaussianNb, NaiveBayes};
use linfa_logistic::{MultiFittedLogisticRegression, MultiLogisticRegression};
use ndarray::{Array1, Array2, Axis};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::featurize::SparseRow;
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
    /// Fits the learner `params.kind` on rows `x` with class ids `y`.
    pub fn fit(params: &TrainParams, x: Array2<f32>, y: &[usize]) -> Result<Self> {
        let targets = Array1::from(y.to_vec());
        match params.kind {
            LearnerKind::Logistic => {
                let data = Dataset::new(x, targets);
                let model = MultiLogisticRegression::default()
                    .alpha(params.alpha)
                    .max_iterations(params.max_iter)
                    .fit(&data)
                    .map_err(|e| Error::Fit(e.to_string()))?;
                Ok(Learner::Logistic(model))
            }
            LearnerKind::Bayes => {
                let data = Dataset::new(x.mapv(f64::from), targets);
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
                let x = crate::featurize::dense(rows, dim).mapv(f64::from);
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
    let mut out = Array2::zeros((rows.len(), n_classes));
    for (mut probs, row) in out.axis_iter_mut(Axis(0)).zip(rows) {
        let mut scores = b.clone();
        for &(col, v) in row {
            scores.scaled_add(v, &w.row(col as usize));
        }
        let max = scores.fold(f32::NEG_INFINITY, |m, &s| m.max(s));
        scores.mapv_inplace(|s| (s - max).exp());
        let total = scores.sum();
        for (j, &class) in classes.iter().enumerate() {
            probs[class] = scores[j] / total;
        }
    }
    out
}
