#!/usr/bin/env bash
# The static checks `npm test` runs first (`npm run lint` builds, then runs this): the module
# boundaries (scripts/check-boundaries, over the compiled checker) and ESLint's type-aware rules.
# Both run, so one run reports everything; the exit status is non-zero if either found anything.
set -uo pipefail
cd "$(dirname "$0")/.."
status=0
node dist/scripts/check-boundaries/main.js || status=1
npx eslint --max-warnings=0 . || status=1
[ "$status" = 0 ] && echo "lint: ok" || echo "lint: FAILED (see above)" >&2
exit "$status"
