#!/usr/bin/env bash
# The viewer web app (web/): install its locked node modules and build web/dist when stale.
#   scripts/web.sh deps     npm ci when node_modules is missing or older than package-lock.json
#   scripts/web.sh build    deps, then `npm run build` when web/dist is missing or older than its sources
#   scripts/web.sh test     deps, then the linter, the type check and the Vitest unit tests
#   scripts/web.sh api-types  save the gateway's OpenAPI as web/openapi.json and regenerate the types
set -euo pipefail
cd "$(dirname "$0")/../web"

if ! command -v npm >/dev/null; then
  echo "the web app needs Node.js 20+ and npm (apt-get install nodejs npm, or nodejs.org)" >&2
  exit 1
fi

deps() {
  if [ ! -e node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    npm ci --no-audit --no-fund --loglevel=error
  fi
}

stale() {
  [ ! -e dist/index.html ] && return 0
  [ -n "$(find src public index.html package-lock.json vite.config.ts tsconfig.json -newer dist/index.html -print -quit 2>/dev/null)" ]
}

case "${1:-build}" in
  deps) deps ;;
  build) deps; if stale; then npm run --silent build; fi ;;
  test) deps; npm run --silent check; npm test --silent ;;
  api-types)
    deps
    ../.venv/bin/python -m entrypoints.openapi > openapi.json
    npm run --silent api-types ;;
  *) echo "usage: scripts/web.sh deps|build|test|api-types" >&2; exit 2 ;;
esac
