"""The signals writer: one Postgres transaction per batch of ``odds.signals.v1`` records,
offsets inside it (exactly-once rows), like the snapshot sink's (:mod:`sinks.write.writer`).

Lifecycle of :meth:`SignalsWriter.write` (one asyncpg connection, UTC):

1. records that cannot be decoded, and those writing a day outside the partition window,
   become dead (DLQ); children for the other days are made on demand;
2. ``BEGIN``; :func:`sinks.write.offsets.fence` (another writer that moved the offsets makes it
   raise :class:`~sinks.write.offsets.FencedError`, nothing is written);
3. ``INSERT … SELECT FROM unnest(…) ON CONFLICT DO NOTHING`` into the time series (a message
   the stage published twice adds nothing); a closed arbitrage window upserts its row (it
   sets ``ended_at`` and the largest profit); ``signal_deviations_now`` loses the evaluated
   lines' rows and gets their new ones;
4. ``send_dead`` publishes the dead records and returns after the broker's ack;
5. the offsets are stored and the transaction commits.

Transient and bug exceptions leave with nothing committed (:func:`sinks.write.errors.classify`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sinks.partitions import PartitionBackend, open_backend
from sinks.partitions.window import utc_day
from sinks.signals.rows import (
    ARB_COLUMNS,
    DEVIATION_COLUMNS,
    MARGIN_COLUMNS,
    PRICE_COLUMNS,
    Row,
    SignalRows,
    add,
    columns,
    times,
)
from sinks.store import db
from sinks.write import offsets
from sinks.write.records import STAGE, Dead, Record, sink_error
from streams.contracts.signals import decode_signals
from streams.errors import DataError
from streams.settings import PartitionSettings, PostgresSettings

Connection = Any
SendDead = Callable[[list[Dead]], Awaitable[None]]

_INSERT_MARGINS = """
INSERT INTO signal_margins (sportradar_id, bookmaker, market_id, line, captured_at, margin, fair)
SELECT s, b, m, l, t, v, f::jsonb
  FROM unnest($1::bigint[], $2::text[], $3::int[], $4::text[], $5::timestamptz[], $6::float8[], $7::text[])
       AS u(s, b, m, l, t, v, f)
ON CONFLICT DO NOTHING"""
_INSERT_DEVIATIONS = """
INSERT INTO {table} (sportradar_id, bookmaker, market_id, line, outcome_id, captured_at, price, consensus,
                     deviation, books)
SELECT * FROM unnest($1::bigint[], $2::text[], $3::int[], $4::text[], $5::text[], $6::timestamptz[],
                     $7::float8[], $8::float8[], $9::float8[], $10::smallint[])
ON CONFLICT DO NOTHING"""
_CLEAR_NOW = """
DELETE FROM signal_deviations_now d
 USING unnest($1::bigint[], $2::int[], $3::text[]) AS u(s, m, l)
 WHERE d.sportradar_id = u.s AND d.market_id = u.m AND d.line = u.l"""
_INSERT_ARBS = """
INSERT INTO signal_arbitrage (sportradar_id, market_id, line, captured_at, ended_at, profit, suspect, legs)
SELECT s, m, l, t, e, p, x, g::jsonb
  FROM unnest($1::bigint[], $2::int[], $3::text[], $4::timestamptz[], $5::timestamptz[], $6::float8[],
              $7::bool[], $8::text[]) AS u(s, m, l, t, e, p, x, g)
ON CONFLICT {conflict}"""
_CLOSE = """(sportradar_id, market_id, line, captured_at)
DO UPDATE SET ended_at = EXCLUDED.ended_at, profit = greatest(signal_arbitrage.profit, EXCLUDED.profit),
              suspect = signal_arbitrage.suspect OR EXCLUDED.suspect"""
_INSERT_PRICES = """
INSERT INTO signal_prices (sportradar_id, bookmaker, market_id, line, kind, captured_at, outcomes)
SELECT s, b, m, l, k, t, o::jsonb
  FROM unnest($1::bigint[], $2::text[], $3::int[], $4::text[], $5::text[], $6::timestamptz[], $7::text[])
       AS u(s, b, m, l, k, t, o)
