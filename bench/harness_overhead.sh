#!/usr/bin/env bash
# What Kiln's harness costs over a bare MPI program: `mpirun -np N kiln run` with one 0 s sleep step (judged and
# passing, so every rank exits 0) against `mpirun -np N mpi_hello`, rounds interleaved, medians of ROUNDS.
# Usage: bench/harness_overhead.sh [BUILD_DIR] [ROUNDS] [RANKS...]   (default: build 5 2 8 16 32 64)
# KILN_ARGS adds arguments to kiln run, e.g. KILN_ARGS=--rank-as-node (every rank a node: 64 node reports).
set -euo pipefail
build=${1:-build}
rounds=${2:-5}
shift $(( $# > 2 ? 2 : $# ))
ranks=("$@")
[ ${#ranks[@]} -gt 0 ] || ranks=(2 8 16 32 64)
cd "$(dirname "$0")/.."
root=()
[ "$(id -u)" -eq 0 ] && root=(--allow-run-as-root)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cat > "$work/suite.xml" <<XML
<suite name="overhead"><phase name="node"><step probe="sleep"><param name="duration" value="0s"/></step></phase></suite>
XML
cat > "$work/baseline.xml" <<XML
<?xml version="1.0"?>
<baseline sku="overhead" version="2"><description>the sleep step passes</description><gpu model="none"/>
  <expect metric="diag.sleep.elapsed" rule="max" value="60" basis="policy" source="a 0 s sleep ends"/></baseline>
XML
seconds() { local t0 t1; t0=$(date +%s.%N); "$@" > /dev/null 2>&1 || echo "failed: $*" >&2; t1=$(date +%s.%N); awk "BEGIN {print $t1 - $t0}"; }
median() { sort -n | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }
printf "%6s %10s %10s %10s %8s\n" ranks hello_s kiln_s overhead_s ratio
for n in "${ranks[@]}"; do
  mpi=(mpirun "${root[@]}" --oversubscribe --bind-to none -np "$n")
  : > "$work/hello" ; : > "$work/kiln"
  for ((r = 0; r < rounds; r++)); do
    seconds "${mpi[@]}" "$build/bench/mpi_hello" >> "$work/hello"
    # shellcheck disable=SC2086
    seconds "${mpi[@]}" "$build/apps/kiln" run --quiet ${KILN_ARGS:-} --suite "$work/suite.xml" --baseline "$work/baseline.xml" \
      --out "$work/out.$n.$r" >> "$work/kiln"  # a fresh --out: kiln refuses one that holds a report
  done
  h=$(median < "$work/hello"); k=$(median < "$work/kiln")
  printf "%6s %10.2f %10.2f %10.2f %8.3f\n" "$n" "$h" "$k" "$(awk "BEGIN {print $k - $h}")" "$(awk "BEGIN {print $k / $h}")"
done
