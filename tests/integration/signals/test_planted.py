"""Planted signals on Apache Kafka: a real worker finds exactly them, the signals sink stores each once.

The scripted feed (:mod:`tests.integration.signals.plant`) goes straight to the worker's
snapshots topic. The worker is SIGKILLed after the first three captures' signals were
published and a new one takes over, so a message may be published twice; the signals sink
must still store every row once.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path
from typing import Any

import asyncpg
import orjson
import pytest
from click.testing import CliRunner

from sinks.signals.reading import ARB_WINDOWS, legs, signals_command
from sinks.signals.sink import SignalsSink
from streams.contracts.signals import SignalsV1, decode_signals
from streams.contracts.snapshot import encode_snapshot
from streams.settings import load_settings
from tests.integration.signals import plant
from tests.integration.streams.harness import Harness

pytestmark = pytest.mark.integration


@pytest.fixture
async def harness(bootstrap_servers: str, tmp_path: Path) -> AsyncIterator[Harness]:
    h = Harness(bootstrap_servers, tmp_path)
    try:
        yield h
    finally:
        h.stop_all()


def by_capture(messages: list[SignalsV1], t0: datetime) -> dict[int, SignalsV1]:
    """Messages by seconds after ``t0`` (a message published twice after the kill counts once)."""
    out: dict[int, SignalsV1] = {}
    for m in messages:
        i = round((m.captured_at - t0).total_seconds())
        assert out.get(i, m) == m, "a snapshot's signals differ between two publications"
        out[i] = m
    return out


async def test_planted_signals_found_and_stored_once(harness: Harness, migrated_db: str) -> None:
    feed = plant.script()
    t0 = feed[0].captured_at
    settings = harness.settings
    await harness.create_topics()
    harness.start_worker()
    await harness.wait_ready(0)
    topic = settings.topics.snapshots
    out_topic = settings.signals.topic

    def signals(records: list[Any]) -> dict[int, SignalsV1]:
        return by_capture([decode_signals(r.value) for r in records], t0)

    await harness.publish_raw([(topic, s.key.encode(), encode_snapshot(s)) for s in feed[:3]])
    await harness.collect(out_topic, lambda rs: len(signals(rs)) >= 3)
    harness.kill(0)
    harness.start_worker()
    await harness.wait_ready(1, timeout_s=90)
    await harness.publish_raw([(topic, s.key.encode(), encode_snapshot(s)) for s in feed[3:]])
    records = await harness.collect(out_topic, lambda rs: len(signals(rs)) >= 5, timeout_s=90)
    await asyncio.sleep(3)  # anything more would come now
    records = await harness.collect(out_topic, lambda rs: len(rs) >= len(records))
    found = signals(records)
    assert sorted(found) == [0, 1, 2, 3, 5]
    msgs = [found[i] for i in (0, 1, 2, 3, 5)]

    devs = {(d.bookmaker, d.market_id, d.outcome_id): d.deviation for m in msgs for d in m.deviations}
    assert devs == pytest.approx(plant.DEVIATIONS)
    arbs = [(a.market_id, a.ended_at is None, a.profit, a.suspect) for m in msgs for a in m.arbitrages]
    expected = []
    for market, (profit, opened, closed) in plant.ARBS.items():
        expected += [
            (market, True, pytest.approx(profit), False),
            (market, False, pytest.approx(profit), False),
        ]
        assert any(a.market_id == market and a.ended_at is None for a in msgs[opened].arbitrages)
        assert any(a.market_id == market and a.ended_at is not None for a in msgs[closed].arbitrages)
    assert sorted(arbs, key=lambda a: (a[0], a[1])) == sorted(expected, key=lambda a: (a[0], a[1]))
    assert sum(len(m.margins) for m in msgs) == plant.MARGINS
    kinds = [p.kind for m in msgs for p in m.prices]
    assert (kinds.count("opening"), kinds.count("closing")) == (plant.OPENING, plant.CLOSING)

    # the signals sink: every row once, although the topic may hold a message twice
    sink_settings = load_settings(
        kafka={"bootstrap_servers": harness.bootstrap_servers},
        topics={"dlq": settings.topics.dlq, "partitions": harness.partitions},
        signals={"topic": out_topic, "sink_group_id": f"signals-sink-{harness.uid}"},
        postgres={"url": migrated_db},
    )
    sink = SignalsSink(sink_settings, session_timeout_ms=6000)
    task = asyncio.create_task(sink.run())
    conn = await asyncpg.connect(migrated_db.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        for _ in range(300):
            if sink.written.messages >= len(records):
                break
            if task.done():
                task.result()
            await asyncio.sleep(0.1)
        assert sink.written.messages == len(records)
        count = conn.fetchval
        assert await count("SELECT count(*) FROM signal_margins") == plant.MARGINS
        assert await count("SELECT count(*) FROM signal_deviations") == len(plant.DEVIATIONS)
        assert await count("SELECT count(*) FROM signal_deviations_now") == len(plant.DEVIATIONS)
        assert await count("SELECT count(*) FROM signal_prices WHERE kind = 'opening'") == plant.OPENING
        assert await count("SELECT count(*) FROM signal_prices WHERE kind = 'closing'") == plant.CLOSING
        rows = await conn.fetch("SELECT market_id, profit, ended_at FROM signal_arbitrage ORDER BY market_id")
        assert [(r["market_id"], r["ended_at"] is not None) for r in rows] == [(1, True), (18, True)]
        assert [r["profit"] for r in rows] == pytest.approx([plant.ARBS[1][0], plant.ARBS[18][0]])
        assert await count("SELECT count(*) FROM signal_arbitrage_open") == 0
        # the demo's list of windows names markets and the legs' outcomes
        windows = {r["market_id"]: r for r in await conn.fetch(ARB_WINDOWS, 10)}
        assert sorted(g["outcome_name"] for g in legs(windows[18])) == ["Over 2.5", "Under 2.5"]
        assert windows[18]["market_name"] == "Over/Under 2.5"
        assert not {g["outcome_name"] for g in legs(windows[1])} & {g["outcome_id"] for g in legs(windows[1])}
        # the reading side: oddsflow signals --json
        env = {"ODDS_POSTGRES__URL": migrated_db, "ODDS_SIGNALS__HOME_BOOKMAKER": "betpawa"}
        result = await asyncio.to_thread(CliRunner().invoke, signals_command, ["--json"], env=env)
        assert result.exit_code == 0, result.output
        doc = orjson.loads(result.output)
        assert {(d["outcome_id"], round(d["deviation"], 6)) for d in doc["deviations"]} == {
            (o, round(v, 6)) for (_, _, o), v in plant.DEVIATIONS.items()
        }
        assert doc["deviations"][0]["outcome_name"] == "Under 2.5"  # the largest first: −17.5%
        assert doc["arbitrages"] == []
        assert {m["bookmaker"] for m in doc["margins"]} == {"betpawa", "bet9ja", "sportybet"}
        now = await conn.fetch("SELECT bookmaker, outcome_id, deviation FROM signal_deviations_current")
        assert {(r["bookmaker"], 18, r["outcome_id"]): r["deviation"] for r in now} == pytest.approx(
            plant.DEVIATIONS
        )
    finally:
        sink.stop()
        await task
        await conn.close()
