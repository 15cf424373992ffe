//! Sentence to feature vector: a WordPiece tokenizer trained on the corpus,
//! token n-grams (also split by whether they sit inside quotation marks)
//! chosen by chi-square and weighted by sublinear tf-idf, plus the cue
//! features of [`crate::cues`], and optionally the mean of distilled token
//! vectors ([`crate::wordvec`]) and a sentence encoder's embedding.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use ndarray::{Array2, ShapeBuilder};
use rayon::prelude::*;
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};
use tokenizers::Tokenizer;

use crate::cues::{self, Context, Quote};
use crate::embed::Encoder;
use crate::error::{Error, Result};
use crate::params::FeatureParams;
use crate::vocab::{self, CachedTokenizer, UNK};
use crate::wordvec::WordVectors;

/// A sparse feature vector: (column, value) pairs in increasing column order.
pub type SparseRow = Vec<(u32, f32)>;

// Feature keys pack a kind and up to two token ids into a u64.
const KIND_UNIGRAM: u64 = 0;
const KIND_BIGRAM: u64 = 1;
const KIND_QUOTED: u64 = 2;
const KIND_UNQUOTED: u64 = 3;
const ID_BITS: u64 = 24;
const BOUNDARY: u32 = (1 << ID_BITS) - 1;

fn key(kind: u64, a: u32, b: u32) -> u64 {
    (kind << (2 * ID_BITS)) | ((a as u64) << ID_BITS) | b as u64
}

fn unpack(key: u64) -> (u64, u32, u32) {
    let mask = (1u64 << ID_BITS) - 1;
    (
        key >> (2 * ID_BITS),
        ((key >> ID_BITS) & mask) as u32,
        (key & mask) as u32,
    )
}

/// Turns sentences into feature vectors; fitted once on a training corpus.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Featurizer {
    params: FeatureParams,
    /// The trained tokenizer, in the `tokenizers` crate's own JSON form.
    tokenizer_json: String,
    /// The n-gram key of each selected column.
    keys: Vec<u64>,
    /// The inverse document frequency of each selected column.
    idf: Vec<f32>,
    /// Width of the sentence embeddings appended to each row (0: none).
    embedding_dim: usize,
    /// Token vectors whose mean is appended after the cues.
    word_vectors: Option<WordVectors>,
    #[serde(skip)]
    runtime: Option<Runtime>,
}

/// What is rebuilt from the stored fields after loading.
#[derive(Debug, Clone)]
struct Runtime {
    tokenizer: CachedTokenizer,
    column: FxHashMap<u64, u32>,
    encoder: Option<Arc<Encoder>>,
}

impl Featurizer {
    /// Trains the tokenizer and chooses the n-gram columns on labelled
    /// sentences, returning the featurizer and the sentences' feature vectors.
    pub fn fit_transform(
        params: &FeatureParams,
        texts: &[&str],
        contexts: &[Context],
        labels: &[usize],
        n_classes: usize,
    ) -> Result<(Self, Vec<SparseRow>)> {
        // Load the encoders first: a bad directory fails before any work.
        let encoder = load_encoder(params)?;
        let distiller = params
            .word_vectors
            .as_ref()
            .map(|dir| Encoder::load(Path::new(dir)))
            .transpose()?;
        let tokenizer = CachedTokenizer::new(vocab::train(texts, params.vocab_size)?);
        let quotes: Vec<Vec<Quote>> = texts
            .par_iter()
            .zip(contexts)
            .map(|(t, c)| cues::quotes(t, c.inside_quote))
            .collect();
        let bags: Vec<Vec<u64>> = texts
            .par_iter()
            .zip(&quotes)
            .map(|(t, q)| ngram_keys(&tokenizer, t, q))
            .collect::<Result<_>>()?;
        let (keys, idf) = select(&bags, labels, n_classes, params);
        let word_vectors = distiller
            .map(|e| distil(&e, params.word_vector_dim, &tokenizer, &bags))
            .transpose()?;
        let tokenizer_json = tokenizer
            .inner()
            .to_string(false)
            .map_err(|e| Error::Tokenizer(e.to_string()))?;
        let mut featurizer = Featurizer {
            params: params.clone(),
            tokenizer_json,
            keys,
            idf,
            embedding_dim: encoder.as_ref().map_or(0, |e| e.dim()),
            word_vectors,
            runtime: None,
        };
        featurizer.attach(tokenizer, encoder);
        // The keys found while choosing the columns are the rows' keys too.
        let rows = bags
            .into_par_iter()
            .zip(texts)
            .zip(contexts)
            .zip(&quotes)
            .map(|(((bag, text), ctx), quotes)| featurizer.row_of_keys(bag, text, *ctx, quotes))
            .collect();
        let rows = featurizer.embed(rows, texts)?;
        Ok((featurizer, rows))
    }

