#!/usr/bin/env bash
# The demo: a client and two ucarp-ts hosts in network namespaces, a failover, the outage.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
exec node --enable-source-maps dist/scripts/demo.js "$@"
