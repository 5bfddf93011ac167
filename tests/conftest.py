"""Session fixtures: a real broker and a real PostgreSQL, started here unless configured.

* Broker: ``ODDS_KAFKA__BOOTSTRAP_SERVERS`` when set (e.g. Apache Kafka), else one
  embedded tansu on a free port for the whole session.
* Postgres server: ``ODDS_POSTGRES__URL`` when set, else the embedded wheel in a temp dir.
  Each test session creates its own database ``oddsflow_test_<random>`` on that server and
  drops it at the end; nothing else on the server is touched.
"""

from __future__ import annotations

import asyncio
import secrets
import subprocess
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import pytest

from streams.embedded.postgres import EmbeddedPostgres
from streams.settings import load_settings

SETTINGS = load_settings()


@pytest.fixture(scope="session")
def bootstrap_servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Bootstrap address of Apache Kafka (configured, or one node started for this session)."""
    if "bootstrap_servers" in SETTINGS.kafka.model_fields_set:
        yield SETTINGS.kafka.bootstrap_servers
        return
    from streams.embedded.kafka import KafkaCluster

    cluster = KafkaCluster(1, directory=tmp_path_factory.mktemp("kafka"))
    cluster.start()
    try:
        yield cluster.bootstrap_servers
    finally:
        cluster.stop()


@pytest.fixture(scope="session")
def tansu_servers() -> Iterator[str]:
    """Bootstrap address of an embedded tansu broker (the smoke set on the demo's engine)."""
    from streams.embedded.broker import EmbeddedBroker

    broker = EmbeddedBroker()
    broker.start()
    try:
        yield broker.bootstrap_servers
    finally:
        broker.stop()


@pytest.fixture(scope="session")
def pg_server_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """URL of a PostgreSQL server's maintenance database (configured, or embedded)."""
    if SETTINGS.postgres.url is not None:
        yield SETTINGS.postgres.dsn()
        return
    server = EmbeddedPostgres(Path(tmp_path_factory.mktemp("pg")) / "data")
    server.start()
    try:
        yield server.url
    finally:
        server.destroy()


def _with_db(url: str, name: str) -> str:
    base, _, _ = url.rpartition("/")
    return f"{base}/{name}"


async def _admin(url: str, sql: str) -> None:
    conn = await asyncpg.connect(url)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def create_database(server_url: str, prefix: str = "oddsflow_test") -> str:
    """Create a fresh database on the server; returns its URL."""
    name = f"{prefix}_{secrets.token_hex(4)}"
    asyncio.run(_admin(server_url, f'CREATE DATABASE "{name}"'))
    return _with_db(server_url, name)


def drop_database(server_url: str, db_url: str) -> None:
    """Drop a database this session created (terminating its connections)."""
    name = db_url.rpartition("/")[2]
    asyncio.run(_admin(server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture
def fresh_db(pg_server_url: str) -> Iterator[str]:
    """An empty database for one test, dropped afterwards."""
    url = create_database(pg_server_url)
    try:
        yield url
    finally:
        drop_database(pg_server_url, url)


@pytest.fixture
def migrated_db(fresh_db: str) -> str:
    """A fresh database at ``alembic upgrade head``."""
    from sinks import migrate

    migrate.upgrade(fresh_db)
    return fresh_db


@pytest.fixture
async def pg(migrated_db: str) -> AsyncIterator[asyncpg.Connection]:
    """An asyncpg connection (UTC) to a migrated fresh database."""
    conn = await asyncpg.connect(migrated_db, server_settings={"timezone": "UTC"})
    try:
        yield conn
    finally:
        await conn.close()


def start_postgres(server: EmbeddedPostgres, attempts: int = 5) -> None:
    """``server.start()``, again if ``pg_isready`` caught it still starting up (it gives up then)."""
    for attempt in range(attempts):
        try:
            server.start()
            return
        except subprocess.CalledProcessError:
            if attempt == attempts - 1:
                raise
            time.sleep(0.5)


@pytest.fixture
def own_postgres(tmp_path: Path) -> Iterator[EmbeddedPostgres]:
    """A Postgres only this test talks to (it may stop and restart it; never the shared server)."""
    server = EmbeddedPostgres(tmp_path / "pg")
    start_postgres(server)
    try:
        yield server
    finally:
        server.destroy()
