"""The smoke set on tansu, the demo's embedded engine: one pipeline pass and the demo itself.

Every other integration test runs on Apache Kafka (``bootstrap_servers``); these keep the
zero-Java first run honest. The producer's round trip on tansu is in
tests/integration/producer.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg
import orjson
import pytest

from streams.simulator import World, WorldConfig, iter_captures
from tests.integration.replay.pipeline import Pipeline
from tests.integration.streams.harness import Harness

pytestmark = pytest.mark.integration


@pytest.fixture
def tansu_pipeline(tansu_servers: str, migrated_db: str, tmp_path: Path) -> Iterator[Pipeline]:
    tansu = {"ODDS_KAFKA__ENGINE": "tansu"}  # as the demo sets it (streams/kafka/workarounds/tansu_gaps.py)
    p = Pipeline(Harness(tansu_servers, tmp_path, partitions=2, extra_env=tansu), migrated_db)
    try:
        yield p
    finally:
        p.stop_all()


async def test_one_pipeline_pass_on_tansu(tansu_pipeline: Pipeline) -> None:
    h = tansu_pipeline.harness
    await h.create_topics()
    world = World(
        3, seed=11, start=datetime.now(UTC) - timedelta(minutes=20), config=WorldConfig(size="normal")
    )
    captures = list(iter_captures(world, rate_per_s=10, count=18))
    h.start_worker()
    tansu_pipeline.start_sink()
    await h.wait_ready(0)
    async with h.producer() as producer:
        for cap in captures:
            await h.publish(producer, cap.bookmaker, orjson.dumps(cap.payload), cap.captured_at)
    await tansu_pipeline.wait_sink_caught_up(timeout_s=120)
    conn = await asyncpg.connect(tansu_pipeline.db_url)
    try:
        stored = await conn.fetchval("SELECT count(*) FROM snapshots")
        priced = await conn.fetchval("SELECT count(*) FROM current_odds")
    finally:
        await conn.close()
    assert stored == len(captures)
    assert priced > 0


def test_demo_runs_end_to_end_on_tansu(fresh_db: str, tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ODDS_KAFKA__", "ODDS_EMBEDDED__"))} | {
        "ODDS_POSTGRES__URL": fresh_db,
        "ODDS_EMBEDDED__DATA_DIR": str(tmp_path / "demo"),
    }
    done = subprocess.run(
        [
            str(Path(sys.executable).with_name("oddsflow")),
            "demo",
            "--seconds",
            "8",
            "--events",
            "3",
            "--rate",
            "6",
        ],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=240,
    )
    out = done.stdout + done.stderr
    assert done.returncode == 0, out[-4000:]
    assert "embedded broker (tansu)" in out
    assert "round trip" in out and "identical" in out
    assert "stopped everything the demo started" in out
