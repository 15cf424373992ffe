//! Command-line arguments shared by the subcommands, and dispatch.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use clap::{Args, Parser, Subcommand};

use stance::corpus::{self, Example, Format};
use stance::{Classifier, FeatureParams, LabelSet, LearnerKind, TrainParams};

/// `println!` that returns an error instead of panicking when stdout is closed.
macro_rules! outln {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        writeln!(std::io::stdout().lock(), $($arg)*)?
    }};
}

/// `print!` that returns an error instead of panicking when stdout is closed.
macro_rules! out {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        write!(std::io::stdout().lock(), $($arg)*)?
    }};
}

mod check;
mod classify;
mod eval;
mod split;
mod train;

/// Label news sentences as official_quote, policy_claim, military_assessment or other.
#[derive(Debug, Parser)]
#[command(name = "stance", version, about)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Train a model on labelled sentences and write it to one file.
    Train(train::TrainCmd),
    /// Score a model on labelled sentences, or cross-validate training settings.
    Eval(eval::EvalCmd),
    /// Split articles into sentences and label each one.
    Classify(classify::ClassifyCmd),
    /// Split a corpus into train and test files by article, reproducibly.
    Split(split::SplitCmd),
    /// Check corpus files: rows, labels, duplicate ids and texts, article overlap.
    Check(check::CheckCmd),
}

/// Runs the chosen subcommand.
pub fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Train(cmd) => cmd.run(),
        Command::Eval(cmd) => cmd.run(),
        Command::Classify(cmd) => cmd.run(),
        Command::Split(cmd) => cmd.run(),
        Command::Check(cmd) => cmd.run(),
    }
}

/// Where labelled data comes from.
#[derive(Debug, Args)]
pub struct DataArgs {
    /// Labelled sentences: JSON Lines, TSV (label<TAB>text) or fastText lines.
    #[arg(long, value_name = "FILE")]
    pub data: PathBuf,
    /// The file's format; by default from its extension (.jsonl, .tsv, .txt).
    #[arg(long, value_name = "jsonl|tsv|fasttext")]
    pub format: Option<String>,
}

impl DataArgs {
    /// Reads the data, checked against a label set.
    pub fn read(&self, labels: &LabelSet) -> Result<Vec<Example>> {
        read_corpus(&self.data, self.format.as_deref(), labels)
    }

    /// Reads the data and also returns the file's bytes (read once).
    pub fn read_with_bytes(&self, labels: &LabelSet) -> Result<(Vec<Example>, Vec<u8>)> {
        let format = corpus_format(&self.data, self.format.as_deref())?;
        let bytes = std::fs::read(&self.data).map_err(|e| stance::Error::io(&self.data, e))?;
        let examples = corpus::parse(&self.data, &bytes, format, labels)?;
        Ok((examples, bytes))
    }
}

/// The format named by `--format`, or guessed from the file's extension.
fn corpus_format(path: &Path, format: Option<&str>) -> Result<Format> {
    Ok(match format {
        Some(name) => Format::parse(name).with_context(|| {
            format!("unknown --format {name:?} (expected jsonl, tsv or fasttext)")
        })?,
        None => Format::from_path(path),
    })
}

/// Reads a corpus file in a named or guessed format.
pub fn read_corpus(path: &Path, format: Option<&str>, labels: &LabelSet) -> Result<Vec<Example>> {
    Ok(corpus::read(path, corpus_format(path, format)?, labels)?)
}

/// Hyperparameters a user can set for training and cross-validation.
#[derive(Debug, Args)]
pub struct ParamArgs {
    /// The learner: logistic (multinomial logistic regression) or bayes (Gaussian naive Bayes).
    #[arg(long, default_value = "logistic", value_name = "logistic|bayes")]
    pub model_kind: String,
    /// L2 penalty of logistic regression; larger is smoother.
    #[arg(long, default_value_t = TrainParams::default().alpha)]
    pub alpha: f32,
    /// Maximum L-BFGS iterations of logistic regression.
    #[arg(long, default_value_t = TrainParams::default().max_iter)]
    pub max_iter: u64,
    /// Variance smoothing of naive Bayes.
    #[arg(long, default_value_t = TrainParams::default().smoothing)]
    pub smoothing: f64,
    /// Number of n-gram features kept by chi-square selection.
    #[arg(long, default_value_t = FeatureParams::default().max_features)]
    pub features: usize,
    /// WordPiece vocabulary size of the tokenizer trained on the data.
    #[arg(long, default_value_t = FeatureParams::default().vocab_size)]
    pub vocab_size: usize,
    /// Minimum number of sentences an n-gram must occur in.
    #[arg(long, default_value_t = FeatureParams::default().min_df)]
    pub min_df: usize,
    /// Leave out the cue features (quotes, speakers, headline shape, ...).
    #[arg(long)]
    pub no_cues: bool,
    /// Scale of the cue features.
    #[arg(long, default_value_t = FeatureParams::default().cue_weight)]
    pub cue_weight: f32,
    /// Keep the training data's class priors instead of judging every class as equally likely.
    #[arg(long)]
    pub no_balance: bool,
    /// Append sentence embeddings from this all-MiniLM-L6-v2 directory
    /// (slower, more accurate on real news; see benches/setup_minilm.sh).
    #[arg(long, value_name = "DIR")]
    pub embeddings: Option<PathBuf>,
    /// Distil static token vectors from this all-MiniLM-L6-v2 directory into
    /// the model (classification stays fast and needs no encoder).
    #[arg(long, value_name = "DIR")]
    pub word_vectors: Option<PathBuf>,
    /// Scale of the token-vector block.
    #[arg(long, default_value_t = FeatureParams::default().word_vector_weight)]
    pub word_vector_weight: f32,
    /// Principal components kept of the token vectors (at most the encoder's 384).
    #[arg(long, default_value_t = FeatureParams::default().word_vector_dim)]
    pub word_vector_dim: usize,
    /// Label set, comma-separated (default: the guide's four labels).
    #[arg(long, value_name = "A,B,C")]
    pub labels: Option<String>,
}

