//! Cue features: what a reader looks at besides the words themselves:
//! quotation spans and how much they hold, who speaks, reporting verbs,
//! headline and link-line shapes, and a quotation left open by the
//! sentence before.

use std::sync::OnceLock;

use rayon::prelude::*;
use rustc_hash::FxHashMap;

use crate::packed;

/// A stretch of a sentence inside quotation marks, as byte offsets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Quote {
    /// Byte offset just after the opening mark (0 when the quote began earlier).
    pub start: usize,
    /// Byte offset of the closing mark (the text's end when it stays open).
    pub end: usize,
    /// Whether the sentence opened the quote itself.
    pub opened: bool,
    /// Whether the sentence closes it.
    pub closed: bool,
}

/// What a sentence's neighbours in its article tell about it.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Context {
    /// The sentence's 0-based position in its article.
    pub position: usize,
    /// Whether an earlier sentence opened a quotation that is still open.
    pub inside_quote: bool,
    /// The topic of the sentence before (zero at the start).
    pub before: Topic,
    /// The topic of the sentence after (zero at the end).
    pub after: Topic,
}

/// How military and how political a sentence's words are, each in `0..=1`.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Topic {
    /// Share of the military lexicon's words, scaled and capped at 1.
    pub military: f32,
    /// Share of the policy lexicon's words, scaled and capped at 1.
    pub policy: f32,
}

impl Topic {
    /// The topic of a sentence.
    pub fn of(text: &str) -> Self {
        let (mut military, mut policy) = (0, 0);
        for_each_word(text, |word, _| {
            let classes = classes_of(word);
            military += usize::from(classes & IS_MILITARY != 0);
            policy += usize::from(classes & IS_POLICY != 0);
        });
        Self::from_counts(military, policy)
    }

    /// The topic from a sentence's lexicon word counts: a third per word, at most 1.
    fn from_counts(military: usize, policy: usize) -> Self {
        Topic {
            military: (military as f32 / 3.0).min(1.0),
            policy: (policy as f32 / 3.0).min(1.0),
        }
    }
}

/// Computes each sentence's context from the sentences of one article, in order.
pub fn contexts<S: AsRef<str> + Sync>(sentences: &[S]) -> Vec<Context> {
    // Whether a sentence leaves a quote open depends on whether one was open
    // before it: work out both answers in parallel, then chain them.
    let facts: Vec<([bool; 2], Topic)> = sentences
        .par_iter()
        .map(|s| {
            let s = s.as_ref();
            (
                [false, true].map(|inside| leaves_quote_open(s, inside)),
                Topic::of(s),
            )
        })
        .collect();
    let mut open = false;
    let mut out = Vec::with_capacity(sentences.len());
    for (position, (after_open, _)) in facts.iter().enumerate() {
        out.push(Context {
            position,
            inside_quote: open,
            before: position
                .checked_sub(1)
                .map_or(Topic::default(), |p| facts[p].1),
            after: facts.get(position + 1).map_or(Topic::default(), |f| f.1),
        });
        open = after_open[usize::from(open)];
    }
    out
}

/// Whether a sentence that starts inside (or outside) a quotation ends inside one.
fn leaves_quote_open(text: &str, inside: bool) -> bool {
    quotes(text, inside).last().is_some_and(|q| !q.closed)
}

fn is_word_char(c: Option<char>) -> bool {
    c.is_some_and(|c| c.is_alphanumeric())
}

