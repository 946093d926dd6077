#!/usr/bin/env bash
# The test command (README, .ci/run): services up, go vet, every test with
# the race detector (integration and end-to-end tests included), then the
# borrower journey on a local stack (scripts/demo.sh), a small simulated
# loan book (scripts/simulate) and a short chaos run (scripts/chaos).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
ensure_services
go vet ./...
go vet -tags wxlend_local ./shared/app/ # the local stack's dev fixtures (app.LocalTag)
go test -race -count=1 -timeout 40m "$@" ./...
if [ "$#" -eq 0 ]; then
  scripts/demo.sh
  # A small loan book through time: the close of business, reminders and
  # every invariant the simulator checks (README "The loan-book simulator").
  go run ./scripts/simulate -borrowers 20 -months 3 -seed 1 -svg .local/vintage-ci.svg
  # A short chaos run: journeys under killed processes, Redis restarts and
  # WeChat Pay faults, then every invariant (README "Chaos").
  go run ./scripts/chaos -seconds 45 -borrowers 3
fi
