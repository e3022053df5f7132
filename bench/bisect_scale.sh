#!/usr/bin/env bash
# kiln bisect --simulate at 4,096 to 65,536 nodes: wall time, peak memory and report sizes, three runs each.
# Usage: bench/bisect_scale.sh [BUILD_DIR]
set -euo pipefail
build=${1:-build}
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
printf "%8s %5s %10s %12s %14s %14s\n" nodes run seconds peak_MiB report.json report.html
for nodes in 4096 16384 65536; do
  cat > "$work/c.xml" <<XML
<cluster name="sim$nodes" nodes="$nodes" prefix="node" seed="7">
  <fault kind="slow_node" node="node$(printf "%0${#nodes}d" 17)"/>
  <fault kind="slow_node" node="node$(printf "%0${#nodes}d" $((nodes / 3)))"/>
  <fault kind="slow_node" node="node$(printf "%0${#nodes}d" $((nodes - 5)))"/>
</cluster>
XML
  for run in 1 2 3; do
    rm -rf "$work/o"
    /usr/bin/time -f "%e %M" -o "$work/t" "$build/apps/kiln" bisect --simulate "$work/c.xml" --out "$work/o" > /dev/null 2>&1 || true
    read -r seconds kib < <(tail -1 "$work/t")  # exit 1 (culprits found) adds a line before
    printf "%8s %5s %10s %12.1f %14s %14s\n" "$nodes" "$run" "$seconds" "$(awk "BEGIN {print $kib / 1024}")" \
      "$(stat -c %s "$work/o/report.json")" "$(stat -c %s "$work/o/report.html")"
  done
done