/// Finds the quoted stretches of a sentence; `inside` says whether the
/// sentence starts inside a quotation opened earlier.
pub fn quotes(text: &str, inside: bool) -> Vec<Quote> {
    // Most sentences hold no quotation mark at all: answer those without the
    // character-by-character walk (every mark is ASCII or starts with one of
    // these two UTF-8 lead bytes).
    if !text
        .bytes()
        .any(|b| matches!(b, b'"' | b'\'' | 0xC2 | 0xE2))
    {
        return if inside {
            vec![Quote {
                start: 0,
                end: text.len(),
                opened: false,
                closed: false,
            }]
        } else {
            Vec::new()
        };
    }
    let mut out = Vec::new();
    // A sentence that starts with a quotation mark opens a new quote even
    // when one seemed open: the convention for quotes running over several
    // paragraphs, and a guard against a stray mark earlier in the article.
    let reopens = text.trim_start().starts_with(['"', '“', '‘', '«']);
    let mut open: Option<(usize, bool)> = if inside && !reopens {
        Some((0, false))
    } else {
        None
    };
    let mut prev: Option<char> = None;
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        let next = chars.peek().map(|&(_, n)| n);
        let after = i + c.len_utf8();
        let (can_open, can_close) = match c {
            '“' | '«' => (true, false),
            '”' | '»' => (false, true),
            '"' => (open.is_none(), open.is_some()),
            // A single mark between letters is an apostrophe (it's, Afghans’ll).
            '‘' | '’' | '\'' if is_word_char(prev) && is_word_char(next) => (false, false),
            '‘' => (true, false),
            '’' | '\'' => (
                !is_word_char(prev) && is_word_char(next),
                open.is_some() && !is_word_char(next),
            ),
            _ => (false, false),
        };
        if can_close {
            if let Some((start, opened)) = open.take() {
                out.push(Quote {
                    start,
                    end: i,
                    opened,
                    closed: true,
                });
            } else if !can_open {
                // A closing mark with no opener: the quote began before this sentence.
                out.push(Quote {
                    start: 0,
                    end: i,
                    opened: false,
                    closed: true,
                });
            }
        } else if can_open && open.is_none() {
            open = Some((after, true));
        }
        prev = Some(c);
    }
    if let Some((start, opened)) = open {
        out.push(Quote {
            start,
            end: text.len(),
            opened,
            closed: false,
        });
    }
    out
}

/// Names of the cue features, in vector order (used by `--explain`).
pub const NAMES: &[&str] = &[
    "cue:has_quote",
    "cue:quoted_share",
    "cue:long_quote",
    "cue:short_quote_only",
    "cue:starts_with_quote",
    "cue:quote_left_open",
    "cue:quote_carried_in",
    "cue:inside_open_quote",
    "cue:attribution_after_quote",
    "cue:attribution_colon_quote",
    "cue:reporting_verb_outside",
    "cue:official_outside",
    "cue:non_official_outside",
    "cue:first_person_in_quote",
    "cue:military_words",
    "cue:policy_words",
    "cue:future_or_modal",
    "cue:number",
    "cue:caps_share",
    "cue:no_end_punctuation",
    "cue:short",
    "cue:link_line",
    "cue:byline",
    "cue:no_comment",
    "cue:first_in_article",
    "cue:position",
    "cue:question",
    "cue:length",
    "cue:long_quote_official",
    "cue:long_quote_non_official",
    "cue:quote_reporting_verb",
    "cue:carried_quote_no_marks",
    "cue:long_quote_no_speaker",
    "cue:military_before",
    "cue:policy_before",
    "cue:military_after",
    "cue:policy_after",
];

/// The number of cue features.
pub const COUNT: usize = 37;

const REPORTING: &[&str] = &[
    "said",
    "says",
    "say",
    "told",
    "tells",
    "added",
    "adding",
    "stated",
    "states",
    "warned",
    "warns",
    "announced",
    "insisted",
    "stressed",
    "noted",
    "declared",
    "asserted",
    "wrote",
    "tweeted",
    "posted",
    "claimed",
    "according",
    "quoted",
    "quoting",
    "urged",
    "vowed",
    "argued",
    "explained",
    "acknowledged",
    "conceded",
    "responded",
    "replied",
    "asked",
    "remarked",
    "maintained",
    "pledged",
    "promised",
    "threatened",
    "cautioned",
    "affirmed",
];

const OFFICIAL: &[&str] = &[
    "spokesman",
    "spokeswoman",
    "spokesperson",
    "spokespeople",
    "minister",
    "ministry",
    "ministers",
    "president",
    "premier",
    "chancellor",
    "general",
    "gen",
    "colonel",
    "col",
    "commander",
    "commanders",
    "official",
    "officials",
    "secretary",
    "ambassador",
    "envoy",
    "department",
    "pentagon",
    "kremlin",
    "government",
    "army",
    "military",
    "statement",
    "chief",
    "governor",
    "lawmaker",
    "senator",
    "sen",
    "mp",
    "lt",
    "maj",
    "major",
    "captain",
    "capt",
    "chairman",
    "admiral",
    "adm",
    "brigadier",
    "lieutenant",
    "sergeant",
    "mayor",
    "diplomat",
    "diplomats",
    "attache",
    "nato",
    "un",
    "eu",
    "council",
    "command",
    "office",
    "agency",
    "king",
    "emir",
    "prince",
    "leader",
    "representative",
    "congressman",
    "congresswoman",
    "parliament",
    "deputy",
    "foreign",
    "defence",
    "defense",
    "interior",
    "police",
    "prosecutor",
    "coordinator",
    "commissioner",
    "director",
    "administration",
    "white",
    "downing",
    "state",
    "ministers",
    "cabinet",
];

