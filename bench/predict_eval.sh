#!/usr/bin/env bash
# Precision, recall and lead of `kiln predict` over synthetic fleets (bench/predict_fleet.py) on seeds, failure
# mixes, noise levels and fleet sizes the rules were not tuned on (tuned on seeds 1-3 of each mix, 32 nodes, noise
# 1 and 4). By hand, not in ctest:
#   [NOISE_SCALE=4] [BEFORE=OTHER_KILN] bench/predict_eval.sh KILN [FIRST_SEED] [SEEDS] [NODES] [DAYS] [MIXES]
# Prints one line per fleet and the spread (min, median, max) per mix; with BEFORE, the same fleets through that
# other binary too, side by side. Wrong episodes are broken down by rule and confounder (predict_false_alarms.py).
# Synthetic fleets: not a field measurement.
set -euo pipefail
kiln=${1:?usage: predict_eval.sh KILN [FIRST_SEED] [SEEDS] [NODES] [DAYS] [MIXES]}
first=${2:-101}
count=${3:-10}
nodes=${4:-64}
days=${5:-30}
mixes=${6:-field gpu-heavy ib-heavy}
noise=${NOISE_SCALE:-1}  # NOISE_SCALE=4: four times every confounder's rate
before=${BEFORE:-}
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
orders=(series time shuffle)
score() {  # label binary mix seed order
  "$2" predict --replay "$work/fleet/samples.jsonl" --labels "$work/fleet/failures.jsonl" --out "$work/out-$1" >/dev/null
  python3 - "$work/out-$1/score.json" "$3" "$4" "$5" "$1" <<'PY' | tee -a "$work/lines"
import json, sys
s = json.load(open(sys.argv[1]))
f = lambda x, d=3: "n/a" if x is None else ("%.*f" % (d, x))
print("%-6s %-9s seed %4s %-7s precision %s (%d/%d)  recall %s (%d/%d)  all %s  median lead %s h" % (
    sys.argv[5], sys.argv[2], sys.argv[3], sys.argv[4], f(s["precision"]), s["episodes_right"], s["episodes_total"],
    f(s["recall"]), s["caught_with_precursors"], s["failures_with_precursors"], f(s["recall_all"]),
    f(s["median_lead_hours"], 1)))
PY
  python3 "$here/predict_false_alarms.py" "$work/fleet" "$work/out-$1" --quiet | sed "s/^/  $1 wrong: /" >>"$work/wrong"
}
for mix in $mixes; do
  for ((seed = first; seed < first + count; ++seed)); do
    order=${orders[$((seed % 3))]}
    python3 "$here/predict_fleet.py" --seed "$seed" --nodes "$nodes" --days "$days" --mix "$mix" --order "$order" \
      --noise-scale "$noise" --out "$work/fleet" >/dev/null
    [ -n "$before" ] && score before "$before" "$mix" "$seed" "$order"
    score after "$kiln" "$mix" "$seed" "$order"
  done
done
echo; echo "wrong episodes by rule and confounder:"; sort "$work/wrong" | uniq -c | sort -rn || true
python3 - "$work/lines" <<'PY'
import re, statistics, sys
rows = {}
for line in open(sys.argv[1]):
    label, mix = line.split()[:2]
    p, r, l = (re.search(k + r" (\S+)", line).group(1) for k in ("precision", "recall", "lead"))
    rows.setdefault((mix, label), []).append((p, r, l))
def spread(values):
    v = sorted(float(x) for x in values if x != "n/a")
    return "n/a" if not v else "%.3g / %.3g / %.3g" % (v[0], statistics.median(v), v[-1])
print("\nmix        which   fleets  precision min/median/max   recall min/median/max   median lead h min/median/max")
for (mix, label), r in sorted(rows.items(), key=lambda kv: (kv[0][0], kv[0][1] != "before")):
    print("%-10s %-7s %-7d %-26s %-23s %s" % (mix, label, len(r), spread(x[0] for x in r), spread(x[1] for x in r),
                                           spread(x[2] for x in r)))
PY
