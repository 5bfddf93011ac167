"""``oddsflow coverage --topic``: a raw topic range read back from a real broker."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from aiokafka import AIOKafkaProducer

from streams.cli.coverage import coverage_command
from tests.integration.replay.conftest import create_topic, fresh, invoke
from tests.unit.streams.payloads import envelope, load, sportybet_with_odds

pytestmark = pytest.mark.integration

BOOKS = ("betpawa", "sportybet", "bet9ja")
SWAPPED: dict[tuple[str, str | None, str], str] = {
    ("16", "hcp=-1.5", "1714"): "1.17",
    ("16", "hcp=-1.5", "1715"): "4.60",
}


@pytest.fixture(scope="module")
async def raw(bootstrap_servers: str) -> dict[str, Any]:
    """One-partition raw topics under a fresh prefix. Per topic, in offset order: a capture
    two hours ago (SportyBet's -1.5 handicap swapped), then for betpawa a record that is not
    JSON and one naming another bookmaker, then a consistent capture ten minutes ago."""
    prefix = fresh("cov") + ".raw."
    now = datetime.now(UTC).replace(microsecond=0)
    old, new = now - timedelta(hours=2), now - timedelta(minutes=10)
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap_servers, acks="all")
    for bookmaker in BOOKS:
        await create_topic(bootstrap_servers, prefix + bookmaker, 1)
    await producer.start()
    try:
        for i, bookmaker in enumerate(BOOKS):
            topic = prefix + bookmaker
            stale = (
                load(bookmaker) if bookmaker != "sportybet" else sportybet_with_odds(load(bookmaker), SWAPPED)
            )
            records = [(envelope(bookmaker, stale, old + timedelta(seconds=i)), old)]
            if bookmaker == "betpawa":
                records += [(b"not json", new), (envelope("bet9ja", load("bet9ja"), new), new)]
            records.append((envelope(bookmaker, load(bookmaker), new + timedelta(seconds=i)), new))
            for value, at in records:
                await producer.send_and_wait(
                    topic, value, partition=0, timestamp_ms=int(at.timestamp() * 1000)
                )
    finally:
        await producer.stop()
    env = {"ODDS_KAFKA__BOOTSTRAP_SERVERS": bootstrap_servers, "ODDS_TOPICS__RAW_PREFIX": prefix}
    return {"prefix": prefix, "env": env, "old": old, "new": new}


async def coverage(raw: dict[str, Any], *args: str) -> dict[str, Any]:
    topics = [a for b in BOOKS for a in ("--topic", raw["prefix"] + b)]
    result = await invoke(coverage_command, [*topics, *args, "--json"], raw["env"])
    assert result.exit_code == 0, result.output
    doc: dict[str, Any] = json.loads(result.output)
    return doc


async def test_the_whole_range(raw: dict[str, Any]) -> None:
    doc = await coverage(raw)
    assert doc["captures"]["read"] == 8
    assert doc["captures"]["refused"] == {"?/decode/not_json": 1, "?/decode/bookmaker_mismatch": 1}
    rows = {r["bookmaker"]: r for r in doc["coverage"]}
    assert {b: (r["captures"], r["events"]) for b, r in rows.items()} == {b: (2, 1) for b in BOOKS}
    assert all(r["lines_mapped"] > 0 for r in rows.values())
    # two hours ago SportyBet's handicap disagreed with both others; ten minutes ago nothing did
    found = doc["agreement"]["disagreements"]
    assert {(d["market_id"], d["line"]) for d in found} == {(16, "hcp=-1.5")}
    assert sorted(tuple(sorted(d["bookmakers"])) for d in found) == [
        ("bet9ja", "sportybet"),
        ("betpawa", "sportybet"),
    ]
    assert all(datetime.fromisoformat(d["captured_at"][0]) < raw["new"] for d in found)
    ranges = {r["topic"].rsplit(".", 1)[1]: (r["from"], r["to"]) for r in doc["ranges"]}
    assert ranges == {"betpawa": (0, 4), "sportybet": (0, 2), "bet9ja": (0, 2)}


async def test_since_and_until_select_by_record_time(raw: dict[str, Any]) -> None:
    recent = await coverage(raw, "--since", "PT1H")
    assert recent["captures"]["read"] == 5
    assert recent["agreement"]["disagreements"] == [] and recent["agreement"]["comparisons"] > 0
    older = await coverage(raw, "--until", (raw["new"] - timedelta(minutes=1)).isoformat())
    assert older["captures"] == {"read": 3, "refused": {}}
    assert len(older["agreement"]["disagreements"]) == 2


async def test_from_offset_and_a_partition_scope(raw: dict[str, Any]) -> None:
    args = ["--topic", raw["prefix"] + "betpawa:0", "--from-offset", "2", "--json"]
    result = await invoke(coverage_command, args, raw["env"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    assert [(r["from"], r["to"]) for r in doc["ranges"]] == [(2, 4)]
    assert doc["captures"] == {"read": 2, "refused": {"?/decode/bookmaker_mismatch": 1}}


async def test_a_missing_topic_is_one_line_and_exit_1(raw: dict[str, Any]) -> None:
    result = await invoke(coverage_command, ["--topic", raw["prefix"] + "nobody"], raw["env"])
    assert result.exit_code == 1
    assert "does not exist" in result.output


async def test_the_table_view(raw: dict[str, Any]) -> None:
    topics = [a for b in BOOKS for a in ("--topic", raw["prefix"] + b)]
    result = await invoke(coverage_command, topics, raw["env"])
    assert result.exit_code == 0, result.output
    assert "offsets [0, 4): 4 record(s)" in result.output
    assert "cross-book disagreements: 2 in" in result.output