    /// Rebuilds the tokenizer and column index after deserialising.
    pub fn prepare(&mut self) -> Result<()> {
        let tokenizer: Tokenizer = self.tokenizer_json.parse().map_err(
            |e: Box<dyn std::error::Error + Send + Sync>| Error::Tokenizer(e.to_string()),
        )?;
        let encoder = load_encoder(&self.params)?;
        // The learner's weights were fitted to this width: another model in
        // the directory would shift or overrun the columns.
        if let Some(found) = encoder.as_ref().map(|e| e.dim()) {
            if found != self.embedding_dim {
                return Err(Error::EmbeddingWidth {
                    dir: self.params.embeddings.clone().unwrap_or_default(),
                    found,
                    trained: self.embedding_dim,
                });
            }
        }
        self.attach(CachedTokenizer::new(tokenizer), encoder);
        Ok(())
    }

    /// Installs the runtime: the tokenizer, the column index of the keys and the encoder.
    fn attach(&mut self, tokenizer: CachedTokenizer, encoder: Option<Arc<Encoder>>) {
        let column = self
            .keys
            .iter()
            .enumerate()
            .map(|(i, k)| (*k, i as u32))
            .collect();
        self.runtime = Some(Runtime {
            tokenizer,
            column,
            encoder,
        });
    }

    fn runtime(&self) -> &Runtime {
        self.runtime
            .as_ref()
            .expect("featurizer used before prepare()")
    }

    /// The width of a feature vector.
    pub fn dim(&self) -> usize {
        self.embedding_base() + self.embedding_dim
    }

    /// The first token-vector column: after the n-grams and the cues.
    fn word_vector_base(&self) -> usize {
        self.keys.len() + if self.params.cues { cues::COUNT } else { 0 }
    }

    /// The first embedding column: after the token vectors.
    fn embedding_base(&self) -> usize {
        self.word_vector_base() + self.word_vector_dim()
    }

    /// Width of the distilled token-vector block (0: none).
    pub fn word_vector_dim(&self) -> usize {
        self.word_vectors.as_ref().map_or(0, |w| w.dim())
    }

    /// The featurizer's settings.
    pub fn params(&self) -> &FeatureParams {
        &self.params
    }

    /// The vocabulary size of the trained tokenizer.
    pub fn vocab_size(&self) -> usize {
        self.runtime().tokenizer.inner().get_vocab_size(true)
    }

    /// Computes the feature vector of one sentence in its context.
    pub fn transform(&self, text: &str, ctx: Context) -> Result<SparseRow> {
        let row = self.bare_row(text, ctx)?;
        Ok(self.embed(vec![row], &[text])?.remove(0))
    }

    /// A sentence's row without its embedding.
    fn bare_row(&self, text: &str, ctx: Context) -> Result<SparseRow> {
        let quotes = cues::quotes(text, ctx.inside_quote);
        let rt = self.runtime();
        let tokens = rt.tokenizer.tokens(text)?;
        let mut cols = Vec::with_capacity(tokens.len() * 3 + 1);
        for_each_key(&tokens, &quotes, |k| cols.extend(rt.column.get(&k)));
        let ids = tokens.iter().map(|&(id, _)| id);
        Ok(self.row(cols, ids, text, ctx, &quotes))
    }

    /// Appends each text's sentence embedding to its row, when the model has an encoder.
    fn embed(&self, mut rows: Vec<SparseRow>, texts: &[&str]) -> Result<Vec<SparseRow>> {
        let Some(encoder) = &self.runtime().encoder else {
            return Ok(rows);
        };
        let vectors = encoder.encode(texts)?;
        let base = self.embedding_base() as u32;
        for (row, vector) in rows.iter_mut().zip(vectors.rows()) {
            row.extend((0..).zip(vector).map(|(i, &v)| (base + i, v)));
        }
        Ok(rows)
    }

