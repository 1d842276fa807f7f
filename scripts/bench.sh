#!/usr/bin/env bash
# The benchmark: ucarp-ts, ucarp and keepalived measured side by side in namespaces.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
exec node --enable-source-maps dist/scripts/bench.js "$@"
