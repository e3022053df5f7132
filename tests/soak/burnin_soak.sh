#!/usr/bin/env bash
# Soak: a burn-in of host probes for SECONDS (default 120), its resident memory sampled every second. Memory must
# stay flat: the steady level (the lowest sample: what stays between iterations) of the last third may not exceed
# that of the first third by more than 2 MiB, and no sample may exceed the steady level plus one iteration's
# working set (host_stream's three 16 MiB arrays) plus 4 MiB. Prints every sample and the verdict.
# Usage: burnin_soak.sh KILN SOURCE_DIR [SECONDS]
set -euo pipefail
kiln=$1 source_dir=$2 seconds=${3:-120}
work=$(mktemp -d /tmp/kiln-soak-XXXXXX)
pid=
cleanup() { [ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

"$kiln" run --quiet --suite "$source_dir/tests/fixtures/suites/burnin_small.xml" \
  --baseline "$source_dir/tests/fixtures/baselines/emulated.xml" --duration "${seconds}s" --out "$work/out" \
  > "$work/run.log" 2>&1 &
pid=$!
: > "$work/rss"
sleep 2  # let it start
while kill -0 "$pid" 2>/dev/null; do
  rss=$(awk '/^VmRSS:/ {print $2}' "/proc/$pid/status" 2>/dev/null || true)
  [ -n "$rss" ] && echo "$rss" >> "$work/rss"
  sleep 1
done
status=0
wait "$pid" || status=$?
pid=
cat "$work/run.log"
[ "$status" = 0 ] || { echo "FAIL: the burn-in exited $status"; exit 1; }
python3 - "$work/rss" "$work/out/report.json" <<'CHECK'
import json, sys
rss = [int(x) for x in open(sys.argv[1]) if x.strip()]
report = json.load(open(sys.argv[2]))
third = len(rss) // 3
assert third >= 5, f"only {len(rss)} samples"
first, last = rss[:third], rss[-third:]
print("RSS samples (KiB):", rss)
print(f"iterations {report['burnin']['iterations']}; first third: low {min(first)} high {max(first)} KiB; "
      f"last third: low {min(last)} high {max(last)} KiB")
grow_low = min(last) - min(first)
working_set = 3 * 16 * 1024  # KiB: the arrays of the iteration running at the sample
print(f"growth of the steady level: {grow_low} KiB; highest sample {max(rss)} KiB, "
      f"{max(rss) - min(first)} KiB above the steady level (one iteration's arrays: {working_set} KiB)")
assert grow_low <= 2048, "the memory kept between iterations grows"
assert max(rss) <= min(first) + working_set + 4096, "a sample exceeds one iteration's working set"
print("PASS: memory stays flat")
CHECK
