#!/usr/bin/env bash
# The test command (README, .ci/run): installs what the suite needs, then runs
# ruff (lint + format check), mypy over streams, sinks and api, and pytest.
#
#   bash scripts/test.sh [pytest args...]
#
# Postgres: ODDS_POSTGRES__URL when set; otherwise the machine's server on
# 127.0.0.1:5432 when one answers; otherwise the tests start the embedded wheel.
# The broker: ODDS_KAFKA__BOOTSTRAP_SERVERS when set; otherwise the tests start tansu.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh

echo "== Postgres: ${ODDS_POSTGRES__URL:-embedded wheel}; broker: ${ODDS_KAFKA__BOOTSTRAP_SERVERS:-Apache Kafka started by the tests}"

echo "== ruff"
.venv/bin/ruff check streams sinks api tests bench alembic
.venv/bin/ruff format --check streams sinks api tests bench alembic
echo "== mypy"
.venv/bin/mypy streams sinks api

echo "== pytest"
set +e
.venv/bin/python -m pytest "$@"
status=$?
set -e
case $status in
    0) echo "tests passed" ;;
    5) echo "pytest collected no tests: that is a failure" >&2; exit 1 ;;
    *) echo "pytest failed with exit code $status" >&2; exit "$status" ;;
esac
