#!/usr/bin/env bash
# The real client: Debian's prometheus-node-exporter serves a --textfile-dir folder holding two suites' files
# (the files of a daily quick and a weekly acceptance sweep side by side), scraped over loopback: no textfile
# scrape error, no duplicate series, the kiln series present. Skipped (exit 77) where the node exporter (Debian
# package prometheus-node-exporter) is not installed. Usage: node_exporter_test.sh KILN SOURCE_DIR
set -euo pipefail
kiln=$(realpath "$1") src=$(realpath "$2")
exporter=$(command -v prometheus-node-exporter || command -v node_exporter || true)
[ -n "$exporter" ] || { echo "prometheus-node-exporter not installed (Debian package prometheus-node-exporter): skipped"; exit 77; }
command -v curl > /dev/null || { echo "curl not installed: skipped"; exit 77; }
work=$(mktemp -d)
pid=
cleanup() { [ -z "$pid" ] || kill "$pid" 2> /dev/null || true; wait 2> /dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; [ ! -f "$work/exporter.log" ] || tail -20 "$work/exporter.log" >&2; exit 1; }
mkdir "$work/tf"

# Two suites into one folder: the small MPI suite as it is and renamed.
sed 's/<suite name="mpi-small"/<suite name="mpi-small-2"/' "$src/tests/fixtures/suites/mpi_small.xml" > "$work/second.xml"
for suite in "$src/tests/fixtures/suites/mpi_small.xml" "$work/second.xml"; do
  set +e
  "$kiln" run --quiet --suite "$suite" --cluster lab --textfile-dir "$work/tf" --out "$work/out-$(basename "$suite")" \
    > "$work/run.log" 2>&1
  status=$?
  set -e
  [ "$status" = 0 ] || [ "$status" = 1 ] || { cat "$work/run.log"; fail "kiln run exited $status"; }
done
[ "$(ls -A "$work/tf" | tr '\n' ' ')" = "kiln-mpi-small-2.prom kiln-mpi-small.prom " ] || fail "folder: $(ls -A "$work/tf")"

# A free loopback port (the kernel picks it); a port taken in between is tried again, up to 5 times.
for attempt in 1 2 3 4 5; do
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  "$exporter" --web.listen-address="127.0.0.1:$port" --collector.disable-defaults --collector.textfile \
    --collector.textfile.directory="$work/tf" > "$work/exporter.log" 2>&1 &
  pid=$!
  # Until it answers or exits (bounded: a start, not a measurement).
  for _ in $(seq 1 300); do
    curl -fsS "http://127.0.0.1:$port/metrics" -o "$work/metrics" 2> /dev/null && break
    kill -0 "$pid" 2> /dev/null || break
    sleep 0.1
  done
  [ -s "$work/metrics" ] && break
  kill "$pid" 2> /dev/null || true
  wait "$pid" 2> /dev/null || true
  pid=
done
[ -s "$work/metrics" ] || fail "node exporter did not serve 127.0.0.1:$port"
grep -q '^node_textfile_scrape_error 0$' "$work/metrics" || fail "textfile scrape error: $(grep textfile "$work/metrics")"
if grep -q '^node_textfile_scrape_error 1' "$work/metrics"; then fail "node_textfile_scrape_error 1"; fi
# A series two files both hold is dropped with only a log line ("was collected before"), while
# node_textfile_scrape_error stays 0: every sample of both files must be served.
written=$(cat "$work"/tf/*.prom | grep -c '^kiln_')
served=$(grep -c '^kiln_' "$work/metrics")
[ "$written" = "$served" ] || fail "the files hold $written kiln samples, node_exporter serves $served (duplicates?)"
if grep -q "was collected before\|error gathering metrics" "$work/exporter.log"; then fail "node_exporter: gather errors"; fi
# node_exporter writes labels in name order (Hostname, cluster, node, suite).
for suite in mpi-small mpi-small-2; do
  grep -q "^kiln_run_accepted{cluster=\"lab\",suite=\"$suite\"} [01]$" "$work/metrics" || fail "no kiln_run_accepted of $suite"
  grep -q "^kiln_node_ok{Hostname=\"[^\"]*\",cluster=\"lab\",node=\"[^\"]*\",suite=\"$suite\"} [01]$" "$work/metrics" ||
    fail "no kiln_node_ok of $suite: $(grep '^kiln_node_ok' "$work/metrics")"
  grep -q "^kiln_node_last_run_timestamp_seconds{.*suite=\"$suite\"} [0-9.e+]*$" "$work/metrics" ||
    fail "no kiln_node_last_run_timestamp_seconds of $suite"
done
grep -q 'node_textfile_mtime_seconds{file=".*kiln-mpi-small.prom"}' "$work/metrics" || fail "the file's mtime is not exported"
echo "PASS: $(grep -c '^kiln_' "$work/metrics") kiln samples served by $exporter on 127.0.0.1:$port"
