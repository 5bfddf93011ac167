"""``oddsflow dlq list|show|requeue`` round trip on the real broker."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from streams.cli.dlq import dlq
from streams.deadletters.contract import dead_letter
from streams.errors import DataError
from tests.integration.replay.conftest import create_topic, fresh, invoke

pytestmark = pytest.mark.integration


async def read_all(bootstrap: str, topic: str, partitions: int, n: int) -> list[object]:
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap, enable_auto_commit=False, auto_offset_reset="earliest"
    )
    await consumer.start()
    out: list[object] = []
    try:
        consumer.assign([TopicPartition(topic, p) for p in range(partitions)])
        for _ in range(100):
            for msgs in (await consumer.getmany(timeout_ms=100)).values():
                out.extend(msgs)
            if len(out) >= n:
                break
        for msgs in (await consumer.getmany(timeout_ms=300)).values():  # nothing more may come
            out.extend(msgs)
    finally:
        await consumer.stop()
    return out


@pytest.fixture
async def dead(bootstrap_servers: str) -> dict[str, object]:
    """4 originals on a source topic, each dead-lettered the way the workers do it."""
    source, topic = fresh("test.odds.raw.betpawa"), fresh("test.dlq.v1")
    await create_topic(bootstrap_servers, source, 2)
    await create_topic(bootstrap_servers, topic, 2)
    originals = [
        (b"betpawa:1", b'{"schema": "odds.raw.v1", "broken": true}', [("content-type", b"application/json")]),
        (
            b"betpawa:2",
            b"\x00\x01 not json at all",
            [("content-type", b"application/json"), ("trace", b"t-2")],
        ),
        (b"betpawa:3", b'{"x": 1}', []),
        (None, b'{"y": 2}', [("schema", b"odds.raw.v1")]),
    ]
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap_servers, acks="all")
    await producer.start()
    try:
        metas = [
            await producer.send_and_wait(source, v, key=k, headers=h or None, partition=i % 2)
            for i, (k, v, h) in enumerate(originals)
        ]
        kinds = [
            ("decode", "wrong_envelope", "betpawa"),
            ("decode", "not_json", "betpawa"),
            ("normalize", "unknown_market", "betpawa"),
            ("match", "bug", None),
        ]
        at = datetime.now(UTC) - timedelta(minutes=30)
        for (k, v, h), meta, (stage, kind, bookmaker) in zip(originals, metas, kinds, strict=True):
            error = (
                DataError(stage, kind, f"[{stage}] {kind} [bold]") if kind != "bug" else ValueError("boom")
            )
            letter = dead_letter(
                key=k,
                value=v,
                headers=h,
                error=error,
                topic=source,
                partition=meta.partition,
                offset=meta.offset,
                app="test",
                bookmaker=bookmaker,
                now=at,
            )
            await producer.send_and_wait(
                topic, letter.value, key=letter.key, headers=letter.headers, partition=0
            )
            at += timedelta(minutes=10)
    finally:
        await producer.stop()
    return {"source": source, "topic": topic, "originals": originals}


async def test_list_filters_show_and_requeue_round_trip(
    bootstrap_servers: str, dead: dict[str, object]
) -> None:
    env = {"ODDS_KAFKA__BOOTSTRAP_SERVERS": bootstrap_servers, "ODDS_TOPICS__DLQ": str(dead["topic"])}
    source = str(dead["source"])

    def ids(output: str) -> list[str]:
        return re.findall(r"^│ (\d+:\d+) ", output, flags=re.M)

    everything = await invoke(dlq, ["list"], env)
    assert everything.exit_code == 0, everything.output
    assert ids(everything.output) == ["0:0", "0:1", "0:2", "0:3"]
    assert "4 record(s) match" in everything.output
    assert "[decode] wrong_envelope [bold]" in everything.output  # shown as is, not as markup
    assert ids((await invoke(dlq, ["list", "--stage", "decode"], env)).output) == ["0:0", "0:1"]
    assert ids((await invoke(dlq, ["list", "--kind", "not_json", "--kind", "bug"], env)).output) == [
        "0:1",
        "0:3",
    ]
    assert ids((await invoke(dlq, ["list", "--error-class", "ValueError"], env)).output) == ["0:3"]
    assert ids((await invoke(dlq, ["list", "--bookmaker", "betpawa", "--since", "PT25M"], env)).output) == [
        "0:1",
        "0:2",
    ]
    until = (datetime.now(UTC) - timedelta(minutes=25)).replace(tzinfo=None).isoformat()
    assert ids((await invoke(dlq, ["list", "--until", until], env)).output) == ["0:0"]

    shown = await invoke(dlq, ["show", "0:0"], env)
    assert shown.exit_code == 0, shown.output
    assert "dlq.error.kind" in shown.output and "wrong_envelope" in shown.output
    assert "value (json" in shown.output and '"broken": true' in shown.output
    binary = await invoke(dlq, ["show", "0:1"], env)
    assert "value (binary" in binary.output and "00000000  00 01 20 6e" in binary.output
    missing = await invoke(dlq, ["show", "0:99"], env)
    assert missing.exit_code == 1 and "no such record" in missing.output

    refused = await invoke(dlq, ["requeue"], env)
    assert refused.exit_code == 1 and "--all" in refused.output
    dry = await invoke(dlq, ["requeue", "0:1", "0:2", "0:3"], env)
    assert dry.exit_code == 0 and "dry run" in dry.output
    assert len(await read_all(bootstrap_servers, source, 2, 4)) == 4  # nothing published

    done = await invoke(dlq, ["requeue", "--source-topic", source, "--execute"], env)
    assert done.exit_code == 0, done.output
    assert "requeued 4 record(s)" in done.output
    records = await read_all(bootstrap_servers, source, 2, 8)
    assert len(records) == 8
    seen = sorted((r.key or b"", r.value, list(r.headers)) for r in records)  # type: ignore[attr-defined]
    want = sorted((k or b"", v, list(h)) for k, v, h in dead["originals"])  # type: ignore[attr-defined]
    assert seen == sorted(want + want)  # each original once more, byte for byte, no dlq.* header
