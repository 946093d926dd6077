#!/usr/bin/env bash
# One deployable zip per function: dist/<name>.zip holding the linux/amd64
# binary `main` at the zip root (SCF Go1 runtime, handler "main"). One go
# build for all of them, so the shared packages compile once.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
ensure_go
rm -rf dist && mkdir -p dist/out dist/bin
GOOS=linux GOARCH=amd64 CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o dist/out/ ./functions/...
for bin in dist/out/*; do
  name=$(basename "$bin")
  mkdir -p "dist/bin/$name"
  mv "$bin" "dist/bin/$name/main"
done
go run ./scripts/zipdir dist/bin dist
rm -rf dist/bin dist/out
