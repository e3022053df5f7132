#!/usr/bin/env bash
# `--textfile-dir` (issue 28 item 2): kiln run writes DIR/kiln-<suite>.prom, promtool-clean, labelled with the
# cluster and suite, with nothing else left in DIR; kiln schedule passes the option into the systemd and Slurm
# command lines; docs/prometheus-alerts.yml passes `promtool check rules` and `promtool test rules`, and
# docs/grafana-kiln.json reads only series Kiln writes. Skipped (exit 77) where promtool (Debian package
# prometheus) is not installed. Usage: textfile_test.sh KILN SOURCE_DIR
set -euo pipefail
kiln=$(realpath "$1") src=$(realpath "$2")
command -v promtool > /dev/null || { echo "promtool not installed (Debian package prometheus): skipped"; exit 77; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
mkdir "$work/tf"

# Without --cluster the label would be a node's name: refused before anything runs (exit 2).
set +e
"$kiln" run --quiet --suite "$src/tests/fixtures/suites/mpi_small.xml" --textfile-dir "$work/tf" --out "$work/r0" > "$work/o" 2>&1
status=$?
set -e
[ "$status" = 2 ] || { cat "$work/o"; fail "--textfile-dir without --cluster exited $status, not 2"; }
grep -q -- "--cluster" "$work/o" || fail "the refusal does not name --cluster: $(cat "$work/o")"

# A run: the file, promtool-clean, every sample labelled, nothing else in the folder.
set +e
"$kiln" run --quiet --suite "$src/tests/fixtures/suites/mpi_small.xml" --cluster lab --textfile-dir "$work/tf" \
  --out "$work/r1" > "$work/o" 2>&1
status=$?
set -e
[ "$status" = 0 ] || [ "$status" = 1 ] || { cat "$work/o"; fail "kiln run exited $status"; }
[ "$(ls -A "$work/tf")" = "kiln-mpi-small.prom" ] || fail "the folder holds: $(ls -A "$work/tf")"
prom=$work/tf/kiln-mpi-small.prom
findings=$(promtool check metrics < "$prom" 2>&1) || { echo "$findings" >&2; fail "promtool finds problems"; }
[ -z "$findings" ] || { echo "$findings" >&2; fail "promtool findings"; }
if grep -v '^#' "$prom" | grep -v '{cluster="lab",suite="mpi-small"' | grep -q .; then
  fail "samples without the cluster and suite labels: $(grep -v '^#' "$prom" | grep -v 'cluster="lab"' | head -3)"
fi
grep -q '^kiln_node_ok{cluster="lab",suite="mpi-small",node="[^"]*",Hostname="[^"]*"} [01]$' "$prom" || fail "no kiln_node_ok"
grep -q '^kiln_node_last_run_timestamp_seconds{.*} 1[0-9]*$' "$prom" || fail "no last-run time per node"
grep -q '^kiln_run_timestamp_seconds{cluster="lab",suite="mpi-small"} ' "$prom" || fail "no run timestamp"
grep -q "metrics written to $prom" "$work/o" || fail "the run does not say where the metrics went"

# Schedules carry the option into the command each sweep runs (a path made absolute, quoted).
for kind in systemd slurm; do
  (cd "$work" && "$kiln" schedule --kind "$kind" --out "s-$kind" --reports reports --cluster lab --textfile-dir tf) \
    > /dev/null || fail "kiln schedule --kind $kind --textfile-dir"
  grep -q -- "--cluster 'lab' .*--textfile-dir '$work/tf'" "$work/s-$kind"/kiln-sweep.* ||
    fail "$kind: no --textfile-dir in $(cat "$work/s-$kind"/kiln-sweep.sh "$work/s-$kind"/kiln-sweep.sbatch 2>/dev/null)"
done
if "$kiln" schedule --kind systemd --out "$work/s2" --reports "$work/reports" --textfile-dir "$work/tf" > /dev/null 2>&1; then
  fail "schedule --textfile-dir without --cluster was accepted"
fi

# The alerting rules: valid, and they fire when they should (a unit test of the rules, promtool's own).
promtool check rules "$src/docs/prometheus-alerts.yml" > /dev/null || fail "promtool check rules docs/prometheus-alerts.yml"
cp "$src/docs/prometheus-alerts.yml" "$work/"
cp "$src/tests/reports/prometheus-alerts.test.yml" "$work/"
(cd "$work" && promtool test rules prometheus-alerts.test.yml) || fail "promtool test rules"

# The dashboard: valid JSON whose every kiln_ series is one this run (or the real H200 report) wrote.
"$kiln" report --format prom "$src/tests/fixtures/real/h200-x1-deep.json" > "$work/h200.prom"
for series in $(jq -r '.panels[].targets[].expr' "$src/docs/grafana-kiln.json" | grep -o 'kiln_[a-z0-9_]*' | sort -u); do
  grep -q "^$series{" "$prom" "$work/h200.prom" || fail "docs/grafana-kiln.json reads $series, which Kiln does not write"
done
echo PASS
