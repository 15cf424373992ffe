#!/usr/bin/env python3
"""Speed, memory and model size of stance beside fastText and scikit-learn.

Run from the repo root:  python3 benches/speed.py [--quick] [--json OUT]

In one run on one machine: training time and peak RSS on corpora of 1k, 4k,
16k and 64k sentences; classify throughput in sentences/s, articles/s and
MB/s; start-up cost; model sizes; and each system's macro-F1 on real-dev, so
that no speed is bought silently with accuracy. `stance` is the fast
configuration (n-grams and cues), which the ratios and the issue's targets
are about; `stance+vec` is the shipped default model's configuration (plus
token vectors distilled from all-MiniLM-L6-v2 at training time, so its
training times include that distillation; the encoder is fetched by
benches/setup_minilm.sh), reported beside it. See benches/README.md.
"""

import argparse
import json
import math
import os
import random
import re
import sys
from pathlib import Path

sys.dont_write_bytecode = True  # no __pycache__ left in benches/
sys.path.insert(0, str(Path(__file__).resolve().parent))
import common as c  # noqa: E402

PEERS = ("fasttext", "sklearn")
# stance's configurations: the name in the table, and its extra train arguments.
STANCE = {"stance": lambda: [], "stance+vec": c.default_train_args}
SYSTEMS = (*STANCE, *PEERS)
SIZES, QUICK_SIZES = [1000, 4000, 16000, 64000], [1000, 4000]
MIN_LINES, QUICK_MIN_LINES = 50_000, 5_000
CPUS = os.cpu_count() or 1


def parse_args():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--train", default=c.DEFAULT_TRAIN, type=Path,
                    help="JSONL the training corpora are sampled from")
    ap.add_argument("--test", default=c.DEFAULT_TEST, type=Path,
                    help="JSONL whose sentences and articles are classified")
    ap.add_argument("--real", default=c.DEFAULT_REAL, type=Path,
                    help="JSONL for the accuracy-beside-speed check (else --test)")
    ap.add_argument("--stance", help="stance binary (default: cargo build --release)")
    ap.add_argument("--json", default=c.BENCH_DIR / "speed.json", type=Path)
    ap.add_argument("--quick", action="store_true",
                    help="smoke run: 1k and 4k corpora, >= 5k lines, one repetition")
    ap.add_argument("--repeat", type=int, help="timed repetitions of classify (median; 5)")
    ap.add_argument("--seed", type=int, default=13, help="seed of the corpus sampling")
    args = ap.parse_args()
    for name in ("train", "test", "real", "json"):
        setattr(args, name, getattr(args, name).resolve())
    args.sizes = QUICK_SIZES if args.quick else SIZES
    # Models of this size are the ones timed on classify and scored for accuracy.
    args.ref_size = 16000 if 16000 in args.sizes else args.sizes[-1]
    args.min_lines = QUICK_MIN_LINES if args.quick else MIN_LINES
    args.repeat = args.repeat or (1 if args.quick else 5)
    return args


# ---------------------------------------------------------------- inputs

def perturb(words, rng):
    """One light edit: swap two adjacent words, drop a word, or change a number."""
    ops = []
    if len(words) >= 2:
        ops.append("swap")
    if len(words) >= 3:
        ops.append("drop")
    numbers = [i for i, w in enumerate(words) if any(ch.isdigit() for ch in w)]
    if numbers:
        ops.append("number")
    if not ops:
        return words
    words = list(words)
    op = rng.choice(ops)
    if op == "swap":
        i = rng.randrange(len(words) - 1)
        words[i], words[i + 1] = words[i + 1], words[i]
    elif op == "drop":
        del words[rng.randrange(len(words))]
    else:
        i = rng.choice(numbers)
        words[i] = re.sub(r"\d", lambda _: str(rng.randrange(10)), words[i])
    return words


def write_corpora(rows, sizes, seed):
    """Corpora of each size, sampled with replacement and perturbed; {size: path}."""
    paths = {}
    for size in sizes:
        rng = random.Random(seed * 1_000_003 + size)
        path = c.BENCH_DIR / f"corpus-{size}.jsonl"
        with open(path, "w", encoding="utf-8") as f:
            for i in range(size):
                row = rng.choice(rows)
                text = " ".join(perturb(c.one_line(row["text"]).split(), rng))
                f.write(json.dumps({"id": f"c{size}-{i}", "article": row.get("article"),
                                      "text": text, "label": row["label"],
                                      "source": "perturbed"}) + "\n")
        paths[size] = path
    return paths


