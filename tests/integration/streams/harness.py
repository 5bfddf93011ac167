"""A real ``oddsflow worker`` subprocess on the session broker, with fresh topics and app id.

Every :class:`Harness` gets its own app id (consumer group), raw prefix, canonical,
snapshots and DLQ topics, so tests never see each other's records or group members.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.structs import ConsumerRecord

from streams.contracts.lifecycle import decode_snapshots_record
from streams.contracts.raw import HEADERS
from streams.contracts.snapshot import SnapshotV1
from streams.kafka.producer import OddsProducer
from streams.kafka.topics import ensure_topics
from streams.settings import Settings, load_settings

ROOT = Path(__file__).resolve().parents[3]
FIXTURES = ROOT / "tests" / "fixtures" / "bookmakers"
BOOKMAKERS = ("betpawa", "sportybet", "bet9ja")


def fixture_bytes(bookmaker: str, name: str) -> bytes:
    return (FIXTURES / bookmaker / f"{name}.json").read_bytes()


@dataclass
class Harness:
    bootstrap_servers: str
    workdir: Path
    partitions: int = 3
    extra_env: dict[str, str] = field(default_factory=dict)
    uid: str = field(default_factory=lambda: secrets.token_hex(4))
    procs: list[subprocess.Popen[bytes]] = field(default_factory=list)
    logs: list[Path] = field(default_factory=list)

    @property
    def env(self) -> dict[str, str]:
        u = self.uid
        env = {k: v for k, v in os.environ.items() if not k.startswith("ODDS_")}
        env |= {
            "ODDS_LOG_LEVEL": "INFO",  # the tests read the processes' logs
            "ODDS_KAFKA__BOOTSTRAP_SERVERS": self.bootstrap_servers,
            "ODDS_TOPICS__RAW_PREFIX": f"t{u}.odds.raw.",
            "ODDS_TOPICS__CANONICAL": f"t{u}.odds.canonical.v1",
            "ODDS_TOPICS__SNAPSHOTS": f"t{u}.odds.snapshots.v1",
            "ODDS_TOPICS__DLQ": f"t{u}.odds.dlq.v1",
            "ODDS_SIGNALS__TOPIC": f"t{u}.odds.signals.v1",
            "ODDS_TOPICS__PARTITIONS": str(self.partitions),
            "ODDS_STREAMS__APP_ID": f"oddsflow-test-{u}",
            "ODDS_STREAMS__DATA_DIR": str(self.workdir / "faust"),
            "ODDS_STREAMS__BROKER_SESSION_TIMEOUT_S": "6",
            "ODDS_STREAMS__BROKER_REBALANCE_TIMEOUT_S": "6",
            "ODDS_STREAMS__BROKER_HEARTBEAT_INTERVAL_S": "0.5",
            "ODDS_STREAMS__COMMIT_INTERVAL_S": "0.5",
            "ODDS_MONITOR__WORKER_PORT": "0",
        }
        return env | self.extra_env

    @property
    def settings(self) -> Settings:
        overrides: dict[str, dict[str, Any]] = {}
        for name, value in self.env.items():
            if name.startswith("ODDS_") and "__" in name:
                section, _, key = name[5:].lower().partition("__")
                overrides.setdefault(section, {})[key] = value
        return load_settings(**overrides)

    async def create_topics(
        self, extra_raw: Sequence[str] = (), max_message_bytes: int | None = None
    ) -> None:
        """The worker creates these too; creating them first lets tests publish before it runs."""
        settings = self.settings
        if max_message_bytes is not None:
            kafka = settings.kafka.model_copy(update={"max_message_bytes": max_message_bytes})
            settings = settings.model_copy(update={"kafka": kafka})
        await ensure_topics(settings, BOOKMAKERS + tuple(extra_raw))

    def start_worker(self) -> subprocess.Popen[bytes]:
        log = self.workdir / f"worker-{len(self.procs)}.log"
        with open(log, "wb") as out:
            proc = subprocess.Popen(
                [sys.executable, "-m", "streams", "worker"],
                env=self.env,
                cwd=self.workdir,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.procs.append(proc)
        self.logs.append(log)
        return proc

    def log_text(self, index: int) -> str:
        return self.logs[index].read_text(errors="replace")

    async def wait_ready(self, index: int, timeout_s: float = 60.0, *, count: int = 1) -> None:
        """Until worker ``index`` logged faust's ``Worker ready`` ``count`` times."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.log_text(index).count("Worker ready") >= count:
                return
            if self.procs[index].poll() is not None:
                raise AssertionError(f"worker {index} exited:\n{self.log_text(index)[-4000:]}")
            await asyncio.sleep(0.2)
        raise AssertionError(f"worker {index} not ready after {timeout_s}s:\n{self.log_text(index)[-4000:]}")

    def kill(self, index: int) -> None:
        self.procs[index].send_signal(signal.SIGKILL)
        self.procs[index].wait(10)

    def stop_all(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in self.procs:
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(10)

    def producer(self) -> OddsProducer:
        return OddsProducer.from_settings(self.settings, source=f"test-{self.uid}")

    async def publish(
        self, producer: OddsProducer, bookmaker: str, payload: bytes, captured_at: datetime | None = None
    ) -> tuple[str, int, int]:
        d = await producer.publish(bookmaker, payload, captured_at=captured_at or datetime.now(UTC))
        return d.topic, d.partition, d.offset

    async def publish_raw(self, items: Sequence[tuple[str, bytes, bytes]]) -> list[tuple[str, int, int]]:
        """Publish (topic, key, value) as they are (no checks), in order; returns where each landed."""
        producer = AIOKafkaProducer(
            bootstrap_servers=self.bootstrap_servers,
            compression_type="zstd",
            max_request_size=16 * 1024 * 1024,
            acks="all",
        )
        await producer.start()
        try:
            out = []
            for topic, key, value in items:
                meta = await producer.send_and_wait(topic, value, key=key, headers=HEADERS)
                out.append((meta.topic, meta.partition, meta.offset))
            return out
        finally:
            await producer.stop()

    async def collect(
        self,
        topic: str,
        done: Callable[[list[ConsumerRecord[bytes, bytes]]], bool],
        timeout_s: float = 60.0,
        *,
        check_workers: bool = True,
    ) -> list[ConsumerRecord[bytes, bytes]]:
        """Every record of ``topic`` (all partitions, from the start) once ``done(records)`` holds."""
        consumer = AIOKafkaConsumer(
            bootstrap_servers=self.bootstrap_servers,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            max_partition_fetch_bytes=16 * 1024 * 1024,
            fetch_max_bytes=32 * 1024 * 1024,
        )
        await consumer.start()
        records: list[ConsumerRecord[bytes, bytes]] = []
        try:
            consumer.assign([TopicPartition(topic, p) for p in range(self.partitions)])
            deadline = time.monotonic() + timeout_s
            while time.monotonic() < deadline:
                batch = await consumer.getmany(timeout_ms=200)
                for recs in batch.values():
                    records.extend(recs)
                if done(records):
                    return records
                for i, proc in enumerate(self.procs if check_workers else ()):
                    code = proc.poll()
                    if code not in (None, -signal.SIGKILL):
                        raise AssertionError(f"worker {i} exited with {code}:\n{self.log_text(i)[-4000:]}")
            raise AssertionError(f"{topic}: condition not met after {timeout_s}s; {len(records)} records")
        finally:
            await consumer.stop()

    async def snapshots(
        self, done: Callable[[list[SnapshotV1]], bool], timeout_s: float = 60.0
    ) -> list[SnapshotV1]:
        def decoded(records: list[ConsumerRecord[bytes, bytes]]) -> list[SnapshotV1]:
            values = [decode_snapshots_record(r.value) for r in records if r.value is not None]
            return [v for v in values if isinstance(v, SnapshotV1)]  # lifecycle records left out

        records = await self.collect(self.settings.topics.snapshots, lambda rs: done(decoded(rs)), timeout_s)
        return decoded(records)


def assigned_partitions(log: str, topic: str) -> set[int]:
    """Partitions of ``topic`` in the last assignment table a faust worker logged."""
    start = log.rfind("Setting newly assigned partitions")
    found: set[int] = set()
    for line in log[start:].splitlines()[:60]:
        cells = [c.strip() for c in line.split("|")]
        if len(cells) >= 3 and cells[1] == topic:
            for part in cells[2].strip("{}").split(","):
                lo, _, hi = part.strip().partition("-")
                found.update(range(int(lo), int(hi or lo) + 1))
    return found
