//! The tokenizer: BERT-style normalisation and pre-tokenisation from the
//! `tokenizers` crate, with a WordPiece vocabulary built from the training
//! sentences.
//!
//! The crate's own WordPiece trainer breaks ties between equally frequent
//! merges by hash-map order, so two runs on the same data can disagree. The
//! vocabulary here is chosen by counts with ties broken by the token's text,
//! which makes a retrained model identical to the last: every character
//! (alone and as a `##` continuation) so any word can be spelled, then
//! words and word-start / continuation pieces by how many word occurrences
//! they cover.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

use rustc_hash::FxHashMap;

use tokenizers::models::wordpiece::WordPiece;
use tokenizers::normalizers::BertNormalizer;
use tokenizers::pre_tokenizers::bert::BertPreTokenizer;
use tokenizers::{
    Normalizer, OffsetReferential, OffsetType, PreTokenizedString, PreTokenizer, Tokenizer,
};

use crate::error::{Error, Result};
use crate::packed;

/// The token for pieces the vocabulary cannot spell.
pub const UNK: &str = "[UNK]";
const CONTINUATION: &str = "##";
/// Longest word-start or continuation piece considered, in characters.
const MAX_PIECE: usize = 8;

fn tk_error(e: Box<dyn std::error::Error + Send + Sync>) -> Error {
    Error::Tokenizer(e.to_string())
}

/// Trains a tokenizer with a WordPiece vocabulary of about `vocab_size` tokens.
pub fn train(texts: &[&str], vocab_size: usize) -> Result<Tokenizer> {
    let normalizer = BertNormalizer::new(true, true, Some(true), true);
    let mut counts: BTreeMap<String, u64> = BTreeMap::new();
    for text in texts {
        for word in words(&normalizer, text)? {
            *counts.entry(word).or_default() += 1;
        }
    }
    let vocab: ahash::AHashMap<String, u32> = choose(&counts, vocab_size)
        .into_iter()
        .enumerate()
        .map(|(id, token)| (token, id as u32))
        .collect();
    let model = WordPiece::builder()
        .vocab(vocab)
        .unk_token(UNK.into())
        .continuing_subword_prefix(CONTINUATION.into())
        .build()
        .map_err(tk_error)?;
    let mut tokenizer = Tokenizer::new(model);
    tokenizer
        .with_normalizer(Some(normalizer))
        .map_err(tk_error)?;
    tokenizer.with_pre_tokenizer(Some(BertPreTokenizer));
    Ok(tokenizer)
}

/// The normalised words of a text, as the tokenizer will see them.
fn words(normalizer: &BertNormalizer, text: &str) -> Result<Vec<String>> {
    let mut pre = PreTokenizedString::from(text);
    pre.normalize(|n| normalizer.normalize(n))
        .map_err(tk_error)?;
    BertPreTokenizer.pre_tokenize(&mut pre).map_err(tk_error)?;
    Ok(pre
        .get_splits(OffsetReferential::Normalized, OffsetType::Byte)
        .into_iter()
        .map(|(s, _, _)| s.to_string())
        .collect())
}

/// Chooses the vocabulary in id order: `[UNK]`, every character and its
/// continuation, then the most covering words and pieces (ties by text).
fn choose(counts: &BTreeMap<String, u64>, vocab_size: usize) -> Vec<String> {
    let mut chars: BTreeMap<String, ()> = BTreeMap::new();
    let mut pieces: BTreeMap<String, u64> = BTreeMap::new();
    for (word, &n) in counts {
        let cs: Vec<char> = word.chars().collect();
        for (i, c) in cs.iter().enumerate() {
            let piece = if i == 0 {
                c.to_string()
            } else {
                format!("{CONTINUATION}{c}")
            };
            chars.insert(piece, ());
        }
        if n >= 2 {
            *pieces.entry(word.clone()).or_default() += n;
        }
        for len in 2..=MAX_PIECE.min(cs.len().saturating_sub(1)) {
            let start: String = cs[..len].iter().collect();
            let end: String = cs[cs.len() - len..].iter().collect();
            *pieces.entry(start).or_default() += n;
            *pieces.entry(format!("{CONTINUATION}{end}")).or_default() += n;
        }
    }
    let mut vocab: Vec<String> = vec![UNK.to_string()];
    vocab.extend(chars.into_keys());
    let mut ranked: Vec<(String, u64)> = pieces.into_iter().filter(|(_, n)| *n >= 2).collect();
    ranked.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    let room = vocab_size.saturating_sub(vocab.len());
    let mut seen: std::collections::HashSet<String> = vocab.iter().cloned().collect();
    vocab.extend(
        ranked
            .into_iter()
            .map(|(p, _)| p)
            .filter(|p| seen.insert(p.clone()))
            .take(room),
    );
    vocab
}

/// A tokenizer that remembers how it split each white-space-delimited
/// chunk of text. The BERT pre-tokenizer never joins across white space and
/// the normaliser works character by character, so a chunk splits the same
/// alone as in its sentence; news repeats its words, so most chunks are
/// looked up rather than tokenized again.
///
/// Each thread looks in its own cache first (no locking on the hot path),
/// then in one shared by all threads, so a chunk new to the process is
/// tokenized once rather than once per thread: on a stream's first block of
/// sentences, tokenizing new words is most of the work.
#[derive(Clone)]
pub struct CachedTokenizer {
    tokenizer: Tokenizer,
    /// Tells this tokenizer's cache entries from another's on the same thread.
    instance: u64,
    shared: Arc<RwLock<Cache>>,
}

impl std::fmt::Debug for CachedTokenizer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CachedTokenizer")
            .field("tokenizer", &self.tokenizer)
            .field("instance", &self.instance)
            .finish_non_exhaustive()
    }
}