def write_lines(rows, min_lines):
    """The test sentences, one per line, repeated to at least min_lines lines."""
    sentences = [s for s in (c.one_line(r["text"]) for r in rows) if s]
    sentences *= math.ceil(min_lines / len(sentences))
    path = c.BENCH_DIR / "classify-lines.txt"
    path.write_text("\n".join(sentences) + "\n", encoding="utf-8")
    return path, len(sentences)


def group_articles(rows):
    """Sentence lists per `article` in file order; chunks of 20 if no article ids."""
    if not any(r.get("article") for r in rows):
        chunks = [rows[i:i + 20] for i in range(0, len(rows), 20)]
        return chunks, "no article ids: 20-sentence chunks"
    groups = {}
    for r in rows:
        groups.setdefault(r.get("article") or f"_{r.get('id')}", []).append(r)
    return list(groups.values()), "grouped by article"


def write_articles(rows, min_sentences):
    """Articles (sentences joined by a blank line) concatenated, blank-line separated.

    The article set is repeated until it holds min_sentences sentences, so the
    timing is not dominated by start-up.
    """
    groups, how = group_articles(rows)
    articles = ["\n\n".join(c.one_line(r["text"]) for r in g) for g in groups]
    reps = math.ceil(min_sentences / len(rows))
    text = "\n\n".join(articles * reps) + "\n"
    path = c.BENCH_DIR / "classify-articles.txt"
    path.write_bytes(text.encode("utf-8"))
    return {"path": path, "articles": len(articles) * reps, "distinct_articles": len(articles),
            "sentences": len(rows) * reps, "bytes": path.stat().st_size, "grouping": how}


# ---------------------------------------------------------------- training

def peer_cmd(*args):
    return [sys.executable, c.ROOT / "benches" / "peers.py", *args]


def train_stance(binary, corpus, out, extra):
    out.unlink(missing_ok=True)  # so a stale model cannot pass for a new one
    run = c.run_measured([binary, "train", "--data", corpus, "--out", out, "--threads", CPUS,
                          *extra])
    return {"seconds": run.seconds, "wall_seconds": run.seconds, "rss_kib": run.rss_kib,
            "model_bytes": c.require_output(out, "train")}


def train_peer(kind, corpus, out):
    """One peer training in a child process; `seconds` excludes interpreter start."""
    run = c.run_measured(peer_cmd("train", "--kind", kind, "--config", "speed",
                                  "--data", corpus, "--out", out))
    report = run.json()
    return {"seconds": report["seconds"], "wall_seconds": run.seconds,
            "fit_seconds": report["fit_seconds"], "save_seconds": report["save_seconds"],
            "rss_kib": run.rss_kib, "model_bytes": report["model_bytes"]}


def train_all(binary, corpora, ref_size):
    """Train every system on every corpus; keep only the reference-size models."""
    stats, ref_models = {}, {}
    for size, corpus in corpora.items():
        stats[size] = {}
        for system in SYSTEMS:
            out = c.BENCH_DIR / f"speed-{system}-{size}.model"
            log(f"training {system} on {size} sentences")
            if system in STANCE:
                stats[size][system] = train_stance(binary, corpus, out, STANCE[system]())
            else:
                stats[size][system] = train_peer(system, corpus, out)
            if size == ref_size:
                ref_models[system] = out
            elif system not in STANCE:
                out.unlink()  # a default-config fastText model is ~800 MB
    return stats, ref_models


# ---------------------------------------------------------------- classify

def check_stance_output(path, expected):
    """Count output lines and check the first against the contract; returns the count."""
    with open(path, "rb") as f:
        first = f.readline()
        count = (1 if first else 0) + sum(1 for _ in f)
    if first:
        rec = json.loads(first)
        missing = {"index", "start", "end", "text", "label", "probabilities"} - rec.keys()
        if missing or rec["label"] not in c.LABELS:
            raise c.BenchError(f"stance classify output breaks the contract: {first[:200]!r}")
    # A line break always ends a sentence, so fewer sentences than lines breaks
    # the contract; more is fine (a few corpus lines hold a question and its
    # answer, or a headline and its teaser, which stance splits by its rules).
    if expected is not None and count < expected:
        raise c.BenchError(f"stance classify gave {count} sentences for {expected} lines")
    if expected is not None and count > expected:
        log(f"note: {count - expected} of {expected} lines hold two sentences by stance's rules")
    return count


def stance_runs(repeat):
    """How many times stance classifies a file: its runs take under a second,
    and single runs on this shared machine vary by up to 1.6x, so it gets
    2 * repeat + 1 of them (the median is steadier; the cost is seconds)."""
    return 2 * repeat + 1