ON CONFLICT DO NOTHING"""


@dataclass(slots=True)
class SignalsResult:
    """What one committed batch did."""

    messages: int = 0
    rows: int = 0
    dead: int = 0


class SignalsWriter:
    """Owns one Postgres connection; writes batches of one group and topic."""

    def __init__(
        self,
        postgres: PostgresSettings,
        partitions: PartitionSettings,
        group: str,
        topic: str,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.postgres, self.partitions = postgres, partitions
        self.group, self.topic, self.clock = group, topic, clock
        self.conn: Connection | None = None
        self.backend: PartitionBackend | None = None

    async def connection(self) -> Connection:
        if self.conn is not None and not self.conn.is_closed():
            return self.conn
        conn = await db.connect(self.postgres)
        try:
            self.backend = await open_backend(conn, self.partitions)
        except BaseException:
            conn.terminate()
            raise
        self.conn = conn
        return conn

    async def reset(self) -> None:
        conn, self.conn = self.conn, None
        if conn is not None and not conn.is_closed():
            conn.terminate()

    async def close(self) -> None:
        conn, self.conn = self.conn, None
        if conn is not None and not conn.is_closed():
            await conn.close()

    async def stored_offsets(self, partitions: Sequence[int]) -> dict[int, int]:
        return await offsets.read_stored(await self.connection(), self.group, self.topic, partitions)

    async def maintain(self) -> None:
        conn = await self.connection()
        assert self.backend is not None
        await self.backend.run(conn, self.clock().date())

    async def write(
        self, records: Sequence[Record], expected: dict[int, int | None], send_dead: SendDead
    ) -> SignalsResult:
        """Write ``records`` (offset order per partition) atomically with their next offsets."""
        conn = await self.connection()
        assert self.backend is not None
        today = self.clock().date()
        window = self.backend.window(today)
        rows = SignalRows()
        dead: list[Dead] = []
        next_offsets: dict[int, int] = {}
        for record in records:
            next_offsets[record.partition] = record.offset + 1
            try:
                sig = decode_signals(record.value)
            except DataError as exc:
                dead.append(Dead(record, sink_error(exc)))
                continue
            days = {utc_day(t) for t in times(sig)}
            outside = sorted(d for d in days if d not in window)
            if outside:
                error = DataError(STAGE, "bad_timestamp", f"signals of days {outside} are outside the "
                                  f"partition window {window.first}..{window.last}")  # fmt: skip
                dead.append(Dead(record, error, sig.bookmaker))
                continue
            rows.days |= days
            add(rows, sig)
        if rows.days:
            await self.backend.ensure_days(conn, rows.days, today)
        async with conn.transaction():
            await offsets.fence(conn, self.group, self.topic, {p: expected.get(p) for p in next_offsets})
            await _insert(conn, rows)
            if dead:
                await send_dead(dead)
            await offsets.store(conn, self.group, self.topic, next_offsets)
        return SignalsResult(len(records), len(rows), len(dead))


async def _insert(conn: Connection, rows: SignalRows) -> None:
    if rows.margins:
        await conn.execute(_INSERT_MARGINS, *columns(rows.margins, len(MARGIN_COLUMNS)))
    if rows.deviations:
        sql = _INSERT_DEVIATIONS.format(table="signal_deviations")
        await conn.execute(sql, *columns(rows.deviations, len(DEVIATION_COLUMNS)))
    if rows.arbs_opened:
        sql = _INSERT_ARBS.format(conflict="DO NOTHING")
        await conn.execute(sql, *columns(rows.arbs_opened, len(ARB_COLUMNS)))
    if rows.arbs_closed:
        sql = _INSERT_ARBS.format(conflict=_CLOSE)
        await conn.execute(sql, *columns(list(rows.arbs_closed.values()), len(ARB_COLUMNS)))
    if rows.prices:
        await conn.execute(_INSERT_PRICES, *columns(rows.prices, len(PRICE_COLUMNS)))
    if rows.now:
        keys = list(rows.now)
        await conn.execute(_CLEAR_NOW, *columns(keys, 3))
        current: list[Row] = [row for line_rows in rows.now.values() for row in line_rows]
        if current:
            sql = _INSERT_DEVIATIONS.format(table="signal_deviations_now")
            await conn.execute(sql, *columns(current, len(DEVIATION_COLUMNS)))