const NON_OFFICIAL: &[&str] = &[
    "resident",
    "residents",
    "witness",
    "witnesses",
    "analyst",
    "analysts",
    "professor",
    "expert",
    "experts",
    "researcher",
    "former",
    "villager",
    "villagers",
    "refugee",
    "refugees",
    "survivor",
    "survivors",
    "doctor",
    "doctors",
    "nurse",
    "shopkeeper",
    "student",
    "teacher",
    "activist",
    "activists",
    "mother",
    "father",
    "farmer",
    "sources",
    "source",
    "observer",
    "observers",
    "scholar",
    "fellow",
    "think",
    "tank",
    "worker",
    "workers",
    "driver",
    "man",
    "woman",
    "businessman",
    "trader",
    "owner",
    "local",
    "locals",
    "neighbour",
    "neighbor",
    "relative",
    "relatives",
    "son",
    "daughter",
    "wife",
    "husband",
    "citizen",
    "citizens",
    "protester",
    "protesters",
    "commentator",
    "columnist",
    "author",
    "historian",
    "journalist",
    "consultant",
    "retired",
    "ex",
    "veteran",
    "pensioner",
];

const MILITARY: &[&str] = &[
    "abducted",
    "abduction",
    "advance",
    "advanced",
    "advancing",
    "agent",
    "air",
    "airmen",
    "airstrike",
    "airstrikes",
    "ambush",
    "ambushed",
    "ammunition",
    "armies",
    "armored",
    "armoured",
    "army",
    "arsenal",
    "artillery",
    "assault",
    "assaulted",
    "atrocities",
    "atrocity",
    "attack",
    "attacked",
    "attackers",
    "attacks",
    "ballistic",
    "barracks",
    "base",
    "bases",
    "battalion",
    "battalions",
    "battle",
    "battlefield",
    "battles",
    "beheaded",
    "besieged",
    "blast",
    "blasts",
    "bomb",
    "bombardment",
    "bombardments",
    "bombed",
    "bomber",
    "bombers",
    "bombing",
    "bombings",
    "bombs",
    "breach",
    "breached",
    "breakthrough",
    "brigade",
    "brigades",
    "campaign",
    "campaigns",
    "capabilities",
    "capability",
    "capture",
    "captured",
    "captures",
    "carrier",
    "casualties",
    "casualty",
    "cell",
    "cells",
    "checkpoint",
    "chemical",
    "chlorine",
    "clash",
    "clashed",
    "clashes",
    "combat",
    "combatants",
    "commandos",
    "control",
    "convoy",
    "counterattack",
    "counteroffensive",
    "crossfire",
    "dead",
    "deaths",
    "defence",
    "defences",
    "defense",
    "defenses",
    "deployed",
    "deployment",
    "destroyer",
    "deterrence",
    "detonated",
    "died",
    "displaced",
    "division",
    "drone",
    "drones",
    "encircle",
    "encircled",
    "encirclement",
    "escalation",
    "evacuate",
    "evacuated",
    "executed",
    "explosion",
    "explosive",
    "explosives",
    "fell",
    "fighter",
    "fighters",
    "fighting",
    "fire",
    "fired",
    "firefight",
    "fires",
    "firing",
    "force",
    "forces",
    "fought",
    "frigate",
    "front",
    "frontline",
    "frontlines",
    "gains",
    "garrison",
    "genocide",
    "guerrilla",
    "guerrillas",
    "gunfire",
    "gunman",
    "gunmen",
    "gunship",
    "gunshot",
    "helicopter",
    "helicopters",
    "hijacked",
    "hostage",
    "hostages",
    "howitzer",
    "icbm",
    "ied",
    "ieds",
    "imminent",
    "incursion",
    "incursions",
    "infantry",
    "infiltrated",
    "infiltration",
    "injured",
    "insurgency",
    "insurgent",
    "insurgents",
    "intercept",
    "intercepted",
    "interceptor",
    "invade",
    "invaded",
    "invasion",
    "jets",
    "jihadist",
    "jihadists",
    "kidnapped",
    "kill",
    "killed",
    "killing",
    "killings",
    "kills",
    "landmine",
    "landmines",
    "launch",
    "launched",
    "launcher",
    "launchers",
    "liberated",
    "lines",
    "losses",
    "manhunt",
    "marines",
    "massacre",
    "massacres",
    "militant",
    "militants",
    "militarily",
    "military",
    "militia",
    "militias",
    "mine",
    "mines",
    "missile",
    "missiles",
    "mobilisation",
    "mobilised",
    "mobilization",
    "mobilized",
    "mortar",
    "mortars",
    "munitions",
    "naval",
    "navy",
    "nerve",
    "nuclear",
    "occupation",
    "occupied",
    "offensive",
    "offensives",
    "operation",
    "operations",
    "outpost",
    "overran",
    "overrun",
    "paratroopers",
    "patrol",
    "patrols",
    "plot",
    "plotted",
    "plotting",
    "positions",
    "radar",
    "raid",
    "raids",
    "readiness",
    "rebel",
    "rebellion",
    "rebels",
    "recapture",
    "recaptured",
    "redeployed",
    "regiment",
    "reinforcement",
    "reinforcements",
    "retaken",
    "retook",
    "retreat",
    "retreated",
    "rifle",
    "rifles",
    "rocket",
    "rockets",
    "routed",
    "sailors",
    "sarin",
    "satellite",
    "seize",
    "seized",
    "seizing",
    "shelled",
    "shelling",
    "shooting",
    "shootings",
    "shot",
    "siege",
    "skirmish",
    "skirmishes",
    "sniper",
    "snipers",
    "soldier",
    "soldiers",
    "sortie",
    "sorties",
    "special",
    "stabbed",
    "stabbing",
    "stockpile",
    "stockpiles",
    "strike",
    "strikes",
    "stronghold",
    "strongholds",
    "struck",
    "submarine",
    "submarines",
    "suicide",
    "surrounded",
    "suspect",
    "suspects",
    "tank",
    "tanks",
    "territory",
    "terrorist",
    "terrorists",
    "test",
    "threat",
    "threats",
    "toll",
    "torpedo",
    "troop",
    "troops",
    "uav",
    "uavs",
    "uprising",
    "vehicles",
    "war",
    "warfare",
    "warhead",
    "warheads",
    "warplane",
    "warplanes",
    "wars",
    "warship",
    "warships",
    "weapon",
    "weaponry",
    "weapons",
    "withdrawn",
    "withdrew",
    "wounded",
    "wounding",
];

