#!/usr/bin/env bash
# Run wxlend locally: MariaDB and Redis (started or installed if needed),
# every function of serverless.yml behind one gateway on 127.0.0.1:9000,
# timers on their cron, SCF Invoke and the WeChat/Tencent Cloud fakes.
# Options are passed to the gateway (go run ./scripts/gateway -h).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
ensure_services
exec go run ./scripts/gateway "$@"