/// A directory as an absolute path, so a model trained here finds it from anywhere.
fn absolute(dir: &std::path::Path) -> String {
    std::path::absolute(dir)
        .unwrap_or_else(|_| dir.to_path_buf())
        .display()
        .to_string()
}

impl ParamArgs {
    /// The checked training parameters.
    pub fn params(&self) -> Result<TrainParams> {
        let kind = LearnerKind::parse(&self.model_kind).with_context(|| {
            format!(
                "unknown --model-kind {:?} (expected logistic or bayes)",
                self.model_kind
            )
        })?;
        let params = TrainParams {
            features: FeatureParams {
                vocab_size: self.vocab_size,
                max_features: self.features,
                min_df: self.min_df,
                cues: !self.no_cues,
                cue_weight: self.cue_weight,
                embeddings: self.embeddings.as_ref().map(|d| absolute(d)),
                // Only read while training, so kept as typed: the model
                // carries no path of the machine that built it.
                word_vectors: self.word_vectors.as_ref().map(|d| d.display().to_string()),
                word_vector_weight: self.word_vector_weight,
                word_vector_dim: self.word_vector_dim,
            },
            kind,
            alpha: self.alpha,
            max_iter: self.max_iter,
            smoothing: self.smoothing,
            balance: !self.no_balance,
        };
        params.check()?;
        Ok(params)
    }

    /// The label set to train with.
    pub fn label_set(&self) -> Result<LabelSet> {
        label_set(self.labels.as_deref())
    }
}

/// The label set named by a `--labels a,b,c` option, or the guide's four.
pub fn label_set(list: Option<&str>) -> Result<LabelSet> {
    Ok(match list {
        Some(list) => LabelSet::parse(list)?,
        None => LabelSet::default(),
    })
}

/// Sets the number of worker threads (0: one per core).
pub fn set_threads(threads: usize) -> Result<()> {
    let threads = match threads {
        0 => std::thread::available_parallelism().map_or(1, usize::from),
        n => n,
    };
    // ndarray's matrix products (the bulk of logistic-regression training)
    // use their own threads, sized from this variable on first use.
    if std::env::var_os("MATMUL_NUM_THREADS").is_none() {
        std::env::set_var("MATMUL_NUM_THREADS", threads.to_string());
    }
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build_global()
        .context("cannot start the thread pool")
}

/// The default model: `$STANCE_MODEL`, else `models/default.model` in the
/// current directory, beside the executable's checkout, or in the source tree
/// this binary was built from.
pub fn default_model_path() -> PathBuf {
    if let Some(path) = std::env::var_os("STANCE_MODEL") {
        return PathBuf::from(path);
    }
    let relative = Path::new("models").join("default.model");
    let exe_checkout = std::env::current_exe()
        .ok()
        .and_then(|exe| exe.ancestors().nth(3).map(|root| root.join(&relative)));
    let built_from = Path::new(env!("CARGO_MANIFEST_DIR")).join(&relative);
    [
        Some(relative.clone()),
        exe_checkout,
        Some(built_from.clone()),
    ]
    .into_iter()
    .flatten()
    .find(|p| p.is_file())
    .unwrap_or(built_from)
}

/// Loads the model at `path`, or the default model.
pub fn load_model(path: Option<&Path>) -> Result<Classifier> {
    let path = path.map_or_else(default_model_path, Path::to_path_buf);
    if !path.exists() {
        bail!(
            "{}: model file not found (train one with `stance train`, or pass --model)",
            path.display()
        );
    }
    Ok(stance::store::load(&path)?)
}
