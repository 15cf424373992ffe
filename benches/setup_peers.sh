#!/usr/bin/env bash
# Create (or reuse) the Python venv with the peer classifiers used by
# benches/accuracy.py and benches/speed.py, then print its python path.
#
#   bash benches/setup_peers.sh          # idempotent; a no-op when up to date
#   PYTHON=python3.11 bash benches/setup_peers.sh
#
# Every package of the venv is pinned so the peers' numbers are reproducible.
# numpy stays on 1.x: the fastText bindings call np.array(..., copy=False),
# which numpy 2 rejects at predict time.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/target/peers-venv"
PY="$VENV/bin/python"
STAMP="$VENV/.peers-pins"

PINS=(
    numpy==1.26.4
    scipy==1.17.1
    scikit-learn==1.9.1
    joblib==1.6.0
    cloudpickle==3.1.3
    threadpoolctl==3.8.0
    narwhals==2.29.0
    pybind11==3.1.0
)
# Prebuilt wheel first; the source package (compiled with g++, ~2 min) is
# the fallback if no wheel fits this Python (both tested on CPython 3.11).
FASTTEXT_WHEEL=fasttext-wheel==0.9.2
FASTTEXT_SOURCE=fasttext==0.9.3

wanted="${PINS[*]} $FASTTEXT_WHEEL|$FASTTEXT_SOURCE"

log() { echo "setup_peers: $*" >&2; }

# The stamp is written only after the imports succeeded, so checking it is
# enough (importing sklearn would cost a second on every run).
venv_ok() {
    [[ -x "$PY" ]] && [[ -f "$STAMP" ]] && [[ "$(cat "$STAMP")" == "$wanted" ]]
}

pip_install() {
    "$PY" -m pip install --quiet --disable-pip-version-check "$@"
}

install_all() {
    if [[ ! -x "$PY" ]]; then
        log "creating venv at $VENV"
        mkdir -p "$ROOT/target"
        "${PYTHON:-python3}" -m venv "$VENV"
    fi
    log "installing pinned numpy, scikit-learn and fastText (one-time)"
    pip_install "${PINS[@]}"
    if ! pip_install "$FASTTEXT_WHEEL"; then
        log "$FASTTEXT_WHEEL failed; building $FASTTEXT_SOURCE with g++"
        pip_install "$FASTTEXT_SOURCE"
    fi
    "$PY" -c 'import fasttext, sklearn, numpy' ||
        { log "peer packages do not import; delete $VENV and retry"; exit 1; }
    echo "$wanted" > "$STAMP"
}

venv_ok || install_all
echo "$PY"