    /// The feature vector of a sentence whose n-gram keys and quotes are known.
    fn row_of_keys(&self, keys: Vec<u64>, text: &str, ctx: Context, quotes: &[Quote]) -> SparseRow {
        let rt = self.runtime();
        let cols = keys
            .iter()
            .filter_map(|k| rt.column.get(k).copied())
            .collect();
        self.row(cols, unigram_ids(&keys), text, ctx, quotes)
    }

    /// The feature vector of a sentence from its known columns (with
    /// repeats, one per occurrence), token ids and quotes.
    fn row(
        &self,
        mut cols: Vec<u32>,
        ids: impl Iterator<Item = u32>,
        text: &str,
        ctx: Context,
        quotes: &[Quote],
    ) -> SparseRow {
        cols.sort_unstable();
        let mut row: SparseRow =
            Vec::with_capacity(cols.len() + cues::COUNT + self.word_vector_dim());
        for run in cols.chunk_by(|a, b| a == b) {
            let (col, tf) = (run[0], run.len() as f32);
            row.push((col, (1.0 + tf.ln()) * self.idf[col as usize]));
        }
        let norm = row.iter().map(|(_, v)| v * v).sum::<f32>().sqrt();
        if norm > 0.0 {
            row.iter_mut().for_each(|(_, v)| *v /= norm);
        }
        if self.params.cues {
            let base = self.keys.len() as u32;
            let scale = self.params.cue_weight;
            let values = cues::features_with(text, ctx, quotes);
            row.extend(
                (0..cues::COUNT as u32)
                    .zip(values)
                    .filter(|(_, v)| *v != 0.0)
                    .map(|(i, v)| (base + i, v * scale)),
            );
        }
        self.append_word_vectors(&mut row, ids);
        row
    }

    /// Appends the scaled mean of the tokens' vectors, when the model has them.
    fn append_word_vectors(&self, row: &mut SparseRow, ids: impl Iterator<Item = u32>) {
        let Some(vectors) = &self.word_vectors else {
            return;
        };
        let mut mean = vec![0.0; vectors.dim()];
        vectors.sentence(ids, &mut mean);
        let (base, scale) = (
            self.word_vector_base() as u32,
            self.params.word_vector_weight,
        );
        row.extend((base..).zip(mean).map(|(c, v)| (c, v * scale)));
    }

    /// Computes the feature vectors of many sentences, in parallel.
    pub fn transform_all(&self, texts: &[&str], contexts: &[Context]) -> Result<Vec<SparseRow>> {
        let rows = texts
            .par_iter()
            .zip(contexts)
            .map(|(t, c)| self.bare_row(t, *c))
            .collect::<Result<_>>()?;
        // The encoder batches sentences of similar length itself.
        self.embed(rows, texts)
    }

    /// A readable name for a column, for explanations.
    pub fn column_name(&self, col: usize) -> String {
        if col >= self.embedding_base() {
            return format!("embedding:{}", col - self.embedding_base());
        }
        if col >= self.word_vector_base() {
            return format!("word-vector:{}", col - self.word_vector_base());
        }
        if col >= self.keys.len() {
            return cues::NAMES[col - self.keys.len()].to_string();
        }
        let tokenizer = self.runtime().tokenizer.inner();
        let token = |id: u32| match id {
            BOUNDARY => "<s>".to_string(),
            id => tokenizer.id_to_token(id).unwrap_or_else(|| UNK.into()),
        };
        match unpack(self.keys[col]) {
            (KIND_BIGRAM, a, b) => format!("{} {}", token(a), token(b)),
            (KIND_QUOTED, a, _) => format!("“{}”", token(a)),
            (KIND_UNQUOTED, a, _) => format!("{} (unquoted)", token(a)),
            (_, a, _) => token(a),
        }
    }
}

/// The sentence encoder the settings name, loaded.
fn load_encoder(params: &FeatureParams) -> Result<Option<Arc<Encoder>>> {
    params
        .embeddings
        .as_ref()
        .map(|dir| Ok(Arc::new(Encoder::load(Path::new(dir))?)))
        .transpose()
}

