"""Replay target ``sink``: the Postgres sink's offsets (``sink_offsets`` rows of one group).

Plugged into ``oddsflow replay --target sink`` through the ``oddsflow.replay_targets`` entry
point (``sink = "sinks.replay_target:sink_target"``), so ``streams`` never imports ``sinks``.

* **read**: ``sink_offsets`` rows of the group (``next_offset = -1`` is the sink's
  placeholder for "nothing stored" and reads as ``None``, like a missing row);
* **live check**: the group's advisory lock (:mod:`sinks.write.lease`): any session holding it
  means a sink runs, and the replay is refused naming those sessions;
* **apply**: take the lock exclusively (refuse if that fails), then in one transaction lock
  the group's rows, check they still hold the offsets the plan started from, upsert every
  new offset, commit, and release the lock. A sink that starts meanwhile waits for the lock.

The sink's Kafka consumer group offsets are not touched: the sink trusts Postgres and
commits to Kafka after its next batch (only lag tools read those).
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from typing import Any

from sinks.store import db
from sinks.write import lease
from streams.replay.plan import TP, Move, ReplayError
from streams.settings import Settings


class SinkTarget:
    """``sink_offsets`` of one sink group (see module docstring)."""

    kind = "sink"

    def __init__(self, settings: Settings, group: str) -> None:
        self.settings = settings
        self.group = group
        self._conn: Any = None

    @property
    def label(self) -> str:
        return f"sink group {self.group!r} (sink_offsets in Postgres)"

    async def __aenter__(self) -> SinkTarget:
        self._conn = await db.connect(self.settings.postgres)
        return self

    async def __aexit__(self, *exc: object) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            with contextlib.suppress(Exception):
                await conn.close()

    async def topics(self, available: Mapping[str, list[int]]) -> list[str]:
        rows = await self._conn.fetch(
            "SELECT DISTINCT topic FROM sink_offsets WHERE consumer_group = $1 AND next_offset >= 0",
            self.group,
        )
        names = {r["topic"] for r in rows} | {self.settings.topics.snapshots}
        return sorted(n for n in names if n in available)

    async def current(self, tps: list[TP]) -> dict[TP, int | None]:
        stored = await self._stored(self._conn)
        return {tp: stored.get(tp) for tp in tps}

    async def _stored(self, conn: Any, *, for_update: bool = False) -> dict[TP, int]:
        rows = await conn.fetch(
            "SELECT topic, partition, next_offset FROM sink_offsets WHERE consumer_group = $1"
            + (" FOR UPDATE" if for_update else ""),
            self.group,
        )
        return {TP(r["topic"], r["partition"]): r["next_offset"] for r in rows if r["next_offset"] >= 0}

    async def ensure_free(self) -> None:
        holding = [h for h in await lease.holders(self._conn, self.group) if h.granted]
        if holding:
            raise self._refusal(holding)

    def _refusal(self, holding: list[lease.Holder]) -> ReplayError:
        who = "; ".join(h.describe() for h in holding) or "a session that just took it"
        return ReplayError(
            f"{self.label}: a sink of this group is running (it holds the group's advisory lock: "
            f"{who}); stop every `oddsflow sink` of group {self.group!r} first"
        )

    async def apply(self, moves: Mapping[TP, Move], note: str) -> None:
        conn = self._conn
        if not await lease.try_hold_exclusive(conn, self.group):
            raise self._refusal([h for h in await lease.holders(conn, self.group) if h.granted])
        try:
            async with conn.transaction():
                stored = await self._stored(conn, for_update=True)
                moved = {
                    tp: (m.before, stored.get(tp)) for tp, m in moves.items() if stored.get(tp) != m.before
                }
                if moved:
                    raise ReplayError(
                        f"{self.label}: offsets changed since they were read: {moved}; run again"
                    )
                tps = sorted(moves)
                await conn.execute(
                    """INSERT INTO sink_offsets (consumer_group, topic, partition, next_offset, updated_at)
                       SELECT $1, t, p, n, now()
                         FROM unnest($2::text[], $3::int[], $4::bigint[]) AS u(t, p, n)
                       ON CONFLICT (consumer_group, topic, partition)
                       DO UPDATE SET next_offset = EXCLUDED.next_offset, updated_at = now()""",
                    self.group,
                    [tp.topic for tp in tps],
                    [tp.partition for tp in tps],
                    [moves[tp].after for tp in tps],
                )
        finally:
            await lease.release_exclusive(conn, self.group)


def sink_target(settings: Settings, group: str | None) -> SinkTarget:
    """Entry point ``oddsflow.replay_targets: sink`` (default group: ``ODDS_SINK__GROUP_ID``)."""
    return SinkTarget(settings, group or settings.sink.group_id)
