#!/usr/bin/env bash
# Kiln's mpi_allreduce busbw next to a bare MPI_Allreduce loop under MPI_THREAD_SINGLE, same sizes, same ranks,
# one run after the other, rounds alternating (median of the rounds per size). kiln runs at MPI_THREAD_FUNNELED,
# its collectives on the main thread. The bare loop also runs under MPI_THREAD_MULTIPLE, the level kiln used to
# need, to show what that level costs. Usage: bench/allreduce_vs_bare.sh [BUILD_DIR] [RANKS] [MAX_SIZE] [ROUNDS]
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
  "${mpi[@]}" "$build/apps/kiln" run --quiet --suite "$work/suite.xml" --out "$work/kiln.$round" > /dev/null || true
  "$build/bench/report_metric" "$work/kiln.$round/report.json" mpi.allreduce.busbw > "$work/kiln.$round.txt"
done
# Median of the three rounds, per size, for each side.
median() { sort -n | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }
printf "%12s %12s %12s %12s %10s %10s\n" size_bytes bare_single bare_multi kiln kiln/single kiln/multi
for size in $(awk '{print $1}' "$work/bare.1"); do
  bare=$(for r in $(seq 1 "$rounds"); do awk -v s="$size" '$1==s {print $2}' "$work/bare.$r"; done | median)
  baremt=$(for r in $(seq 1 "$rounds"); do awk -v s="$size" '$1==s {print $2}' "$work/baremt.$r"; done | median)
  kiln=$(for r in $(seq 1 "$rounds"); do awk -v s="$size" '$1==s {print $2}' "$work/kiln.$r.txt"; done | median)
  awk -v s="$size" -v b="$bare" -v m="$baremt" -v k="$kiln" \
    'BEGIN {printf "%12s %12.4f %12.4f %12.4f %10.3f %10.3f\n", s, b, m, k, k / b, k / m}'
done
