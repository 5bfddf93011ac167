"""Worker + sink subprocesses on fresh topics and a fresh database, and the rows they wrote."""

from __future__ import annotations

import asyncio
import secrets
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg

from streams.replay.log_offsets import LogOffsets
from streams.replay.plan import TP
from tests.integration.streams.harness import Harness


@dataclass
class Pipeline:
    harness: Harness
    db_url: str
    group: str = field(default_factory=lambda: f"test-sink-{secrets.token_hex(4)}")
    sinks: list[subprocess.Popen[bytes]] = field(default_factory=list)
    sink_logs: list[Path] = field(default_factory=list)

    @property
    def env(self) -> dict[str, str]:
        return self.harness.env | {
            "ODDS_POSTGRES__URL": self.db_url,
            "ODDS_SINK__GROUP_ID": self.group,
            "ODDS_SINK__LINGER_MS": "100",
            "ODDS_MONITOR__SINK_PORT": "0",
        }

    def start_sink(
        self, entry: tuple[str, ...] = ("streams", "sink"), extra_env: dict[str, str] | None = None
    ) -> subprocess.Popen[bytes]:
        """``python -m <entry> --session-timeout-ms 3000`` (another entry taking the sink's options)."""
        log = self.harness.workdir / f"sink-{len(self.sinks)}.log"
        with open(log, "wb") as out:
            proc = subprocess.Popen(
                [sys.executable, "-m", *entry, "--session-timeout-ms", "3000"],
                env=self.env | (extra_env or {}),
                cwd=self.harness.workdir,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.sinks.append(proc)
        self.sink_logs.append(log)
        return proc

    def stop_sink(self) -> str:
        """SIGTERM the running sink, wait for it; returns its log."""
        proc = self.sinks[-1]
        proc.send_signal(signal.SIGTERM)
        proc.wait(30)
        assert proc.returncode == 0, self.sink_logs[-1].read_text(errors="replace")[-3000:]
        return self.sink_logs[-1].read_text(errors="replace")

    def stop_all(self) -> None:
        for proc in self.sinks:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(20)
                except subprocess.TimeoutExpired:
                    proc.kill()
        self.harness.stop_all()

    async def wait_sink_caught_up(self, timeout_s: float = 60.0) -> dict[TP, int]:
        """Until ``sink_offsets`` reach the snapshots topic's end on every partition; returns the end."""
        topic = self.harness.settings.topics.snapshots
        deadline = time.monotonic() + timeout_s
        stored: dict[TP, int] = {}
        latest: dict[TP, int] = {}
        while time.monotonic() < deadline:
            async with LogOffsets(self.harness.settings.kafka) as log:
                _, latest = await log.bounds([TP(topic, p) for p in range(self.harness.partitions)])
            stored = await self.stored()
            if all(stored.get(tp, 0) == end for tp, end in latest.items() if end > 0):
                return latest
            if self.sinks and self.sinks[-1].poll() is not None:
                raise AssertionError(self.sink_logs[-1].read_text(errors="replace")[-3000:])
            await asyncio.sleep(0.3)
        raise AssertionError(f"sink not caught up: stored {stored}, latest {latest}")

    async def stored(self) -> dict[TP, int]:
        rows = await self.fetch(
            "SELECT topic, partition, next_offset FROM sink_offsets WHERE consumer_group = $1", self.group
        )
        return {TP(r["topic"], r["partition"]): r["next_offset"] for r in rows if r["next_offset"] >= 0}

    async def fetch(self, sql: str, *args: Any) -> list[Any]:
        conn = await asyncpg.connect(self.db_url)
        try:
            return list(await conn.fetch(sql, *args))
        finally:
            await conn.close()

    async def rows(self) -> dict[str, list[tuple[Any, ...]]]:
        """Every row of the time-series and current tables, sorted (ids are stable dimension ids)."""
        queries = {
            "snapshots": "SELECT * FROM snapshots",
            "odds_history": "SELECT event_id, bookmaker_id, captured_at, market_id, line, outcomes::text "
            "FROM odds_history",
            "current_odds": "SELECT event_id, bookmaker_id, market_id, line, outcomes::text, captured_at "
            "FROM current_odds",
        }
        return {name: sorted(tuple(r) for r in await self.fetch(sql)) for name, sql in queries.items()}


def start_worker_cmd(harness: Harness, cmd: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
    """Like ``Harness.start_worker`` with another command line (e.g. a patched test build)."""
    log = harness.workdir / f"worker-{len(harness.procs)}.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            cmd, env=harness.env | env, cwd=harness.workdir, stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
    harness.procs.append(proc)
    harness.logs.append(log)
    return proc
