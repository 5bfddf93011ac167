"""Monitoring end to end: a real Prometheus scrapes a running worker and sink; ``oddsflow status``.

The sink is "paused" for real: the test holds ``LOCK TABLE sink_offsets IN EXCLUSIVE MODE``,
so the sink fetches the new snapshots (its high watermarks move) but its transaction
waits on the lock and its stored offsets stay put → lag > 0; releasing the lock lets it
commit → lag 0.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import orjson
import pytest

from streams.adapters import normalize
from tests.integration.streams.harness import Harness, fixture_bytes

pytestmark = pytest.mark.integration

PROMETHEUS = shutil.which("prometheus") or "/usr/bin/prometheus"
BOOKMAKERS = ("bet9ja", "betpawa", "sportybet")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def http_get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=2) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as exc:
        return exc.code, b""
    except OSError:
        return 0, b""


async def until(check: Any, timeout_s: float, what: str) -> Any:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        got = await asyncio.to_thread(check)
        if got:
            return got
        await asyncio.sleep(0.5)
    raise AssertionError(f"timed out waiting for {what}")


def spawn(cmd: list[str], env: dict[str, str], log: Path, cwd: Path) -> subprocess.Popen[bytes]:
    with open(log, "wb") as out:
        return subprocess.Popen(cmd, env=env, cwd=cwd, stdout=out, stderr=subprocess.STDOUT)


def stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)


@pytest.fixture
def procs() -> Iterator[list[subprocess.Popen[bytes]]]:
    started: list[subprocess.Popen[bytes]] = []
    yield started
    for p in reversed(started):
        stop(p)


async def status_json(harness: Harness, cwd: Path) -> Any:
    """``oddsflow status --json`` in a subprocess with the harness's settings."""
    out = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "streams", "status", "--json"],
        env=harness.env,
        cwd=cwd,
        capture_output=True,
        timeout=40,
    )
    assert out.returncode == 0, out.stderr.decode()[-3000:]
    return orjson.loads(out.stdout)


async def publish_round(harness: Harness, at: datetime) -> None:
    async with harness.producer() as producer:
        for b in BOOKMAKERS:
            await harness.publish(producer, b, fixture_bytes(b, "soccer_prematch"), at)


@pytest.mark.skipif(
    not os.path.exists(PROMETHEUS),
    reason="Debian package prometheus not installed (scripts/setup.sh installs it when run as root with apt)",
)
async def test_prometheus_scrapes_lag_of_a_paused_sink_then_zero(
    harness: Harness, migrated_db: str, tmp_path: Path, procs: list[subprocess.Popen[bytes]]
) -> None:
    worker_port, sink_port, prom_port = free_port(), free_port(), free_port()
    group = f"test-sink-{harness.uid}"
    harness.extra_env |= {
        "ODDS_POSTGRES__URL": migrated_db,
        "ODDS_SINK__GROUP_ID": group,
        "ODDS_SINK__LINGER_MS": "50",
        "ODDS_MONITOR__WORKER_PORT": str(worker_port),
        "ODDS_MONITOR__SINK_PORT": str(sink_port),
        "ODDS_MONITOR__LAG_INTERVAL_S": "0.5",
    }
    await harness.create_topics()
    harness.start_worker()
    procs.append(
        spawn([sys.executable, "-m", "streams", "sink"], harness.env, tmp_path / "sink.log", tmp_path)
    )
    config = tmp_path / "prometheus.yml"
    config.write_text(
        "global: {scrape_interval: 1s, evaluation_interval: 1s}\n"
        "scrape_configs:\n"
        f"  - job_name: worker\n    static_configs: [{{targets: ['127.0.0.1:{worker_port}']}}]\n"
        f"  - job_name: sink\n    static_configs: [{{targets: ['127.0.0.1:{sink_port}']}}]\n"
    )
    procs.append(
        spawn(
            [
                PROMETHEUS,
                f"--config.file={config}",
                f"--storage.tsdb.path={tmp_path / 'tsdb'}",
                f"--web.listen-address=127.0.0.1:{prom_port}",
            ],
            dict(os.environ),
            tmp_path / "prometheus.log",
            tmp_path,
        )
    )
    api = f"http://127.0.0.1:{prom_port}/api/v1/query?query="

    def query(q: str) -> list[dict[str, Any]]:
        status, body = http_get(api + urllib.parse.quote(q))
        return orjson.loads(body)["data"]["result"] if status == 200 else []

    snapshots = harness.settings.topics.snapshots
    await until(lambda: http_get(f"http://127.0.0.1:{sink_port}/readyz")[0] == 200, 30, "sink ready")
    await until(lambda: http_get(f"http://127.0.0.1:{worker_port}/readyz")[0] == 200, 30, "worker ready")
    assert http_get(f"http://127.0.0.1:{sink_port}/healthz")[0] == 200
    # the sink's partitions are positioned: every one has a lag series (0: nothing published yet)
    await until(
        lambda: len(query(f'kafka_consumergroup_lag{{consumergroup="{group}"}}')) == harness.partitions,
        30,
        "the sink's lag series in Prometheus",
    )

    lock = await asyncpg.connect(migrated_db)
    tx = lock.transaction()
    await tx.start()
    await lock.execute("LOCK TABLE sink_offsets IN EXCLUSIVE MODE")
    try:
        await publish_round(harness, datetime.now(UTC) - timedelta(seconds=5))
        lagging = await until(
            lambda: query(f'kafka_consumergroup_lag{{consumergroup="{group}"}} > 0'),
            40,
            "non-zero sink lag in Prometheus",
        )
        for series in lagging:
            labels = series["metric"]
            assert set(labels) == {"__name__", "consumergroup", "topic", "partition", "instance", "job"}
            assert labels["job"] == "sink" and labels["topic"] == snapshots
            assert labels["partition"] in {str(p) for p in range(harness.partitions)}
        assert sum(int(float(s["value"][1])) for s in lagging) >= 1
    finally:
        await tx.rollback()
        await lock.close()
    await until(
        lambda: (
            (rs := query(f'kafka_consumergroup_lag{{consumergroup="{group}"}}'))
            and len(rs) == harness.partitions
            and all(float(s["value"][1]) == 0 for s in rs)
        ),
        30,
        "zero sink lag after the lock is released",
    )
    # the worker's own group is exported with the same label set, and its metrics moved
    app_id = harness.settings.streams.app_id
    worker_lag = query(f'kafka_consumergroup_lag{{consumergroup="{app_id}"}}')
    assert worker_lag and all(s["metric"]["job"] == "worker" for s in worker_lag)
    assert query('oddsflow_records_in_total{stage="normalize"} > 0')
    assert query('oddsflow_sink_rows_total{table="snapshots"} > 0')
    assert query('oddsflow_sink_rows_total{table="current_odds"} > 0')
    assert query("oddsflow_freshness_seconds_count > 0")


