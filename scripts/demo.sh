#!/usr/bin/env bash
# The borrower journey end to end on a local stack the demo starts itself:
# login, consents, KYC, credit decision, quote, loan, contract signing,
# disbursement with confirmation, and the ledger reconciling at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
ensure_services
exec go run ./scripts/demo "$@"
