"""The reprocess stream stage's wait loop: its deadline holds even when a check hangs."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from sinks.reprocess import stream
from sinks.reprocess.plan import Names
from streams.replay.plan import ReplayError
from streams.settings import Settings

NAMES = Names(run_id="t1", app_id="oddsflow-reprocess-t1", canonical="c-t1", snapshots="s-t1")


def _sleeper(names: Names, log_path: Path) -> subprocess.Popen[bytes]:
    """Stands in for the worker: a process that runs until it is stopped."""
    log_path.write_text("")
    return subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])


@pytest.fixture
def loop_only(monkeypatch: pytest.MonkeyPatch) -> list[subprocess.Popen[bytes]]:
    spawned: list[subprocess.Popen[bytes]] = []

    def spawn(names: Names, log_path: Path) -> subprocess.Popen[bytes]:
        spawned.append(_sleeper(names, log_path))
        return spawned[-1]

    async def no_commit(*args: Any) -> None:
        return None

    monkeypatch.setattr(stream, "commit_start", no_commit)
    monkeypatch.setattr(stream, "_spawn_worker", spawn)
    return spawned


async def test_a_hanging_check_does_not_outlast_the_deadline(
    loop_only: list[subprocess.Popen[bytes]], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    async def hangs(*args: Any) -> bool:
        await asyncio.sleep(3600)  # a broker that accepted the connection and never answers
        return True

    monkeypatch.setattr(stream, "_done", hangs)
    t0 = time.monotonic()
    with pytest.raises(ReplayError, match="did not finish within 1s"):
        await stream.run_stream_stage(Settings(), NAMES, {}, {}, tmp_path, timeout_s=1.0)
    assert time.monotonic() - t0 < 10
    assert loop_only[0].poll() is not None  # the worker was stopped


async def test_two_done_checks_in_a_row_finish(
    loop_only: list[subprocess.Popen[bytes]], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    answers = iter([True, False, True, True])
    calls: list[bool] = []

    async def done(*args: Any) -> bool:
        calls.append(next(answers))
        return calls[-1]

    monkeypatch.setattr(stream, "_done", done)
    log = await stream.run_stream_stage(Settings(), NAMES, {}, {}, tmp_path, timeout_s=30)
    assert calls == [True, False, True, True] and log == tmp_path / "reprocess-t1.log"
    assert loop_only[0].poll() is not None
