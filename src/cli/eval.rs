//! `stance eval`: score a model on labelled data, or cross-validate.

use std::path::PathBuf;

use anyhow::{bail, Result};
use clap::Args;
use serde_json::json;

use stance::classifier::Prediction;
use stance::corpus::Example;
use stance::evaluate;
use stance::Classifier;

use super::{load_model, set_threads, DataArgs, ParamArgs};

#[derive(Debug, Args)]
pub struct EvalCmd {
    #[command(flatten)]
    data: DataArgs,
    /// The model to score (default: the model shipped in models/).
    #[arg(long, value_name = "FILE")]
    model: Option<PathBuf>,
    /// Cross-validate instead: train and score K times on folds grouped by article.
    #[arg(long, value_name = "K")]
    folds: Option<usize>,
    /// Seed of the cross-validation folds.
    #[arg(long, default_value_t = 2026)]
    seed: u64,
    /// Print JSON instead of tables.
    #[arg(long)]
    json: bool,
    /// Also list the sentences the model got wrong, with gold, predicted and probabilities.
    #[arg(long)]
    errors: bool,
    #[command(flatten)]
    params: ParamArgs,
    /// Worker threads (0: one per core).
    #[arg(long, default_value_t = 0)]
    threads: usize,
}

impl EvalCmd {
    pub fn run(self) -> Result<()> {
        set_threads(self.threads)?;
        match self.folds {
            Some(k) => self.cross_validate(k),
            None => self.score(),
        }
    }

    fn cross_validate(&self, k: usize) -> Result<()> {
        if self.model.is_some() {
            bail!("--folds trains its own models; drop --model (training settings come from the flags)");
        }
        let params = self.params.params()?;
        let labels = self.params.label_set()?;
        let examples = self.data.read(&labels)?;
        let cv = evaluate::cross_validate(&params, &labels, &examples, k, self.seed)?;
        if self.json {
            outln!("{}", serde_json::to_string_pretty(&cv)?);
        } else {
            out!("{cv}");
        }
        Ok(())
    }

    fn score(&self) -> Result<()> {
        let model = load_model(self.model.as_deref())?;
        let examples = self.data.read(model.labels())?;
        let (report, predictions) = evaluate::evaluate(&model, &examples)?;
        if self.json {
            let mut value = serde_json::to_value(&report)?;
            if self.errors {
                value["errors"] = errors(&examples, &predictions)
                    .map(|(e, p)| error_json(&model, e, p))
                    .collect();
            }
            outln!("{}", serde_json::to_string_pretty(&value)?);
            return Ok(());
        }
        out!("{report}");
        if self.errors {
            outln!(
                "\nerrors (gold -> predicted, probabilities in label order {}):",
                model.labels().joined()
            );
            for (e, p) in errors(&examples, &predictions) {
                let probs: Vec<String> =
                    p.probabilities.iter().map(|v| format!("{v:.2}")).collect();
                outln!(
                    "{}\t{} -> {}\t[{}]\t{}",
                    e.id,
                    model.labels().name(e.label),
                    model.labels().name(p.label),
                    probs.join(" "),
                    e.text
                );
            }
        }
        Ok(())
    }
}

/// The wrongly labelled examples with their predictions.
fn errors<'a>(
    examples: &'a [Example],
    predictions: &'a [Prediction],
) -> impl Iterator<Item = (&'a Example, &'a Prediction)> {
    examples
        .iter()
        .zip(predictions)
        .filter(|(e, p)| e.label != p.label)
}

/// One wrongly labelled example as a JSON object.
fn error_json(model: &Classifier, e: &Example, p: &Prediction) -> serde_json::Value {
    let labels = model.labels();
    let probs: serde_json::Map<String, serde_json::Value> = labels
        .names()
        .iter()
        .zip(&p.probabilities)
        .map(|(l, v)| (l.clone(), json!(v)))
        .collect();
    json!({
        "id": e.id,
        "article": e.article,
        "gold": labels.name(e.label),
        "predicted": labels.name(p.label),
        "probabilities": probs,
        "text": e.text,
    })
}
