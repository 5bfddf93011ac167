"""The campaign's faults: SIGKILL of the sink or a worker, Kafka node faults, Postgres restarts.

:class:`Chaos` owns the processes of one :class:`~tests.integration.replay.pipeline.Pipeline`
(two ``oddsflow worker`` subprocesses in slots 0 and 1, one ``oddsflow sink``), the
campaign's three-node Kafka cluster and its Postgres. Every fault is timed to hit work in
progress, which :class:`~tests.reliability.probe.Probe` reads from the outside (broker
high watermarks, the workers' committed offsets, ``sink_offsets``), never from the
processes:

* a worker is killed once it is ready and its group has uncommitted input (lag > 0);
* the sink is killed right after a transaction committed (``sink_offsets`` just moved) or
  while its input has records not yet stored (lag > 0), chosen at random;
* Postgres is shut down in *immediate* mode (SIGQUIT: no checkpoint, crash recovery at the
  next start) while the sink has records to write, and started again after a pause;
* Kafka nodes: a stall (SIGSTOP/SIGCONT) of the busiest node, a SIGKILL of a partition
  leader mid-ingest, a rolling restart (:mod:`tests.reliability.broker_faults`).

A killed process is restarted at once. A process that exits by itself fails the campaign.
Workers can run through another command (``worker_cmd``); the sink runs through
:mod:`tests.reliability.sink_debug`, which a stuck sink is asked (SIGUSR1) for its stacks.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import signal
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field

from streams.embedded.kafka import KafkaCluster
from streams.embedded.postgres import EmbeddedPostgres
from streams.replay.plan import TP
from tests.conftest import start_postgres
from tests.integration.replay.pipeline import Pipeline, start_worker_cmd
from tests.integration.streams.harness import ROOT
from tests.reliability import broker_faults
from tests.reliability.probe import Probe, postgres_activity, until


@dataclass(slots=True)
class Tally:
    """What the campaign did, for the summary (one line per fault in ``log``)."""

    sink_kills: int = 0
    worker_kills: int = 0
    broker_stalls: int = 0
    leader_kills: int = 0
    rolling_restarts: int = 0
    postgres_restarts: int = 0
    resume_s: list[float] = field(default_factory=list)  # per leader kill (broker_faults)
    rolling_s: list[float] = field(default_factory=list)  # per rolling restart
    longest_pause: dict[str, float] = field(default_factory=dict)  # broker fault → sink paused (s)
    log: list[str] = field(default_factory=list)
    t0: float = field(default_factory=time.monotonic)

    @property
    def kills(self) -> int:
        return self.sink_kills + self.worker_kills

    def note(self, what: str) -> None:
        self.log.append(f"t={time.monotonic() - self.t0:6.1f}s {what}")

    def paused(self, fault: str, seconds: float) -> None:
        self.longest_pause[fault] = max(self.longest_pause.get(fault, 0.0), seconds)


class Chaos:
    """The campaign's processes and faults (see module docstring)."""

    def __init__(
        self,
        pipeline: Pipeline,
        cluster: KafkaCluster,
        postgres: EmbeddedPostgres,
        rng: random.Random,
        *,
        stall_s: float,
        postgres_down_s: float,
        leader_down_s: float = 0.0,
        timeout_s: float = 180.0,
        worker_cmd: list[str] | None = None,
    ) -> None:
        self.pipeline = pipeline
        self.harness = pipeline.harness
        self.cluster = cluster
        self.postgres = postgres
        self.rng = rng
        self.stall_s = stall_s
        self.postgres_down_s = postgres_down_s
        self.leader_down_s = leader_down_s
        self.timeout_s = timeout_s
        self.worker_cmd = worker_cmd  # None: ``python -m streams worker``
        self.tally = Tally()
        self.workers: list[int] = []  # slot → index in harness.procs
        self.kills_per_slot = [0, 0]

    # -- processes ---------------------------------------------------------------------

    def start(self) -> None:
        """Two workers and the sink."""
        for _ in range(2):
            self.workers.append(self._start_worker())
        self.start_sink()

    def _start_worker(self) -> int:
        """Start a worker process; its index in ``harness.procs``."""
        if self.worker_cmd is None:
            self.harness.start_worker()
        else:
            start_worker_cmd(self.harness, self.worker_cmd, {"PYTHONPATH": str(ROOT)})
        return len(self.harness.procs) - 1

    def start_sink(self) -> None:
        """``Pipeline.start_sink`` through :mod:`tests.reliability.sink_debug`."""
        self.pipeline.start_sink(("tests.reliability.sink_debug",), {"PYTHONPATH": str(ROOT)})

    async def sink_state(self) -> str:
        """Where the running sink's tasks wait (SIGUSR1 dump), what it logged last, and what
        its Postgres sessions wait for."""
        sink = self.pipeline.sinks[-1]
        for _ in range(3):  # three samples: a busy task shows where it spins
            if sink.poll() is None:
                sink.send_signal(signal.SIGUSR1)
                await asyncio.sleep(1)
        log = self.pipeline.sink_logs[-1].read_text(errors="replace")
        activity = await postgres_activity(self.pipeline.db_url)
        # the dumps are long: keep the log records apart so that they are not cut off
        records = [line for line in log.splitlines() if line[:2] == "20" and line[4:5] == "-"][-200:]
        dump = log[log.rfind("SIGUSR1:") :] if "SIGUSR1:" in log else "(no task dump)"
        return (
            f"sink log, last {len(records)} records:\n" + "\n".join(records) + f"\n"
            f"last task dump:\n{dump[-30000:]}\n{activity}"
        )

    async def workers_ready(self) -> None:
        for index in self.workers:
            await self.harness.wait_ready(index, self.timeout_s)

    def check_alive(self) -> None:
        """Fail if a current process exited without being killed by the campaign."""
        for slot, index in enumerate(self.workers):
            if self.harness.procs[index].poll() is not None:
                raise AssertionError(
                    f"worker slot {slot} exited with {self.harness.procs[index].returncode}:\n"
                    + self.harness.log_text(index)[-4000:]
                )
        sink = self.pipeline.sinks[-1]
        if sink.poll() is not None:
            log = self.pipeline.sink_logs[-1].read_text(errors="replace")
            raise AssertionError(f"sink exited with {sink.returncode}:\n{log[-4000:]}")

    async def pause(self, seconds: float, also: Callable[[], None] = lambda: None) -> None:
        """Sleep ``seconds``, checking the processes (and ``also``) meanwhile."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            self.check_alive()
            also()
            await asyncio.sleep(min(0.5, max(deadline - time.monotonic(), 0)))

    @contextlib.asynccontextmanager
    async def probe(self) -> AsyncIterator[Probe]:
        async with Probe(self.pipeline) as p:
            yield p

    # -- faults ------------------------------------------------------------------------

    async def kill_worker(self) -> None:
        """SIGKILL a ready worker while its group has uncommitted input; start a new one.

        The slot killed less often so far goes (a random one on a tie): both see kills."""
        fewest = min(self.kills_per_slot)
        slot = self.rng.choice([s for s, n in enumerate(self.kills_per_slot) if n == fewest])
        self.kills_per_slot[slot] += 1
        index = self.workers[slot]
        await self.harness.wait_ready(index, self.timeout_s)
        async with self.probe() as p:
            lag = 0

            async def behind() -> bool:
                nonlocal lag
                lag = await p.worker_lag()
                return lag > 0

            await until(behind, self.timeout_s, "the workers have uncommitted input")
            self.harness.kill(index)
        self.workers[slot] = self._start_worker()
        self.tally.worker_kills += 1
        self.tally.note(f"SIGKILL worker slot {slot} (pid {self.harness.procs[index].pid}), lag {lag}")

    async def kill_sink(self) -> None:
        """SIGKILL the sink right after a commit or while it has unstored input; start a new one."""
        moment = self.rng.choice(["after a commit", "with input unstored"])
        async with self.probe() as p:
            measured = 0
            if moment == "after a commit":
                before = await p.stored()

                async def committed() -> bool:
                    nonlocal measured
                    measured = await p.stored()
                    return measured != before

                await until(committed, self.timeout_s, "the sink commits a batch", diagnose=self.sink_state)
            else:

                async def behind() -> bool:
                    nonlocal measured
                    measured = await p.sink_lag()
                    return measured > 0

                await until(behind, self.timeout_s, "the sink has input to store", diagnose=self.sink_state)
            proc = self.pipeline.sinks[-1]
            proc.send_signal(signal.SIGKILL)
            proc.wait(10)
        self.start_sink()
        self.tally.sink_kills += 1
        what = f"stored {measured}" if moment == "after a commit" else f"lag {measured}"
        self.tally.note(f"SIGKILL sink (pid {proc.pid}) {moment}, {what}")

    async def restart_postgres(self) -> None:
        """Immediate shutdown while the sink has input to store; start again after a pause."""
        async with self.probe() as p:

            async def behind() -> bool:
                return await p.sink_lag() > 0

            await until(behind, self.timeout_s, "the sink has input to store", diagnose=self.sink_state)
            pid = self.postgres.pid
            assert pid is not None
            os.kill(pid, signal.SIGQUIT)
        await asyncio.to_thread(self.postgres.stop)  # reaps the exiting server
        self.tally.note(f"Postgres down (immediate shutdown) for {self.postgres_down_s:.0f}s")
        await self.pause(self.postgres_down_s)
        await asyncio.to_thread(start_postgres, self.postgres)
        self.tally.postgres_restarts += 1
        self.tally.note("Postgres up")

    async def run(self, fault: str) -> None:
        """One fault by name: ``sink``, ``worker``, ``postgres``, ``stall``, ``leader`` or ``rolling``."""
        faults = {
            "sink": self.kill_sink,
            "worker": self.kill_worker,
            "postgres": self.restart_postgres,
            "stall": lambda: broker_faults.stall_busiest(self),
            "leader": lambda: broker_faults.kill_leader(self),
            "rolling": lambda: broker_faults.rolling_restart(self),
        }
        await faults[fault]()

    # -- the end -------------------------------------------------------------------------

    async def drain(self) -> dict[TP, int]:
        """Until every stage caught up: workers committed all input, the sink stored all
        snapshots (``sink_offsets`` = topic end); returns the snapshots topic's end."""
        async with self.probe() as p:

            async def workers_done() -> bool:
                self.check_alive()
                return await p.worker_lag() == 0

            async def behind() -> str:
                positions = await p.worker_positions()
                lagging = {f"{tp.topic}:{tp.partition}": v for tp, v in positions.items() if v[0] != v[1]}
                return f"(log end, committed offset) of the partitions behind: {lagging}"

            await until(
                workers_done, self.timeout_s, "the workers committed all their input", 0.5, diagnose=behind
            )
        self.check_alive()
        try:
            return await self.pipeline.wait_sink_caught_up(self.timeout_s)
        except AssertionError as exc:
            raise AssertionError(f"{exc}\n{await self.sink_state()}") from None

    def stop(self) -> None:
        self.pipeline.stop_all()
