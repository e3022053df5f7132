#!/usr/bin/env bash
# Kiln's host_stream copy next to likwid-bench (copy, all cores) and mbw (memcpy, one thread), alternating,
# three rounds. All numbers in GB/s counting read + write bytes (STREAM's way): mbw's MiB/s counts the array
# once, so it is doubled. Usage: bench/host_stream_vs_peers.sh [BUILD_DIR]
set -euo pipefail
build=${1:-build}
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cores=$(nproc)
suite() {
  cat > "$work/s$1.xml" <<XML
<suite name="stream"><phase name="node"><step probe="host_stream">
  <param name="array_size" value="256MiB"/><param name="threads" value="$1"/><param name="passes" value="10"/>
</step></phase></suite>
XML
}
suite "$cores"; suite 1
printf "%6s %18s %18s %18s %18s\n" round kiln_copy_all likwid_copy_all kiln_copy_1thread mbw_memcpy_1thread
for round in 1 2 3; do
  "$build/apps/kiln" run --quiet --suite "$work/s$cores.xml" --out "$work/k" > /dev/null
  kiln_all=$("$build/bench/report_metric" "$work/k/report.json" host.stream.copy_bw | awk '{print $2}')
  # likwid: 2 arrays, total working set 512 MiB like Kiln's two copy arrays
  likwid=$(likwid-bench -t copy -w "S0:512MB:$cores" 2>/dev/null | awk '/MByte\/s/ {print $2/1000}')
  "$build/apps/kiln" run --quiet --suite "$work/s1.xml" --out "$work/k1" > /dev/null
  kiln_one=$("$build/bench/report_metric" "$work/k1/report.json" host.stream.copy_bw | awk '{print $2}')
  mbw=$(mbw -q -n 10 -t0 256 | awk '/AVG/ {for (i=1;i<=NF;i++) if ($i=="Copy:") print $(i+1)*2*1.048576/1000}')
  printf "%6s %18.2f %18.2f %18.2f %18.2f\n" "$round" "$kiln_all" "$likwid" "$kiln_one" "$mbw"
done