def time_stance(binary, model, text, thread_counts, repeat, expected=None):
    """{threads: timing} for stance; the thread counts take turns within each
    repetition, so a slow spell on a shared machine does not land on one of them."""
    out = c.BENCH_DIR / "classify-out.jsonl"
    runs = {threads: [] for threads in thread_counts}
    for _ in range(stance_runs(repeat)):
        for threads in thread_counts:
            runs[threads].append(c.run_measured(
                [binary, "classify", text, "--model", model, "--format", "jsonl",
                 "--threads", threads], stdout_path=out))
    count = check_stance_output(out, expected)
    return {threads: {"seconds": c.median([r.seconds for r in rs]),
                      "runs": [r.seconds for r in rs],
                      "rss_kib": max(r.rss_kib for r in rs),
                      "sentences_out": count}
            for threads, rs in runs.items()}


def time_peer(kind, model, text, repeat):
    """Peer predict in a child pinned to one BLAS/OpenMP thread, timed in-process."""
    run = c.run_measured(peer_cmd("predict", "--kind", kind, "--model", model,
                                  "--text", text, "--repeat", repeat), env=c.peer_env(1))
    report = run.json()
    return {"seconds": c.median(report["seconds"]), "runs": report["seconds"],
            "rss_kib": run.rss_kib, "load_seconds": report["load_seconds"],
            "sentences_out": report["n"]}


def time_all(binary, models, text, repeat, expected=None):
    """{label: timing} for stance at 1 and all threads and each peer at 1 thread."""
    thread_counts = sorted({1, CPUS})
    timings = {}
    for system in STANCE:
        log(f"classify {text.name}: {system}, {' and '.join(map(str, thread_counts))} thread(s)")
        timings.update({f"{system}/{threads}": timing for threads, timing in
                        time_stance(binary, models[system], text, thread_counts, repeat,
                                    expected).items()})
    for kind in PEERS:
        log(f"classify {text.name}: {kind}, 1 thread")
        timings[f"{kind}/1"] = time_peer(kind, models[kind], text, repeat)
    return timings


def startup(binary, model):
    """stance's fixed cost: classifying a one-sentence file (process + model load)."""
    one = c.BENCH_DIR / "classify-one.txt"
    one.write_text("The minister said the plan would be announced on Monday.\n")
    out = c.BENCH_DIR / "classify-out.jsonl"
    runs = [c.run_measured([binary, "classify", one, "--model", model, "--format", "jsonl",
                            "--threads", 1], stdout_path=out) for _ in range(3)]
    check_stance_output(out, 1)
    return c.median([r.seconds for r in runs])


# ---------------------------------------------------------------- accuracy

def accuracy_beside(binary, models, eval_path, n_rows):
    """Macro-F1 on eval_path of the models whose speed is reported."""
    scores = {}
    for system in STANCE:
        report = c.run_measured([binary, "eval", "--model", models[system],
                                 "--data", eval_path, "--json"]).json()
        for problem in c.crosscheck(report, n_rows):
            log(f"WARNING: {system} eval --json is inconsistent: {problem}")
        scores[system] = report["macro_f1"]
    for kind in PEERS:
        run = c.run_measured(peer_cmd("eval", "--kind", kind, "--model", models[kind],
                                      "--data", eval_path))
        scores[kind] = run.json()["macro_f1"]
    return scores


def log(message):
    print(message, file=sys.stderr, flush=True)


# ---------------------------------------------------------------- report

def row(metric, unit, better, values):
    return {"metric": metric, "unit": unit, "better": better, "values": values}


def throughput_rows(name, timings, amount, unit, scale=1.0):
    """Rows of amount/seconds: stance at 1 thread beside the peers, then at all cores."""

    def rate(key):
        return amount * scale / timings[key]["seconds"]

    rows = [row(f"{name}, 1 thread", unit, "higher",
                {k: rate(f"{k}/1") for k in SYSTEMS})]
    if CPUS > 1:
        rows.append(row(f"{name}, {CPUS} threads (peers: n/a)", unit, "higher",
                        {k: rate(f"{k}/{CPUS}") for k in STANCE}))
    return rows


def training_rows(train_stats):
    rows = []
    for size, stats in train_stats.items():
        k = f"{size // 1000}k"
        rows.append(row(f"train {k}", "s", "lower", {s: stats[s]["seconds"] for s in SYSTEMS}))
        rows.append(row(f"train {k}, peak RSS", "MiB", "lower",
                        {s: stats[s]["rss_kib"] / 1024 for s in SYSTEMS}))
        rows.append(row(f"model file, {k}", "MB", "lower",
                        {s: stats[s]["model_bytes"] / 1e6 for s in SYSTEMS}))
    return rows


