#!/usr/bin/env bash
# Kiln's mpi_allreduce busbw next to a bare MPI_Allreduce loop under MPI_THREAD_SINGLE, same sizes, same ranks,
# one run after the other, rounds alternating (median of the rounds per size). kiln runs its collectives on the
# main thread, at its default MPI_THREAD_SINGLE and with --mpi-thread-level funneled; the bare loop also runs
# under MPI_THREAD_MULTIPLE, to show what Open MPI's locking (on at any level above SINGLE) costs. Usage: bench/allreduce_vs_bare.sh [BUILD_DIR] [RANKS] [MAX_SIZE] [ROUNDS]
set -euo pipefail
build=${1:-build}
ranks=${2:-2}
max=${3:-256MiB}
rounds=${4:-3}
cd "$(dirname "$0")/.."
root=()
[ "$(id -u)" -eq 0 ] && root=(--allow-run-as-root)
mpi=(mpirun "${root[@]}" --oversubscribe --bind-to none -np "$ranks")
max_bytes=$(numfmt --from=iec-i --suffix=B "$max" 2>/dev/null || numfmt --from=iec "${max%B}")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cat > "$work/suite.xml" <<XML
<suite name="allreduce-bench"><phase name="group"><step probe="mpi_allreduce" timeout="30m">
  <param name="sizes" value="8B..$max"/><param name="samples" value="5"/><param name="sample_time" value="100ms"/>
</step></phase></suite>
XML
for round in $(seq 1 "$rounds"); do
  "${mpi[@]}" "$build/bench/bare_allreduce" "$max_bytes" single > "$work/bare.$round"
  "${mpi[@]}" "$build/bench/bare_allreduce" "$max_bytes" multiple > "$work/baremt.$round"
  # exit 1: no baseline judges the numbers (stderr: Open MPI's note on it)
  "${mpi[@]}" "$build/apps/kiln" run --quiet --suite "$work/suite.xml" --out "$work/kiln.$round" > /dev/null 2>&1 || true
  "$build/bench/report_metric" "$work/kiln.$round/report.json" mpi.allreduce.busbw > "$work/kiln.$round.txt"
  "${mpi[@]}" "$build/apps/kiln" run --quiet --mpi-thread-level funneled --suite "$work/suite.xml" \
    --out "$work/kilnf.$round" > /dev/null 2>&1 || true
  "$build/bench/report_metric" "$work/kilnf.$round/report.json" mpi.allreduce.busbw > "$work/kilnf.$round.txt"
done
# Median of the three rounds, per size, for each side.
median() { sort -n | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }
printf "%12s %12s %12s %12s %12s %12s %12s\n" size_bytes bare_single bare_multi kiln kiln_funneled \
  kiln/single funneled/single
for size in $(awk '{print $1}' "$work/bare.1"); do
  bare=$(for r in $(seq 1 "$rounds"); do awk -v s="$size" '$1==s {print $2}' "$work/bare.$r"; done | median)
  baremt=$(for r in $(seq 1 "$rounds"); do awk -v s="$size" '$1==s {print $2}' "$work/baremt.$r"; done | median)
  kiln=$(for r in $(seq 1 "$rounds"); do awk -v s="$size" '$1==s {print $2}' "$work/kiln.$r.txt"; done | median)
  kilnf=$(for r in $(seq 1 "$rounds"); do awk -v s="$size" '$1==s {print $2}' "$work/kilnf.$r.txt"; done | median)
  awk -v s="$size" -v b="$bare" -v m="$baremt" -v k="$kiln" -v f="$kilnf" \
    'BEGIN {printf "%12s %12.4f %12.4f %12.4f %12.4f %12.3f %12.3f\n", s, b, m, k, f, k / b, f / b}'
done
