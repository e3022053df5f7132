#!/usr/bin/env bash
# Precision, recall and lead of `kiln predict` on the independent generator (bench/predict_fleet_independent.py),
# settings A-D of docs/logs/2026-12-07-independent-fleet-report.md, 32 nodes x 30 days. By hand, not in ctest:
#   [BEFORE=OTHER_KILN] [KEEP=DIR] bench/predict_eval_independent.sh KILN FIRST_SEED SEEDS [SETTINGS]
# One line per fleet and the spread (min / median / max) per setting; with BEFORE, the same fleets through that other
# binary too. KEEP=DIR keeps each fleet's labels, truth and outputs (not the replay) for analysis. Synthetic fleets.
set -euo pipefail
kiln=${1:?usage: predict_eval_independent.sh KILN FIRST_SEED SEEDS [SETTINGS]}
first=${2:?first seed}
count=${3:?seeds}
settings=${4:-A B C D}
before=${BEFORE:-}
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
declare -A args=([A]="--mix llama --noise med" [B]="--mix hw --noise low" [C]="--mix net --noise high"
                 [D]="--mix llama --noise low --busy-only --chronic-mult 0")
score() {  # label binary setting seed
  local out=$work/out-$1
  "$2" predict --replay "$work/replay.jsonl" --labels "$work/labels.jsonl" --out "$out" >/dev/null
  python3 - "$out/score.json" "$3" "$4" "$1" <<'PY' | tee -a "$work/lines"
import json, sys
s = json.load(open(sys.argv[1]))
f = lambda x, d=3: "n/a" if x is None else ("%.*f" % (d, x))
print("%-6s %s seed %4s precision %s (%d/%d)  recall %s (%d/%d)  all %s  median lead %s h" % (
    sys.argv[4], sys.argv[2], sys.argv[3], f(s["precision"]), s["episodes_right"], s["episodes_total"],
    f(s["recall"]), s["caught_with_precursors"], s["failures_with_precursors"], f(s["recall_all"]),
    f(s["median_lead_hours"], 1)))
PY
  if [ -n "${KEEP:-}" ]; then
    local keep=$KEEP/$3/s$4-$1
    mkdir -p "$keep/out"
    cp "$work/labels.jsonl" "$work/truth.jsonl" "$keep/"
    cp "$out"/alerts.jsonl "$out"/score.json "$keep/out/"
  fi
}
for setting in $settings; do
  for ((seed = first; seed < first + count; ++seed)); do
    # shellcheck disable=SC2086
    python3 "$here/predict_fleet_independent.py" --seed "$seed" --nodes 32 --days 30 ${args[$setting]} \
      --out "$work/replay.jsonl" --labels "$work/labels.jsonl" --truth "$work/truth.jsonl" 2>/dev/null
    [ -n "$before" ] && score before "$before" "$setting" "$seed"
    score after "$kiln" "$setting" "$seed"
  done
done
python3 - "$work/lines" <<'PY'
import re, statistics, sys
rows = {}
for line in open(sys.argv[1]):
    label, setting = line.split()[:2]
    p, r, a, l = (re.search(k + r" (\S+)", line).group(1) for k in ("precision", "recall", r"\ball", "lead"))
    rows.setdefault((setting, label), []).append((p, r, a, l))
def spread(values):
    v = sorted(float(x) for x in values if x != "n/a")
    return "n/a" if not v else "%.2f / %.2f / %.2f" % (v[0], statistics.median(v), v[-1])
print("\nsetting which   fleets  precision          recall (precursor)  recall (all)        median lead h")
for (setting, label), r in sorted(rows.items(), key=lambda kv: (kv[0][0], kv[0][1] != "before")):
    print("%-7s %-7s %-7d %-18s %-19s %-19s %s" % (setting, label, len(r), spread(x[0] for x in r),
          spread(x[1] for x in r), spread(x[2] for x in r), spread(x[3] for x in r)))
PY