async def test_status_json_reports_known_lag_and_dead_letters(
    harness: Harness, migrated_db: str, tmp_path: Path
) -> None:
    harness.extra_env |= {
        "ODDS_POSTGRES__URL": migrated_db,
        "ODDS_SINK__GROUP_ID": f"test-sink-{harness.uid}",
    }
    await harness.create_topics()
    t = harness.settings.topics
    sporty = t.raw("sportybet")
    key = b"sportybet:sr:match:68995116"
    good = fixture_bytes("sportybet", "soccer_prematch")
    async with harness.producer() as producer:
        await harness.publish(producer, "sportybet", good, datetime.now(UTC) - timedelta(seconds=10))
    await harness.publish_raw([(sporty, key, b"not json at all")])
    harness.start_worker()
    await harness.wait_ready(0)
    await harness.collect(t.dlq, lambda rs: len(rs) >= 1)
    await harness.snapshots(lambda s: len(s) >= 1)
    await asyncio.sleep(2)  # a few commit intervals
    stop(harness.procs[0])  # faust commits on a clean stop
    # published while no worker runs: exactly this much lag on that partition
    landed = await harness.publish_raw([(sporty, key, b"more"), (sporty, key, b"and more")])
    partition = landed[0][1]
    high = landed[-1][2] + 1

    status = await status_json(harness, tmp_path)
    worker = {
        (s["topic"], s["partition"]): s
        for s in status["stages"]
        if s["group"] == harness.settings.streams.app_id
    }
    row = worker[(sporty, partition)]
    assert (row["committed"], row["highwater"], row["lag"]) == (high - 2, high, 2)
    assert row["lag_seconds"] > 0
    assert all(s["lag"] == 0 for k, s in worker.items() if k != (sporty, partition))
    sink = [s for s in status["stages"] if s["group"] == harness.settings.sink.group_id]
    assert {s["topic"] for s in sink} == {t.snapshots}
    assert sum(s["lag"] for s in sink) == 1  # the one snapshot, never written (no sink ran)
    assert status["dlq"] == {"decode/not_json": 1}


async def test_status_json_reports_unmapped_share_per_bookmaker(
    harness: Harness, migrated_db: str, tmp_path: Path, procs: list[subprocess.Popen[bytes]]
) -> None:
    """Captures with unknown markets: ``status --json`` shows each bookmaker's unmapped share."""
    harness.extra_env |= {
        "ODDS_POSTGRES__URL": migrated_db,
        "ODDS_SINK__GROUP_ID": f"test-sink-{harness.uid}",
        "ODDS_SINK__LINGER_MS": "50",
    }
    await harness.create_topics()
    at = datetime.now(UTC) - timedelta(seconds=10)
    expected = {}
    async with harness.producer() as producer:
        for b in BOOKMAKERS:
            payload = fixture_bytes(b, "unknown_markets")
            event = normalize(b, orjson.loads(payload), at)
            unmapped = sum(event.unmapped.values())
            assert unmapped and event.mapped_lines  # the fixture has both kinds
            # one unit for every bookmaker: bookmaker lines, mapped or not
            expected[b] = (unmapped, round(unmapped / (unmapped + event.mapped_lines), 4))
            await harness.publish(producer, b, payload, at)
    harness.start_worker()
    procs.append(
        spawn([sys.executable, "-m", "streams", "sink"], harness.env, tmp_path / "sink.log", tmp_path)
    )

    async def stored() -> bool:
        conn = await asyncpg.connect(migrated_db)
        try:
            return int(await conn.fetchval("SELECT count(*) FROM snapshots")) == len(BOOKMAKERS)
        finally:
            await conn.close()

    deadline = time.monotonic() + 90
    while not await stored():
        assert time.monotonic() < deadline, (tmp_path / "sink.log").read_text(errors="replace")[-3000:]
        await asyncio.sleep(0.3)
    books = {b["bookmaker"]: b for b in (await status_json(harness, tmp_path))["bookmakers"]}
    assert {b: (v["unmapped_lines"], v["unmapped_share"]) for b, v in books.items()} == expected
    assert all(v["captures"] == 1 and v["freshness_s"] >= 10 for v in books.values())
