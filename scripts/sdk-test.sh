#!/usr/bin/env bash
# The mini-program SDK and reference app tests (shared/miniprogram/test,
# node --test): unit tests, page tests, and a borrower from sign-in to a
# repaid loan through the SDK alone against a local stack this script
# starts (scripts/sdkstack: throw-away database, stopped on exit).
# The SDK needs nothing from npm (its HMAC is a committed bundle); the page
# tests need miniprogram-simulate and jsdom, installed from the pinned
# package-lock.json when node_modules is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
ensure_services
command -v node >/dev/null || { say "sdk-test: node (20 or later) is needed"; exit 1; }
mp=shared/miniprogram
if [ ! -d "$mp/node_modules/miniprogram-simulate" ] || [ ! -d "$mp/node_modules/jsdom" ]; then
  (cd "$mp" && npm ci --no-audit --no-fund --ignore-scripts)
fi
mkdir -p .local
go build -o .local/sdkstack ./scripts/sdkstack
tmp=$(mktemp -d)
.local/sdkstack -out "$tmp/stack.json" >/dev/null &
pid=$!
trap 'kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; rm -rf "$tmp"' EXIT
for _ in $(seq 1 2400); do # building every function on a busy machine takes minutes
  [ -s "$tmp/stack.json" ] && break
  kill -0 "$pid" 2>/dev/null || { echo "sdk-test: the local stack did not start" >&2; exit 1; }
  sleep 0.5
done
[ -s "$tmp/stack.json" ] || { echo "sdk-test: the local stack did not start in 20 min" >&2; exit 1; }
cd "$mp"
WXLEND_SDK_STACK="$tmp/stack.json" node --test test/
