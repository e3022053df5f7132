#!/usr/bin/env bash
# metrics.prom passes `promtool check metrics` with no finding: the real H200 and H100 reports, a simulated
# 4,096-node bisection, and a small run on this machine (light: it runs beside timing-sensitive tests). Skipped (exit 77) where promtool is not installed.
# Usage: promtool_test.sh KILN SOURCE_DIR
set -euo pipefail
kiln=$1 src=$2
command -v promtool > /dev/null || { echo "promtool not installed (Debian package prometheus): skipped"; exit 77; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
"$kiln" bisect --simulate "$src/tests/fixtures/clusters/sim4096-five.xml" --out "$work/bisect" > /dev/null 2>&1 || true
"$kiln" run --quiet --suite "$src/tests/fixtures/suites/mpi_small.xml" --out "$work/here" > /dev/null 2>&1 || true
for report in "$src/tests/fixtures/real/h200-x1-deep.json" "$src/tests/fixtures/real/h200-x1-peers.json" \
              "$src/tests/fixtures/real/h200-x1-short.json" \
              "$src/tests/fixtures/real/h100-x1.json" "$work/bisect/report.json" "$work/here/report.json"; do
  [ -f "$report" ] || fail "no report $report"
  "$kiln" report --format prom "$report" > "$work/m.prom"
  if ! findings=$(promtool check metrics < "$work/m.prom" 2>&1); then
    echo "$findings" >&2
    fail "promtool finds problems in the metrics of $report"
  fi
  [ -z "$findings" ] || { echo "$findings" >&2; fail "promtool findings for $report"; }
  echo "ok: $report ($(grep -vc '^#' "$work/m.prom") samples)"
done
# The GPU's dcgm-exporter labels, the run's info and timestamp, a size as bytes.
"$kiln" report --format prom "$src/tests/fixtures/real/h200-x1-deep.json" > "$work/h200.prom"
grep -q 'kiln_hbm_copy_bw_bytes_per_second{cluster="[^"]*",suite="[^"]*",node="vm",device="gpu0",Hostname="vm",gpu="0",UUID="GPU-' "$work/h200.prom" ||
  fail "no dcgm-exporter labels on the HBM sample"
grep -q '^kiln_run_info{.*version="0.1.0",baseline="h200-sxm-141gb"' "$work/h200.prom" || fail "no kiln_run_info"
grep -q '^kiln_run_timestamp_seconds{.*} 17' "$work/h200.prom" || fail "no run timestamp"
grep -q 'size_bytes="4294967296"' "$work/h200.prom" || fail "no numeric size label"
[ "$(grep -c '^kiln_nccl_busbw' "$work/h200.prom")" -le 10 ] || fail "the NCCL sweep exports every size"
echo PASS