const POLICY: &[&str] = &[
    "accord",
    "accords",
    "accuse",
    "accused",
    "accuses",
    "accusing",
    "administration",
    "agree",
    "agreed",
    "agreement",
    "agreements",
    "agrees",
    "aid",
    "ambassador",
    "ambassadors",
    "announce",
    "announced",
    "announces",
    "approval",
    "approve",
    "approved",
    "approves",
    "armistice",
    "assistance",
    "authorise",
    "authorised",
    "authorize",
    "authorized",
    "backed",
    "backs",
    "bill",
    "billion",
    "bills",
    "blame",
    "blamed",
    "blames",
    "blaming",
    "boycott",
    "broker",
    "brokered",
    "budget",
    "cabinet",
    "call",
    "called",
    "calling",
    "calls",
    "ceasefire",
    "ceasefires",
    "commit",
    "commitment",
    "commitments",
    "commits",
    "committed",
    "condemn",
    "condemned",
    "condemning",
    "condemns",
    "congress",
    "council",
    "deadline",
    "deal",
    "deals",
    "decided",
    "decision",
    "decree",
    "decrees",
    "demand",
    "demanded",
    "demanding",
    "demands",
    "denied",
    "denies",
    "deny",
    "designate",
    "designated",
    "designation",
    "dialogue",
    "diplomacy",
    "diplomat",
    "diplomatic",
    "diplomats",
    "election",
    "embargo",
    "embargoes",
    "embassies",
    "embassy",
    "envoy",
    "exit",
    "expel",
    "expelled",
    "expels",
    "extend",
    "extended",
    "extension",
    "funding",
    "government",
    "governments",
    "humanitarian",
    "impose",
    "imposed",
    "imposes",
    "initiative",
    "initiatives",
    "isolation",
    "law",
    "laws",
    "legislation",
    "lift",
    "lifted",
    "loan",
    "loans",
    "mandate",
    "mandates",
    "measures",
    "mediate",
    "mediation",
    "mediator",
    "mediators",
    "million",
    "minister",
    "ministers",
    "mission",
    "negotiate",
    "negotiating",
    "negotiation",
    "negotiations",
    "negotiator",
    "negotiators",
    "normalisation",
    "normalise",
    "normalization",
    "normalize",
    "package",
    "packages",
    "parliament",
    "peace",
    "plan",
    "plans",
    "pledge",
    "pledged",
    "pledges",
    "pledging",
    "policies",
    "policy",
    "position",
    "positions",
    "process",
    "promise",
    "promised",
    "promises",
    "proposal",
    "proposals",
    "proposed",
    "protest",
    "protested",
    "pullout",
    "ratification",
    "ratified",
    "ratify",
    "recall",
    "recalled",
    "recognise",
    "recognised",
    "recognition",
    "recognize",
    "recognized",
    "referendum",
    "refuse",
    "refused",
    "refuses",
    "refusing",
    "reject",
    "rejected",
    "rejecting",
    "rejects",
    "relations",
    "resolution",
    "resolutions",
    "sanction",
    "sanctioned",
    "sanctions",
    "senate",
    "sign",
    "signed",
    "signing",
    "signs",
    "spending",
    "stance",
    "strategies",
    "strategy",
    "summit",
    "summits",
    "summon",
    "summoned",
    "support",
    "suspend",
    "suspended",
    "suspension",
    "talks",
    "tariffs",
    "ties",
    "treaties",
    "treaty",
    "truce",
    "urge",
    "urged",
    "urges",
    "urging",
    "vote",
    "voted",
    "votes",
    "vow",
    "vowed",
    "vows",
    "warned",
    "warns",
    "withdraw",
    "withdrawal",
    "withdrawing",
    "withdrew",
];

