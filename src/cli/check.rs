//! `stance check`: validate corpus files and report their label counts.

use std::collections::HashMap;
use std::path::PathBuf;

use anyhow::{bail, Result};
use clap::Args;

use stance::corpus;

use super::read_corpus;

#[derive(Debug, Args)]
pub struct CheckCmd {
    /// Corpus files; when several are given, no article or text may appear in two of them.
    #[arg(required = true, value_name = "FILE")]
    files: Vec<PathBuf>,
    /// Label set, comma-separated (default: the guide's four labels).
    #[arg(long, value_name = "A,B,C")]
    labels: Option<String>,
}

impl CheckCmd {
    pub fn run(self) -> Result<()> {
        let labels = super::label_set(self.labels.as_deref())?;
        let mut article_home: HashMap<String, usize> = HashMap::new();
        let mut text_home: HashMap<String, usize> = HashMap::new();
        for (i, path) in self.files.iter().enumerate() {
            let examples = read_corpus(path, None, &labels)?;
            corpus::check_unique(path, &examples)?;
            for ex in &examples {
                let other = article_home.entry(ex.group().to_string()).or_insert(i);
                if *other != i {
                    bail!(
                        "{}:{}: article {:?} is also in {}",
                        path.display(),
                        ex.line,
                        ex.group(),
                        self.files[*other].display()
                    );
                }
                let other = text_home.entry(ex.text.trim().to_string()).or_insert(i);
                if *other != i {
                    bail!(
                        "{}:{}: the same text is also in {}",
                        path.display(),
                        ex.line,
                        self.files[*other].display()
                    );
                }
            }
            let counts = corpus::class_counts(&examples, labels.len());
            let shown: Vec<String> = labels
                .names()
                .iter()
                .zip(&counts)
                .map(|(l, c)| format!("{l} {c}"))
                .collect();
            outln!(
                "{}: ok, {} sentences, {} articles; {}",
                path.display(),
                examples.len(),
                corpus::groups(&examples).len(),
                shown.join(", ")
            );
        }
        Ok(())
    }
}
