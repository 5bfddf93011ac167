"""Fixtures of the crash campaign: a Kafka cluster and a Postgres owned by one test.

The campaign kills, stalls and restarts Kafka nodes and restarts its Postgres, so it never
uses the session's services (``bootstrap_servers``, ``pg_server_url``, nor a broker named
by ``ODDS_KAFKA__BOOTSTRAP_SERVERS``): both are started here, in the test's temporary
directory, and torn down afterwards. The cluster has three combined broker/controller
nodes; topics default to replication factor 3 and ``min.insync.replicas`` 2. The embedded
Postgres has no pg_partman; the sink falls back to built-in partitions.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest

from sinks.store import migrate
from streams.embedded.kafka import KafkaCluster
from streams.embedded.postgres import EmbeddedPostgres
from tests.conftest import create_database

#: C1 only: the nodes start (and restart, during the campaign) in about half the time on
#: two busy cores and compile less; throughput is far beyond what the feed needs
JVM_OPTIONS = ["-XX:TieredStopAtLevel=1", "-XX:CICompilerCount=1"]

#: campaign summaries, printed at the end of the pytest run (even when it passed)
SUMMARIES: list[str] = []


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    for text in SUMMARIES:
        terminalreporter.write_sep("-", "crash campaign")
        terminalreporter.write_line(text)


@pytest.fixture
def own_cluster(tmp_path: Path) -> Iterator[KafkaCluster]:
    """Three Kafka nodes only this test talks to (it may kill, stall and restart them)."""
    cluster = KafkaCluster(3, directory=tmp_path / "kafka", jvm_options=JVM_OPTIONS)
    cluster.start()
    try:
        yield cluster
    finally:
        cluster.stop()  # thaws a stalled node before stopping it


@pytest.fixture
async def campaign_db(own_postgres: EmbeddedPostgres) -> str:
    """A migrated database on :func:`own_postgres`; its URL."""
    url = await asyncio.to_thread(create_database, own_postgres.url, "oddsflow_crash")
    await asyncio.to_thread(migrate.upgrade, url)
    return url
