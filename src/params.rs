//! Hyperparameters, checked once before any work starts.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// How sentences become feature vectors.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeatureParams {
    /// Size of the WordPiece vocabulary trained on the corpus.
    pub vocab_size: usize,
    /// How many n-gram columns chi-square selection keeps.
    pub max_features: usize,
    /// Minimum number of training sentences an n-gram must occur in.
    pub min_df: usize,
    /// Whether to append the cue features.
    pub cues: bool,
    /// Scale of the cue features relative to the unit-length n-gram part.
    pub cue_weight: f32,
    /// A sentence-encoder directory (all-MiniLM-L6-v2 layout) whose
    /// embeddings are appended to every row; `None` for the fast model.
    pub embeddings: Option<String>,
    /// A sentence-encoder directory from which static token vectors are
    /// distilled at training time and stored in the model; `None`: no
    /// token-vector block.
    pub word_vectors: Option<String>,
    /// Scale of the unit-length token-vector block.
    pub word_vector_weight: f32,
    /// Principal components kept of the token vectors (at most the
    /// encoder's width).
    pub word_vector_dim: usize,
}

impl Default for FeatureParams {
    fn default() -> Self {
        FeatureParams {
            vocab_size: 8000,
            max_features: 3000,
            min_df: 2,
            cues: true,
            cue_weight: 1.0,
            embeddings: None,
            word_vectors: None,
            word_vector_weight: 0.5,
            word_vector_dim: 128,
        }
    }
}

/// Which linfa learner to train.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum LearnerKind {
    /// Multinomial logistic regression (linfa-logistic), the default.
    Logistic,
    /// Gaussian naive Bayes (linfa-bayes).
    Bayes,
}

impl LearnerKind {
    /// Parses `logistic` or `bayes`.
    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "logistic" | "lr" => Some(LearnerKind::Logistic),
            "bayes" | "nb" => Some(LearnerKind::Bayes),
            _ => None,
        }
    }

    /// The name users type.
    pub fn name(self) -> &'static str {
        match self {
            LearnerKind::Logistic => "logistic",
            LearnerKind::Bayes => "bayes",
        }
    }
}

/// Everything that shapes a trained model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainParams {
    /// The featurizer's settings.
    pub features: FeatureParams,
    /// The learner.
    pub kind: LearnerKind,
    /// L2 penalty of logistic regression (larger is smoother).
    pub alpha: f32,
    /// Maximum L-BFGS iterations of logistic regression (from 8,000 rows:
    /// this many on a quarter of the rows, then half as many on all of them).
    pub max_iter: u64,
    /// Variance smoothing of naive Bayes (share of the largest feature variance added to all).
    pub smoothing: f64,
    /// Whether to correct predictions for class imbalance in the training
    /// data, so every class is judged as if equally frequent.
    pub balance: bool,
}

impl Default for TrainParams {
    fn default() -> Self {
        TrainParams {
            features: FeatureParams::default(),
            kind: LearnerKind::Logistic,
            alpha: 1.0,
            max_iter: 80,
            smoothing: 1e-3,
            balance: true,
        }
    }
}

fn bad(name: &'static str, value: impl ToString, expected: &'static str) -> Error {
    Error::BadParam {
        name,
        value: value.to_string(),
        expected,
    }
}

/// Refuses a scale that is negative, infinite or NaN.
fn non_negative(name: &'static str, value: f32) -> Result<()> {
    if value.is_finite() && value >= 0.0 {
        Ok(())
    } else {
        Err(bad(name, value, "a finite number >= 0"))
    }
}

impl TrainParams {
    /// Checks every value, naming the first one out of range.
    pub fn check(&self) -> Result<()> {
        let f = &self.features;
        if !(100..=1_000_000).contains(&f.vocab_size) {
            return Err(bad("vocab-size", f.vocab_size, "between 100 and 1000000"));
        }
        if !(1..=1_000_000).contains(&f.max_features) {
            return Err(bad("features", f.max_features, "between 1 and 1000000"));
        }
        if f.min_df == 0 {
            return Err(bad("min-df", f.min_df, "at least 1"));
        }
        non_negative("cue-weight", f.cue_weight)?;
        non_negative("word-vector-weight", f.word_vector_weight)?;
        if !(1..=4096).contains(&f.word_vector_dim) {
            return Err(bad(
                "word-vector-dim",
                f.word_vector_dim,
                "between 1 and 4096",
            ));
        }
        if !(self.alpha.is_finite() && self.alpha > 0.0) {
            return Err(bad("alpha", self.alpha, "a finite number > 0"));
        }
        if self.max_iter == 0 {
            return Err(bad("max-iter", self.max_iter, "at least 1"));
        }
        if !(self.smoothing.is_finite() && self.smoothing > 0.0) {
            return Err(bad("smoothing", self.smoothing, "a finite number > 0"));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_pass_the_check() {
        assert!(TrainParams::default().check().is_ok());
    }

    #[test]
    fn negative_alpha_is_named() {
        let p = TrainParams {
            alpha: -1.0,
            ..TrainParams::default()
        };
        let msg = p.check().unwrap_err().to_string();
        assert!(msg.contains("alpha") && msg.contains("-1"), "{msg}");
    }
}
