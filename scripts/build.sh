#!/usr/bin/env bash
# One deployable zip per function: dist/<name>.zip holding the linux/amd64
# binary `main` at the zip root (SCF Go1 runtime, handler "main").
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
ensure_go
rm -rf dist && mkdir -p dist/bin
for dir in functions/*/; do
  name=$(basename "$dir")
  mkdir -p "dist/bin/$name"
  GOOS=linux GOARCH=amd64 CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o "dist/bin/$name/main" "./$dir"
done
go run ./scripts/zipdir dist/bin dist
rm -rf dist/bin
