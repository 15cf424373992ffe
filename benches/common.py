"""Helpers shared by benches/accuracy.py, benches/speed.py and benches/peers.py.

Standard library only: this module is imported before the scripts re-exec
themselves under the peers' venv.
"""

import functools
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / "target" / "peers-venv"
BENCH_DIR = ROOT / "target" / "bench"
LABELS = ["official_quote", "policy_claim", "military_assessment", "other"]
DEFAULT_TRAIN = ROOT / "data" / "train.jsonl"
DEFAULT_TEST = ROOT / "data" / "test.jsonl"
DEFAULT_REAL = ROOT.parent / "shared" / "eval" / "real-dev.jsonl"


class BenchError(Exception):
    """An error worth a one-line message rather than a traceback."""


def main_guard(main):
    """Run main(); print BenchError as 'error: ...' and exit 1."""
    try:
        main()
    except BenchError as err:
        sys.exit(f"error: {err}")


def ensure_venv():
    """Re-exec the running script under target/peers-venv, creating it if needed."""
    if Path(sys.prefix).resolve() == VENV.resolve():
        return
    setup = ROOT / "benches" / "setup_peers.sh"
    done = subprocess.run(["bash", str(setup)], stdout=subprocess.PIPE, text=True)
    if done.returncode != 0:
        raise BenchError(f"{setup} failed (exit {done.returncode})")
    python = done.stdout.strip().splitlines()[-1]
    sys.stdout.flush()
    os.execv(python, [python, sys.argv[0], *sys.argv[1:]])


def require_file(path, what, hint=""):
    path = Path(path)
    if not path.is_file():
        raise BenchError(f"{what} not found: {path}" + (f" ({hint})" if hint else ""))
    return path


def read_jsonl(path):
    """Labelled sentences of a JSON Lines file, checked for text and a known label."""
    rows = []
    with open(require_file(path, "data file"), encoding="utf-8") as f:
        for lineno, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as err:
                raise BenchError(f"{path}:{lineno}: bad JSON ({err})") from None
            if not isinstance(row.get("text"), str) or row.get("label") not in LABELS:
                raise BenchError(f"{path}:{lineno}: needs a 'text' and a label in {LABELS}")
            rows.append(row)
    if not rows:
        raise BenchError(f"{path}: no sentences")
    return rows


def one_line(text):
    """A sentence on one line: the stance CLI ends a sentence at every line break."""
    return " ".join(text.split())


def metrics_from_confusion(labels, matrix):
    """Accuracy, per-class P/R/F1 and macro-F1 over LABELS (rows gold, cols predicted).

    Labels absent from `labels` count as all-zero rows and columns, so the
    macro average is always over the four labels.
    """
    idx = {label: i for i, label in enumerate(labels)}

    def cell(gold, pred):
        return matrix[idx[gold]][idx[pred]] if gold in idx and pred in idx else 0

    per_class = []
    for label in LABELS:
        tp = cell(label, label)
        predicted = sum(cell(g, label) for g in labels if g in LABELS) if label in idx else 0
        support = sum(cell(label, p) for p in labels if p in LABELS) if label in idx else 0
        precision = tp / predicted if predicted else 0.0
        recall = tp / support if support else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        per_class.append({"label": label, "precision": precision, "recall": recall,
                          "f1": f1, "support": support})
    n = sum(sum(row) for row in matrix)
    correct = sum(cell(label, label) for label in LABELS)
    return {"n": n, "accuracy": correct / n if n else 0.0,
            "macro_f1": sum(c["f1"] for c in per_class) / len(LABELS),
            "per_class": per_class,
            "confusion": {"labels": list(labels), "matrix": [list(r) for r in matrix]}}


def metrics(gold, predicted):
    """Same shape as `stance eval --json`, computed from two label lists."""
    idx = {label: i for i, label in enumerate(LABELS)}
    matrix = [[0] * len(LABELS) for _ in LABELS]
    for g, p in zip(gold, predicted, strict=True):
        matrix[idx[g]][idx[p]] += 1
    return metrics_from_confusion(LABELS, matrix)


def crosscheck(reported, n_expected, tol=1e-6):
    """Differences between a reported metrics dict and one recomputed from its matrix."""
    conf = reported["confusion"]
    mine = metrics_from_confusion(conf["labels"], conf["matrix"])
    problems = []
    if reported["n"] != n_expected or mine["n"] != n_expected:
        problems.append(f"n: reported {reported['n']}, matrix {mine['n']}, file {n_expected}")
    for key in ("accuracy", "macro_f1"):
        if abs(reported[key] - mine[key]) > tol:
            problems.append(f"{key}: reported {reported[key]:.6f}, from matrix {mine[key]:.6f}")
    theirs = {c["label"]: c for c in reported["per_class"]}
    for c in mine["per_class"]:
        other = theirs.get(c["label"], {"f1": 0.0, "support": 0})
        if abs(other["f1"] - c["f1"]) > tol or other["support"] != c["support"]:
            problems.append(f"{c['label']}: reported f1 {other['f1']:.6f}/support "
                            f"{other['support']}, from matrix {c['f1']:.6f}/{c['support']}")
    return problems


