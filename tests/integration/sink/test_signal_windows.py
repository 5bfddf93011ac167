"""The signals writer on Postgres: a batch holding one arbitrage window closed twice (a
signals stage that republished after a SIGKILL, both copies read in one batch) stores one
row, as the table's upsert would over two batches (the crash campaign's signals sink died of
``ON CONFLICT DO UPDATE command cannot affect row a second time``)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import asyncpg
import pytest

from sinks.signals.writer import SignalsWriter
from sinks.write.records import Record
from streams.contracts.signals import ArbLeg, ArbWindow, SignalsV1, encode_signals
from streams.contracts.snapshot import Source
from streams.settings import load_settings

pytestmark = pytest.mark.integration


async def test_a_window_closed_twice_in_one_batch_is_one_row(migrated_db: str) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    start = now - timedelta(minutes=3)
    legs = (ArbLeg("12", "betpawa", 2.05, 0.49), ArbLeg("13", "sportybet", 1.98, 0.51))
    window = ArbWindow(18, "total=2.5", start, now - timedelta(minutes=1), 0.012, False, legs)
    sig = SignalsV1(
        event_key="sr:7", sportradar_id=7, sport="soccer", kickoff=now + timedelta(hours=1),
        bookmaker="sportybet", captured_at=now - timedelta(minutes=1), live=False,
        source=Source("t.snapshots", 0, 0), arbitrages=(window,),
    )  # fmt: skip
    later = replace(
        sig,
        captured_at=now,
        source=Source("t.snapshots", 0, 5),
        arbitrages=(replace(window, ended_at=now, profit=0.02, suspect=True),),
    )
    values = [encode_signals(sig), encode_signals(sig), encode_signals(later)]  # the first one twice
    settings = load_settings(postgres={"url": migrated_db})
    writer = SignalsWriter(settings.postgres, settings.partitions, "test-signals", "t.signals")

    async def no_dead(dead: list) -> None:
        raise AssertionError(f"dead: {dead}")

    try:
        records = [Record("t.signals", 0, offset, None, value) for offset, value in enumerate(values)]
        result = await writer.write(records, {0: None}, no_dead)
    finally:
        await writer.close()
    assert result.rows == 1
    conn = await asyncpg.connect(migrated_db)
    try:
        rows = await conn.fetch("SELECT captured_at, ended_at, profit, suspect FROM signal_arbitrage")
    finally:
        await conn.close()
    assert [tuple(r) for r in rows] == [(start, now, 0.02, True)]
