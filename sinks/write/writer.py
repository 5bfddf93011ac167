"""The batch writer: one Postgres transaction per batch, offsets inside it (exactly-once rows).

Lifecycle of :meth:`BatchWriter.write` for one batch (one asyncpg connection, UTC):

1. captures whose UTC day lies outside the partition window become dead (``bad_timestamp``);
   children for the other days are made on demand (``ensure_days``, its own transaction);
2. ``BEGIN``; the batch's ``sink_offsets`` rows are locked and compared with the offsets the
   caller expects (:func:`sinks.write.offsets.fence`): another writer that moved them (a zombie
   after a rebalance) makes this one raise :class:`~sinks.write.offsets.FencedError`, and nothing
   is written;
3. in a savepoint: dimension ids (cached), binary COPY into ``snapshots`` and
   ``odds_history``, the net ``current_odds`` change (:mod:`sinks.write.current_odds`). A capture
   whose header is already stored (same event, bookmaker and ``captured_at``: the stream
   re-emitted it) is skipped. A data error splits the batch in halves
   (:func:`sinks.write.batch.isolate`) until the poison records are alone;
4. merge records move a bookmaker-only event's rows into the surviving event
   (:mod:`sinks.write.merges`), then lifecycle records set or clear ``events.closed_at``
   (:mod:`sinks.write.lifecycle`), and match reviews are filed (and merged pairs settled) in
   ``match_reviews`` (:mod:`sinks.matching.reviews`);
5. ``send_dead`` publishes the dead records to the DLQ and returns only after the broker
   acked them; if it raises, the transaction rolls back;
6. the offsets are written and the transaction commits; only then do the dimension ids
   this batch learned enter the cache (or, when it merged events, the cache is cleared).

Which exceptions are transient, data or bugs is decided by :func:`sinks.write.errors.classify`;
transient and bug exceptions leave :meth:`BatchWriter.write` with nothing committed.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

import asyncpg

from sinks.matching import reviews
from sinks.partitions import PartitionBackend, open_backend
from sinks.partitions.window import parse_child
from sinks.store import db
from sinks.write import current_odds, lifecycle, merges, offsets
from sinks.write.batch import Batch, isolate
from sinks.write.current_odds import CurrentFold, fold_in_time_order
from sinks.write.dimensions import Dimensions
from sinks.write.errors import classify, data_error
from sinks.write.id_cache import Maps
from sinks.write.records import HISTORY_COLUMNS, SNAPSHOT_COLUMNS, Capture, Dead, outside_window, snapshot_row
from streams.settings import PartitionSettings, PostgresSettings

Connection = Any  # asyncpg.Connection (no type stubs)
SendDead = Callable[[list[Dead]], Awaitable[None]]
Known = tuple[Capture, tuple[int, int] | None]  # a capture and its ids if already known


@dataclass(slots=True)
class WriteResult:
    """What one committed batch did."""

    captures: int = 0  # snapshot headers written
    history_rows: int = 0
    current_rows: int = 0  # current_odds rows inserted, updated or deleted
    duplicates: int = 0  # captures already stored (re-emitted upstream): skipped
    dead: list[Dead] = field(default_factory=list)
    attempts: int = 0  # savepoints tried (1 unless a record had to be isolated)
    partitions_created: list[str] = field(default_factory=list)
    lifecycle: int = 0  # events whose closed_at a lifecycle record set or cleared
    merges: int = 0  # bookmaker-only events merged into another event
    reviews: int = 0  # match_reviews rows filed or settled

    @property
    def rows(self) -> int:
        """Rows COPYed into the time-series tables (snapshots + odds_history)."""
        return self.captures + self.history_rows


class BatchWriter:
    """Owns one Postgres connection and writes batches for one consumer group and topic."""

    def __init__(
        self,
        postgres: PostgresSettings,
        partitions: PartitionSettings,
        group: str,
        topic: str,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.postgres = postgres
        self.partitions = partitions
        self.group = group
        self.topic = topic
        self.clock = clock
        self.dimensions = Dimensions()
        self.conn: Connection | None = None
        self.backend: PartitionBackend | None = None
        self.known_days: set[date] = set()
        self._stage_dirty = False

    # -- connection ---------------------------------------------------------------------

    async def connection(self) -> Connection:
        """The open connection, (re)connecting and preparing the session when needed."""
        if self.conn is not None and not self.conn.is_closed():
            return self.conn
        await self.reset()
        conn = await db.connect(self.postgres)
        try:
            await current_odds.create_stage(conn)
            self.backend = await open_backend(conn, self.partitions)
            await self._load_days(conn)
        except BaseException:
            conn.terminate()
            raise
        self.conn = conn
        return conn

    async def reset(self) -> None:
        """Drop the connection (after a transient error); the next call reconnects."""
        conn, self.conn = self.conn, None
        if conn is not None and not conn.is_closed():
            conn.terminate()

    async def close(self) -> None:
        conn, self.conn = self.conn, None
        if conn is not None and not conn.is_closed():
            try:
                await asyncio.wait_for(conn.close(), 5)
            except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError):
                conn.terminate()

    async def _load_days(self, conn: Connection) -> None:
        assert self.backend is not None
        existing = await self.backend.existing(conn)
        per_table = [set(days) for days in existing.values()]
        self.known_days = set.intersection(*per_table) if per_table else set()

    # -- offsets and maintenance -------------------------------------------------------

    async def stored_offsets(self, partitions: Sequence[int]) -> dict[int, int]:
        """Next offsets stored for ``partitions`` (absent: nothing stored yet)."""
        conn = await self.connection()
        return await offsets.read_stored(conn, self.group, self.topic, partitions)

    async def maintain(self) -> list[str]:
        """Run partition maintenance now (premake, drop past retention); returns what changed."""
        conn = await self.connection()
        assert self.backend is not None
        report = await self.backend.run(conn, self.clock().date())
        await self._load_days(conn)
        return report.created + report.dropped

    # -- the batch transaction ---------------------------------------------------------

    async def write(self, batch: Batch, expected: dict[int, int | None], send_dead: SendDead) -> WriteResult:
        """Write ``batch`` atomically with its offsets (see module docstring).

        ``expected`` maps each partition in ``batch.next_offsets`` to the offset this
        writer believes is stored. Raises :class:`FencedError` if another writer moved
        one; transient and bug exceptions propagate with nothing committed.
        """
        conn = await self.connection()
        assert self.backend is not None
        today = self.clock().date()
        window = self.backend.window(today)
        result = WriteResult(dead=list(batch.dead))
        fresh_ids = batch.ids is not None and batch.ids_generation == self.dimensions.generation
        known = batch.ids if batch.ids is not None and fresh_ids else [None] * len(batch.captures)
        items = list(zip(batch.captures, known, strict=True))
        if not all(day in window for day in batch.days):
            items = []
            for c, ids in zip(batch.captures, known, strict=True):
                dead = outside_window(c, window)
                if dead is None:
                    items.append((c, ids))
                else:
                    result.dead.append(dead)
        days = {day for day in batch.days if day in window} - self.known_days
        if days:
            result.partitions_created = await self.backend.ensure_days(conn, days, today)
            self.known_days |= days

        layer = self.dimensions.stage()

        async def attempt(sub: Sequence[Known]) -> None:
            result.attempts += 1
            try:
                await self._write_captures(conn, layer, sub, result, skip_stored=False)
            except asyncpg.UniqueViolationError as exc:
                if not _on_snapshots(exc):
                    raise
                result.attempts += 1
                await self._write_captures(conn, layer, sub, result, skip_stored=True)

        outer = not conn.is_in_transaction()  # reprocess runs chunks inside its own transaction
        async with conn.transaction():
            await offsets.fence(
                conn, self.group, self.topic, {p: expected.get(p) for p in batch.next_offsets}
            )
            poison = await isolate(items, attempt, lambda e: classify(e) == "data")
            result.dead.extend(Dead(c.record, data_error(exc), c.snap.bookmaker) for (c, _), exc in poison)
            if batch.lifecycle:
                result.merges = await merges.apply(conn, batch.lifecycle)
                result.lifecycle = await lifecycle.apply(conn, batch.lifecycle)
                result.reviews = await reviews.apply(conn, batch.lifecycle)
            if result.dead:
                result.dead.sort(key=lambda d: (d.record.partition, d.record.offset))
                await send_dead(result.dead)
            await offsets.store(conn, self.group, self.topic, batch.next_offsets)
        if outer:
            self._stage_dirty = False  # ON COMMIT DELETE ROWS emptied it (not at a savepoint's end)
        if result.merges:
            self.dimensions.clear()
        else:
            layer.merge_into_parent()
        self.dimensions.committed(batch.lifecycle)
        return result

    async def _write_captures(
        self,
        conn: Connection,
        layer: Maps,
        known: Sequence[Known],
        result: WriteResult,
        skip_stored: bool,
    ) -> None:
        """One savepoint: dimensions, COPY, current odds. Counts into ``result`` only on success."""
        child = layer.child()
        captures = [c for c, _ in known]
        async with conn.transaction():
            ids = await self.dimensions.resolve(conn, child, captures, [ids for _, ids in known])
            items = _unique(captures, ids)
            duplicates = len(captures) - len(items)
            if skip_stored:
                kept = await _not_stored(conn, items)
                duplicates += len(items) - len(kept)
                items = kept
            # generators: rows are built (and current odds folded) while Postgres ingests the
            # previous COPY chunk, instead of before the COPY while Postgres waits
            fold = CurrentFold()

            def history() -> Iterator[tuple[Any, ...]]:
                for (e, b), c in items:
                    fold.add(e, b, c)
                    at = c.snap.captured_at
                    for m, ln, o in c.lines:
                        yield (e, b, at, m, ln, o)

            heads = (snapshot_row(c, e, b) for (e, b), c in items)
            await conn.copy_records_to_table("snapshots", records=heads, columns=SNAPSHOT_COLUMNS)
            await conn.copy_records_to_table("odds_history", records=history(), columns=HISTORY_COLUMNS)
            if not fold.ordered:
                fold = fold_in_time_order((e, b, c) for (e, b), c in items)
            truncate, self._stage_dirty = self._stage_dirty, True
            current_rows = await current_odds.apply_current(conn, fold, truncate_stage=truncate)
            history_rows = sum(len(c.lines) for _, c in items)
        child.merge_into_parent()
        result.captures += len(items)
        result.history_rows += history_rows
        result.current_rows += current_rows
        result.duplicates += duplicates


def _on_snapshots(exc: asyncpg.UniqueViolationError) -> bool:
    """A unique violation in ``snapshots`` (or a daily child): its only unique key is the natural key."""
    table = exc.table_name or ""
    child = parse_child(table)
    return table == "snapshots" or (child is not None and child[0] == "snapshots")


def _unique(captures: Sequence[Capture], ids: list[tuple[int, int]]) -> list[tuple[tuple[int, int], Capture]]:
    """Drop captures repeating an earlier one's natural key (event, bookmaker, captured_at)."""
    seen: set[tuple[int, int, datetime]] = set()
    out = []
    for c, key in zip(captures, ids, strict=True):
        natural = (key[0], key[1], c.snap.captured_at)
        if natural not in seen:
            seen.add(natural)
            out.append((key, c))
    return out


async def _not_stored(
    conn: Connection, items: list[tuple[tuple[int, int], Capture]]
) -> list[tuple[tuple[int, int], Capture]]:
    """Items whose snapshot header is not in ``snapshots`` yet."""
    if not items:
        return items
    times = [c.snap.captured_at for _, c in items]
    rows = await conn.fetch(
        """SELECT k.i
             FROM unnest($1::bigint[], $2::smallint[], $3::timestamptz[]) WITH ORDINALITY AS k(e, b, t, i)
            WHERE EXISTS (SELECT 1 FROM snapshots s WHERE s.event_id = k.e AND s.bookmaker_id = k.b
                             AND s.captured_at = k.t AND s.captured_at BETWEEN $4 AND $5)""",
        [key[0] for key, _ in items],
        [key[1] for key, _ in items],
        times,
        min(times),
        max(times),
    )
    stored = {r["i"] - 1 for r in rows}
    return [item for i, item in enumerate(items) if i not in stored]
