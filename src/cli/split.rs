//! `stance split`: a reproducible train / test split by article.

use std::path::PathBuf;

use anyhow::{bail, Result};
use clap::Args;

use stance::corpus;

use super::DataArgs;

#[derive(Debug, Args)]
pub struct SplitCmd {
    #[command(flatten)]
    data: DataArgs,
    /// Where to write the training part (JSON Lines).
    #[arg(long, value_name = "FILE")]
    train: PathBuf,
    /// Where to write the test part (JSON Lines).
    #[arg(long, value_name = "FILE")]
    test: PathBuf,
    /// Share of articles that go to the test part.
    #[arg(long, default_value_t = 0.2)]
    test_fraction: f64,
    /// Seed of the article shuffle.
    #[arg(long, default_value_t = 2026)]
    seed: u64,
    /// Label set, comma-separated (default: the guide's four labels).
    #[arg(long, value_name = "A,B,C")]
    labels: Option<String>,
}

impl SplitCmd {
    pub fn run(self) -> Result<()> {
        if !(self.test_fraction > 0.0 && self.test_fraction < 1.0) {
            bail!(
                "--test-fraction {} must be between 0 and 1",
                self.test_fraction
            );
        }
        let labels = super::label_set(self.labels.as_deref())?;
        let examples = self.data.read(&labels)?;
        corpus::check_unique(&self.data.data, &examples)?;
        let (train, test) = corpus::split_by_article(&examples, self.test_fraction, self.seed);
        corpus::write_jsonl(&self.train, &train, &labels)?;
        corpus::write_jsonl(&self.test, &test, &labels)?;
        outln!(
            "{}: {} sentences ({} articles); {}: {} sentences ({} articles)",
            self.train.display(),
            train.len(),
            corpus::groups(&train).len(),
            self.test.display(),
            test.len(),
            corpus::groups(&test).len()
        );
        Ok(())
    }
}
