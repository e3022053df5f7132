#!/usr/bin/env bash
# No probe name outside probes/ in this tree, and scripts/check-probe-names catches one (in a copy of the tree):
# a name it reads from a probe's source, spelled in core/.
set -euo pipefail
source_dir=$1
"$source_dir/scripts/check-probe-names" "$source_dir"

copy=$(mktemp -d)
trap 'rm -rf "$copy"' EXIT
mkdir -p "$copy/scripts" "$copy/core" "$copy/probes/widget" "$copy/probes/gadget"
cp "$source_dir/scripts/check-probe-names" "$copy/scripts/"
printf '  std::string Name() const override { return "widget"; }\n' > "$copy/probes/widget/widget_probe.cpp"
printf 'GpuProbeDeclaration GadgetDeclaration() {\n  return {"gadget",\n' > "$copy/probes/gadget/gadget_declaration.cpp"
printf 'bool Slow(const std::string& p) {\n  return p == "widget";\n}\n' > "$copy/core/leak.cpp"
printf 'auto kind = "gadget";\n' > "$copy/core/gpu_leak.hpp"
printf 'auto phase = "widget";  // kiln:not-a-probe-name\nauto text = "widget,gadget";\n' > "$copy/core/fine.cpp"
if output=$("$copy/scripts/check-probe-names" "$copy" 2>&1); then
  echo "probe_names_test: a probe name in core/ was not caught" >&2
  exit 1
fi
grep -q '^core/leak.cpp:2: probe name "widget" outside probes/' <<<"$output" || { echo "probe_names_test: unclear message: $output" >&2; exit 1; }
grep -q '^core/gpu_leak.hpp:1: probe name "gadget"' <<<"$output" || { echo "probe_names_test: GPU declaration missed: $output" >&2; exit 1; }
if grep -q 'fine.cpp' <<<"$output"; then echo "probe_names_test: flagged a marked or longer literal: $output" >&2; exit 1; fi
echo "probe_names_test: no probe name outside probes/, and a planted one is caught"
