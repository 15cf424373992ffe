#!/usr/bin/env python3
"""Accuracy of stance beside two peers, fastText and scikit-learn.

Run from the repo root:  python3 benches/accuracy.py [--minilm] [--json OUT]

`stance+vec` is the shipped default model's configuration: n-grams, cues and
token vectors distilled from all-MiniLM-L6-v2 at training time (`stance
train --word-vectors`; the encoder is fetched by benches/setup_minilm.sh).
`stance` is the fast configuration, without the token vectors. --minilm also trains
the slower configuration with MiniLM sentence embeddings (`stance train
--embeddings`) and adds it to the table as stance+minilm.

Every system trains on --train (data/train.jsonl) and is scored on
--test (data/test.jsonl) and --real (../shared/eval/real-dev.jsonl). stance's
scores come from `stance eval --json`, re-derived from its confusion matrix
as a check; the peers' scores are computed here. See benches/README.md.
"""

import argparse
import sys
import time
from importlib import metadata
from pathlib import Path

sys.dont_write_bytecode = True  # no __pycache__ left in benches/
sys.path.insert(0, str(Path(__file__).resolve().parent))
import common as c  # noqa: E402

SYSTEMS = ("stance+vec", "stance", "fasttext", "sklearn")
PEERS = ("fasttext", "sklearn")


def parse_args():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--train", default=c.DEFAULT_TRAIN, type=Path, help="training JSONL")
    ap.add_argument("--test", default=c.DEFAULT_TEST, type=Path, help="synthetic test JSONL")
    ap.add_argument("--real", default=c.DEFAULT_REAL, type=Path,
                    help="real-world dev JSONL (skipped with a note if absent)")
    ap.add_argument("--stance", help="stance binary (default: cargo build --release)")
    ap.add_argument("--json", type=Path, help="also write every figure to this JSON file")
    ap.add_argument("--minilm", action="store_true",
                    help="also score stance with MiniLM sentence embeddings (slower)")
    args = ap.parse_args()
    for name in ("train", "test", "real", "json"):  # relative to where we were started
        if getattr(args, name) is not None:
            setattr(args, name, getattr(args, name).resolve())
    return args


def check_inputs(args):
    """Fail fast, before any venv or build work, if a required file is missing."""
    c.require_file(args.train, "training data", "create data/train.jsonl or pass --train")
    c.require_file(args.test, "test data", "create data/test.jsonl or pass --test")


def load_sets(args):
    """(train rows, {set name: (path, rows)})."""
    sets = {"test": (args.test, c.read_jsonl(args.test))}
    if args.real.is_file():
        sets["real-dev"] = (args.real, c.read_jsonl(args.real))
    else:
        print(f"note: {args.real} not found; real-dev is skipped", file=sys.stderr)
    return c.read_jsonl(args.train), sets


def run_stance(binary, train_path, sets, extra, stem, system):
    """Train one stance configuration (to target/bench/STEM.model), then
    `stance eval --json` on each set; returns results, checks and seconds."""
    model = c.BENCH_DIR / f"{stem}.model"
    model.parent.mkdir(parents=True, exist_ok=True)
    model.unlink(missing_ok=True)  # so a stale model cannot pass for a new one
    trained = c.run_measured([binary, "train", "--data", train_path, "--out", model, *extra])
    c.require_output(model, "train")
    print(f"  {system} trained in {trained.seconds:.1f} s", file=sys.stderr)
    results, problems = {}, {}
    for name, (path, rows) in sets.items():
        results[name] = c.run_measured(
            [binary, "eval", "--model", model, "--data", path, "--json"]).json()
        problems[name] = c.crosscheck(results[name], len(rows))
        for p in problems[name]:
            print(f"WARNING: {system} eval on {name} is inconsistent: {p}", file=sys.stderr)
    return results, problems, trained.seconds


