"""``oddsflow reprocess`` after a mapping was added: the history re-derived with it (README example)."""

from __future__ import annotations

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

DNB = 11  # UOF draw no bet: what Bet9ja's S_DNB maps to
SOCCER_EVENTS = "SELECT e.id FROM events e JOIN sports s ON s.id = e.sport_id WHERE s.key = 'soccer'"


@pytest.fixture
def pipeline(bootstrap_servers: str, migrated_db: str, tmp_path: Path) -> Iterator[Pipeline]:
    p = Pipeline(Harness(bootstrap_servers, tmp_path, partitions=2), migrated_db)
    try:
        yield p
    finally:
        p.stop_all()


async def counts(p: Pipeline) -> dict[str, Any]:
    """What the README example shows: Bet9ja's snapshots and line counts, and its rows of the
    soccer draw-no-bet market (basketball's ``B_DNB`` was mapped all along)."""
    rows = await p.fetch(
        f"""WITH b AS (SELECT id FROM bookmakers WHERE key = 'bet9ja'),
                soccer AS ({SOCCER_EVENTS})
           SELECT (SELECT count(*) FROM snapshots WHERE bookmaker_id = b.id) AS snapshots,
                  (SELECT sum(unmapped_lines) FROM snapshots WHERE bookmaker_id = b.id) AS unmapped,
                  (SELECT sum(mapped_lines) FROM snapshots WHERE bookmaker_id = b.id) AS mapped,
                  (SELECT count(*) FROM odds_history WHERE bookmaker_id = b.id) AS history,
                  (SELECT count(*) FROM odds_history WHERE bookmaker_id = b.id AND market_id = $1
                      AND event_id IN (SELECT id FROM soccer)) AS history_dnb,
                  (SELECT count(*) FROM current_odds WHERE bookmaker_id = b.id AND market_id = $1
                      AND event_id IN (SELECT id FROM soccer)) AS current_dnb
             FROM b""",
        DNB,
    )
    return dict(rows[0])


async def test_reprocess_applies_an_added_mapping_to_history(pipeline: Pipeline) -> None:
    h = pipeline.harness
    h.extra_env |= {"PYTHONPATH": str(ROOT)}
    await h.create_topics()
    world = World(
        4, seed=11, start=datetime.now(UTC) - timedelta(minutes=30), config=WorldConfig(size="normal")
    )
    captures = list(iter_captures(world, rate_per_s=10, count=4 * 3 * 4))  # 4 rounds of 12 captures
    start_worker_cmd(h, [sys.executable, "-m", "tests.integration.replay.old_mapping_build"], {})
    pipeline.start_sink()
    async with h.producer() as producer:
        for cap in captures:
            await h.publish(producer, cap.bookmaker, orjson.dumps(cap.payload), cap.captured_at)
    await h.wait_ready(0)
    await h.snapshots(lambda s: len(s) >= len(captures))
    await pipeline.wait_sink_caught_up()
    before, rows_before = await counts(pipeline), await pipeline.rows()
    h.stop_all()  # the build with the mapping is deployed
    pipeline.stop_sink()

    args = ["--from-earliest", "--bookmaker", "bet9ja", "--workdir", str(h.workdir), "--timeout", "120"]
    done = await invoke(reprocess_command, [*args, "--run-id", "m1", "--execute"], pipeline.env)
    assert done.exit_code == 0, done.output
    after, rows_after = await counts(pipeline), await pipeline.rows()
    print(f"\nbefore {before}\nafter  {after}\n{done.output}")

    assert before["history_dnb"] == before["current_dnb"] == 0
    assert after["history_dnb"] > 0 and after["current_dnb"] > 0
    assert after["snapshots"] == before["snapshots"]
    moved = before["unmapped"] - after["unmapped"]
    assert moved > 0 and after["mapped"] - before["mapped"] == moved
    assert after["history"] - before["history"] == after["history_dnb"] - before["history_dnb"]
    # from the earliest record the keyframes fall where they fell: every other row is unchanged
    bet9ja = (await pipeline.fetch("SELECT id FROM bookmakers WHERE key = 'bet9ja'"))[0]["id"]

    soccer = {r["id"] for r in await pipeline.fetch(SOCCER_EVENTS)}

    def others(rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
        return [r for r in rows if not (r[1] == bet9ja and r[3] == DNB and r[0] in soccer)]

    assert others(rows_after["odds_history"]) == others(rows_before["odds_history"])
    named = await pipeline.fetch(
        "SELECT DISTINCT market_name FROM best_current_odds WHERE market_id = $1 AND event_id = ANY($2)",
        DNB,
        list(soccer),
    )
    assert [r["market_name"] for r in named] == ["Draw No Bet"]  # named in the view
