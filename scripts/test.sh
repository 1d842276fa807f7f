#!/usr/bin/env bash
# The whole test suite: unit, property, simulator and namespace integration tests.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
exec npm run --silent test:run