/// `dim`-wide token vectors distilled by `encoder` for the trained
/// tokenizer's vocabulary, weighted by the tokens' counts in `bags`.
fn distil(
    encoder: &Encoder,
    dim: usize,
    tokenizer: &CachedTokenizer,
    bags: &[Vec<u64>],
) -> Result<WordVectors> {
    let inner = tokenizer.inner();
    let size = inner.get_vocab_size(true);
    let texts: Vec<String> = (0..size as u32)
        .map(|id| inner.id_to_token(id).unwrap_or_default())
        .collect();
    let mut counts = vec![0u64; size];
    for id in bags.iter().flat_map(|bag| unigram_ids(bag)) {
        if let Some(n) = counts.get_mut(id as usize) {
            *n += 1;
        }
    }
    let texts: Vec<&str> = texts.iter().map(String::as_str).collect();
    Ok(WordVectors::distil(encoder, &texts, &counts, dim)?)
}

/// The token ids of a bag's unigram keys, in sentence order.
fn unigram_ids(keys: &[u64]) -> impl Iterator<Item = u32> + '_ {
    keys.iter().filter_map(|&k| match unpack(k) {
        (KIND_UNIGRAM, id, _) => Some(id),
        _ => None,
    })
}

/// Stacks sparse rows into the dense matrix linfa's learners train on.
pub fn dense<'a, I>(rows: I, dim: usize) -> Array2<f32>
where
    I: IntoIterator<Item = &'a SparseRow>,
    I::IntoIter: ExactSizeIterator,
{
    let rows = rows.into_iter();
    // Column-major: linfa's products read the matrix both as X and as its
    // transpose, and matrixmultiply packs this layout ~10% faster overall.
    let mut x = Array2::<f32>::zeros((rows.len(), dim).f());
    for (i, row) in rows.enumerate() {
        for &(col, v) in row {
            x[[i, col as usize]] = v;
        }
    }
    x
}

/// The n-gram keys of a sentence, with repeats (their count is the term frequency).
fn ngram_keys(tokenizer: &CachedTokenizer, text: &str, quotes: &[Quote]) -> Result<Vec<u64>> {
    let tokens = tokenizer.tokens(text)?;
    let mut keys = Vec::with_capacity(tokens.len() * 3 + 1);
    for_each_key(&tokens, quotes, |k| keys.push(k));
    Ok(keys)
}

/// Calls `f` with the n-gram key of every token, token pair and quoted or
/// unquoted token, given the tokens (id, byte offset) and quotes.
fn for_each_key(tokens: &[(u32, usize)], quotes: &[Quote], mut f: impl FnMut(u64)) {
    let mut prev = BOUNDARY;
    for &(id, start) in tokens {
        let quoted = quotes.iter().any(|q| start >= q.start && start < q.end);
        f(key(KIND_UNIGRAM, id, 0));
        f(key(if quoted { KIND_QUOTED } else { KIND_UNQUOTED }, id, 0));
        f(key(KIND_BIGRAM, prev, id));
        prev = id;
    }
    f(key(KIND_BIGRAM, prev, BOUNDARY));
}

/// Chooses the columns: keys in at least `min_df` sentences, the
/// `max_features` with the highest chi-square against the labels (ties by
/// key, so the choice is deterministic), with their idf.
fn select(
    bags: &[Vec<u64>],
    labels: &[usize],
    n_classes: usize,
    params: &FeatureParams,
) -> (Vec<u64>, Vec<f32>) {
    let mut df: HashMap<u64, Vec<u32>> = HashMap::new();
    for (bag, &label) in bags.iter().zip(labels) {
        let mut unique = bag.clone();
        unique.sort_unstable();
        unique.dedup();
        for k in unique {
            df.entry(k).or_insert_with(|| vec![0; n_classes])[label] += 1;
        }
    }
    let n = bags.len() as f64;
    let mut class_share = vec![0.0; n_classes];
    labels.iter().for_each(|&l| class_share[l] += 1.0 / n);
    let mut scored: Vec<(f64, u64, u32)> = df
        .into_iter()
        .filter_map(|(k, per_class)| {
            let total: u32 = per_class.iter().sum();
            (total as usize >= params.min_df)
                .then(|| (chi2(&per_class, total, &class_share), k, total))
        })
        .collect();
    scored.sort_unstable_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    scored.truncate(params.max_features);
    scored.sort_unstable_by_key(|s| s.1);
    let idf = scored
        .iter()
        .map(|&(_, _, df)| (((1.0 + n) / (1.0 + df as f64)).ln() + 1.0) as f32)
        .collect();
    (scored.into_iter().map(|s| s.1).collect(), idf)
}

