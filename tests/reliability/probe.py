"""Reading the pipeline's progress from the outside: broker offsets and Postgres.

:class:`Probe` measures each stage as the broker and Postgres see it (log ends from fetch
responses, the workers' committed offsets, the sink's ``sink_offsets``), never from the
processes themselves; :func:`until` polls a condition; :func:`postgres_activity` says what
the sessions of a database are doing (for a sink that stopped making progress).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable
from types import TracebackType
from typing import Any

import asyncpg
from aiokafka import AIOKafkaConsumer, TopicPartition

from streams.kafka.workarounds import offset_fetch_errors
from streams.replay.log_offsets import LogOffsets
from streams.replay.plan import TP
from tests.integration.replay.pipeline import Pipeline
from tests.integration.streams.harness import BOOKMAKERS
from tests.reliability.reconstruct import log_offsets

POLL_S = 0.05


class Probe:
    """Progress of each stage as the broker and Postgres see it; ``async with`` it.

    Opened per use: after a stall or a restart, old connections may be dead.
    """

    def __init__(self, pipeline: Pipeline) -> None:
        self.pipeline = pipeline
        h = pipeline.harness
        t = h.settings.topics
        parts = range(h.partitions)
        self.worker_inputs = [TP(t.raw(b), p) for b in BOOKMAKERS for p in parts]
        self.worker_inputs += [TP(t.canonical, p) for p in parts]
        self.snapshots = [TP(t.snapshots, p) for p in parts]
        self._log: LogOffsets | None = None
        self._group: Any = None
        self._pg: Any = None
        self._stack = contextlib.AsyncExitStack()

    async def __aenter__(self) -> Probe:
        # committed() read None for minutes once the group's coordinator moved (Kafka 4.4)
        offset_fetch_errors.install()
        h = self.pipeline.harness
        self._log = await self._stack.enter_async_context(log_offsets(h.settings.kafka))
        # a member of no group: it only reads the workers' committed offsets
        self._group = AIOKafkaConsumer(
            bootstrap_servers=h.bootstrap_servers,
            group_id=h.settings.streams.app_id,
            enable_auto_commit=False,
        )
        await self._group.start()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self._group.stop(), 10)
        if self._pg is not None:
            with contextlib.suppress(Exception):
                await self._pg.close(timeout=10)
        await self._stack.aclose()

    async def ends(self, tps: list[TP]) -> dict[TP, int]:
        assert self._log is not None
        _, latest = await self._log.bounds(tps)
        return latest

    async def worker_lag(self) -> int:
        """Records of the workers' inputs (raw and canonical) not yet committed by their group."""
        return sum(end - done for end, done in (await self.worker_positions()).values())

    async def worker_positions(self) -> dict[TP, tuple[int, int]]:
        """``(log end, committed offset)`` of each worker input partition."""
        ends = await self.ends(self.worker_inputs)
        out = {}
        for tp, end in ends.items():
            done = await self._group.committed(TopicPartition(*tp))
            out[tp] = (end, done or 0)
        return out

    async def stored(self) -> int:
        """Sum of the sink's ``sink_offsets`` (0 while Postgres is unreachable)."""
        if self._pg is None or self._pg.is_closed():
            self._pg = await asyncpg.connect(self.pipeline.db_url)
        value = await self._pg.fetchval(
            "SELECT coalesce(sum(next_offset), 0) FROM sink_offsets WHERE consumer_group = $1",
            self.pipeline.group,
        )
        return int(value)

    async def sink_lag(self) -> int:
        """Snapshot records not yet stored by the sink."""
        ends = await self.ends(self.snapshots)
        return sum(ends.values()) - await self.stored()


async def until(
    check: Callable[[], Awaitable[bool]],
    timeout_s: float,
    what: str,
    poll_s: float = POLL_S,
    diagnose: Callable[[], Awaitable[str]] | None = None,
) -> None:
    """Poll ``check`` every ``poll_s`` until it holds; fail after ``timeout_s`` (with what
    ``diagnose`` says about the state then)."""
    deadline = time.monotonic() + timeout_s
    while not await check():
        if time.monotonic() > deadline:
            state = await diagnose() if diagnose is not None else ""
            raise AssertionError(f"timed out after {timeout_s:.0f}s waiting until {what}\n{state}")
        await asyncio.sleep(poll_s)


async def postgres_activity(db_url: str) -> str:
    """Sessions of the campaign's database and the locks they wait for (for a stuck sink)."""
    try:
        conn = await asyncpg.connect(db_url, timeout=10)
    except Exception as exc:
        return f"Postgres unreachable: {exc!r}"
    try:
        rows = await conn.fetch(
            "SELECT a.pid, a.application_name, a.state, a.wait_event_type, a.wait_event,"
            " now() - a.xact_start AS xact_age, left(a.query, 160) AS query,"
            " (SELECT string_agg(l.locktype || ':' || l.mode || ':' || coalesce(l.relation::regclass::text,"
            "  ''), ', ') FROM pg_locks l WHERE l.pid = a.pid AND NOT l.granted) AS waiting_for"
            " FROM pg_stat_activity a WHERE a.datname = current_database() AND a.pid <> pg_backend_pid()"
        )
    finally:
        await conn.close()
    return "pg_stat_activity:\n" + "\n".join(f"  {dict(r)}" for r in rows)
