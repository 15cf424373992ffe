//! The set of labels a model distinguishes.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// The four labels of the labelling guide, in the order models report them.
pub const DEFAULT_LABELS: [&str; 4] = [
    "official_quote",
    "policy_claim",
    "military_assessment",
    "other",
];

/// An ordered set of distinct label names; a label's index is its class id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LabelSet {
    names: Vec<String>,
}

impl Default for LabelSet {
    fn default() -> Self {
        LabelSet {
            names: DEFAULT_LABELS.iter().map(|s| s.to_string()).collect(),
        }
    }
}

impl LabelSet {
    /// Builds a label set from names, rejecting empty, duplicate or too few names.
    pub fn new<S: AsRef<str>>(names: &[S]) -> Result<Self> {
        let names: Vec<String> = names
            .iter()
            .map(|s| s.as_ref().trim().to_string())
            .collect();
        if names.len() < 2 {
            return Err(Error::BadLabels(format!(
                "need at least two labels, got {}",
                names.len()
            )));
        }
        for (i, name) in names.iter().enumerate() {
            if name.is_empty() || name.chars().any(char::is_whitespace) {
                return Err(Error::BadLabels(format!(
                    "label {name:?} is empty or has white space"
                )));
            }
            if names[..i].contains(name) {
                return Err(Error::BadLabels(format!("label {name:?} appears twice")));
            }
        }
        Ok(LabelSet { names })
    }

    /// Parses a comma-separated list such as `a,b,c`.
    pub fn parse(list: &str) -> Result<Self> {
        let names: Vec<&str> = list.split(',').collect();
        Self::new(&names)
    }

    /// The class id of a label name, if it is in the set.
    pub fn index(&self, name: &str) -> Option<usize> {
        self.names.iter().position(|n| n == name)
    }

    /// The label name of a class id.
    pub fn name(&self, index: usize) -> &str {
        &self.names[index]
    }

    /// All names, in class-id order.
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// The number of labels.
    pub fn len(&self) -> usize {
        self.names.len()
    }

    /// Whether the set is empty (never true for a checked set).
    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    /// The names joined with commas, for messages.
    pub fn joined(&self) -> String {
        self.names.join(",")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_set_has_the_guides_four_labels() {
        let set = LabelSet::default();
        assert_eq!(set.len(), 4);
        assert_eq!(set.index("other"), Some(3));
    }

    #[test]
    fn parse_rejects_duplicates() {
        assert!(LabelSet::parse("a,b,a").is_err());
    }

    #[test]
    fn parse_rejects_a_single_label() {
        assert!(LabelSet::parse("only").is_err());
    }

    #[test]
    fn parse_trims_names() {
        let set = LabelSet::parse(" a , b ").unwrap();
        assert_eq!(set.names(), ["a", "b"]);
    }
}
