"""Debian's kcat (librdkafka 2.0) on Apache Kafka: a capture it publishes is stored like one
from ``oddsflow produce``, and a board it splits over two raw partitions is counted.

One capture goes through two pipelines (worker + sink each; own topics, group and database):
kcat with the wire contract's key and headers and ``partitioner=murmur2_random`` into one,
``oddsflow produce`` into the other. The stored rows are the same apart from ids, wall-clock
stamps and the test's topic prefix (same raw partition and offset included). Then kcat
publishes a later capture of that board with librdkafka's default partitioner
(``consistent_random``, CRC32): the capture is chosen so that it lands on another raw
partition, and the worker counts the board in ``oddsflow_split_boards_total`` and logs it.
"""

from __future__ import annotations

import asyncio
import json
import re
import shutil
import subprocess
import sys
import urllib.request
import uuid
import zlib
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
import pytest
from aiokafka.partitioner import murmur2

from sinks.store import migrate
from streams.adapters import extract_ids
from streams.contracts.raw import raw_key
from tests.conftest import create_database, drop_database
from tests.integration.replay.pipeline import Pipeline
from tests.integration.streams.harness import BOOKMAKERS, Harness, fixture_bytes

KCAT = shutil.which("kcat")
pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(KCAT is None, reason="Debian's kcat is not installed (scripts/setup.sh)"),
]
PARTITIONS = 3
SOURCE = "kcat-test"


def murmur2_partition(key: bytes, partitions: int) -> int:
    """Java's default, aiokafka's, and librdkafka's ``murmur2_random`` for a non-empty key."""
    return int(murmur2(key) & 0x7FFFFFFF) % partitions


def crc32_partition(key: bytes, partitions: int) -> int:
    """librdkafka's default ``consistent_random`` for a non-empty key."""
    return zlib.crc32(key) % partitions


def split_capture() -> tuple[str, bytes, str, int | None]:
    """(bookmaker, payload, event id, Sportradar id) of the first fixture whose raw key the
    two partitioners place on different partitions."""
    for name in ("soccer_prematch", "basketball", "tennis"):
        for bookmaker in BOOKMAKERS:
            payload = fixture_bytes(bookmaker, name)
            event_id, sportradar_id = extract_ids(bookmaker, orjson.loads(payload))
            key = raw_key(bookmaker, event_id)
            if murmur2_partition(key, PARTITIONS) != crc32_partition(key, PARTITIONS):
                return bookmaker, payload, event_id, sportradar_id
    raise AssertionError("no fixture whose key the partitioners place apart")


def handmade_envelope(
    bookmaker: str, payload: bytes, event_id: str, sportradar_id: int | None, at: datetime
) -> bytes:
    """The envelope as a scraper in another language would write it (stdlib json, no oddsflow code)."""
    doc = {
        "schema": "odds.raw.v1",
        "bookmaker": bookmaker,
        "captured_at": at.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
        "source": SOURCE,
        "bookmaker_event_id": event_id,
        "sportradar_id": sportradar_id,
        "payload": json.loads(payload),
    }
    return json.dumps(doc).encode()


