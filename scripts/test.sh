#!/usr/bin/env bash
# The test command (README, .ci/run): services up, go vet, every test with
# the race detector (integration and end-to-end tests included), then the
# borrower journey on a local stack (scripts/demo.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
ensure_services
go vet ./...
go vet -tags wxlend_local ./shared/app/ # the local stack's dev fixtures (app.LocalTag)
go test -race -count=1 -timeout 40m "$@" ./...
if [ "$#" -eq 0 ]; then
  scripts/demo.sh
fi