const FUTURE: &[&str] = &[
    "will", "would", "shall", "plans", "planned", "intends", "intend", "aims", "must", "should",
    "going", "expects", "pledged", "vowed", "promised", "wants", "seeks", "prepared", "ready",
    "could", "may", "might",
];

const FIRST_PERSON: &[&str] = &["we", "our", "us", "i", "my", "me", "ours"];

const LINK_STARTS: &[&str] = &[
    "read more",
    "related",
    "also read",
    "see also",
    "watch",
    "follow",
    "click",
    "sign up",
    "subscribe",
    "more:",
    "photo",
    "video",
    "listen",
    "share",
    "advertisement",
    "copyright",
    "reporting by",
    "editing by",
    "additional reporting",
    "recommended",
];

// Word classes of the lexicon, as bits.
const IS_REPORTING: u8 = 1;
const IS_OFFICIAL: u8 = 2;
const IS_NON_OFFICIAL: u8 = 4;
const IS_MILITARY: u8 = 8;
const IS_POLICY: u8 = 16;
const IS_FUTURE: u8 = 32;
const IS_FIRST_PERSON: u8 = 64;

/// Every listed word with the classes it belongs to, built once.
struct Lexicon {
    /// Words that pack into an integer (nearly all), by their packed form.
    short: FxHashMap<u128, u8>,
    /// The other words.
    long: FxHashMap<&'static str, u8>,
}

fn lexicon() -> &'static Lexicon {
    static LEXICON: OnceLock<Lexicon> = OnceLock::new();
    LEXICON.get_or_init(|| {
        let mut lexicon = Lexicon {
            short: FxHashMap::default(),
            long: FxHashMap::default(),
        };
        let lists: [(&[&str], u8); 7] = [
            (REPORTING, IS_REPORTING),
            (OFFICIAL, IS_OFFICIAL),
            (NON_OFFICIAL, IS_NON_OFFICIAL),
            (MILITARY, IS_MILITARY),
            (POLICY, IS_POLICY),
            (FUTURE, IS_FUTURE),
            (FIRST_PERSON, IS_FIRST_PERSON),
        ];
        for (list, bit) in lists {
            for word in list {
                match lower_key(word) {
                    Some(key) => *lexicon.short.entry(key).or_insert(0) |= bit,
                    None => *lexicon.long.entry(*word).or_insert(0) |= bit,
                }
            }
        }
        lexicon
    })
}

/// A word's packed lower-case form, if it packs.
fn lower_key(word: &str) -> Option<u128> {
    packed::pack(word.as_bytes(), |b| b.to_ascii_lowercase())
}

