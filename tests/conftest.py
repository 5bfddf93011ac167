"""Session fixtures: a real broker and a real PostgreSQL, started here unless configured.

* Broker (``bootstrap_servers``): ``ODDS_KAFKA__BOOTSTRAP_SERVERS`` when set, else one
  Apache Kafka node (:class:`~streams.embedded.kafka.KafkaCluster`) for the whole session.
  ``tansu_servers`` starts the embedded tansu for the smoke set that runs on the demo's
  engine. Tests that need a cluster or a broker of their own start one themselves.
* Postgres server: ``ODDS_POSTGRES__URL`` when set (``scripts/setup.sh`` sets it to the
  Debian cluster it started), else the embedded wheel in a temp dir. Each test session
  creates its own database ``oddsflow_test_<random>`` on that server and drops it at the
  end; nothing else on the server is touched.
* ``ODDS_TEST_BACKEND=containers``: both come from testcontainers' Kafka and Postgres
  modules instead; where no Docker engine answers, every integration test is skipped
  with that reason.
"""

from __future__ import annotations

import asyncio
import os
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
BACKEND = os.environ.get("ODDS_TEST_BACKEND", "local")
CONTAINER_IMAGES = {"kafka": "confluentinc/cp-kafka:8.0.0", "postgres": "postgres:15"}  # Kafka 4.0 in KRaft


def docker_unavailable() -> str | None:
    """Why no Docker engine can run containers here, or None when one answers."""
    try:
        import docker

        docker.from_env(timeout=5).ping()
    except Exception as exc:  # DockerException, connection errors, missing socket …
        return f"ODDS_TEST_BACKEND=containers but no Docker engine answers ({type(exc).__name__})"
    return None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if BACKEND != "containers":
        return
    reason = docker_unavailable()
    if reason is None:
        return
    for item in items:
        if item.get_closest_marker("integration") is not None:
            item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture(scope="session")
def containers_kafka() -> Iterator[str]:
    """testcontainers' Kafka (KRaft); its bootstrap address."""
    from testcontainers.community.kafka import KafkaContainer

    with KafkaContainer(CONTAINER_IMAGES["kafka"]).with_kraft() as kafka:
        yield kafka.get_bootstrap_server()


@pytest.fixture(scope="session")
def containers_postgres() -> Iterator[str]:
    """testcontainers' Postgres; the URL of its maintenance database."""
    from testcontainers.community.postgres import PostgresContainer

    with PostgresContainer(CONTAINER_IMAGES["postgres"], driver=None) as pg:
        yield pg.get_connection_url()


@pytest.fixture(scope="session")
def bootstrap_servers(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """Bootstrap address of Apache Kafka (configured, or one node started for this session)."""
    if BACKEND == "containers":
        yield request.getfixturevalue("containers_kafka")
        return
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
def pg_server_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """URL of a PostgreSQL server's maintenance database (configured, or embedded)."""
    if BACKEND == "containers":
        yield request.getfixturevalue("containers_postgres")
        return
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
    from sinks.store import migrate

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
