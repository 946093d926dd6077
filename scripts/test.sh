#!/usr/bin/env bash
# The test command (README, .ci/run): services up, go vet, every test with
# the race detector (integration, end-to-end and browser tests included), the
# mini-program SDK's tests (scripts/sdk-test.sh), then the borrower journey
# on a local stack (scripts/demo.sh), a small simulated loan book
# (scripts/simulate) and a short chaos run (scripts/chaos).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
ensure_services
ensure_chromium # the back office's browser test
go vet ./...
go vet -tags wxlend_local ./shared/app/ ./shared/admin/ # the local stack's dev fixtures (app.LocalTag)
go test -race -count=1 -timeout 40m "$@" ./...
if [ "$#" -eq 0 ]; then
  # The mini-program SDK and reference app (node --test), end to end
  # against a stack of their own (README "Front end").
  scripts/sdk-test.sh
  scripts/demo.sh
  # A small loan book through time: the close of business, reminders and
  # every invariant the simulator checks (README "The loan-book simulator").
  go run ./scripts/simulate -borrowers 20 -months 3 -seed 1 -svg .local/vintage-ci.svg
  # A short chaos run: journeys under killed processes, Redis restarts and
  # WeChat Pay faults, then every invariant (README "Chaos").
  go run ./scripts/chaos -seconds 45 -borrowers 3
fi
