"""The signals leg of the crash campaign: the signals sink as a process, and its rows compared.

:class:`SignalsSinkProcess` runs ``python -m sinks.signals`` (what ``oddsflow signals-sink``
and the demo start) next to a pipeline, with its own consumer group, on the pipeline's
signals topic and database. :meth:`~SignalsSinkProcess.wait_caught_up` waits until the
offsets it stored in ``sink_offsets`` reach the signals topic's end. :func:`signal_rows`
reads the four signal tables as multisets of whole rows (they hold no surrogate ids), and
:func:`signal_differences` says how two runs' rows differ: per table, the rows only in one
run (count and an example, both versions of a row when its natural key is in both), for the
tables that are the same in every run (:data:`SAME_IN_EVERY_RUN`), and any natural key
stored more than once, for all four. Equal multisets mean every margin and opening/closing
price of the control run is in the campaign's database exactly once, and nothing else is.
"""

from __future__ import annotations

import asyncio
import secrets
import signal
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from streams.replay.log_offsets import LogOffsets
from streams.replay.plan import TP
from tests.integration.replay.pipeline import Pipeline

QUERIES = {
    "signal_margins": "SELECT sportradar_id, bookmaker, market_id, line, captured_at, margin, fair::text "
    "FROM signal_margins",
    "signal_deviations": "SELECT sportradar_id, bookmaker, market_id, line, outcome_id, captured_at, "
    "price, consensus, deviation, books FROM signal_deviations",
    "signal_arbitrage": "SELECT sportradar_id, market_id, line, captured_at, ended_at, profit, suspect, "
    "legs::text FROM signal_arbitrage",
    "signal_prices": "SELECT sportradar_id, bookmaker, market_id, line, kind, captured_at, outcomes::text "
    "FROM signal_prices",
}
#: leading columns of each query that form the table's natural key (its primary key)
KEYS = {"signal_margins": 5, "signal_deviations": 6, "signal_arbitrage": 4, "signal_prices": 6}
#: tables whose rows two runs of the same feed would store alike: none. Every signal depends
#: on the other books' state when a snapshot is processed (consensus, arbitrage, and the
#: cross-book agreement flags that keep a line out of margins and prices too), and how the
#: raw topics of different books interleave differs from run to run, crash or not. So the
#: campaign checks that the signals sink survived every fault and caught up with the signals
#: topic, and stored no natural key twice; equality with the control run is not checked.
SAME_IN_EVERY_RUN: tuple[str, ...] = ()


@dataclass
class SignalsSinkProcess:
    """``python -m sinks.signals`` for ``pipeline`` (see the module docstring)."""

    pipeline: Pipeline
    group: str = field(default_factory=lambda: f"test-signals-sink-{secrets.token_hex(4)}")
    proc: subprocess.Popen[bytes] | None = None
    log: Path | None = None

    def start(self) -> None:
        self.log = self.pipeline.harness.workdir / f"signals-sink-{secrets.token_hex(2)}.log"
        with open(self.log, "wb") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "sinks.signals"],
                env=self.pipeline.env | {"ODDS_SIGNALS__SINK_GROUP_ID": self.group},
                cwd=self.pipeline.harness.workdir,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def log_tail(self) -> str:
        return "" if self.log is None else self.log.read_text(errors="replace")[-4000:]

    def check_alive(self) -> None:
        if self.proc is not None and self.proc.poll() is not None:
            raise AssertionError(f"signals sink exited with {self.proc.returncode}:\n{self.log_tail()}")

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(10)

    async def wait_caught_up(self, timeout_s: float) -> dict[TP, int]:
        """Until the offsets stored in Postgres reach the signals topic's end; returns the end."""
        harness = self.pipeline.harness
        topic = harness.settings.signals.topic
        tps = [TP(topic, p) for p in range(harness.partitions)]
        deadline = time.monotonic() + timeout_s
        stored: dict[int, int] = {}
        latest: dict[TP, int] = {}
        while time.monotonic() < deadline:
            self.check_alive()
            async with LogOffsets(harness.settings.kafka) as log:
                _, latest = await log.bounds(tps)
            rows = await self.pipeline.fetch(
                "SELECT partition, next_offset FROM sink_offsets WHERE consumer_group = $1 AND topic = $2",
                self.group,
                topic,
            )
            stored = {r["partition"]: r["next_offset"] for r in rows}
            if all(stored.get(tp.partition, 0) == end for tp, end in latest.items() if end > 0):
                return latest
            await asyncio.sleep(0.5)
        behind = f"signals sink not caught up: stored {stored}, latest {latest}"
        raise AssertionError(f"{behind}\n{self.log_tail()}")


async def signal_rows(conn: Any) -> dict[str, Counter[tuple[Any, ...]]]:
    """Every row of the four signal tables (a multiset per table)."""
    return {name: Counter(tuple(r) for r in await conn.fetch(sql)) for name, sql in QUERIES.items()}


def signal_counts(rows: dict[str, Counter[tuple[Any, ...]]]) -> str:
    """``signal_margins 123, …``: rows per table."""
    return ", ".join(f"{name} {sum(c.values())}" for name, c in rows.items())


def signal_differences(
    ours: dict[str, Counter[tuple[Any, ...]]], control: dict[str, Counter[tuple[Any, ...]]]
) -> list[str]:
    """One line per table whose rows differ between the campaign and the control, and per
    table and run that stored a natural key more than once."""
    out = []
    for name in QUERIES:
        n = KEYS[name]
        for run, rows in (("campaign", ours[name]), ("control", control[name])):
            keys = Counter(row[:n] for row in rows.elements())
            twice = [k for k, c in keys.items() if c > 1]
            if twice:
                out.append(f"{name}: {len(twice)} keys stored more than once ({run}), e.g. {twice[0]}")
        if name not in SAME_IN_EVERY_RUN:
            continue
        only_ours, only_theirs = ours[name] - control[name], control[name] - ours[name]
        if not (only_ours or only_theirs):
            continue
        theirs = {row[:n]: row for row in only_theirs}
        pair = next(((row, theirs[row[:n]]) for row in only_ours if row[:n] in theirs), None)
        example = (
            f"e.g. campaign {pair[0][n:]} vs control {pair[1][n:]} for {pair[0][:n]}"
            if pair
            else f"e.g. {next(iter(only_ours or only_theirs))}"
        )
        out.append(
            f"{name}: {sum(only_ours.values())} rows only in the campaign, "
            f"{sum(only_theirs.values())} only in the control; {example}"
        )
    return out
