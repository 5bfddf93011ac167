"""Running the stream stage over a raw range with fresh state (one ``oddsflow worker`` subprocess).

:func:`run_stream_stage`:

1. commits the fresh group's offsets (through the replay ``group`` target): every raw
   partition in range at its ``start``, every other raw partition at its end, so the
   worker reads exactly the range (and whatever arrives later, which the load ignores);
2. starts ``python -m streams worker`` with the run's app id, canonical and snapshots
   topics (the rest of the environment is inherited);
3. waits until the group's committed offsets reached ``end`` on every raw partition in
   range and the end of every canonical partition, twice in a row (faust flushes its
   producer before committing, so committed canonical offsets mean written snapshots);
   the worker exiting, or ``timeout_s`` passing (a check that hangs on the broker
   included), raises :class:`ReplayError`;
4. stops the worker (SIGTERM) and returns the snapshots topic's end offsets.

The worker's output goes to ``<workdir>/reprocess-<run>.log``.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from sinks.reprocess.plan import Names, RawRange
from streams.replay.group import GroupTarget
from streams.replay.log_offsets import LogOffsets
from streams.replay.plan import TP, Move, ReplayError
from streams.settings import Settings


async def commit_start(settings: Settings, names: Names, rng: RawRange, others: dict[TP, int]) -> None:
    """Step 1: the fresh group starts at the range (and at the end of the other raw partitions)."""
    moves = {tp: Move(None, start) for tp, (start, _) in rng.items()}
    moves |= {tp: Move(None, end) for tp, end in others.items()}
    async with GroupTarget(settings, names.app_id) as group:
        if any(v is not None for v in (await group.current(sorted(moves))).values()):
            raise ReplayError(f"group {names.app_id!r} already has offsets: pick another run id")
        await group.apply(moves, f"oddsflow reprocess {names.run_id}")


def worker_env(names: Names) -> dict[str, str]:
    # the worker inherits this process's environment (its settings); only the run's names change
    env = dict(os.environ)
    env |= {
        "ODDS_STREAMS__APP_ID": names.app_id,
        "ODDS_TOPICS__CANONICAL": names.canonical,
        "ODDS_TOPICS__SNAPSHOTS": names.snapshots,
    }
    return env


async def _done(settings: Settings, names: Names, rng: RawRange) -> bool:
    # order matters: raw offsets are committed only after their canonical records were
    # acked, so the canonical end read *after* the raw check includes all of them
    async with GroupTarget(settings, names.app_id) as group:
        raw = await group.current(sorted(rng))
        if any((raw[tp] or 0) < end for tp, (_, end) in rng.items()):
            return False
        async with LogOffsets(settings.kafka) as log:
            if names.canonical not in await log.topics():
                return not any(end > start for start, end in rng.values())
            canonical = [TP(names.canonical, p) for p in range(settings.topics.partitions)]
            _, canonical_end = await log.bounds(canonical)
        committed = await group.current(canonical)
    return all((committed[tp] or 0) >= end for tp, end in canonical_end.items())


def _spawn_worker(names: Names, log_path: Path) -> subprocess.Popen[bytes]:
    with open(log_path, "wb") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "streams", "worker"],
            env=worker_env(names),
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


async def run_stream_stage(
    settings: Settings, names: Names, rng: RawRange, others: dict[TP, int], workdir: Path, timeout_s: float
) -> Path:
    """Steps 1–4 of the module docstring; returns the worker's log file."""
    await commit_start(settings, names, rng, others)
    log_path = workdir / f"reprocess-{names.run_id}.log"
    proc = _spawn_worker(names, log_path)
    try:
        deadline = time.monotonic() + timeout_s
        late = ReplayError(f"the reprocess worker did not finish within {timeout_s:.0f}s (log {log_path})")
        streak = 0
        while streak < 2:
            if proc.poll() is not None:
                tail = log_path.read_text(errors="replace")[-3000:]
                raise ReplayError(f"the reprocess worker exited with {proc.returncode}:\n{tail}")
            left = deadline - time.monotonic()
            if left <= 0:
                raise late
            try:  # a broker that stops answering must not outlast the deadline
                done = await asyncio.wait_for(_done(settings, names, rng), left)
            except TimeoutError:
                raise late from None
            streak = streak + 1 if done else 0
            await asyncio.sleep(max(0.5, settings.streams.commit_interval_s))
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                await asyncio.to_thread(proc.wait, 30)
            except subprocess.TimeoutExpired:
                proc.kill()
                await asyncio.to_thread(proc.wait, 10)
    return log_path
