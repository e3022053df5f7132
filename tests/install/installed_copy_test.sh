#!/usr/bin/env bash
# An installed kiln (cmake --install into a prefix) finds its suites and baselines in <prefix>/share/kiln, from any
# folder and after the prefix is moved, and never falls back to the source tree it was built from (a copied binary
# on a node with a stale checkout at that path would read the wrong suites). Issue 28 item 7.
# Usage: installed_copy_test.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
build=$(realpath "$1") src=$(realpath "$2")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
unset KILN_DATA_DIR

cmake --install "$build" --prefix "$work/prefix" > "$work/install.log" 2>&1 || { cat "$work/install.log"; fail "cmake --install"; }
for f in bin/kiln share/kiln/suites/quick.xml share/kiln/baselines/cpu-host.xml share/kiln/monitoring/prometheus-alerts.yml; do
  [ -e "$work/prefix/$f" ] || fail "the install has no $f"
done
# Moved after the install (a copy to a shared file system), run from an unrelated folder.
mv "$work/prefix" "$work/moved"
kiln=$work/moved/bin/kiln
plan=$(cd / && "$kiln" run --plan --suite quick --baseline cpu-host --out "$work/out") || fail "kiln run --plan: $plan"
echo "$plan" | head -1
echo "$plan" | head -1 | grep -qF "suite quick ($work/moved/share/kiln/suites/quick.xml)" ||
  fail "the installed kiln read another suite: $(echo "$plan" | head -1)"
(cd / && "$kiln" list baselines) | grep -qx cpu-host || fail "kiln list baselines does not list the installed cpu-host"

# Without the installed suite, the source tree must not stand in for it: exit 2, naming where it looked.
rm "$work/moved/share/kiln/suites/quick.xml"
status=0
(cd / && "$kiln" run --plan --suite quick --baseline cpu-host --out "$work/out") > "$work/o" 2>&1 || status=$?
[ "$status" = 2 ] || { cat "$work/o"; fail "a missing installed suite exited $status, not 2 (read from $src?)"; }
grep -qF "$work/moved/share/kiln/suites/quick.xml" "$work/o" || fail "the error does not name the prefix: $(cat "$work/o")"
if grep -qF "$src/suites" "$work/o"; then fail "the installed copy looked in the source tree: $(cat "$work/o")"; fi
# KILN_DATA_DIR still comes first.
KILN_DATA_DIR=$src "$kiln" run --plan --suite quick --baseline cpu-host --out "$work/out" | head -1 |
  grep -qF "($src/suites/quick.xml)" || fail "KILN_DATA_DIR is not searched first"
echo PASS