/// Chi-square of a key's presence against the classes.
fn chi2(per_class: &[u32], total: u32, class_share: &[f64]) -> f64 {
    per_class
        .iter()
        .zip(class_share)
        .filter(|(_, &share)| share > 0.0)
        .map(|(&observed, &share)| {
            let expected = total as f64 * share;
            (observed as f64 - expected).powi(2) / expected
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tiny() -> Featurizer {
        let texts = [
            "\"We will fight,\" the minister said.",
            "The army captured the town.",
            "The government will impose sanctions.",
            "Rain fell on the market.",
            "\"We will win,\" the general said.",
            "Troops captured the bridge.",
            "The council will vote on sanctions.",
            "Markets rose in the rain.",
        ];
        let labels = [0, 2, 1, 3, 0, 2, 1, 3];
        let ctx = vec![Context::default(); texts.len()];
        let params = FeatureParams {
            vocab_size: 200,
            max_features: 50,
            ..FeatureParams::default()
        };
        Featurizer::fit_transform(&params, &texts, &ctx, &labels, 4)
            .unwrap()
            .0
    }

    #[test]
    fn same_input_gives_same_vector() {
        let f = tiny();
        let a = f
            .transform("The army captured the town.", Context::default())
            .unwrap();
        let b = f
            .transform("The army captured the town.", Context::default())
            .unwrap();
        assert_eq!(a, b);
        assert!(!a.is_empty());
    }

    #[test]
    fn ngram_part_is_unit_length() {
        let f = tiny();
        let row = f
            .transform("Troops captured the market.", Context::default())
            .unwrap();
        let norm: f32 = row
            .iter()
            .filter(|(c, _)| (*c as usize) < f.keys.len())
            .map(|(_, v)| v * v)
            .sum();
        assert!((norm - 1.0).abs() < 1e-4, "{norm}");
    }

    #[test]
    fn survives_a_round_trip_through_serde() {
        let f = tiny();
        let json = serde_json::to_string(&f).unwrap();
        let mut g: Featurizer = serde_json::from_str(&json).unwrap();
        g.prepare().unwrap();
        let text = "The minister said troops will stay.";
        assert_eq!(
            f.transform(text, Context::default()).unwrap(),
            g.transform(text, Context::default()).unwrap()
        );
    }

    #[test]
    fn every_column_has_a_name() {
        let f = tiny();
        assert!((0..f.dim()).all(|c| !f.column_name(c).is_empty()));
    }

    /// The tiny featurizer with 4-wide token vectors made up from token ids.
    fn with_word_vectors() -> Featurizer {
        let mut f = tiny();
        let size = f.vocab_size();
        let table = Array2::from_shape_fn((size, 6), |(i, j)| ((i * 7 + j * 5) % 13) as f32);
        f.word_vectors = Some(WordVectors::from_embeddings(table, &vec![1; size], 4));
        f
    }

    #[test]
    fn word_vectors_fill_their_own_columns() {
        let f = with_word_vectors();
        assert_eq!(f.dim(), tiny().dim() + 4);
        let row = f
            .transform("The army captured the town.", Context::default())
            .unwrap();
        let base = f.word_vector_base() as u32;
        let block: Vec<f32> = row
            .iter()
            .filter(|(c, _)| *c >= base)
            .map(|&(_, v)| v)
            .collect();
        assert_eq!(block.len(), 4);
        let norm = block.iter().map(|v| v * v).sum::<f32>().sqrt();
        let weight = f.params.word_vector_weight;
        assert!((norm - weight).abs() < 1e-4, "{norm}");
        assert!(row.windows(2).all(|w| w[0].0 < w[1].0), "columns in order");
        assert!((0..f.dim()).all(|c| !f.column_name(c).is_empty()));
        assert_eq!(f.column_name(base as usize), "word-vector:0");
    }
}
