#!/usr/bin/env bash
# Runs the compiled tests with node's test runner. Tiers: unit (pure code, beside it),
# integration (real nats-server), system (real nats-server + Docker Engine). Default: all, which
# runs the lint (module boundaries, ESLint; scripts/lint.sh) first and stops if it fails.
set -euo pipefail
cd "$(dirname "$0")/.."
tier=${1:-all}
files=()
collect() { while IFS= read -r f; do files+=("$f"); done < <(find "$@" -name '*.test.js' 2>/dev/null | sort); }
case "$tier" in
  unit) collect dist/schemas dist/services dist/cli dist/deploy dist/scripts ;;
  integration) collect dist/test/integration ;;
  system) collect dist/test/system ;;
  all) bash scripts/lint.sh
       collect dist/schemas dist/services dist/cli dist/deploy dist/scripts dist/test/integration dist/test/system ;;
  lint) exec bash scripts/lint.sh ;;
  *) echo "unknown tier $tier" >&2; exit 2 ;;
esac
[ ${#files[@]} -gt 0 ] || { echo "no test files for tier $tier" >&2; exit 1; }
# System tests share one Docker Engine: run files one at a time.
exec node --test --test-concurrency=1 --test-timeout=600000 "${files[@]}"
