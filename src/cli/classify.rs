//! `stance classify`: label every sentence of a plain-text article.

use std::io::{BufWriter, Read, Write};
use std::path::PathBuf;

use anyhow::{bail, Context, Result};
use clap::Args;
use rayon::prelude::*;
use serde::ser::{SerializeMap, Serializer};
use serde::Serialize;

use stance::classifier::Labelled;
use stance::segment;
use stance::Classifier;

use super::{load_model, set_threads};

#[derive(Debug, Args)]
pub struct ClassifyCmd {
    /// The article as plain text, or - for standard input.
    input: PathBuf,
    /// The model (default: the model shipped in models/).
    #[arg(long, value_name = "FILE")]
    model: Option<PathBuf>,
    /// Output: text (aligned columns), jsonl (one object per sentence) or tsv.
    #[arg(long, default_value = "text", value_name = "text|jsonl|tsv")]
    format: String,
    /// Also list the features that pushed each sentence hardest toward its label.
    #[arg(long)]
    explain: bool,
    /// How many features --explain lists.
    #[arg(long, default_value_t = 5)]
    top: usize,
    /// Worker threads (0: one per core).
    #[arg(long, default_value_t = 0)]
    threads: usize,
}

impl ClassifyCmd {
    pub fn run(self) -> Result<()> {
        if !matches!(self.format.as_str(), "text" | "jsonl" | "tsv") {
            bail!(
                "unknown --format {:?} (expected text, jsonl or tsv)",
                self.format
            );
        }
        set_threads(self.threads)?;
        let model = load_model(self.model.as_deref())?;
        let text = self.read_input()?;
        let labelled = model.classify_article(&text)?;
        let offsets =
            segment::char_offsets(&text, &labelled.iter().map(|l| l.span).collect::<Vec<_>>());
        let stdout = std::io::stdout();
        let mut out = BufWriter::new(stdout.lock());
        if self.format == "tsv" {
            writeln!(
                out,
                "index\tstart\tend\tlabel\t{}\ttext",
                model
                    .labels()
                    .names()
                    .iter()
                    .map(|l| format!("p_{l}"))
                    .collect::<Vec<_>>()
                    .join("\t")
            )?;
        }
        // Rendering is a good share of the work on large inputs: do it on the
        // worker threads in runs of sentences (one buffer per run, not per
        // sentence), then write the runs in input order. Batches keep the
        // buffers few, so their pages are reused rather than freshly faulted in.
        const RUN: usize = 512;
        const BATCH: usize = 16 * RUN;
        for (batch, (items, offsets)) in labelled
            .chunks(BATCH)
            .zip(offsets.chunks(BATCH))
            .enumerate()
        {
            let rendered: Vec<Vec<u8>> = items
                .par_chunks(RUN)
                .zip(offsets.par_chunks(RUN))
                .enumerate()
                .map(|(run, (items, offsets))| {
                    let first = batch * BATCH + run * RUN;
                    let mut buf = Vec::with_capacity(items.len() * 256);
                    for (i, (item, &offset)) in items.iter().zip(offsets).enumerate() {
                        self.render(&mut buf, &model, &text, first + i, offset, item)?;
                    }
                    Ok(buf)
                })
                .collect::<Result<_>>()?;
            for piece in rendered {
                out.write_all(&piece)?;
            }
        }
        out.flush()?;
        Ok(())
    }

    /// Appends one sentence's output lines in the chosen format.
    fn render(
        &self,
        buf: &mut Vec<u8>,
        model: &Classifier,
        text: &str,
        index: usize,
        offset: (usize, usize),
        item: &Labelled,
    ) -> Result<()> {
        let sentence = &text[item.span.start..item.span.end];
        let explained = self.explanation(model, sentence, item)?;
        match self.format.as_str() {
            "jsonl" => write_json(buf, model, index, offset, sentence, item, explained),
            "tsv" => write_tsv(buf, model, index, offset, sentence, item),
            _ => write_text(buf, model, sentence, item, explained),
        }
    }

