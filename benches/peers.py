"""The two peer classifiers that stance is compared with.

As a module (under target/peers-venv):
    model = peers.train("fasttext", sentences, labels, config="accuracy")
    columns, probs = peers.predict_proba(model, sentences)   # probs: n x 4

As a CLI (run by the venv python, target/peers-venv/bin/python), so that
speed.py can time and measure each run in its own process:
    python benches/peers.py train   --kind K --config C --data F.jsonl --out MODEL
    python benches/peers.py predict --kind K --model MODEL --text F.txt [--repeat N]
    python benches/peers.py eval    --kind K --model MODEL --data F.jsonl
Each prints one JSON object on stdout.

Peers:
  fasttext  supervised fastText; config "accuracy" = wordNgrams 2, epoch 25,
            lr 0.5, dim 50 (1 thread, seed 0: reproducible); config "speed" =
            wordNgrams 2, otherwise the library defaults except `thread`,
            which is set to all cores (the default is cpu_count - 1).
  sklearn   word 1-2-gram + char_wb 2-5-gram TF-IDF (sublinear tf) ->
            LogisticRegression(C=10, max_iter=1000); same in both configs.
"""

import argparse
import json
import os
import pickle
import re
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

sys.dont_write_bytecode = True  # no __pycache__ left in benches/
sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import LABELS, metrics, read_jsonl  # noqa: E402

KINDS = ("fasttext", "sklearn")
FASTTEXT_CONFIGS = {
    "accuracy": {"wordNgrams": 2, "epoch": 25, "lr": 0.5, "dim": 50, "thread": 1, "seed": 0},
    "speed": {"wordNgrams": 2, "thread": os.cpu_count() or 1},
}
FT_PREFIX = "__label__"
_PUNCT = re.compile(r"([^\w\s])")


@dataclass
class PeerModel:
    kind: str
    impl: object


def fasttext_text(sentence):
    """The usual fastText preprocessing: lowercase, punctuation split off, one line."""
    return " ".join(_PUNCT.sub(r" \1 ", sentence.lower()).split())


# ---------------------------------------------------------------- training

def train(kind, sentences, labels, config="accuracy"):
    """Fit a peer on parallel lists of sentences and gold labels."""
    if kind == "fasttext":
        return PeerModel(kind, _train_fasttext(sentences, labels, FASTTEXT_CONFIGS[config]))
    if kind == "sklearn":
        return PeerModel(kind, _sklearn_pipeline().fit(list(sentences), list(labels)))
    raise ValueError(f"unknown peer {kind!r}; expected one of {KINDS}")


def _train_fasttext(sentences, labels, params):
    import fasttext

    # fastText only trains from a file: one "__label__X text" line per sentence.
    with tempfile.NamedTemporaryFile("w", suffix=".txt", encoding="utf-8") as f:
        for sentence, label in zip(sentences, labels, strict=True):
            f.write(f"{FT_PREFIX}{label} {fasttext_text(sentence)}\n")
        f.flush()
        return fasttext.train_supervised(input=f.name, verbose=0, **params)


def _sklearn_pipeline():
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import FeatureUnion, Pipeline

    features = FeatureUnion([
        ("word", TfidfVectorizer(analyzer="word", ngram_range=(1, 2), sublinear_tf=True)),
        ("char", TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True)),
    ])
    return Pipeline([("tfidf", features), ("logreg", LogisticRegression(C=10, max_iter=1000))])


def save(model, path):
    if model.kind == "fasttext":
        model.impl.save_model(str(path))
    else:
        with open(path, "wb") as f:
            pickle.dump(model.impl, f, protocol=pickle.HIGHEST_PROTOCOL)


def load(kind, path):
    if kind == "fasttext":
        import fasttext

        fasttext.FastText.eprint = lambda *_: None  # silence a notice on every load
        return PeerModel(kind, fasttext.load_model(str(path)))
    with open(path, "rb") as f:
        return PeerModel(kind, pickle.load(f))


# ---------------------------------------------------------------- prediction

def predict_proba(model, sentences):
    """(columns, probs): columns is LABELS; probs[i, j] = P(columns[j] | sentence i).

    A label the model never saw in training gets probability 0.
    """
    probs = np.zeros((len(sentences), len(LABELS)))
    col = {label: j for j, label in enumerate(LABELS)}
    if model.kind == "fasttext":
        texts = [fasttext_text(s) for s in sentences]
        names, values = model.impl.predict(texts, k=-1)  # k=-1: every label's probability
        for i, (row_names, row_values) in enumerate(zip(names, values, strict=True)):
            for name, value in zip(row_names, row_values, strict=True):
                probs[i, col[name[len(FT_PREFIX):]]] = value
    else:
        got = model.impl.predict_proba(list(sentences))
        for j, label in enumerate(model.impl.classes_):
            probs[:, col[label]] = got[:, j]
    return list(LABELS), probs


def predict(model, sentences):
    columns, probs = predict_proba(model, sentences)
    return [columns[j] for j in probs.argmax(axis=1)]


# ---------------------------------------------------------------- CLI

def cmd_train(args):
    start = time.perf_counter()
    rows = read_jsonl(args.data)
    model = train(args.kind, [r["text"] for r in rows], [r["label"] for r in rows], args.config)
    fitted = time.perf_counter()
    save(model, args.out)
    end = time.perf_counter()
    return {"kind": args.kind, "config": args.config, "n": len(rows),
            "seconds": end - start, "fit_seconds": fitted - start,
            "save_seconds": end - fitted, "model_bytes": os.path.getsize(args.out)}


def cmd_predict(args):
    """Classify every non-empty line of a text file; time read + predict in-process."""
    start = time.perf_counter()
    model = load(args.kind, args.model)
    load_seconds = time.perf_counter() - start
    times = []
    for _ in range(args.repeat):
        start = time.perf_counter()
        with open(args.text, encoding="utf-8") as f:
            sentences = [line.strip() for line in f if line.strip()]
        predict_proba(model, sentences)
        times.append(time.perf_counter() - start)
    return {"kind": args.kind, "n": len(sentences), "seconds": times,
            "load_seconds": load_seconds}


def cmd_eval(args):
    rows = read_jsonl(args.data)
    model = load(args.kind, args.model)
    predicted = predict(model, [r["text"] for r in rows])
    return metrics([r["label"] for r in rows], predicted)


def parse_args(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="command", required=True)
    t = sub.add_parser("train", help="fit a peer on a JSONL file and save it")
    t.add_argument("--config", choices=sorted(FASTTEXT_CONFIGS), default="accuracy")
    t.add_argument("--data", required=True)
    t.add_argument("--out", required=True)
    p = sub.add_parser("predict", help="time classifying each line of a text file")
    p.add_argument("--text", required=True)
    p.add_argument("--repeat", type=int, default=1)
    e = sub.add_parser("eval", help="metrics on a JSONL file, shaped like `stance eval --json`")
    e.add_argument("--data", required=True)
    for s in (t, p, e):
        s.add_argument("--kind", choices=KINDS, required=True)
    for s in (p, e):
        s.add_argument("--model", required=True)
    return ap.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    handler = {"train": cmd_train, "predict": cmd_predict, "eval": cmd_eval}[args.command]
    print(json.dumps(handler(args)))


if __name__ == "__main__":
    from common import main_guard

    main_guard(main)
