//! `stance train`: fit a model and write it atomically.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::Result;
use clap::Args;
use sha2::{Digest, Sha256};

use stance::evaluate;
use stance::Classifier;

use super::{read_corpus, set_threads, DataArgs, ParamArgs};

#[derive(Debug, Args)]
pub struct TrainCmd {
    #[command(flatten)]
    data: DataArgs,
    /// Where to write the model file (replaced atomically).
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
    #[command(flatten)]
    params: ParamArgs,
    /// Also score the model on this held-out file and store the scores in the model.
    #[arg(long, value_name = "FILE")]
    test: Option<PathBuf>,
    /// Also cross-validate with K folds grouped by article and store the scores.
    #[arg(long, value_name = "K")]
    cv: Option<usize>,
    /// Seed of the cross-validation folds.
    #[arg(long, default_value_t = 2026)]
    seed: u64,
    /// Worker threads (0: one per core).
    #[arg(long, default_value_t = 0)]
    threads: usize,
}

impl TrainCmd {
    pub fn run(self) -> Result<()> {
        let params = self.params.params()?;
        let labels = self.params.label_set()?;
        set_threads(self.threads)?;
        let (examples, bytes) = self.data.read_with_bytes(&labels)?;
        let test = match &self.test {
            Some(path) => Some(read_corpus(path, None, &labels)?),
            None => None,
        };
        let started = Instant::now();
        let mut model = Classifier::train(&params, labels.clone(), &examples)?;
        let seconds = started.elapsed().as_secs_f64();
        model.info.data_file = self.data.data.display().to_string();
        model.info.data_sha256 = format!("{:x}", Sha256::digest(&bytes));
        if let (Some(path), Some(test)) = (&self.test, &test) {
            let (report, _) = evaluate::evaluate(&model, test)?;
            outln!(
                "held-out {}: macro-F1 {:.3}, accuracy {:.3}",
                path.display(),
                report.macro_f1,
                report.accuracy
            );
            model
                .info
                .metrics
                .push((format!("test:{}", path.display()), report));
        }
        if let Some(k) = self.cv {
            let cv = evaluate::cross_validate(&params, &labels, &examples, k, self.seed)?;
            outln!(
                "{k}-fold CV: macro-F1 {}, accuracy {}",
                cv.macro_f1,
                cv.accuracy
            );
            model
                .info
                .metrics
                .push((format!("cv{k}:{}", self.data.data.display()), cv.pooled));
        }
        stance::store::save(&self.out, &model)?;
        print_summary(&model, seconds, &self.out)
    }
}

fn print_summary(model: &Classifier, seconds: f64, out: &std::path::Path) -> Result<()> {
    let info = &model.info;
    outln!(
        "trained {} ({}) on {} sentences from {} articles in {seconds:.1} s at {}",
        out.display(),
        model.params().kind.name(),
        info.sentences,
        info.articles,
        info.created
    );
    let counts: Vec<String> = model
        .labels()
        .names()
        .iter()
        .zip(&info.class_counts)
        .map(|(l, c)| format!("{l} {c}"))
        .collect();
    outln!("classes: {}", counts.join(", "));
    outln!(
        "features: {} (vocabulary {})",
        model.featurizer().dim(),
        model.featurizer().vocab_size()
    );
    Ok(())
}
