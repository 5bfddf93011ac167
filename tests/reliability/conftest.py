"""Fixtures of the crash campaign: a broker and a Postgres owned by one test.

The campaign stalls its broker (SIGSTOP/SIGCONT) and restarts its Postgres, so it never
uses the session's services (``bootstrap_servers``, ``pg_server_url``): both are started
here, in the test's temporary directory, and torn down afterwards. The embedded Postgres
has no pg_partman; the sink falls back to built-in partitions.
"""

from __future__ import annotations

import asyncio
import os
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest

from sinks import migrate
from streams.embedded.broker import EmbeddedBroker
from streams.embedded.postgres import EmbeddedPostgres
from tests.conftest import create_database

#: campaign summaries, printed at the end of the pytest run (even when it passed)
SUMMARIES: list[str] = []


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    for text in SUMMARIES:
        terminalreporter.write_sep("-", "crash campaign")
        terminalreporter.write_line(text)


@pytest.fixture
def own_broker(tmp_path: Path) -> Iterator[EmbeddedBroker]:
    """A tansu broker only this test talks to (it may be stalled)."""
    broker = EmbeddedBroker(log_path=tmp_path / "broker.log")
    broker.start()
    try:
        yield broker
    finally:
        if broker.pid is not None:  # never leave it stopped: SIGTERM would not be handled
            os.kill(broker.pid, signal.SIGCONT)
        broker.stop()


@pytest.fixture
async def campaign_db(own_postgres: EmbeddedPostgres) -> str:
    """A migrated database on :func:`own_postgres`; its URL."""
    url = await asyncio.to_thread(create_database, own_postgres.url, "oddsflow_crash")
    await asyncio.to_thread(migrate.upgrade, url)
    return url
