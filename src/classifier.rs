//! The whole model: label set, featurizer and learner, with what is known
//! of its training; trains on examples and labels sentences and articles.

use ndarray::parallel::prelude::*;
use ndarray::{Array2, Axis};
use serde::{Deserialize, Serialize};

use crate::corpus::{self, Example};
use crate::cues::{self, Context};
use crate::error::{Error, Result};
use crate::featurize::Featurizer;
use crate::labels::LabelSet;
use crate::learner::Learner;
use crate::metrics::Report;
use crate::params::TrainParams;
use crate::segment::{self, Span};

/// What is known of how a model was trained.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct TrainingInfo {
    /// When training finished, as `YYYY-MM-DDTHH:MM:SSZ`.
    pub created: String,
    /// The training data file, as given.
    pub data_file: String,
    /// SHA-256 of the training data file's bytes.
    pub data_sha256: String,
    /// Sentences trained on.
    pub sentences: usize,
    /// Articles trained on.
    pub articles: usize,
    /// Sentences of each class, in label-set order.
    pub class_counts: Vec<usize>,
    /// The version of stance that trained the model.
    pub stance_version: String,
    /// Metrics measured on data the model did not see, with what they were measured on.
    pub metrics: Vec<(String, Report)>,
}

/// A trained sentence classifier.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Classifier {
    labels: LabelSet,
    params: TrainParams,
    featurizer: Featurizer,
    learner: Learner,
    /// Added to log-probabilities before renormalising: the class-balance correction.
    log_bias: Vec<f32>,
    /// How the model was made.
    pub info: TrainingInfo,
}

/// One sentence's label and the probability of every label.
#[derive(Debug, Clone, PartialEq)]
pub struct Prediction {
    /// The predicted class id.
    pub label: usize,
    /// The probability of each class id.
    pub probabilities: Vec<f32>,
}

/// A labelled sentence of an article.
#[derive(Debug, Clone)]
pub struct Labelled {
    /// Where the sentence sits in the article (byte offsets).
    pub span: Span,
    /// Its label and probabilities.
    pub prediction: Prediction,
    /// Its context, kept so explanations see what prediction saw.
    pub context: Context,
}

/// The contexts of examples: consecutive sentences of one article form a
/// sequence; a sentence without an article stands alone (and is not taken
/// for an article's first line).
pub fn example_contexts(examples: &[Example]) -> Vec<Context> {
    let mut out = Vec::with_capacity(examples.len());
    let mut i = 0;
    while i < examples.len() {
        let group = examples[i].article.as_deref();
        let mut j = i + 1;
        while group.is_some() && j < examples.len() && examples[j].article.as_deref() == group {
            j += 1;
        }
        let texts: Vec<&str> = examples[i..j].iter().map(|e| e.text.as_str()).collect();
        let mut ctx = cues::contexts(&texts);
        if group.is_none() {
            ctx[0].position = 1;
        }
        out.extend(ctx);
        i = j;
    }
    out
}

impl Classifier {
    /// Trains a classifier; `params` must have passed [`TrainParams::check`].
    pub fn train(params: &TrainParams, labels: LabelSet, examples: &[Example]) -> Result<Self> {
        let counts = corpus::class_counts(examples, labels.len());
        if counts.iter().filter(|&&c| c > 0).count() < 2 {
            let only = counts
                .iter()
                .position(|&c| c > 0)
                .map_or("none", |i| labels.name(i));
            return Err(Error::OneClass(only.to_string()));
        }
        let texts: Vec<&str> = examples.iter().map(|e| e.text.as_str()).collect();
        let contexts = example_contexts(examples);
        let y: Vec<usize> = examples.iter().map(|e| e.label).collect();
        let (featurizer, rows) =
            Featurizer::fit_transform(&params.features, &texts, &contexts, &y, labels.len())?;
        let learner = Learner::fit(params, &rows, featurizer.dim(), &y)?;
        let log_bias = balance_bias(&counts, params.balance);
        let info = TrainingInfo {
            created: utc_now(),
            sentences: examples.len(),
            articles: corpus::groups(examples).len(),
            class_counts: counts,
            stance_version: env!("CARGO_PKG_VERSION").to_string(),
            ..TrainingInfo::default()
        };
        Ok(Classifier {
            labels,
            params: params.clone(),
            featurizer,
            learner,
            log_bias,
            info,
        })
    }

    /// The model's label set.
    pub fn labels(&self) -> &LabelSet {
        &self.labels
    }

    /// The parameters the model was trained with.
    pub fn params(&self) -> &TrainParams {
        &self.params
    }

    /// The featurizer.
    pub fn featurizer(&self) -> &Featurizer {
        &self.featurizer
    }

    /// Rebuilds what is not stored, after loading.
    pub(crate) fn prepare(&mut self) -> Result<()> {
        self.featurizer.prepare()
    }

