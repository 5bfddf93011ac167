"""A running read API over a real pipeline's Postgres: Kafka topic → oddsflow sink → Postgres.

Module-scoped (one stack per test module): a fresh snapshots topic, a fresh migrated
database, the feed of ``tests.unit.sink.feed`` published and stored by the real
:class:`sinks.sink.PostgresSink` (left running, so changes published by a test are
committed as in production), and the API served by uvicorn on a free loopback port with
its shared tail on that topic, streaming only what the sink has stored (``api.after_sink``).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
import uvicorn

from api.app import create_app
from sinks.sink import PostgresSink
from sinks.store import migrate
from streams.contracts.snapshot import SnapshotV1
from streams.settings import Settings, load_settings
from tests.conftest import create_database, drop_database
from tests.integration.sink.conftest import (
    create_topics,
    fresh,
    publish,
    stored_offsets,
)
from tests.unit.sink.feed import Feed, make_feed

PARTITIONS = 3
START = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=2)


@dataclass
class Stack:
    settings: Settings
    db_url: str
    feed: Feed
    base: str
    app: Any
    offsets: dict[int, int]  # next offset per partition published so far

    async def publish(self, snaps: Sequence[SnapshotV1]) -> dict[int, int]:
        """Publish captures and wait until the sink has stored them; the new next offsets."""
        nxt = await publish(
            self.settings.kafka.bootstrap_servers, self.settings.topics.snapshots, snaps, PARTITIONS
        )
        self.offsets.update({p: max(self.offsets.get(p, 0), o) for p, o in nxt.items()})
        await wait_for(self.stored, 60, "the sink to store the published captures")
        return dict(self.offsets)

    async def stored(self) -> bool:
        got = await stored_offsets(self.db_url, self.settings.sink.group_id, self.settings.topics.snapshots)
        return all(got.get(p, 0) >= o for p, o in self.offsets.items())


async def wait_for(check: Callable[[], Awaitable[bool]], timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if await check():
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"timed out after {timeout_s}s waiting for {what}")


@contextlib.asynccontextmanager
async def serve(app: Any) -> AsyncIterator[str]:
    """Serve ``app`` with uvicorn on 127.0.0.1:<free port>; its base URL."""
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="on"))
    task = asyncio.create_task(server.serve())
    try:
        await wait_for(lambda: _started(server, task), 30, "uvicorn to start")
        port = server.servers[0].sockets[0].getsockname()[1]
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, 30)


async def _started(server: uvicorn.Server, task: asyncio.Task[Any]) -> bool:
    if task.done():
        task.result()
        raise AssertionError("uvicorn stopped")
    return server.started


def api_settings(bootstrap: str, db_url: str, topic: str, group: str, **api: Any) -> Settings:
    return load_settings(
        kafka={"bootstrap_servers": bootstrap},
        postgres={"url": db_url},
        topics={"snapshots": topic, "dlq": fresh("test.dlq.v1"), "partitions": PARTITIONS},
        sink={"group_id": group, "linger_ms": 20},
        monitor={"sink_port": 0},
        api={"heartbeat_s": 1.0, "sink_poll_ms": 20, **api},
    )


@pytest.fixture(scope="module")
def api_db(pg_server_url: str) -> Iterator[str]:
    """A fresh migrated database for the module (dropped afterwards)."""
    db_url = create_database(pg_server_url, "oddsflow_api")
    try:
        migrate.upgrade(db_url)
        yield db_url
    finally:
        drop_database(pg_server_url, db_url)


@pytest.fixture(scope="module")
async def stack(bootstrap_servers: str, api_db: str) -> AsyncIterator[Stack]:
    topic = fresh("test.snapshots.v1")
    await create_topics(bootstrap_servers, (topic, PARTITIONS))
    settings = api_settings(bootstrap_servers, api_db, topic, fresh("test-sink"))
    feed = make_feed(240, start=START)
    sink = PostgresSink(settings, session_timeout_ms=1500)
    sink_task = asyncio.create_task(sink.run())
    app = create_app(settings)
    try:
        async with serve(app) as base:
            st = Stack(settings, api_db, feed, base, app, {})
            await st.publish(feed.snaps)
            yield st
    finally:
        sink.stop()
        await asyncio.wait_for(sink_task, 60)


@pytest.fixture
async def client(stack: Stack) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=stack.base, timeout=30) as c:
        yield c
