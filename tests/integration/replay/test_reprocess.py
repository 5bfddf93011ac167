"""``oddsflow reprocess`` after a mapping fix: affected rows corrected, counts unchanged."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
import pytest

from sinks.reprocess.cli import reprocess_command
from streams.simulator import World, WorldConfig, iter_captures
from tests.integration.replay.conftest import invoke
from tests.integration.replay.pipeline import Pipeline, start_worker_cmd
from tests.integration.streams.harness import ROOT, Harness

pytestmark = pytest.mark.integration


@pytest.fixture
def pipeline(bootstrap_servers: str, migrated_db: str, tmp_path: Path) -> Iterator[Pipeline]:
    p = Pipeline(Harness(bootstrap_servers, tmp_path, partitions=2), migrated_db)
    try:
        yield p
    finally:
        p.stop_all()


def swapped(outcomes: str | None) -> str | None:
    """Match-result outcomes with home ("1") and away ("3") exchanged, as JSONB text."""
    if outcomes is None:
        return None
    doc = orjson.loads(outcomes)
    doc["1"], doc["3"] = doc["3"], doc["1"]
    return orjson.dumps(doc).decode()


def canonical_json(text: str | None) -> Any:
    return None if text is None else orjson.loads(text)


async def test_reprocess_after_a_mapping_fix(pipeline: Pipeline) -> None:
    h = pipeline.harness
    # keyframes every 2nd capture: the range below starts at a keyframe in the original run too
    h.extra_env |= {
        "ODDS_STREAMS__KEYFRAME_EVERY": "2",
        "ODDS_STREAMS__KEYFRAME_MINUTES": "100000",
        "PYTHONPATH": str(ROOT),
    }
    await h.create_topics()
    world = World(
        4, seed=7, start=datetime.now(UTC) - timedelta(minutes=30), config=WorldConfig(size="normal")
    )
    captures = list(iter_captures(world, rate_per_s=10, count=4 * 3 * 4))  # 4 rounds of 12 captures
    start_worker_cmd(h, [sys.executable, "-m", "tests.integration.replay.buggy_build"], {})
    pipeline.start_sink()
    async with h.producer() as producer:
        for cap in captures[:24]:
            await h.publish(producer, cap.bookmaker, orjson.dumps(cap.payload), cap.captured_at)
        await h.wait_ready(0)
        await h.snapshots(lambda s: len(s) >= 24)
        await pipeline.wait_sink_caught_up()
        await asyncio.sleep(1.2)
        since = datetime.now(UTC)
        for cap in captures[24:]:
            await h.publish(producer, cap.bookmaker, orjson.dumps(cap.payload), cap.captured_at)
    await h.snapshots(lambda s: len(s) >= len(captures))
    await pipeline.wait_sink_caught_up()
    before = await pipeline.rows()
    betpawa = (await pipeline.fetch("SELECT id FROM bookmakers WHERE key = 'betpawa'"))[0]["id"]
    first = min(c.captured_at for c in captures[24:])
    cut = first.replace(microsecond=first.microsecond // 1000 * 1000)  # the envelope keeps milliseconds
    h.stop_all()  # the fix is deployed: the buggy worker is gone
    pipeline.stop_sink()

    stamp = since.replace(tzinfo=None).isoformat()
    args = ["--from", stamp, "--workdir", str(h.workdir), "--timeout", "120", "--run-id", "t1"]
    dry = await invoke(reprocess_command, args, pipeline.env)
    assert dry.exit_code == 0, dry.output
    assert "24 raw record(s)" in dry.output and "dry run" in dry.output
    assert await pipeline.rows() == before

    done = await invoke(reprocess_command, [*args, "--execute"], pipeline.env)
    assert done.exit_code == 0, done.output
    after = await pipeline.rows()

    # counts unchanged; snapshot headers identical (same keyframes, same sources)
    assert after["snapshots"] == before["snapshots"]
    assert len(after["odds_history"]) == len(before["odds_history"])

    def fixed(row: tuple[Any, ...]) -> tuple[Any, ...]:
        event, bookmaker, at, market, line, outcomes = row
        if bookmaker == betpawa and market == 1 and at >= cut:
            return (event, bookmaker, at, market, line, canonical_json(swapped(outcomes)))
        return (event, bookmaker, at, market, line, canonical_json(outcomes))

    expected = sorted(fixed(r) for r in before["odds_history"])
    got = sorted((*r[:5], canonical_json(r[5])) for r in after["odds_history"])
    assert got == expected
    affected = [r for r in before["odds_history"] if r[1] == betpawa and r[3] == 1 and r[2] >= cut]
    assert affected and all(swapped(r[5]) != r[5] for r in affected if r[5] is not None)

    # the latest board: betpawa's match result now has the fixed prices; nothing else changed
    def current(rows: list[tuple[Any, ...]], fix: bool) -> list[tuple[Any, ...]]:
        out = []
        for event, bookmaker, market, line, outcomes, _at in rows:
            if fix and bookmaker == betpawa and market == 1:
                outcomes = swapped(outcomes)
            out.append((event, bookmaker, market, line, canonical_json(outcomes)))
        return sorted(out)

    assert current(after["current_odds"], False) == current(before["current_odds"], True)