/// The lexicon classes of a word, whatever its case.
fn classes_of(word: &str) -> u8 {
    let lexicon = lexicon();
    let found = match lower_key(word) {
        Some(key) => lexicon.short.get(&key),
        None => lexicon.long.get(word.to_lowercase().as_str()),
    };
    found.copied().unwrap_or(0)
}

/// A word of the sentence: where it starts, its lexicon classes, and
/// whether it is a number.
struct Word {
    start: usize,
    classes: u8,
    number: bool,
}

impl Word {
    fn new(word: &str, start: usize) -> Self {
        Word {
            start,
            classes: classes_of(word),
            number: word.bytes().all(|b| b.is_ascii_digit()),
        }
    }

    fn is(&self, class: u8) -> bool {
        self.classes & class != 0
    }
}

fn words(text: &str) -> Vec<Word> {
    let mut out = Vec::with_capacity(text.len() / 5);
    for_each_word(text, |word, start| out.push(Word::new(word, start)));
    out
}

/// Calls `f` with each run of word characters and its byte offset.
fn for_each_word(text: &str, f: impl FnMut(&str, usize)) {
    // Most sentences are ASCII: byte tests are much cheaper than Unicode classes.
    if text.is_ascii() {
        scan_words(
            text,
            text.bytes()
                .enumerate()
                .map(|(i, b)| (i, b.is_ascii_alphanumeric())),
            f,
        )
    } else {
        scan_words(
            text,
            text.char_indices().map(|(i, c)| (i, c.is_alphanumeric())),
            f,
        )
    }
}

/// Cuts the text into runs of word characters, given each character's
/// offset and whether it is one.
fn scan_words(
    text: &str,
    marks: impl Iterator<Item = (usize, bool)>,
    mut f: impl FnMut(&str, usize),
) {
    let mut start = None;
    for (i, is_word) in marks {
        match (is_word, start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                f(&text[s..i], s);
                start = None;
            }
            _ => {}
        }
    }
    if let Some(s) = start {
        f(&text[s..], s);
    }
}

/// What one pass over a sentence's words finds.
struct Tally {
    /// Lexicon classes of the words outside quotation marks, or-ed together.
    outside: u8,
    military: usize,
    policy: usize,
    future: usize,
    quoted_words: usize,
    longest_quote: usize,
    first_person_quoted: bool,
    number: bool,
}

impl Tally {
    fn of(words: &[Word], quotes: &[Quote]) -> Self {
        let mut per_quote = vec![0usize; quotes.len()];
        let mut t = Tally {
            outside: 0,
            military: 0,
            policy: 0,
            future: 0,
            quoted_words: 0,
            longest_quote: 0,
            first_person_quoted: false,
            number: false,
        };
        for w in words {
            match quotes
                .iter()
                .position(|q| w.start >= q.start && w.start < q.end)
            {
                Some(i) => {
                    t.quoted_words += 1;
                    per_quote[i] += 1;
                    t.first_person_quoted |= w.is(IS_FIRST_PERSON);
                }
                None => t.outside |= w.classes,
            }
            t.military += usize::from(w.is(IS_MILITARY));
            t.policy += usize::from(w.is(IS_POLICY));
            t.future += usize::from(w.is(IS_FUTURE));
            t.number |= w.number;
        }
        t.longest_quote = per_quote.into_iter().max().unwrap_or(0);
        t
    }
}

/// Computes the cue vector of a sentence in its context.
pub fn features(text: &str, ctx: Context) -> [f32; COUNT] {
    features_with(text, ctx, &quotes(text, ctx.inside_quote))
}

