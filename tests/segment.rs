//! The sentence splitter on real article text.

use stance::segment;

mod common;

#[test]
fn seed_article_splits_into_its_labelled_sentences() {
    let text = std::fs::read_to_string(common::fixture("seed-article.txt")).unwrap();
    let expected = common::fixture_field("seed-article.jsonl", "text");
    let got: Vec<&str> = segment::split(&text)
        .iter()
        .map(|s| &text[s.start..s.end])
        .collect();
    assert_eq!(got, expected);
}

#[test]
fn tricky_wire_copy_splits_right() {
    let text = "WASHINGTON (Agency) — U.S. Sen. Ann Hill said on Jan. 5 the No. 2 commander, Lt. Col. J. R. Brandt, \
had left. \"We are not done,\" she said. ‘Not yet,’ he replied. Oil rose 2.5 percent.\n\n\
Rebels advance on capital\nREAD MORE: Talks stall as fighting spreads";
    let got: Vec<&str> = segment::split(text)
        .iter()
        .map(|s| &text[s.start..s.end])
        .collect();
    assert_eq!(
        got,
        [
            "WASHINGTON (Agency) — U.S. Sen. Ann Hill said on Jan. 5 the No. 2 commander, Lt. Col. J. R. Brandt, had left.",
            "\"We are not done,\" she said.",
            "‘Not yet,’ he replied.",
            "Oil rose 2.5 percent.",
            "Rebels advance on capital",
            "READ MORE: Talks stall as fighting spreads",
        ]
    );
}
