#!/bin/bash
# batch.sh KILN OUTDIR SEEDS...   (32 nodes x 30 days, every profile, every seed; one run at a time)
# For each (profile, seed): generate, run `KILN predict`, analyze, delete the replay. Then summarize.
set -u
KILN=$(readlink -f "$1"); OUTDIR=$2; shift 2
HERE=$(dirname "$(readlink -f "$0")")
GEN=${GEN:-$HERE/../predict_fleet_holdout.py}
PROFILES=${PROFILES:-"balanced noisy network"}
NODES=${NODES:-32}; DAYS=${DAYS:-30}
mkdir -p "$OUTDIR"
for seed in "$@"; do
  for prof in $PROFILES; do
    d="$OUTDIR/$prof-s$seed"; mkdir -p "$d/out"
    python3 "$GEN" ${GENARGS:-} --seed "$seed" --nodes "$NODES" --days "$DAYS" --profile "$prof" \
      --out "$d/replay.jsonl" --labels "$d/labels.jsonl" --truth "$d/truth.jsonl" 2> "$d/gen.txt"
    /usr/bin/time -f "%e s wall, %M KB max RSS" "$KILN" predict --replay "$d/replay.jsonl" --labels "$d/labels.jsonl" \
      --out "$d/out" > "$d/predict.stdout" 2> "$d/predict.stderr"
    echo "rc=$?" >> "$d/predict.stderr"
    python3 "$HERE/analyze.py" "$d" > "$d/analysis.txt" 2>&1
    rm -f "$d/replay.jsonl"
    echo "$prof seed $seed: $(cat "$d/gen.txt" | tail -1) | $(tail -2 "$d/predict.stderr" | tr '\n' ' ')"
  done
done
python3 "$HERE/summary.py" "$OUTDIR" | tee "$OUTDIR/summary.txt"
