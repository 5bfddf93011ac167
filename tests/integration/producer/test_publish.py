"""OddsProducer and `oddsflow produce` against the real broker: envelopes read back identical."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson
import pytest
from aiokafka import AIOKafkaConsumer

from streams.contracts.raw import decode_raw
from streams.kafka.producer import MessageTooLargeError, OddsProducer
from streams.settings import load_settings
from streams.simulator import World, capture

pytestmark = pytest.mark.integration


def _settings(bootstrap: str, prefix: str) -> object:
    return load_settings(kafka={"bootstrap_servers": bootstrap}, topics={"raw_prefix": prefix})


def _payloads(n: int) -> list[tuple[str, bytes, str, int | None]]:
    world = World(n, seed=7, start=datetime.now(UTC) - timedelta(minutes=5))
    out = []
    for i in range(n):
        for bm in ("betpawa", "sportybet", "bet9ja"):
            cap = capture(world, i, bm, world.now)
            out.append((bm, orjson.dumps(cap.payload), cap.bookmaker_event_id, cap.sportradar_id))
    return out


async def _read_all(bootstrap: str, topics: list[str], expected: int) -> list[object]:
    consumer = AIOKafkaConsumer(
        *topics,
        bootstrap_servers=bootstrap,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        fetch_max_bytes=32 * 1024 * 1024,
        max_partition_fetch_bytes=16 * 1024 * 1024,
    )
    await consumer.start()
    records: list[object] = []
    try:
        while len(records) < expected:
            batch = await consumer.getmany(timeout_ms=10_000)
            if not batch:
                break
            for msgs in batch.values():
                records.extend(msgs)
    finally:
        await consumer.stop()
    return records


async def test_odds_producer_round_trip(bootstrap_servers: str) -> None:
    prefix = f"t{uuid.uuid4().hex[:8]}.raw."
    settings = _settings(bootstrap_servers, prefix)
    items = _payloads(4)
    at = datetime.now(UTC) - timedelta(seconds=30)
    async with OddsProducer.from_settings(settings, source="test-scraper") as producer:  # type: ignore[arg-type]
        for bm, payload, _eid, _sr in items:
            delivered = await producer.publish(bm, payload, captured_at=at)
            assert delivered.topic == f"{prefix}{bm}"
    records = await _read_all(
        bootstrap_servers, [f"{prefix}{b}" for b in ("betpawa", "sportybet", "bet9ja")], len(items)
    )
    assert len(records) == len(items)
    got = {}
    for rec in records:
        env = decode_raw(rec.value)  # type: ignore[attr-defined]
        assert rec.key == f"{env.bookmaker}:{env.bookmaker_event_id}".encode()  # type: ignore[attr-defined]
        assert dict(rec.headers)["schema"] == b"odds.raw.v1"  # type: ignore[attr-defined]
        assert env.captured_at == at.replace(microsecond=at.microsecond // 1000 * 1000)
        got[(env.bookmaker, env.bookmaker_event_id)] = (env.payload, env.sportradar_id)
    for bm, payload, eid, sr in items:
        assert got[(bm, eid)] == (orjson.loads(payload), sr)  # ids derived from the payload itself


async def test_oversize_is_refused_before_sending(bootstrap_servers: str) -> None:
    settings = load_settings(kafka={"bootstrap_servers": bootstrap_servers, "max_message_bytes": 4096})
    async with OddsProducer.from_settings(settings, source="t") as producer:
        with pytest.raises(MessageTooLargeError, match="ODDS_KAFKA__MAX_MESSAGE_BYTES"):
            await producer.publish("betpawa", b'{"x": "' + b"a" * 5000 + b'"}', bookmaker_event_id="1")


def _cli(
    args: list[str], env: dict[str, str], stdin: bytes | None = None
) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "streams", *args], env=env, input=stdin, capture_output=True, timeout=120
    )


async def test_produce_cli_files_dirs_ndjson_stdin_and_envelopes(
    bootstrap_servers: str, tmp_path: Path
) -> None:
    prefix = f"c{uuid.uuid4().hex[:8]}.raw."
    env = {
        **os.environ,
        "ODDS_KAFKA__BOOTSTRAP_SERVERS": bootstrap_servers,
        "ODDS_TOPICS__RAW_PREFIX": prefix,
    }
    items = [it for it in _payloads(3) if it[0] == "betpawa"]
    (tmp_path / "dir").mkdir()
    (tmp_path / "one.json").write_bytes(items[0][1])
    (tmp_path / "dir" / "two.json").write_bytes(items[1][1])
    (tmp_path / "three.ndjson").write_bytes(items[2][1] + b"\n" + b"{broken\n")
    at = "2026-01-01T00:00:00"
    proc = _cli(
        [
            "produce",
            "-b",
            "betpawa",
            "--captured-at",
            at,
            str(tmp_path / "one.json"),
            str(tmp_path / "dir"),
            str(tmp_path / "three.ndjson"),
        ],
        env,
    )
    assert proc.returncode == 1, proc.stderr  # the broken line is refused, the rest published
    assert b"published 3, refused 1" in proc.stdout
    assert b"three.ndjson:2" in proc.stderr
    proc = _cli(["produce", "-b", "betpawa", "-"], env, stdin=items[0][1] + b"\n")
    assert proc.returncode == 0, proc.stderr

    topic = f"{prefix}betpawa"
    records = await _read_all(bootstrap_servers, [topic], 4)
    envelopes = [decode_raw(r.value) for r in records]  # type: ignore[attr-defined]
    assert sorted(e.bookmaker_event_id or "" for e in envelopes) == sorted(
        [items[0][2], items[1][2], items[2][2], items[0][2]]
    )
    assert sum(e.captured_at == datetime(2026, 1, 1, tzinfo=UTC) for e in envelopes) == 3

    # republish the envelopes as they are (--envelope) into another prefix: identical values
    prefix2 = f"e{uuid.uuid4().hex[:8]}.raw."
    nd = tmp_path / "envelopes.ndjson"
    nd.write_bytes(b"\n".join(r.value for r in records) + b"\n")  # type: ignore[attr-defined]
    proc = _cli(["produce", "--envelope", str(nd)], {**env, "ODDS_TOPICS__RAW_PREFIX": prefix2})
    assert proc.returncode == 0, proc.stderr
    again = await _read_all(bootstrap_servers, [f"{prefix2}betpawa"], 4)
    assert sorted(r.value for r in again) == sorted(r.value for r in records)  # type: ignore[attr-defined]
    assert sorted(r.key for r in again) == sorted(r.key for r in records)  # type: ignore[attr-defined]
