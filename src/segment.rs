//! Article text to sentences, with byte offsets that slice the input exactly.
//!
//! Rules, in order: a line break always ends a sentence (so headlines,
//! bylines and one-sentence-per-line files split as written); inside a line,
//! `.`, `!` or `?` (with any closing quotes or brackets after it) ends a
//! sentence when white space and then a capital, a digit or an opening quote
//! follow, unless the word before the full stop is an abbreviation or an
//! initial.

use rayon::prelude::*;

/// A sentence's place in the text, as byte offsets (`text[start..end]`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    /// Byte offset of the first character.
    pub start: usize,
    /// Byte offset just past the last character.
    pub end: usize,
}

/// Abbreviations after which a full stop never ends a sentence.
const ABBREVIATIONS: &[&str] = &[
    "mr", "lieut", "supt", "insp", "cmdt", "comdr", "det", "mrs", "ms", "dr", "prof", "gen", "lt",
    "col", "maj", "capt", "sgt", "cpl", "pvt", "adm", "cmdr", "cdr", "brig", "sen", "sens", "rep",
    "reps", "gov", "pres", "st", "mt", "ft", "jr", "sr", "rev", "hon", "messrs", "gens", "vs",
    "approx", "dept", "est", "fig",
];

/// Abbreviations that only hold when a number follows (`No. 2`, `Jan. 5`).
const NUMBER_ABBREVIATIONS: &[&str] = &[
    "no", "nos", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov",
    "dec", "art", "p", "pp", "vol",
];

const TERMINATORS: &[char] = &['.', '!', '?', '…'];
const CLOSERS: &[char] = &['"', '”', '’', '\'', ')', ']', '»'];
const OPENERS: &[char] = &['"', '“', '‘', '\'', '(', '[', '«'];

/// Splits an article into sentences.
pub fn split(text: &str) -> Vec<Span> {
    // Lines split independently, so a large input is cut into blocks of
    // whole lines that the worker threads split in parallel.
    const BLOCK: usize = 1 << 16;
    if text.len() <= BLOCK {
        return split_block(text, 0);
    }
    let mut blocks = Vec::new();
    let mut start = 0;
    while start < text.len() {
        let mut end = (start + BLOCK).min(text.len());
        while end < text.len() && text.as_bytes()[end - 1] != b'\n' {
            end += 1;
        }
        blocks.push((start, end));
        start = end;
    }
    blocks
        .into_par_iter()
        .flat_map_iter(|(s, e)| split_block(&text[s..e], s))
        .collect()
}

/// Splits a run of whole lines that starts at byte `offset` of the text.
fn split_block(text: &str, offset: usize) -> Vec<Span> {
    let mut spans = Vec::new();
    let mut line_start = offset;
    for line in text.split('\n') {
        let skip = metadata_prefix(line);
        split_line(&line[skip..], line_start + skip, &mut spans);
        line_start += line.len() + 1;
    }
    spans
}

/// The length of a scraper's `date YYYY-MM-DD` stamp at the start of a line,
/// which is metadata, not a sentence of the article.
fn metadata_prefix(line: &str) -> usize {
    let trimmed = line.trim_start();
    let lead = line.len() - trimmed.len();
    let Some(rest) = trimmed.strip_prefix("date ") else {
        return 0;
    };
    let date = rest.as_bytes();
    let is_date = date.len() >= 10
        && date[..10].iter().enumerate().all(|(i, b)| {
            if i == 4 || i == 7 {
                *b == b'-'
            } else {
                b.is_ascii_digit()
            }
        });
    if !is_date || date.get(10).is_some_and(|b| !b.is_ascii_whitespace()) {
        return 0;
    }
    lead + 5 + 10
}

/// Splits one line (no line breaks inside) at sentence ends, pushing spans
/// shifted by `offset`.
fn split_line(line: &str, offset: usize, spans: &mut Vec<Span>) {
    let mut start = 0;
    let mut iter = line.char_indices().peekable();
    while let Some((i, c)) = iter.next() {
        if !TERMINATORS.contains(&c) {
            continue;
        }
        let mut end = i + c.len_utf8();
        while let Some(&(j, next)) = iter.peek() {
            if TERMINATORS.contains(&next) || CLOSERS.contains(&next) {
                end = j + next.len_utf8();
                iter.next();
            } else {
                break;
            }
        }
        if ends_sentence(line, i, c, end) {
            push_trimmed(line, start, end, offset, spans);
            start = end;
        }
    }
    push_trimmed(line, start, line.len(), offset, spans);
}

/// Whether the terminator `c` at byte `at`, whose run ends at `end`, closes a sentence.
fn ends_sentence(line: &str, at: usize, c: char, end: usize) -> bool {
    let rest = &line[end..];
    let after = rest.trim_start();
    if after.is_empty() {
        return true;
    }
    if after.len() == rest.len() {
        return false; // no white space: a decimal, a domain, an ellipsis inside a word
    }
    let next = after.chars().next().unwrap_or(' ');
    let starts_sentence = next.is_uppercase() || next.is_ascii_digit() || OPENERS.contains(&next);
    if !starts_sentence {
        return false;
    }
    c != '.' || !is_abbreviation(&line[..at], next)
}