def per_class_f1(m):
    by_label = {c["label"]: c["f1"] for c in m["per_class"]}
    return [by_label.get(label, 0.0) for label in LABELS]


# ---------------------------------------------------------------- processes

@functools.cache
def minilm_dir():
    """The all-MiniLM-L6-v2 directory, fetched (or found) by setup_minilm.sh."""
    script = ROOT / "benches" / "setup_minilm.sh"
    done = subprocess.run(["bash", script], check=True, capture_output=True, text=True)
    return done.stdout.strip().splitlines()[-1]


def default_train_args():
    """`stance train` arguments of the shipped default configuration: token
    vectors distilled from MiniLM at training time (see README.md)."""
    return ["--word-vectors", minilm_dir()]


def stance_binary(path=None):
    """The stance CLI: --stance PATH as given, else a fresh `cargo build --release`.

    Building every time is a no-op when up to date and stops a stale binary
    from being benchmarked.
    """
    if path:
        binary = Path(path).resolve()
        if not (binary.is_file() and os.access(binary, os.X_OK)):
            raise BenchError(f"--stance {path}: not an executable file")
        return binary
    print("building stance (cargo build --release) ...", file=sys.stderr, flush=True)
    done = subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT)
    if done.returncode != 0:
        raise BenchError("cargo build --release failed; fix the build, or pass "
                         "--stance PATH to benchmark an existing binary")
    return ROOT / "target" / "release" / "stance"


class Run:
    """A finished child process: wall seconds, peak RSS (KiB) and its stdout."""

    def __init__(self, cmd, seconds, rss_kib, stdout):
        self.cmd, self.seconds, self.rss_kib, self.stdout = cmd, seconds, rss_kib, stdout

    def json(self):
        try:
            return json.loads(self.stdout)
        except json.JSONDecodeError:
            raise BenchError(f"{' '.join(self.cmd)} printed no JSON object on stdout; "
                             f"got {self.stdout[:200]!r}") from None


def run_measured(cmd, stdout_path=None, env=None, keep_stdout=True):
    """Run cmd to completion, timing wall clock and reading ru_maxrss via wait4.

    stdout goes to stdout_path (or a temporary file), never to a pipe, so a
    large output cannot stall the child while we wait. Raises BenchError on a
    non-zero exit, with the tail of the child's stderr.
    """
    cmd = [str(c) for c in cmd]
    with tempfile.TemporaryFile() as err, \
            (open(stdout_path, "wb") if stdout_path else tempfile.TemporaryFile()) as out:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, env=env, cwd=ROOT)
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode != 0:
            err.seek(0)
            tail = err.read().decode(errors="replace")[-2000:]
            raise BenchError(f"{' '.join(cmd)} exited {proc.returncode}:\n{tail}")
        text = ""
        if keep_stdout and not stdout_path:
            out.seek(0)
            text = out.read().decode()
    return Run(cmd, seconds, usage.ru_maxrss, text)  # ru_maxrss is in KiB on Linux


def require_output(path, cmd_name):
    """The size of a file a stance command should have written."""
    if not Path(path).is_file():
        raise BenchError(f"`stance {cmd_name}` exited 0 but wrote no {path}")
    return Path(path).stat().st_size


def median(values):
    return statistics.median(values)


def peer_env(threads=1):
    """Environment for a peer child: BLAS/OpenMP pools pinned to `threads`."""
    env = dict(os.environ)
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        env[var] = str(threads)
    return env


# ---------------------------------------------------------------- output

def table(headers, rows, align=None):
    """A plain-text table; numbers right-aligned, text left-aligned."""
    cells = [[str(h) for h in headers]] + [[str(c) for c in row] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    align = align or ["<"] + [">"] * (len(headers) - 1)
    lines = []
    for k, row in enumerate(cells):
        padded = (f"{cell:{a}{w}}" for cell, a, w in zip(row, align, widths, strict=True))
        lines.append("  ".join(padded).rstrip())
        if k == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def write_json(path, data):
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2, default=str) + "\n")
    print(f"wrote {path}")


def git_describe():
    done = subprocess.run(["git", "describe", "--always", "--dirty"], cwd=ROOT,
                          capture_output=True, text=True)
    return done.stdout.strip() or None
