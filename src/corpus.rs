//! Labelled examples: read them from JSON Lines, TSV or fastText files,
//! check them, and split them by article.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::labels::LabelSet;
use crate::rng::SplitMix;

/// One labelled sentence.
#[derive(Debug, Clone, PartialEq)]
pub struct Example {
    /// The sentence's id (the file's `id`, or `line-N`).
    pub id: String,
    /// The article the sentence belongs to, if the file says.
    pub article: Option<String>,
    /// The sentence text.
    pub text: String,
    /// The class id of the label in the corpus's label set.
    pub label: usize,
    /// Where the text comes from, if the file says.
    pub source: Option<String>,
    /// The 1-based line of the file the example was read from.
    pub line: usize,
}

impl Example {
    /// The key that keeps an article's sentences together in splits: the
    /// article id, or the sentence id when the file names no article.
    pub fn group(&self) -> &str {
        self.article.as_deref().unwrap_or(&self.id)
    }
}

/// The layout of a corpus file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// JSON Lines with `text` and `label` (and optional `id`, `article`, `source`).
    Jsonl,
    /// `label<TAB>text` lines.
    Tsv,
    /// fastText's `__label__X text` lines.
    FastText,
}

impl Format {
    /// Guesses the format from a file name's extension (JSON Lines by default).
    pub fn from_path(path: &Path) -> Format {
        match path.extension().and_then(|e| e.to_str()) {
            Some("tsv") | Some("tab") => Format::Tsv,
            Some("txt") | Some("ft") | Some("fasttext") => Format::FastText,
            _ => Format::Jsonl,
        }
    }

    /// Parses a format name as given on the command line.
    pub fn parse(name: &str) -> Option<Format> {
        match name {
            "jsonl" | "json" => Some(Format::Jsonl),
            "tsv" => Some(Format::Tsv),
            "fasttext" | "ft" => Some(Format::FastText),
            _ => None,
        }
    }
}

/// A JSON Lines row as written on disk.
#[derive(Debug, Serialize, Deserialize)]
struct Row {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    id: Option<serde_json::Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    article: Option<serde_json::Value>,
    text: Option<String>,
    label: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    source: Option<String>,
}

/// Reads a corpus file, checking every line against the label set.
pub fn read(path: &Path, format: Format, labels: &LabelSet) -> Result<Vec<Example>> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    parse(path, &bytes, format, labels)
}

/// Parses the bytes of a corpus file; `path` names the file in errors.
pub fn parse(path: &Path, bytes: &[u8], format: Format, labels: &LabelSet) -> Result<Vec<Example>> {
    let mut examples = Vec::new();
    for (i, raw) in bytes.split(|&b| b == b'\n').enumerate() {
        let line = i + 1;
        let bad = |message: String| Error::BadRow {
            path: path.to_path_buf(),
            line,
            message,
        };
        let text = std::str::from_utf8(raw)
            .map_err(|e| bad(format!("invalid UTF-8 at byte {}", e.valid_up_to())))?;
        let text = text.strip_suffix('\r').unwrap_or(text);
        if text.trim().is_empty() {
            continue;
        }
        let example = parse_line(text, format).map_err(bad)?;
        examples.push(example.resolve(labels, line).map_err(bad)?);
    }
    if examples.is_empty() {
        return Err(Error::EmptyCorpus(path.to_path_buf()));
    }
    Ok(examples)
}

/// A parsed line whose label is not yet checked against a label set.
struct Parsed {
    id: Option<String>,
    article: Option<String>,
    text: String,
    label: String,
    source: Option<String>,
}

impl Parsed {
    fn resolve(self, labels: &LabelSet, line: usize) -> std::result::Result<Example, String> {
        if self.text.trim().is_empty() {
            return Err("empty text".into());
        }
        let label = labels.index(&self.label).ok_or_else(|| {
            format!(
                "unknown label {:?} (expected one of {})",
                self.label,
                labels.joined()
            )
        })?;
        Ok(Example {
            id: self.id.unwrap_or_else(|| format!("line-{line}")),
            article: self.article,
            text: self.text,
            label,
            source: self.source,
            line,
        })
    }
}

fn parse_line(text: &str, format: Format) -> std::result::Result<Parsed, String> {
    match format {
        Format::Jsonl => parse_json(text),
        Format::Tsv => parse_tsv(text),
        Format::FastText => parse_fasttext(text),
    }
}

fn parse_json(text: &str) -> std::result::Result<Parsed, String> {
    let row: Row = serde_json::from_str(text).map_err(|e| format!("malformed JSON: {e}"))?;
    Ok(Parsed {
        id: row.id.map(json_key),
        article: row.article.map(json_key),
        text: row.text.ok_or("missing field \"text\"")?,
        label: row.label.ok_or("missing field \"label\"")?,
        source: row.source,
    })
}

/// Ids and article ids may be strings or numbers; both become strings.
fn json_key(value: serde_json::Value) -> String {
    match value {
        serde_json::Value::String(s) => s,
        other => other.to_string(),
    }
}

fn parse_tsv(text: &str) -> std::result::Result<Parsed, String> {
    let (label, body) = text
        .split_once('\t')
        .ok_or("expected label<TAB>text, found no tab")?;
    Ok(plain(label.trim(), body))
}

fn parse_fasttext(text: &str) -> std::result::Result<Parsed, String> {
    let rest = text
        .strip_prefix("__label__")
        .ok_or("expected a line starting with __label__")?;
    let (label, body) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
    Ok(plain(label, body))
}

fn plain(label: &str, body: &str) -> Parsed {
    Parsed {
        id: None,
        article: None,
        text: body.trim().to_string(),
        label: label.to_string(),
        source: None,
    }
}

