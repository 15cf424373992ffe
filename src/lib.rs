//! stance labels each sentence of a news article as an official quote, a
//! policy claim, a military assessment or other.
//!
//! The pipeline, in order:
//!
//! 1. [`corpus`] reads labelled sentences (JSON Lines, TSV or fastText
//!    lines), checks them against a [`LabelSet`], and splits them by article.
//! 2. [`segment`] splits a raw article into sentences with exact offsets.
//! 3. [`cues`] reads each sentence's quotation spans, speakers, reporting
//!    verbs and shape, and carries an open quotation to the next sentence.
//! 4. [`featurize`] tokenizes with the `tokenizers` crate and a WordPiece
//!    vocabulary built from the training data ([`vocab`]), keeps the most
//!    informative n-grams (also split by whether they are quoted) with tf-idf
//!    weights, and appends the cues and, optionally, the mean of token
//!    vectors distilled from a pretrained encoder ([`wordvec`]) and that
//!    encoder's sentence embeddings, run in pure Rust ([`embed`]).
//! 5. [`learner`] fits a linfa model (multinomial logistic regression, or
//!    Gaussian naive Bayes) and predicts class probabilities.
//! 6. [`classifier`] ties these together; [`store`] saves it as one
//!    versioned, checksummed file, written atomically.
//! 7. [`metrics`] and [`evaluate`] score it: per-class precision, recall and
//!    F1, macro-F1, confusion matrix, cross-validation grouped by article.

pub mod classifier;
pub mod corpus;
pub mod cues;
pub mod embed;
pub mod error;
pub mod evaluate;
pub mod featurize;
pub mod labels;
pub mod learner;
pub mod metrics;
mod packed;
pub mod params;
pub mod rng;
pub mod segment;
pub mod store;
pub mod vocab;
pub mod wordvec;

pub use classifier::{Classifier, Prediction};
pub use error::{Error, Result};
pub use labels::LabelSet;
pub use params::{FeatureParams, LearnerKind, TrainParams};