def kcat_publish(bootstrap: str, topic: str, key: bytes, value: bytes, workdir: Path, *extra: str) -> None:
    """One file = one message (``kcat -P <file>``), keyed and with the contract's headers."""
    path = workdir / f"envelope-{uuid.uuid4().hex[:8]}.json"
    path.write_bytes(value)
    assert KCAT is not None
    subprocess.run(
        [KCAT, "-P", "-b", bootstrap, "-t", topic, "-k", key.decode(), "-z", "zstd",
         "-H", "content-type=application/json", "-H", "schema=odds.raw.v1", *extra, str(path)],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip


def oddsflow_produce(pipeline: Pipeline, bookmaker: str, payload: bytes, at: datetime) -> None:
    path = pipeline.harness.workdir / f"{bookmaker}.json"
    path.write_bytes(payload)
    done = subprocess.run(
        [sys.executable, "-m", "streams", "produce", "-b", bookmaker, "--source", SOURCE,
         "--captured-at", at.strftime("%Y-%m-%dT%H:%M:%S"), str(path)],
        env=pipeline.env, cwd=pipeline.harness.workdir, capture_output=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr.decode(errors="replace")[-3000:]


# Every stored row with dimension ids replaced by natural keys and wall-clock stamps left out.
_NATURAL = "jsonb_build_object('sportradar_id', e.sportradar_id, 'bookmaker', b.key)"
ROWS = {
    "events": "SELECT (to_jsonb(e) - 'id' - 'sport_id' - 'tournament_id' - 'created_at' - 'updated_at')"
    " || jsonb_build_object('sport', s.key, 'tournament', t.name, 'category', t.category)"
    " FROM events e JOIN sports s ON s.id = e.sport_id LEFT JOIN tournaments t ON t.id = e.tournament_id",
    **{
        table: f"SELECT (to_jsonb(x) - 'id' - 'event_id' - 'bookmaker_id' - 'first_seen') || {_NATURAL}"
        f" FROM {table} x JOIN events e ON e.id = x.event_id JOIN bookmakers b ON b.id = x.bookmaker_id"
        for table in ("event_bookmakers", "snapshots", "odds_history", "current_odds")
    },
}


async def stored_rows(pipeline: Pipeline) -> dict[str, list[dict[str, Any]]]:
    prefix = pipeline.harness.settings.topics.raw_prefix
    out: dict[str, list[dict[str, Any]]] = {}
    for table, sql in ROWS.items():
        rows = [orjson.loads(r[0]) for r in await pipeline.fetch(sql)]
        for row in rows:
            if "source_topic" in row:
                row["source_topic"] = row["source_topic"].replace(prefix, "odds.raw.", 1)
        out[table] = sorted(rows, key=lambda r: orjson.dumps(r, option=orjson.OPT_SORT_KEYS))
    return out


def worker_metric(pipeline: Pipeline, name: str, labels: str) -> float | None:
    log = pipeline.harness.log_text(0)
    found = re.search(r"worker metrics on (http://[\d.]+:\d+)/metrics", log)
    assert found, log[-3000:]
    with urllib.request.urlopen(f"{found.group(1)}/metrics", timeout=10) as resp:
        text = resp.read().decode()
    value = re.search(rf"^{name}\{{{re.escape(labels)}\}} (\S+)$", text, re.MULTILINE)
    return float(value.group(1)) if value else None


@pytest.fixture
def pipelines(
    bootstrap_servers: str, pg_server_url: str, migrated_db: str, tmp_path: Path
) -> Iterator[tuple[Pipeline, Pipeline]]:
    """(kcat's pipeline, oddsflow produce's pipeline): own topics, app ids, sink groups, databases."""
    other_db = create_database(pg_server_url)
    migrate.upgrade(other_db)
    made = []
    for name, db in (("kcat", migrated_db), ("produce", other_db)):
        (tmp_path / name).mkdir()
        made.append(Pipeline(Harness(bootstrap_servers, tmp_path / name, partitions=PARTITIONS), db))
    try:
        yield made[0], made[1]
    finally:
        for p in made:
            p.stop_all()
        drop_database(pg_server_url, other_db)


async def test_kcat_capture_is_stored_like_oddsflow_produce_and_a_split_board_is_counted(
    pipelines: tuple[Pipeline, Pipeline], bootstrap_servers: str, tmp_path: Path
) -> None:
    kcat_side, produce_side = pipelines
    bookmaker, payload, event_id, sportradar_id = split_capture()
    key = raw_key(bookmaker, event_id)
    home, elsewhere = murmur2_partition(key, PARTITIONS), crc32_partition(key, PARTITIONS)
    at = (datetime.now(UTC) - timedelta(minutes=2)).replace(microsecond=0)
    for p in pipelines:
        await p.harness.create_topics()
        p.harness.start_worker()
        p.start_sink()
    raw_topic = kcat_side.harness.settings.topics.raw(bookmaker)
    envelope = handmade_envelope(bookmaker, payload, event_id, sportradar_id, at)
    murmur2_random = ("-X", "partitioner=murmur2_random")
    await asyncio.to_thread(
        kcat_publish, bootstrap_servers, raw_topic, key, envelope, tmp_path, *murmur2_random
    )
    await asyncio.to_thread(oddsflow_produce, produce_side, bookmaker, payload, at)
    for p in pipelines:
        await p.harness.snapshots(lambda s: len(s) >= 1, timeout_s=180)
        await p.wait_sink_caught_up(timeout_s=120)

    rows = await stored_rows(kcat_side)
    assert rows == await stored_rows(produce_side)
    assert [(s["source_partition"], s["source_offset"]) for s in rows["snapshots"]] == [(home, 0)]
    assert rows["odds_history"] and rows["current_odds"]

    # librdkafka's default partitioner puts the next capture of this board on another partition
    assert worker_metric(kcat_side, "oddsflow_split_boards_total", f'bookmaker="{bookmaker}"') in (None, 0.0)
    later = handmade_envelope(bookmaker, payload, event_id, sportradar_id, at + timedelta(seconds=30))
    await asyncio.to_thread(kcat_publish, bootstrap_servers, raw_topic, key, later, tmp_path)
    snaps = await kcat_side.harness.snapshots(lambda s: len(s) >= 2, timeout_s=120)
    assert [s.source.partition for s in snaps] == [home, elsewhere]
    counted = worker_metric(kcat_side, "oddsflow_split_boards_total", f'bookmaker="{bookmaker}"')
    assert counted == 1.0
    log = kcat_side.harness.log_text(0)
    assert f"raw key '{key.decode()}' arrived on partitions {home} and {elsewhere} of {raw_topic}" in log