/// Rejects duplicate ids and duplicate texts, naming the line of the second one.
pub fn check_unique(path: &Path, examples: &[Example]) -> Result<()> {
    let mut ids: HashMap<&str, usize> = HashMap::new();
    let mut texts: HashMap<&str, usize> = HashMap::new();
    for ex in examples {
        let dup = |what: &str, first: usize| Error::BadRow {
            path: path.to_path_buf(),
            line: ex.line,
            message: format!("duplicate {what} (first seen on line {first})"),
        };
        if let Some(&first) = ids.get(ex.id.as_str()) {
            return Err(dup(&format!("id {:?}", ex.id), first));
        }
        if let Some(&first) = texts.get(ex.text.trim()) {
            return Err(dup("text", first));
        }
        ids.insert(&ex.id, ex.line);
        texts.insert(ex.text.trim(), ex.line);
    }
    Ok(())
}

/// Counts the examples of each class.
pub fn class_counts(examples: &[Example], n_classes: usize) -> Vec<usize> {
    let mut counts = vec![0; n_classes];
    for ex in examples {
        counts[ex.label] += 1;
    }
    counts
}

/// The distinct article groups in order of first appearance.
pub fn groups(examples: &[Example]) -> Vec<&str> {
    let mut seen = HashSet::new();
    examples
        .iter()
        .map(Example::group)
        .filter(|g| seen.insert(*g))
        .collect()
}

/// Splits examples into (train, test) by article: a seeded shuffle of the
/// articles puts `test_fraction` of them in test, keeping file order inside each side.
pub fn split_by_article(
    examples: &[Example],
    test_fraction: f64,
    seed: u64,
) -> (Vec<Example>, Vec<Example>) {
    let mut articles = groups(examples);
    SplitMix::new(seed).shuffle(&mut articles);
    let n_test = ((articles.len() as f64) * test_fraction).round() as usize;
    let test: HashSet<&str> = articles[..n_test].iter().copied().collect();
    examples
        .iter()
        .cloned()
        .partition(|ex| !test.contains(ex.group()))
}

/// Assigns every example to one of `k` folds so that an article's sentences
/// share a fold; articles are shuffled with `seed` and dealt to the
/// currently smallest fold, which keeps fold sizes even.
pub fn article_folds(examples: &[Example], k: usize, seed: u64) -> Result<Vec<usize>> {
    let mut articles = groups(examples);
    if k < 2 || k > articles.len() {
        return Err(Error::TooManyFolds {
            folds: k,
            articles: articles.len(),
        });
    }
    let mut sizes: HashMap<&str, usize> = HashMap::new();
    for ex in examples {
        *sizes.entry(ex.group()).or_default() += 1;
    }
    SplitMix::new(seed).shuffle(&mut articles);
    let mut fold_of: HashMap<&str, usize> = HashMap::new();
    let mut load = vec![0usize; k];
    for article in articles {
        let fold = (0..k).min_by_key(|&f| (load[f], f)).unwrap_or(0);
        load[fold] += sizes[article];
        fold_of.insert(article, fold);
    }
    Ok(examples.iter().map(|ex| fold_of[ex.group()]).collect())
}

/// Writes examples as JSON Lines with their label names.
pub fn write_jsonl(path: &Path, examples: &[Example], labels: &LabelSet) -> Result<()> {
    let mut out = String::new();
    for ex in examples {
        let row = Row {
            id: Some(serde_json::Value::String(ex.id.clone())),
            article: ex.article.clone().map(serde_json::Value::String),
            text: Some(ex.text.clone()),
            label: Some(labels.name(ex.label).to_string()),
            source: ex.source.clone(),
        };
        out.push_str(&serde_json::to_string(&row).expect("rows always serialise"));
        out.push('\n');
    }
    crate::store::write_atomic(path, out.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ex(id: &str, article: &str, label: usize) -> Example {
        Example {
            id: id.into(),
            article: Some(article.into()),
            text: format!("text {id}"),
            label,
            source: None,
            line: 1,
        }
    }

    #[test]
    fn fasttext_lines_parse() {
        let p = parse_fasttext("__label__other Hello world").unwrap();
        assert_eq!(
            (p.label.as_str(), p.text.as_str()),
            ("other", "Hello world")
        );
    }

    #[test]
    fn tsv_without_tab_is_an_error() {
        assert!(parse_tsv("other no tab here").is_err());
    }

    #[test]
    fn json_without_label_is_an_error() {
        let err = parse_json(r#"{"text": "x"}"#).err().unwrap();
        assert!(err.contains("label"), "{err}");
    }

    #[test]
    fn split_keeps_articles_whole() {
        let data: Vec<Example> = (0..40)
            .map(|i| ex(&i.to_string(), &format!("a{}", i / 4), i % 2))
            .collect();
        let (train, test) = split_by_article(&data, 0.2, 7);
        assert_eq!(train.len() + test.len(), 40);
        let train_groups: HashSet<_> = train.iter().map(|e| e.group()).collect();
        assert!(test.iter().all(|e| !train_groups.contains(e.group())));
        assert_eq!(test.len(), 8);
    }

    #[test]
    fn folds_never_split_an_article() {
        let data: Vec<Example> = (0..30)
            .map(|i| ex(&i.to_string(), &format!("a{}", i / 3), 0))
            .collect();
        let folds = article_folds(&data, 5, 1).unwrap();
        for pair in data.iter().zip(&folds).collect::<Vec<_>>().windows(2) {
            if pair[0].0.group() == pair[1].0.group() {
                assert_eq!(pair[0].1, pair[1].1);
            }
        }
        assert!(article_folds(&data, 11, 1).is_err());
    }
}
