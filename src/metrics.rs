//! Accuracy, per-class precision / recall / F1, macro-F1 and the confusion
//! matrix, and their mean and spread over cross-validation folds.

use std::fmt::{self, Write};

use serde::{Deserialize, Serialize};

use crate::labels::LabelSet;

/// Precision, recall, F1 and support of one class.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClassScore {
    /// The label.
    pub label: String,
    /// Share of predictions of this label that were right.
    pub precision: f64,
    /// Share of sentences of this label that were found.
    pub recall: f64,
    /// Harmonic mean of precision and recall.
    pub f1: f64,
    /// Sentences of this label in the gold data.
    pub support: usize,
}

/// Rows are gold labels, columns predicted labels.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Confusion {
    /// Labels in row and column order.
    pub labels: Vec<String>,
    /// Counts: `matrix[gold][predicted]`.
    pub matrix: Vec<Vec<usize>>,
}

/// The scores of one evaluation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// Sentences scored.
    pub n: usize,
    /// Share of sentences labelled right.
    pub accuracy: f64,
    /// Unweighted mean F1 over the classes that occur in gold or predictions.
    pub macro_f1: f64,
    /// Scores of each class.
    pub per_class: Vec<ClassScore>,
    /// The confusion matrix.
    pub confusion: Confusion,
}

fn ratio(a: usize, b: usize) -> f64 {
    if b == 0 {
        0.0
    } else {
        a as f64 / b as f64
    }
}

impl Report {
    /// Scores predicted class ids against gold class ids.
    pub fn new(labels: &LabelSet, gold: &[usize], predicted: &[usize]) -> Self {
        let k = labels.len();
        let mut matrix = vec![vec![0usize; k]; k];
        for (&g, &p) in gold.iter().zip(predicted) {
            matrix[g][p] += 1;
        }
        let per_class: Vec<ClassScore> = (0..k)
            .map(|c| {
                let tp = matrix[c][c];
                let support: usize = matrix[c].iter().sum();
                let predicted: usize = matrix.iter().map(|row| row[c]).sum();
                let (p, r) = (ratio(tp, predicted), ratio(tp, support));
                let f1 = if p + r > 0.0 {
                    2.0 * p * r / (p + r)
                } else {
                    0.0
                };
                ClassScore {
                    label: labels.name(c).to_string(),
                    precision: p,
                    recall: r,
                    f1,
                    support,
                }
            })
            .collect();
        let seen: Vec<&ClassScore> = per_class
            .iter()
            .enumerate()
            .filter(|(c, s)| s.support > 0 || matrix.iter().any(|row| row[*c] > 0))
            .map(|(_, s)| s)
            .collect();
        let macro_f1 = seen.iter().map(|s| s.f1).sum::<f64>() / seen.len().max(1) as f64;
        let correct: usize = (0..k).map(|c| matrix[c][c]).sum();
        Report {
            n: gold.len(),
            accuracy: ratio(correct, gold.len()),
            macro_f1,
            per_class,
            confusion: Confusion {
                labels: labels.names().to_vec(),
                matrix,
            },
        }
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "sentences {}   accuracy {:.3}   macro-F1 {:.3}",
            self.n, self.accuracy, self.macro_f1
        )?;
        writeln!(f)?;
        let width = self
            .per_class
            .iter()
            .map(|s| s.label.len())
            .max()
            .unwrap_or(5)
            .max(5);
        writeln!(f, "{:<width$}  precision  recall     f1  support", "label")?;
        for s in &self.per_class {
            writeln!(
                f,
                "{:<width$}  {:>9.3}  {:>6.3}  {:>5.3}  {:>7}",
                s.label, s.precision, s.recall, s.f1, s.support
            )?;
        }
        writeln!(f)?;
        f.write_str(&confusion_table(&self.confusion))
    }
}

/// The confusion matrix as a text table with short column heads.
fn confusion_table(c: &Confusion) -> String {
    let width = c.labels.iter().map(String::len).max().unwrap_or(5);
    let heads: Vec<String> = c
        .labels
        .iter()
        .map(|l| l.chars().take(7).collect())
        .collect();
    let mut out = format!(
        "{:<width$}  (gold \\ predicted)\n{:<width$}",
        "confusion", ""
    );
    heads.iter().for_each(|h| {
        let _ = write!(out, " {h:>7}");
    });
    out.push('\n');
    for (label, row) in c.labels.iter().zip(&c.matrix) {
        let _ = write!(out, "{label:<width$}");
        row.iter().for_each(|n| {
            let _ = write!(out, " {n:>7}");
        });
        out.push('\n');
    }
    out
}