/// A chunk's tokens: (token id, byte offset of the token in the chunk).
type Split = Box<[(u32, u32)]>;

/// One tokenizer's cache on one thread.
#[derive(Default)]
struct Cache {
    /// Chunks that pack into an integer (most), by their packed form.
    short: FxHashMap<u128, Split>,
    /// The other chunks.
    long: FxHashMap<Box<str>, Split>,
}

impl Cache {
    fn len(&self) -> usize {
        self.short.len() + self.long.len()
    }

    fn get(&self, chunk: &str) -> Option<&Split> {
        match packed::pack(chunk.as_bytes(), |b| b) {
            Some(key) => self.short.get(&key),
            None => self.long.get(chunk),
        }
    }

    fn insert(&mut self, chunk: &str, split: Split) {
        match packed::pack(chunk.as_bytes(), |b| b) {
            Some(key) => self.short.insert(key, split),
            None => self.long.insert(chunk.into(), split),
        };
    }
}

/// Per-thread caches, one per tokenizer instance.
type Caches = FxHashMap<u64, Cache>;

thread_local! {
    static CACHES: RefCell<Caches> = RefCell::new(FxHashMap::default());
}

/// Entries a thread keeps for one tokenizer before starting afresh.
const CACHE_LIMIT: usize = 1 << 18;

impl CachedTokenizer {
    /// Wraps a tokenizer.
    pub fn new(tokenizer: Tokenizer) -> Self {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        CachedTokenizer {
            tokenizer,
            instance: NEXT.fetch_add(1, Ordering::Relaxed),
            shared: Arc::default(),
        }
    }

    /// The wrapped tokenizer.
    pub fn inner(&self) -> &Tokenizer {
        &self.tokenizer
    }

    /// The token ids of a text with each token's byte offset in the text.
    pub fn tokens(&self, text: &str) -> Result<Vec<(u32, usize)>> {
        CACHES.with(|caches| {
            let mut caches = caches.borrow_mut();
            if caches.len() > 8 {
                caches.clear(); // many short-lived models (cross-validation): keep memory flat
            }
            let cache = caches.entry(self.instance).or_default();
            if cache.len() > CACHE_LIMIT {
                *cache = Cache::default();
            }
            // About one token per four bytes of news text.
            let mut out = Vec::with_capacity(text.len() / 4 + 4);
            for (start, chunk) in chunks(text) {
                if let Some(split) = cache.get(chunk) {
                    out.extend(split.iter().map(|&(id, at)| (id, start + at as usize)));
                    continue;
                }
                let split = self.shared_split(chunk)?;
                out.extend(split.iter().map(|&(id, at)| (id, start + at as usize)));
                cache.insert(chunk, split);
            }
            Ok(out)
        })
    }

    /// A chunk's split from the cache shared by all threads, tokenizing and
    /// sharing it if it is new.
    fn shared_split(&self, chunk: &str) -> Result<Split> {
        // A poisoned lock only means another thread panicked mid-insert of a
        // complete entry: the map is still sound.
        if let Some(split) = self
            .shared
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(chunk)
        {
            return Ok(split.clone());
        }
        let split = self.split(chunk)?;
        let mut shared = self.shared.write().unwrap_or_else(|e| e.into_inner());
        if shared.len() > CACHE_LIMIT {
            *shared = Cache::default();
        }
        shared.insert(chunk, split.clone());
        Ok(split)
    }

    fn split(&self, chunk: &str) -> Result<Split> {
        let encoding = self
            .tokenizer
            .encode(chunk, false)
            .map_err(|e| Error::Tokenizer(e.to_string()))?;
        Ok(encoding
            .get_ids()
            .iter()
            .zip(encoding.get_offsets())
            .map(|(&id, &(at, _))| (id, at as u32))
            .collect())
    }
}

/// The white-space-delimited chunks of a text with their byte offsets.
fn chunks(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.split(char::is_whitespace)
        .filter(|c| !c.is_empty())
        .map(move |c| (c.as_ptr() as usize - text.as_ptr() as usize, c))
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXTS: [&str; 4] = [
        "Troops captured the town.",
        "The troops retreated from the towns.",
        "Counteroffensives stalled near the river.",
        "The ministry said troops would stay.",
    ];

    #[test]
    fn training_is_repeatable() {
        let a = train(&TEXTS, 200).unwrap().to_string(false).unwrap();
        let b = train(&TEXTS, 200).unwrap().to_string(false).unwrap();
        assert_eq!(a, b);
    }

    #[test]
    fn unseen_words_are_spelled_not_lost() {
        let tk = train(&TEXTS, 200).unwrap();
        let enc = tk.encode("Mastermind", false).unwrap();
        assert!(
            !enc.get_tokens().iter().any(|t| t == UNK),
            "{:?}",
            enc.get_tokens()
        );
    }

    #[test]
    fn cached_tokens_match_whole_text_encoding() {
        let tk = train(&TEXTS, 200).unwrap();
        let text = "The  ministry's troops, \"retreated\" near\tthe river.";
        let whole = tk.encode(text, false).unwrap();
        let expected: Vec<(u32, usize)> = whole
            .get_ids()
            .iter()
            .zip(whole.get_offsets())
            .map(|(&i, &(s, _))| (i, s))
            .collect();
        let cached = CachedTokenizer::new(tk);
        assert_eq!(cached.tokens(text).unwrap(), expected);
        assert_eq!(
            cached.tokens(text).unwrap(),
            expected,
            "second call, from the cache"
        );
    }

    #[test]
    fn frequent_words_are_single_tokens() {
        let tk = train(&TEXTS, 200).unwrap();
        let enc = tk.encode("troops", false).unwrap();
        assert_eq!(enc.get_tokens(), ["troops"]);
    }
}