/// Whether the word ending just before a full stop is an abbreviation or initial.
fn is_abbreviation(before: &str, next: char) -> bool {
    let word = before
        .rsplit(|ch: char| ch.is_whitespace() || OPENERS.contains(&ch))
        .next()
        .unwrap_or("");
    if word.is_empty() {
        return false;
    }
    let mut chars = word.chars();
    let first = chars.next().unwrap_or(' ');
    if first.is_uppercase() && chars.next().is_none() {
        return true; // an initial: "John F. Kennedy"
    }
    if word.contains('.')
        && word
            .chars()
            .all(|ch| ch.is_alphabetic() || ch == '.' || ch == '-')
    {
        return true; // a dotted acronym: "U.S.", "U.N."
    }
    let lower = word.to_lowercase();
    ABBREVIATIONS.contains(&lower.as_str())
        || (next.is_ascii_digit() && NUMBER_ABBREVIATIONS.contains(&lower.as_str()))
}

fn push_trimmed(line: &str, start: usize, end: usize, offset: usize, spans: &mut Vec<Span>) {
    let piece = &line[start..end];
    let trimmed = piece.trim();
    if trimmed.is_empty() {
        return;
    }
    let lead = piece.len() - piece.trim_start().len();
    let s = offset + start + lead;
    spans.push(Span {
        start: s,
        end: s + trimmed.len(),
    });
}

/// Converts byte spans to character offsets (what most tools count in).
pub fn char_offsets(text: &str, spans: &[Span]) -> Vec<(usize, usize)> {
    let mut out = Vec::with_capacity(spans.len());
    let (mut byte, mut chars) = (0, 0);
    for span in spans {
        chars += text[byte..span.start].chars().count();
        let start = chars;
        chars += text[span.start..span.end].chars().count();
        byte = span.end;
        out.push((start, chars));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sentences(text: &str) -> Vec<&str> {
        split(text).iter().map(|s| &text[s.start..s.end]).collect()
    }

    #[test]
    fn abbreviations_do_not_end_sentences() {
        let text = "Lt. Gen. Mark Ross met Sen. Hill in the U.S. capital. He left.";
        assert_eq!(sentences(text).len(), 2);
    }

    #[test]
    fn quote_closing_with_comma_stays_whole() {
        let text = "\"We will not retreat,\" he said. \"Never.\" The army said so.";
        assert_eq!(
            sentences(text),
            [
                "\"We will not retreat,\" he said.",
                "\"Never.\"",
                "The army said so."
            ]
        );
    }

    #[test]
    fn question_inside_quote_followed_by_lowercase_is_one_sentence() {
        assert_eq!(sentences("\"Why now?\" she asked. Then quiet.").len(), 2);
    }

    #[test]
    fn ranks_with_odd_abbreviations_hold() {
        assert_eq!(
            sentences("Lieut. Col. Bernard Oduya and Ch.-Supt. Moti Levanon spoke.").len(),
            1
        );
    }

    #[test]
    fn decimals_and_initials_hold() {
        let text = "Growth was 2.5 percent, said John F. Kennedy Jr. of the bank.";
        assert_eq!(sentences(text).len(), 1);
    }

    #[test]
    fn number_abbreviations_need_a_number() {
        assert_eq!(
            sentences("Talks open Jan. 5 in Doha. No. 2 is next.").len(),
            2
        );
        assert_eq!(sentences("He said no. Then he left.").len(), 2);
    }

    #[test]
    fn line_breaks_always_end_sentences() {
        assert_eq!(
            sentences("Headline without stop\nBody one. Body two.").len(),
            3
        );
    }

    #[test]
    fn curly_quotes_split() {
        let text = "“We are ready.” The minister left.";
        assert_eq!(sentences(text), ["“We are ready.”", "The minister left."]);
    }

    #[test]
    fn date_stamp_is_metadata() {
        let text = " date 2021-08-10 The talks began. More followed.";
        assert_eq!(sentences(text), ["The talks began.", "More followed."]);
    }

    #[test]
    fn large_inputs_split_like_small_ones() {
        let text = "One sentence here. Another one.\nA line without stop\n".repeat(5000);
        let spans = split(&text);
        assert_eq!(spans.len(), 15000);
        assert!(spans.windows(2).all(|w| w[0].end <= w[1].start));
        assert_eq!(
            &text[spans[14999].start..spans[14999].end],
            "A line without stop"
        );
    }

    #[test]
    fn char_offsets_count_characters() {
        let text = "“Ja.” Nein.";
        let spans = split(text);
        assert_eq!(char_offsets(text, &spans), [(0, 5), (6, 11)]);
    }
}
