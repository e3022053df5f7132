#!/usr/bin/env bash
# Precision, recall and lead of `kiln predict` over synthetic fleets (bench/predict_fleet.py) on seeds and failure
# mixes the rules were not tuned on (they were tuned on seeds 1-3, mix field, 32 nodes). By hand, not in ctest:
#   [NOISE_SCALE=4] bench/predict_eval.sh build-test/apps/kiln [FIRST_SEED] [SEEDS] [NODES] [DAYS]
# Prints one line per fleet and the spread (min, median, max) per mix. Synthetic fleets: not a field measurement.
set -euo pipefail
kiln=${1:?usage: predict_eval.sh KILN [FIRST_SEED] [SEEDS] [NODES] [DAYS]}
first=${2:-101}
count=${3:-10}
nodes=${4:-64}
days=${5:-30}
noise=${NOISE_SCALE:-1}  # NOISE_SCALE=4: four times every confounder's rate
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
orders=(series time shuffle)
for mix in field gpu-heavy ib-heavy; do
  for ((seed = first; seed < first + count; ++seed)); do
    order=${orders[$((seed % 3))]}
    python3 "$here/predict_fleet.py" --seed "$seed" --nodes "$nodes" --days "$days" --mix "$mix" --order "$order" --noise-scale "$noise" \
      --out "$work/fleet" >/dev/null
    "$kiln" predict --replay "$work/fleet/samples.jsonl" --labels "$work/fleet/failures.jsonl" --out "$work/out" >/dev/null
    python3 - "$work/out/score.json" "$mix" "$seed" "$order" <<'PY' | tee -a "$work/lines"
import json, sys
s = json.load(open(sys.argv[1]))
f = lambda x, d=3: "n/a" if x is None else ("%.*f" % (d, x))
print("%-9s seed %4s %-7s precision %s (%d/%d)  recall %s (%d/%d)  all %s  median lead %s h" % (
    sys.argv[2], sys.argv[3], sys.argv[4], f(s["precision"]), s["episodes_right"], s["episodes_total"], f(s["recall"]),
    s["caught_with_precursors"], s["failures_with_precursors"], f(s["recall_all"]), f(s["median_lead_hours"], 1)))
PY
  done
done
python3 - "$work/lines" <<'PY'
import re, statistics, sys
rows = {}
for line in open(sys.argv[1]):
    mix = line.split()[0]
    p, r, l = (re.search(k + r" (\S+)", line).group(1) for k in ("precision", "recall", "lead"))
    rows.setdefault(mix, []).append((p, r, l))
def spread(values):
    v = sorted(float(x) for x in values if x != "n/a")
    return "n/a" if not v else "%.3g / %.3g / %.3g" % (v[0], statistics.median(v), v[-1])
print("\nmix        precision min/median/max   recall min/median/max   median lead h min/median/max")
for mix, r in rows.items():
    print("%-10s %-26s %-23s %s" % (mix, spread(x[0] for x in r), spread(x[1] for x in r), spread(x[2] for x in r)))
PY
