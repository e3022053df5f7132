#!/usr/bin/env bash
# The netns bisection scenarios, N times each in a row (issue 12: they must pass reliably on a loaded 2-core
# machine). Run by hand; prints one line per run and the pass count per scenario; results go in
# docs/measurements.md. Usage: bisect_netns_soak.sh KILN SOURCE_DIR N [SCENARIO...] (default: all).
set -uo pipefail
kiln=$1 source_dir=$2 runs=$3
shift 3
scenarios=("$@")
[ ${#scenarios[@]} -gt 0 ] || scenarios=(healthy slow two-slow oneway link links starved two-slow-starved linkdown hung slow-run)
logs=$(mktemp -d /tmp/kiln-soak-XXXXXX)
for scenario in "${scenarios[@]}"; do
  passed=0
  for run in $(seq 1 "$runs"); do
    start=$(date +%s)
    if bash "$source_dir/tests/netns/bisect_netns.sh" "$kiln" "$source_dir" "$scenario" > "$logs/$scenario-$run.log" 2>&1; then
      passed=$((passed + 1)); result=pass
    else
      result="FAIL (log: $logs/$scenario-$run.log)"
    fi
    echo "$scenario run $run: $result in $(( $(date +%s) - start ))s"
  done
  echo "$scenario: $passed of $runs passed"
done