    /// Predicts sentences given with their contexts.
    pub fn predict(&self, texts: &[&str], contexts: &[Context]) -> Result<Vec<Prediction>> {
        // Blocks of rows rather than all at once: memory stays flat on large
        // inputs and the allocator reuses the same pages.
        const BLOCK: usize = 8192;
        let mut out = Vec::with_capacity(texts.len());
        for (texts, contexts) in texts.chunks(BLOCK).zip(contexts.chunks(BLOCK)) {
            let rows = self.featurizer.transform_all(texts, contexts)?;
            let probs = self
                .learner
                .probabilities(&rows, self.featurizer.dim(), self.labels.len());
            out.extend(self.finish(probs));
        }
        Ok(out)
    }

    /// Predicts labelled examples (their own labels are ignored).
    pub fn predict_examples(&self, examples: &[Example]) -> Result<Vec<Prediction>> {
        let texts: Vec<&str> = examples.iter().map(|e| e.text.as_str()).collect();
        self.predict(&texts, &example_contexts(examples))
    }

    /// Splits an article into sentences and labels each one.
    pub fn classify_article(&self, text: &str) -> Result<Vec<Labelled>> {
        let spans = segment::split(text);
        let texts: Vec<&str> = spans.iter().map(|s| &text[s.start..s.end]).collect();
        let contexts = cues::contexts(&texts);
        let predictions = self.predict(&texts, &contexts)?;
        Ok(spans
            .into_iter()
            .zip(predictions)
            .zip(contexts)
            .map(|((span, prediction), context)| Labelled {
                span,
                prediction,
                context,
            })
            .collect())
    }

    /// The `top` features that pushed a sentence hardest toward `class`,
    /// with their push; `None` for learners without per-feature weights.
    pub fn explain(
        &self,
        text: &str,
        ctx: Context,
        class: usize,
        top: usize,
    ) -> Result<Option<Vec<(String, f32)>>> {
        let row = self.featurizer.transform(text, ctx)?;
        let Some(mut pushes) = self.learner.contributions(&row, class) else {
            return Ok(None);
        };
        pushes.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        Ok(Some(
            pushes
                .into_iter()
                .take(top)
                .filter(|p| p.1 > 0.0)
                .map(|(col, push)| (self.featurizer.column_name(col as usize), push))
                .collect(),
        ))
    }

    fn finish(&self, probs: Array2<f32>) -> Vec<Prediction> {
        let bias: Vec<f32> = self.log_bias.iter().map(|b| b.exp()).collect();
        probs
            .axis_iter(Axis(0))
            .into_par_iter()
            .map(|p| {
                let mut probabilities: Vec<f32> = p.iter().zip(&bias).map(|(v, b)| v * b).collect();
                let total: f32 = probabilities.iter().sum();
                if total > 0.0 {
                    probabilities.iter_mut().for_each(|v| *v /= total);
                }
                Prediction {
                    label: argmax(&probabilities),
                    probabilities,
                }
            })
            .collect()
    }
}

/// The current time as `YYYY-MM-DDTHH:MM:SSZ`.
fn utc_now() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    utc_timestamp(secs)
}

/// Formats seconds since the Unix epoch as an ISO 8601 UTC timestamp
/// (Howard Hinnant's days-to-civil algorithm, so no date crate is needed).
fn utc_timestamp(secs: u64) -> String {
    let days = (secs / 86_400) as i64 + 719_468;
    let era = days.div_euclid(146_097);
    let doe = days.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    let rest = secs % 86_400;
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rest / 3600,
        rest % 3600 / 60,
        rest % 60
    )
}

/// The index of the largest value (the first on ties).
fn argmax(values: &[f32]) -> usize {
    values
        .iter()
        .enumerate()
        .fold((0, f32::NEG_INFINITY), |best, (i, &v)| {
            if v > best.1 {
                (i, v)
            } else {
                best
            }
        })
        .0
}

/// Log-probability offsets that undo the training class priors: dividing
/// each class's probability by its training share judges every class as
/// if equally common, which is what macro-averaged scores reward.
fn balance_bias(counts: &[usize], balance: bool) -> Vec<f32> {
    let total: usize = counts.iter().sum();
    counts
        .iter()
        .map(|&c| {
            if !balance || c == 0 {
                0.0
            } else {
                -((c as f32) / (total as f32) * counts.len() as f32).ln()
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn balance_bias_is_zero_for_equal_classes() {
        assert!(balance_bias(&[5, 5, 5, 5], true)
            .iter()
            .all(|b| b.abs() < 1e-6));
    }

    #[test]
    fn balance_bias_lifts_rare_classes() {
        let bias = balance_bias(&[10, 30], true);
        assert!(bias[0] > bias[1]);
    }

    #[test]
    fn timestamps_match_known_dates() {
        assert_eq!(utc_timestamp(0), "1970-01-01T00:00:00Z");
        // 2024-02-29T12:34:56Z, a leap day, per `date -u -d @1709210096`.
        assert_eq!(utc_timestamp(1_709_210_096), "2024-02-29T12:34:56Z");
    }

    #[test]
    fn argmax_takes_the_first_of_ties() {
        assert_eq!(argmax(&[0.2, 0.4, 0.4]), 1);
    }
}
