#!/usr/bin/env bash
# Installs everything oddsflow needs into ./.venv (idempotent; sourced by test.sh and demo.sh).
# Debian packages (as root, when missing): docker-compose (validates docker-compose.yml),
# prometheus (promtool checks the alert rules), kcat (the librdkafka interoperability test),
# chromium + chromium-driver (the read API page's browser test, via Selenium);
# PostgreSQL 15 with pg_partman, started and given a login (below); Apache Kafka's jars come
# from Maven Central on first use (scripts/kafka/pom.xml, streams/embedded/kafka.py).
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
for pkg in docker-compose prometheus kcat chromium chromium-driver; do
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

# --- PostgreSQL: Debian's postgresql-15 (+ pg_partman) on 127.0.0.1:5432 -------------------
# Only when ODDS_POSTGRES__URL is unset. Installs the packages when missing (root + apt-get),
# starts the Debian cluster when nothing answers on 5432, and makes sure the role the tests
# and the demo use exists (oddsflow/oddsflow, superuser: tests create databases and the
# pg_partman extension) with its database oddsflow (the demo's; each test session makes
# and drops databases of its own). Exports ODDS_POSTGRES__URL for the caller. Without root or apt-get
# nothing is installed and the embedded wheel stays the fallback (the URL stays unset).
ODDS_PG_ROLE_URL="postgresql://oddsflow:oddsflow@127.0.0.1:5432/oddsflow"
setup_postgres() {
    if [[ -n "${ODDS_POSTGRES__URL:-}" ]]; then
        return 0
    fi
    local root=0
    [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null && root=1
    if ! pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
        if (( ! root )); then
            echo "note: no PostgreSQL on 127.0.0.1:5432 and not root: the embedded wheel is used" >&2
            return 0
        fi
        local pkgs=()
        dpkg -s postgresql-15 >/dev/null 2>&1 || pkgs+=(postgresql-15)
        dpkg -s postgresql-15-partman >/dev/null 2>&1 || pkgs+=(postgresql-15-partman)
        if (( ${#pkgs[@]} )); then
            echo "== apt-get install ${pkgs[*]}"
            apt-get update -qq >/dev/null
            DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${pkgs[@]}" >/dev/null
        fi
        if ! pg_lsclusters -h 2>/dev/null | awk '$1 == 15 && $2 == "main"' | grep -q .; then
            pg_createcluster 15 main >/dev/null
        fi
        echo "== pg_ctlcluster 15 main start"
        pg_ctlcluster 15 main start || true
        for _ in $(seq 1 60); do
            pg_isready -q -h 127.0.0.1 -p 5432 && break
            sleep 0.5
        done
        if ! pg_isready -q -h 127.0.0.1 -p 5432; then
            echo "error: PostgreSQL 15 did not start on 127.0.0.1:5432; see /var/log/postgresql/postgresql-15-main.log" >&2
            return 1
        fi
    fi
    if psql -q -X -d "$ODDS_PG_ROLE_URL" -c 'select 1' >/dev/null 2>&1; then
        export ODDS_POSTGRES__URL="$ODDS_PG_ROLE_URL"
        return 0
    fi
    if (( root )) && id postgres >/dev/null 2>&1; then
        # peer authentication over the Unix socket, as the cluster's owner
        runuser -u postgres -- psql -q -X -v ON_ERROR_STOP=1 -c \
            "DO \$\$ BEGIN
               IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'oddsflow') THEN
                 CREATE ROLE oddsflow LOGIN SUPERUSER PASSWORD 'oddsflow';
               ELSE
                 ALTER ROLE oddsflow LOGIN SUPERUSER PASSWORD 'oddsflow';
               END IF;
             END \$\$;" >/dev/null
        if [[ -z $(runuser -u postgres -- psql -X -tAc "SELECT 1 FROM pg_database WHERE datname = 'oddsflow'") ]]; then
            runuser -u postgres -- psql -q -X -c "CREATE DATABASE oddsflow OWNER oddsflow" >/dev/null
        fi
        export ODDS_POSTGRES__URL="$ODDS_PG_ROLE_URL"
        return 0
    fi
    echo "note: a PostgreSQL answers on 127.0.0.1:5432 but role oddsflow cannot log in; set ODDS_POSTGRES__URL" >&2
}
setup_postgres

# --- Apache Kafka's jars (Maven Central, once; ~55 MB in ~/.cache/oddsflow) --------------------
if command -v java >/dev/null && command -v mvn >/dev/null; then
    .venv/bin/python -c 'from streams.embedded.kafka import kafka_classpath; kafka_classpath()' \
        || echo "note: Apache Kafka's jars could not be fetched; Kafka tests will fail" >&2
    # Kafka Connect's worker (scripts/connect/pom.xml): bench/sink.py's Kafka Connect contestant
    .venv/bin/python -c 'from streams.embedded.connect import connect_classpath; connect_classpath()' \
        || echo "note: Kafka Connect's jars could not be fetched; its tests will fail" >&2
    # the Debezium JDBC sink connector and its dependencies (profile jdbc-sink), Maven Central only
    .venv/bin/python -c 'from streams.embedded.connect import connect_plugin; connect_plugin("jdbc-sink")' \
        || echo "note: the Debezium JDBC sink's jars could not be fetched; bench/sink.py's Kafka Connect row and its tests will fail" >&2
else
    echo "note: no java/mvn: Apache Kafka cannot run here (tests on Kafka will fail)" >&2
fi