/// [`features`] with the sentence's quotes already found.
pub fn features_with(text: &str, ctx: Context, quotes: &[Quote]) -> [f32; COUNT] {
    let words = words(text);
    let n = words.len().max(1) as f32;
    let tally = Tally::of(&words, quotes);
    let quoted_words = tally.quoted_words;
    let longest = tally.longest_quote;
    let marked = quotes.iter().any(|q| q.opened || q.closed);
    let last_close = quotes.iter().filter(|q| q.closed).map(|q| q.end).max();
    let tail_reporting =
        last_close.is_some_and(|end| words.iter().any(|w| w.start > end && w.is(IS_REPORTING)));
    let colon_quote = quotes.iter().any(|q| {
        q.opened
            && text[..q.start]
                .trim_end_matches(['"', '“', '‘', '\'', ' '])
                .ends_with(':')
    });
    let outside = |class: u8| tally.outside & class != 0;
    let topic = Topic::from_counts(tally.military, tally.policy);
    let reporting = outside(IS_REPORTING);
    let official = outside(IS_OFFICIAL);
    let non_official = outside(IS_NON_OFFICIAL);
    let first_person = tally.first_person_quoted;
    let trimmed = text.trim();
    let head: String = trimmed
        .chars()
        .take(24)
        .flat_map(char::to_lowercase)
        .collect();
    let (letters, upper) = trimmed.chars().fold((0usize, 0usize), |(l, u), c| {
        if c.is_alphabetic() {
            (l + 1, u + usize::from(c.is_uppercase()))
        } else {
            (l, u)
        }
    });
    let caps = upper as f32 / letters.max(1) as f32;
    let end_punct = trimmed
        .trim_end_matches(['"', '”', '’', '\'', ')'])
        .ends_with(['.', '!', '?', ':', '…']);
    let no_comment = NO_COMMENT.iter().any(|p| trimmed.contains(p));
    let long_quote = longest >= 4;
    let b = |v: bool| if v { 1.0 } else { 0.0 };
    [
        b(quoted_words > 0),
        quoted_words as f32 / n,
        b(long_quote),
        b(quoted_words > 0 && !long_quote),
        b(trimmed.starts_with(['"', '“', '‘', '\'', '«'])),
        b(quotes.iter().any(|q| q.opened && !q.closed)),
        b(quotes.iter().any(|q| !q.opened && q.closed)),
        b(ctx.inside_quote),
        b(tail_reporting),
        b(colon_quote),
        b(reporting),
        b(official),
        b(non_official),
        b(first_person),
        topic.military,
        topic.policy,
        b(tally.future > 0),
        b(tally.number),
        caps,
        b(!end_punct),
        b(words.len() < 6),
        b(LINK_STARTS.iter().any(|s| head.starts_with(s))),
        b(head.starts_with("by ") && words.len() <= 8),
        b(no_comment),
        b(ctx.position == 0),
        (ctx.position as f32 / 20.0).min(1.0),
        b(trimmed.ends_with('?')),
        (n.ln() / 4.0).min(1.5),
        b(long_quote && official),
        b(long_quote && non_official),
        b(marked && reporting),
        b(ctx.inside_quote && !marked),
        b(long_quote && !reporting && !colon_quote),
        ctx.before.military,
        ctx.before.policy,
        ctx.after.military,
        ctx.after.policy,
    ]
}

const NO_COMMENT: &[&str] = &[
    "declined to comment",
    "could not confirm",
    "could not be reached",
    "did not respond",
    "no immediate comment",
];

#[cfg(test)]
mod tests {
    use super::*;

    fn value(text: &str, ctx: Context, name: &str) -> f32 {
        let i = NAMES.iter().position(|n| *n == name).unwrap();
        features(text, ctx)[i]
    }

    #[test]
    fn names_match_the_vector() {
        assert_eq!(NAMES.len(), COUNT);
    }

    #[test]
    fn apostrophes_are_not_quotes() {
        assert!(quotes("It's the Afghans' war, isn’t it", false).is_empty());
    }

    #[test]
    fn straight_and_curly_quotes_pair() {
        let q = quotes("He said “we will win” and \"never\" again.", false);
        assert_eq!(q.len(), 2);
        assert!(q.iter().all(|q| q.opened && q.closed));
    }

    #[test]
    fn open_quote_carries_to_next_sentence() {
        let ctx = contexts(&[
            "\"We will fight on.",
            "We will not stop,\" he said.",
            "Then he left.",
        ]);
        assert!(!ctx[0].inside_quote);
        assert!(ctx[1].inside_quote);
        assert!(!ctx[2].inside_quote);
    }

    #[test]
    fn attribution_after_long_quote_is_seen() {
        let text = "\"These are their forces to defend,\" Kirby said.";
        assert_eq!(
            value(text, Context::default(), "cue:attribution_after_quote"),
            1.0
        );
        assert_eq!(value(text, Context::default(), "cue:long_quote"), 1.0);
    }

    #[test]
    fn scare_quote_is_short() {
        let text = "Pakistan urges look into 'meltdown' of Afghan forces";
        assert_eq!(value(text, Context::default(), "cue:short_quote_only"), 1.0);
    }
}
