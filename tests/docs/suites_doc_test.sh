#!/usr/bin/env bash
# docs/suites.md names every probe `kiln list probes` prints, and every parameter of each with its type and default.
# Usage: suites_doc_test.sh KILN SOURCE_DIR
set -euo pipefail
kiln=$1 doc=$2/docs/suites.md
status=0
while read -r kind name type _ default _; do
  case $kind in
    param) grep -qF "| \`$name\` | $type | \`$default\` |" <(sed -n "/^### \`$probe\`/,/^### /p" "$doc") ||
             { echo "FAIL: docs/suites.md: $probe's parameter $name ($type, default $default) is missing or differs"; status=1; } ;;
    metric) ;;
    *) probe=$kind
       grep -q "^### \`$probe\`" "$doc" || { echo "FAIL: docs/suites.md has no section for probe $probe"; status=1; } ;;
  esac
done < <("$kiln" list probes)
[ "$status" = 0 ] && echo "PASS: docs/suites.md lists every probe and parameter"
exit "$status"
