#!/usr/bin/env bash
# The layer rule holds in this tree, and scripts/check-layers catches an upward include (in a copy of the tree).
set -euo pipefail
source_dir=$1
"$source_dir/scripts/check-layers" "$source_dir"

copy=$(mktemp -d)
trap 'rm -rf "$copy"' EXIT
mkdir -p "$copy/scripts" "$copy/core"
cp "$source_dir/scripts/check-layers" "$copy/scripts/"
printf '#include "runners/harness.hpp"\n' > "$copy/core/upward.cpp"
if output=$("$copy/scripts/check-layers" "$copy" 2>&1); then
  echo "layers_test: an include of runners/ from core/ was not caught" >&2
  exit 1
fi
grep -q "core/upward.cpp:1: includes runners/, above core/" <<<"$output" || { echo "layers_test: unclear message: $output" >&2; exit 1; }
echo "layers_test: the rule holds and an upward include is caught"
