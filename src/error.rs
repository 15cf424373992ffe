//! The library's error type.

use std::path::PathBuf;

/// Everything that can go wrong in the library, each variant carrying the
/// offending value so a message can say exactly what and where.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A file could not be opened, read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file concerned.
        path: PathBuf,
        /// The underlying I/O failure.
        #[source]
        source: std::io::Error,
    },
    /// A line of a corpus file is malformed.
    #[error("{path}:{line}: {message}")]
    BadRow {
        /// The corpus file.
        path: PathBuf,
        /// The 1-based line number.
        line: usize,
        /// What is wrong with that line.
        message: String,
    },
    /// A corpus file holds no examples at all.
    #[error("{0}: no labelled sentences in the file")]
    EmptyCorpus(PathBuf),
    /// Training needs at least two classes present in the data.
    #[error("the training data holds only one class ({0}); at least two are needed")]
    OneClass(String),
    /// A label set given by the user is unusable.
    #[error("invalid label set: {0}")]
    BadLabels(String),
    /// A hyperparameter is out of range.
    #[error("invalid parameter {name} = {value}: {expected}")]
    BadParam {
        /// The parameter's name as the user spells it.
        name: &'static str,
        /// The rejected value.
        value: String,
        /// What would have been accepted.
        expected: &'static str,
    },
    /// More cross-validation folds were asked for than there are articles.
    #[error("--folds {folds} is larger than the number of articles ({articles})")]
    TooManyFolds {
        /// The folds asked for.
        folds: usize,
        /// The articles available.
        articles: usize,
    },
    /// A model file is not a stance model, is damaged, or is of another version.
    #[error("{path}: {message}")]
    BadModel {
        /// The model file.
        path: PathBuf,
        /// What is wrong with it.
        message: String,
    },
    /// The evaluation data holds a label the model does not know.
    #[error("label {label:?} is not in the model's label set ({known})")]
    LabelNotInModel {
        /// The unknown label.
        label: String,
        /// The model's labels, comma-separated.
        known: String,
    },
    /// The tokenizer failed to train or to encode.
    #[error("tokenizer: {0}")]
    Tokenizer(String),
    /// A linfa learner failed to fit.
    #[error("training failed: {0}")]
    Fit(String),
    /// The encoder a model names gives embeddings of another width than it was trained on.
    #[error(
        "the encoder in {dir} gives {found}-d embeddings, but the model was trained on {trained}-d"
    )]
    EmbeddingWidth {
        /// The encoder directory.
        dir: String,
        /// The width it gives now.
        found: usize,
        /// The width the model was trained on.
        trained: usize,
    },
    /// The sentence encoder could not be loaded or run.
    #[error(transparent)]
    Embed(#[from] crate::embed::EmbedError),
}

impl Error {
    /// Wraps an I/O error with the path it concerns.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }
}

/// The library's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;
