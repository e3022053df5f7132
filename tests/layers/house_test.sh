#!/usr/bin/env bash
# The size rules hold in this tree, and scripts/check-house catches a long file and a long function (in a copy).
set -euo pipefail
source_dir=$1
"$source_dir/scripts/check-house" "$source_dir"

copy=$(mktemp -d)
trap 'rm -rf "$copy"' EXIT
mkdir -p "$copy/scripts" "$copy/core"
cp "$source_dir/scripts/check-house" "$copy/scripts/"
{ echo "int Long() {"; for i in $(seq 1 81); do echo "  int v$i = $i;"; done; echo "  return 0;"; echo "}"; } \
  > "$copy/core/long_function.cpp"
seq 1 451 | sed 's/^/\/\/ /' > "$copy/core/long_file.hpp"
if output=$("$copy/scripts/check-house" "$copy" 2>&1); then
  echo "house_test: a 451-line file and an 84-line function were not caught" >&2
  exit 1
fi
grep -q "core/long_file.hpp:1: 451 lines, over 450" <<<"$output" || { echo "house_test: file not named: $output" >&2; exit 1; }
grep -q "core/long_function.cpp:1: function Long is 84 lines, over 80" <<<"$output" ||
  { echo "house_test: function not named: $output" >&2; exit 1; }
echo "house_test: the size rules hold and breaches are caught"