def run_peer(kind, train_rows, sets):
    """Train one peer in-process (accuracy config) and score it on each set."""
    import peers

    start = time.perf_counter()
    model = peers.train(kind, [r["text"] for r in train_rows],
                        [r["label"] for r in train_rows], config="accuracy")
    seconds = time.perf_counter() - start
    print(f"  {kind} trained in {seconds:.1f} s", file=sys.stderr)
    results = {}
    for name, (_, rows) in sets.items():
        predicted = peers.predict(model, [r["text"] for r in rows])
        results[name] = c.metrics([r["label"] for r in rows], predicted)
    return results, seconds


def scores_table(results, set_names, systems):
    headers = ["system", "eval set", "n", "macro-F1", "accuracy",
               *[f"F1 {label}" for label in c.LABELS]]
    rows = []
    for system in systems:
        for name in set_names:
            m = results[system][name]
            rows.append([system, name, m["n"], f"{m['macro_f1']:.3f}", f"{m['accuracy']:.3f}"]
                        + [f"{f:.3f}" for f in c.per_class_f1(m)])
    return c.table(headers, rows, align=["<", "<"] + [">"] * (len(headers) - 2))


def confusion_table(m):
    labels, matrix = m["confusion"]["labels"], m["confusion"]["matrix"]
    rows = [[f"gold {g}"] + list(r) + [sum(r)] for g, r in zip(labels, matrix, strict=True)]
    return c.table(["", *[f"pred {p}" for p in labels], "total"], rows)


def versions():
    found = {"python": sys.version.split()[0]}
    for dist in ("numpy", "scikit-learn", "fasttext-wheel", "fasttext"):
        try:
            found[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            pass
    return found


def main():
    args = parse_args()
    check_inputs(args)
    c.ensure_venv()
    train_rows, sets = load_sets(args)
    binary = c.stance_binary(args.stance)
    print(f"training on {args.train} ({len(train_rows)} sentences)", file=sys.stderr)
    # stance's configurations: name, extra train arguments, model file stem.
    configs = [("stance+vec", c.default_train_args(), "accuracy-vec"),
               ("stance", [], "accuracy")]
    systems = list(SYSTEMS)
    if args.minilm:
        configs.append(("stance+minilm", ["--embeddings", c.minilm_dir()], "accuracy-minilm"))
        systems.insert(1, "stance+minilm")
    results, train_seconds, problems = {}, {}, {}
    for system, extra, stem in configs:
        print(f"training {system}", file=sys.stderr)
        results[system], more, train_seconds[system] = run_stance(
            binary, args.train, sets, extra, stem, system)
        problems.update({f"{system} {k}": v for k, v in more.items()})
    for kind in PEERS:
        results[kind], train_seconds[kind] = run_peer(kind, train_rows, sets)

    print(f"\nTrained on {args.train.name} ({len(train_rows)} sentences). "
          "macro-F1 = unweighted mean of the four per-class F1.\n")
    print(scores_table(results, list(sets), systems))
    shown = "real-dev" if "real-dev" in sets else "test"
    print(f"\nstance+vec (the default model) confusion on {shown} "
          "(rows gold, columns predicted):\n")
    print(confusion_table(results["stance+vec"][shown]))
    if args.minilm:
        print(f"\nstance+minilm confusion on {shown}:\n")
        print(confusion_table(results["stance+minilm"][shown]))
    if any(problems.values()):
        print("\nWARNING: stance eval --json disagrees with its own confusion matrix (see above)")
    if args.json:
        import peers

        c.write_json(args.json, {
            "git": c.git_describe(), "versions": versions(), "labels": c.LABELS,
            "train": {"path": str(args.train), "n": len(train_rows)},
            "sets": {n: {"path": str(p), "n": len(r)} for n, (p, r) in sets.items()},
            "fasttext_params": peers.FASTTEXT_CONFIGS["accuracy"],
            "train_seconds": train_seconds, "results": results,
            "stance_crosscheck": problems})


if __name__ == "__main__":
    c.main_guard(main)
