#!/usr/bin/env bash
# The test command (README, .ci/run): services up, go vet, then every test
# with the race detector, integration and end-to-end tests included.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
ensure_services
go vet ./...
go test -race -count=1 -timeout 40m "$@" ./...