/// A mean and standard deviation.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Spread {
    /// The mean.
    pub mean: f64,
    /// The sample standard deviation (0 for one value).
    pub std: f64,
}

impl Spread {
    /// The mean and spread of some values.
    pub fn of(values: &[f64]) -> Self {
        let n = values.len().max(1) as f64;
        let mean = values.iter().sum::<f64>() / n;
        let var = if values.len() > 1 {
            values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0)
        } else {
            0.0
        };
        Spread {
            mean,
            std: var.sqrt(),
        }
    }
}

impl fmt::Display for Spread {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:.3} ± {:.3}", self.mean, self.std)
    }
}

/// Cross-validation results: each fold's report, their spread, and the pooled report.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CvReport {
    /// One report per fold.
    pub folds: Vec<Report>,
    /// Accuracy over folds.
    pub accuracy: Spread,
    /// Macro-F1 over folds.
    pub macro_f1: Spread,
    /// Each class's F1 over folds, in label order.
    pub class_f1: Vec<(String, Spread)>,
    /// All folds' predictions scored together.
    pub pooled: Report,
}

impl CvReport {
    /// Summarises fold reports and the pooled one.
    pub fn new(folds: Vec<Report>, pooled: Report) -> Self {
        let spread =
            |f: &dyn Fn(&Report) -> f64| Spread::of(&folds.iter().map(f).collect::<Vec<_>>());
        let class_f1 = pooled
            .per_class
            .iter()
            .enumerate()
            .map(|(c, s)| (s.label.clone(), spread(&|r: &Report| r.per_class[c].f1)))
            .collect();
        CvReport {
            accuracy: spread(&|r| r.accuracy),
            macro_f1: spread(&|r| r.macro_f1),
            class_f1,
            folds,
            pooled,
        }
    }
}

impl fmt::Display for CvReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{}-fold cross-validation, grouped by article (mean ± std over folds)",
            self.folds.len()
        )?;
        writeln!(f, "accuracy  {}", self.accuracy)?;
        writeln!(f, "macro-F1  {}", self.macro_f1)?;
        for (label, s) in &self.class_f1 {
            writeln!(f, "F1 {label:<22} {s}")?;
        }
        writeln!(f, "\npooled over all folds:")?;
        write!(f, "{}", self.pooled)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn perfect_predictions_score_one() {
        let labels = LabelSet::default();
        let r = Report::new(&labels, &[0, 1, 2, 3], &[0, 1, 2, 3]);
        assert_eq!((r.accuracy, r.macro_f1), (1.0, 1.0));
    }

    #[test]
    fn scores_match_a_hand_count() {
        // gold a a b b, predicted a b b b: a has P=1 R=.5 F1=2/3; b has P=2/3 R=1 F1=.8
        let labels = LabelSet::parse("a,b").unwrap();
        let r = Report::new(&labels, &[0, 0, 1, 1], &[0, 1, 1, 1]);
        assert!((r.per_class[0].f1 - 2.0 / 3.0).abs() < 1e-9);
        assert!((r.per_class[1].f1 - 0.8).abs() < 1e-9);
        assert!((r.macro_f1 - (2.0 / 3.0 + 0.8) / 2.0).abs() < 1e-9);
        assert_eq!(r.confusion.matrix, vec![vec![1, 1], vec![0, 2]]);
    }

    #[test]
    fn absent_classes_do_not_count_in_macro_f1() {
        let labels = LabelSet::default();
        let r = Report::new(&labels, &[0, 0], &[0, 0]);
        assert_eq!(r.macro_f1, 1.0);
    }

    #[test]
    fn spread_of_two_values() {
        let s = Spread::of(&[1.0, 3.0]);
        assert_eq!(s.mean, 2.0);
        assert!((s.std - 2f64.sqrt()).abs() < 1e-12);
    }
}
