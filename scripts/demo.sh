#!/usr/bin/env bash
# The main job: install (idempotent), then run the pipeline on embedded defaults.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
exec .venv/bin/oddsflow demo "$@"
