"""Embedded broker and Postgres: real processes, real clients, own processes only."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import asyncpg
import psutil
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from streams.embedded.broker import EmbeddedBroker
from streams.embedded.postgres import EmbeddedPostgres

pytestmark = pytest.mark.integration


async def test_two_mb_zstd_round_trip(bootstrap_servers: str) -> None:
    topic = f"roundtrip-{os.getpid()}-{time.monotonic_ns()}"
    payload = os.urandom(1024 * 1024).hex().encode()  # 2 MiB, incompressible-ish hex
    producer = AIOKafkaProducer(
        bootstrap_servers=bootstrap_servers, compression_type="zstd", max_request_size=8 * 1024 * 1024
    )
    await producer.start()
    try:
        meta = await producer.send_and_wait(topic, payload, key=b"k", headers=[("h", b"v")])
    finally:
        await producer.stop()
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap_servers,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        fetch_max_bytes=16 * 1024 * 1024,
        max_partition_fetch_bytes=16 * 1024 * 1024,
    )
    await consumer.start()
    try:
        msg = await consumer.getone()
    finally:
        await consumer.stop()
    assert len(payload) == 2 * 1024 * 1024
    assert (msg.offset, msg.key, msg.value, msg.headers) == (meta.offset, b"k", payload, (("h", b"v"),))


def test_broker_fixture_stops_only_its_own_process() -> None:
    other = EmbeddedBroker()
    other.start()
    mine = EmbeddedBroker()
    mine.start()
    try:
        mine_pid = mine.pid
        assert mine_pid is not None and mine.port != other.port
        mine.stop()
        assert not psutil.pid_exists(mine_pid) or psutil.Process(mine_pid).status() == psutil.STATUS_ZOMBIE
        assert other.pid is not None and psutil.Process(other.pid).is_running()
    finally:
        other.stop()
        mine.stop()


def _spawn_cli(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "streams", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={k: v for k, v in os.environ.items() if not k.startswith("ODDS_POSTGRES")},
    )


def _stop_cli(proc: subprocess.Popen[str]) -> int:
    proc.send_signal(signal.SIGTERM)
    return proc.wait(60)


def test_cli_broker_prints_address_and_stops_on_sigterm() -> None:
    proc = _spawn_cli("broker")
    assert proc.stdout is not None
    line = proc.stdout.readline().strip()
    assert line.startswith("ODDS_KAFKA__BOOTSTRAP_SERVERS=127.0.0.1:"), line
    tansu = [c for c in psutil.Process(proc.pid).children(recursive=True)]
    assert tansu, "the CLI runs tansu as its child"
    assert _stop_cli(proc) == 0
    time.sleep(0.2)
    assert not any(c.is_running() and c.status() != psutil.STATUS_ZOMBIE for c in tansu)


def test_cli_postgres_serves_tcp_and_stops(tmp_path: Path) -> None:
    proc = _spawn_cli("postgres", "--data-dir", str(tmp_path))
    assert proc.stdout is not None
    line = proc.stdout.readline().strip()
    assert line.startswith("ODDS_POSTGRES__URL=postgresql://postgres@127.0.0.1:"), (
        proc.stderr.read() if proc.stderr else line
    )
    url = line.split("=", 1)[1]

    async def query() -> int:
        conn = await asyncpg.connect(url)
        try:
            return int(await conn.fetchval("SELECT 41 + 1"))
        finally:
            await conn.close()

    import asyncio

    assert asyncio.run(query()) == 42
    assert _stop_cli(proc) == 0
    assert not (tmp_path / "postgres" / "postmaster.pid").exists()


def test_embedded_postgres_restart_keeps_data(tmp_path: Path) -> None:
    import asyncio

    server = EmbeddedPostgres(tmp_path / "pg")
    url = server.start()

    async def run(sql: str) -> object:
        conn = await asyncpg.connect(url)
        try:
            return await conn.fetchval(sql)
        finally:
            await conn.close()

    try:
        asyncio.run(run("CREATE TABLE t AS SELECT 7 AS x"))
        server.stop()
        url = server.start()
        assert asyncio.run(run("SELECT x FROM t")) == 7
    finally:
        server.destroy()
