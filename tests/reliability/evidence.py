"""What the topics held when a campaign failed, written next to the process logs for triage.

:func:`dump_evidence` writes, into one directory (one JSON object per line):

* ``canonical.jsonl``: every canonical record — partition, offset, broker timestamp, key,
  the raw record it came from (``source``), bookmaker, event id and ``captured_at``;
* ``snapshots.jsonl``: every snapshot record — the same plus keyframe and line counts;
* ``committed.json``: the workers' committed offsets of every raw and canonical partition.

With the workers' and sinks' logs (same directory as the test's ``tmp_path``) this shows
where a lost capture stopped: never normalized, normalized but never matched, or matched
but never stored.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import orjson
from aiokafka import AIOKafkaConsumer, TopicPartition

from streams.contracts.capture import decode_capture
from streams.contracts.lifecycle import EventLifecycleV1, decode_snapshots_record
from streams.contracts.review import MatchReviewV1
from streams.errors import DataError
from streams.replay.plan import TP
from tests.integration.replay.pipeline import Pipeline
from tests.integration.streams.harness import BOOKMAKERS
from tests.reliability.reconstruct import log_offsets


def _canonical(value: bytes | None) -> dict[str, Any]:
    c = decode_capture(value)
    ev = c.event
    return {
        "source": [c.source.topic, c.source.partition, c.source.offset],
        "bookmaker": ev.bookmaker,
        "event": ev.bookmaker_event_id,
        "captured_at": ev.captured_at.isoformat(),
    }


def _snapshot(value: bytes | None) -> dict[str, Any]:
    if value is None:
        raise DataError("decode", "empty", "tombstone")
    s = decode_snapshots_record(value)
    if isinstance(s, EventLifecycleV1):
        return {"lifecycle": s.state, "reason": s.reason, "at": s.at.isoformat()}
    if isinstance(s, MatchReviewV1):
        return {"review": s.key, "candidate": s.candidate_key, "at": s.at.isoformat()}
    return {
        "source": [s.source.topic, s.source.partition, s.source.offset],
        "bookmaker": s.bookmaker,
        "event": s.bookmaker_event_id,
        "captured_at": s.captured_at.isoformat(),
        "keyframe": s.keyframe,
        "changed": len(s.changed),
        "removed": len(s.removed),
    }


async def _dump_topic(pipeline: Pipeline, topic: str, path: Path, describe: Any) -> None:
    h = pipeline.harness
    tps = [TP(topic, p) for p in range(h.partitions)]
    async with log_offsets(h.settings.kafka) as log:
        earliest, latest = await log.bounds(tps)
        lines = []
        async for m in log.read({tp: (earliest[tp], latest[tp]) for tp in tps}):
            row: dict[str, Any] = {"p": m.partition, "o": m.offset, "ts": m.timestamp, "key": m.key}
            try:
                row |= describe(m.value)
            except DataError as exc:
                row["undecodable"] = str(exc)
            lines.append(orjson.dumps(row, default=bytes.decode))
    await asyncio.to_thread(path.write_bytes, b"\n".join(lines) + b"\n")


async def dump_evidence(pipeline: Pipeline, directory: Path) -> Path:
    """Write the files of the module docstring into ``directory``; returns it."""
    h = pipeline.harness
    t = h.settings.topics
    await asyncio.to_thread(directory.mkdir, parents=True, exist_ok=True)
    await _dump_topic(pipeline, t.canonical, directory / "canonical.jsonl", _canonical)
    await _dump_topic(pipeline, t.snapshots, directory / "snapshots.jsonl", _snapshot)
    consumer = AIOKafkaConsumer(
        bootstrap_servers=h.bootstrap_servers, group_id=h.settings.streams.app_id, enable_auto_commit=False
    )
    await consumer.start()
    try:
        topics = [t.raw(b) for b in BOOKMAKERS] + [t.canonical]
        committed = {
            f"{topic}:{p}": await consumer.committed(TopicPartition(topic, p))
            for topic in topics
            for p in range(h.partitions)
        }
    finally:
        await consumer.stop()
    text = orjson.dumps(committed, option=orjson.OPT_INDENT_2)
    await asyncio.to_thread((directory / "committed.json").write_bytes, text)
    return directory
