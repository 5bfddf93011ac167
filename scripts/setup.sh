#!/usr/bin/env bash
# Installs everything oddsflow needs into ./.venv (idempotent; sourced by test.sh and demo.sh).
# Debian packages (as root, when missing): postgresql-15-partman (if a PostgreSQL 15 server
# is installed) and docker-compose (validates docker-compose.yml).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

PYTHON=${PYTHON:-python3}
if [[ ! -x .venv/bin/python ]]; then
    "$PYTHON" -m venv .venv
fi
stamp=.venv/.oddsflow-installed
if [[ ! -f $stamp || pyproject.toml -nt $stamp ]]; then
    .venv/bin/python -m pip install -q --upgrade pip
    .venv/bin/python -m pip install -q -e '.[test]'
    touch "$stamp"
fi

want=()
if [[ -d /usr/lib/postgresql/15 ]] && ! dpkg -s postgresql-15-partman >/dev/null 2>&1; then
    want+=(postgresql-15-partman)
fi
for pkg in docker-compose prometheus; do
    dpkg -s "$pkg" >/dev/null 2>&1 || want+=("$pkg")
done
if (( ${#want[@]} )); then
    if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null; then
        echo "== apt-get install ${want[*]}"
        apt-get update -qq >/dev/null
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${want[@]}" >/dev/null
    else
        echo "note: not root or no apt-get; missing Debian packages: ${want[*]} (their tests will skip)" >&2
    fi
fi