    /// Reads the article; invalid UTF-8 is replaced rather than refused, so
    /// damaged text is still labelled.
    fn read_input(&self) -> Result<String> {
        let mut bytes = Vec::new();
        if self.input.as_os_str() == "-" {
            std::io::stdin()
                .read_to_end(&mut bytes)
                .context("cannot read standard input")?;
        } else {
            bytes = std::fs::read(&self.input)
                .with_context(|| format!("{}: cannot read", self.input.display()))?;
        }
        // Valid text (nearly always) is taken as it is, without a copy.
        Ok(String::from_utf8(bytes)
            .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned()))
    }

    fn explanation(
        &self,
        model: &Classifier,
        sentence: &str,
        item: &Labelled,
    ) -> Result<Option<Vec<(String, f32)>>> {
        if !self.explain {
            return Ok(None);
        }
        let explained = model.explain(sentence, item.context, item.prediction.label, self.top)?;
        if explained.is_none() {
            bail!(
                "--explain needs a logistic model (this one is {})",
                model.params().kind.name()
            );
        }
        Ok(explained)
    }
}

/// One sentence as a JSON object, serialised straight from borrowed data
/// (building a `serde_json::Value` per sentence cost a fifth of classify time).
#[derive(Serialize)]
struct JsonSentence<'a> {
    index: usize,
    start: usize,
    end: usize,
    text: &'a str,
    label: &'a str,
    probabilities: Probabilities<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    explain: Option<Vec<JsonFeature>>,
}

/// Label names with their probabilities, as one JSON object in label-set order.
struct Probabilities<'a>(&'a [String], &'a [f32]);

impl Serialize for Probabilities<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (label, p) in self.0.iter().zip(self.1) {
            map.serialize_entry(label, p)?;
        }
        map.end()
    }
}

#[derive(Serialize)]
struct JsonFeature {
    feature: String,
    weight: f32,
}

fn write_json(
    out: &mut Vec<u8>,
    model: &Classifier,
    index: usize,
    (start, end): (usize, usize),
    sentence: &str,
    item: &Labelled,
    explained: Option<Vec<(String, f32)>>,
) -> Result<()> {
    let labels = model.labels();
    let line = JsonSentence {
        index,
        start,
        end,
        text: sentence,
        label: labels.name(item.prediction.label),
        probabilities: Probabilities(labels.names(), &item.prediction.probabilities),
        explain: explained.map(|features| {
            features
                .into_iter()
                .map(|(feature, weight)| JsonFeature { feature, weight })
                .collect()
        }),
    };
    serde_json::to_writer(&mut *out, &line)?;
    out.push(b'\n');
    Ok(())
}

fn write_tsv(
    out: &mut impl Write,
    model: &Classifier,
    index: usize,
    (start, end): (usize, usize),
    sentence: &str,
    item: &Labelled,
) -> Result<()> {
    let probs: Vec<String> = item
        .prediction
        .probabilities
        .iter()
        .map(|p| format!("{p:.4}"))
        .collect();
    let clean = sentence.replace(['\t', '\r', '\n'], " ");
    writeln!(
        out,
        "{index}\t{start}\t{end}\t{}\t{}\t{clean}",
        model.labels().name(item.prediction.label),
        probs.join("\t")
    )?;
    Ok(())
}

fn write_text(
    out: &mut impl Write,
    model: &Classifier,
    sentence: &str,
    item: &Labelled,
    explained: Option<Vec<(String, f32)>>,
) -> Result<()> {
    let labels = model.labels();
    let probs: Vec<String> = labels
        .names()
        .iter()
        .zip(&item.prediction.probabilities)
        .map(|(l, p)| format!("{}={p:.2}", l.split('_').next().unwrap_or(l)))
        .collect();
    writeln!(
        out,
        "{:<20} [{}]  {sentence}",
        labels.name(item.prediction.label),
        probs.join(" ")
    )?;
    for (feature, weight) in explained.into_iter().flatten() {
        writeln!(out, "{:<20}   {weight:+.3}  {feature}", "")?;
    }
    Ok(())
}
