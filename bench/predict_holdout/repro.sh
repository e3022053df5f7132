#!/bin/bash
# repro.sh PROFILE SEED DIR [KILN]: regenerate one holdout fleet (32 nodes x 30 days) and run kiln predict on it.
# Ablations: GENARGS="--whole-node-jobs --mild-chronic" repro.sh ...
set -eu
prof=$1; seed=$2; d=$3; KILN=${4:-build-test/apps/kiln}; shift 3; [ $# -gt 0 ] && shift; GENARGS=${GENARGS:-}
mkdir -p "$d/out"
python3 "$(dirname "$(readlink -f "$0")")/../predict_fleet_holdout.py" $GENARGS --seed "$seed" --nodes 32 --days 30 --profile "$prof" \
  --out "$d/replay.jsonl" --labels "$d/labels.jsonl" --truth "$d/truth.jsonl"
"$KILN" predict --replay "$d/replay.jsonl" --labels "$d/labels.jsonl" --out "$d/out"