def build_rows(res):
    lines, arts = res["classify_lines"], res["classify_articles"]
    rows = throughput_rows("classify sentences", lines["timings"], lines["lines"], "sent/s")
    rows.append(row("classify sentences, peak RSS", "MiB", "lower",
                    {k.split("/")[0]: t["rss_kib"] / 1024 for k, t in lines["timings"].items()
                     if k.endswith("/1")}))
    info = arts["input"]
    rows += throughput_rows("classify articles", arts["timings"], info["articles"], "articles/s")
    rows += throughput_rows("classify articles", arts["timings"], info["bytes"], "MB/s", 1e-6)
    rows.append(row("start-up + model load", "s", "lower",
                    {"stance": res["stance_startup_seconds"],
                     **{k: lines["timings"][f"{k}/1"]["load_seconds"] for k in PEERS}}))
    rows += training_rows(res["training"])
    acc = res["accuracy"]
    rows.append(row(f"{acc['set']} macro-F1 (trained on {acc['trained_on']})", "", "higher",
                    acc["macro_f1"]))
    return rows


def fmt(value, unit):
    if value is None:
        return "-"
    if unit == "":
        return f"{value:.3f}"
    return f"{value:,.0f}" if value >= 100 else f"{value:.3g}"


def ratio_cell(r, peer):
    stance, other = r["values"].get("stance"), r["values"].get(peer)
    if not stance or not other:
        return "-"
    ratio = stance / other
    wins = ratio > 1 if r["better"] == "higher" else ratio < 1
    return f"{ratio:.3g} {'better' if wins else 'worse'}" if ratio != 1 else "1 same"


def render(rows):
    headers = ["metric", "unit", "better", *SYSTEMS, *[f"stance/{p}" for p in PEERS]]
    cells = [[r["metric"], r["unit"], r["better"],
              *[fmt(r["values"].get(s), r["unit"]) for s in SYSTEMS],
              *[ratio_cell(r, p) for p in PEERS]] for r in rows]
    return c.table(headers, cells, align=["<"] * 3 + [">"] * (len(headers) - 3))


# ---------------------------------------------------------------- main

def load_inputs(args):
    c.require_file(args.train, "training data", "create data/train.jsonl or pass --train")
    c.require_file(args.test, "test data", "create data/test.jsonl or pass --test")
    eval_name, eval_path = ("real-dev", args.real) if args.real.is_file() else ("test", args.test)
    if eval_name == "test":
        log(f"note: {args.real} not found; accuracy-beside-speed uses {args.test}")
    return c.read_jsonl(args.train), c.read_jsonl(args.test), eval_name, eval_path


def measure(args, binary, train_rows, test_rows, eval_name, eval_path):
    corpora = write_corpora(train_rows, args.sizes, args.seed)
    print(f"corpora: {', '.join(map(str, args.sizes))} sentences sampled with replacement from "
          f"{args.train.name}, each with one light edit (adjacent swap, dropped word or changed "
          f"number), seed {args.seed}, written to {c.BENCH_DIR}/corpus-*.jsonl", flush=True)
    training, models = train_all(binary, corpora, args.ref_size)
    lines_path, n_lines = write_lines(test_rows, args.min_lines)
    articles = write_articles(test_rows, args.min_lines)
    n_eval = len(c.read_jsonl(eval_path))
    return {
        "training": training,
        "classify_lines": {"path": lines_path, "lines": n_lines, "timings":
                           time_all(binary, models, lines_path, args.repeat, n_lines)},
        "classify_articles": {"input": articles, "timings":
                              time_all(binary, models, articles["path"], args.repeat)},
        "stance_startup_seconds": startup(binary, models["stance"]),
        "accuracy": {"set": eval_name, "path": eval_path,
                     "trained_on": f"{args.ref_size // 1000}k corpus",
                     "macro_f1": accuracy_beside(binary, models, eval_path, n_eval)},
        "corpora": {size: path for size, path in corpora.items()},
    }


def main():
    args = parse_args()
    inputs = load_inputs(args)
    c.ensure_venv()
    c.BENCH_DIR.mkdir(parents=True, exist_ok=True)
    binary = c.stance_binary(args.stance)
    res = {"git": c.git_describe(), "cpus": CPUS, "quick": args.quick, "seed": args.seed,
           "repeat": args.repeat, "stance": str(binary)}
    res.update(measure(args, binary, *inputs))
    res["rows"] = build_rows(res)
    print(f"\n{CPUS} cores. Throughput: median of {args.repeat} run(s), "
          f"{stance_runs(args.repeat)} for stance; stance's wall time "
          "includes process start, model load and JSON output, the peers' (1 thread, "
          "in-process) only reading the file and predicting. Training: stance and fastText "
          f"use {CPUS} threads. Ratio = stance/peer; 'better' = stance wins that row.\n")
    print(render(res["rows"]))
    c.write_json(args.json, res)


if __name__ == "__main__":
    c.main_guard(main)
