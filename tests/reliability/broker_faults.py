"""The campaign's broker faults on a three-node Apache Kafka cluster (RF 3, min ISR 2).

Each fault takes at most one node away at a time (what RF 3 / ``min.insync.replicas`` 2
is built to survive) and ends by waiting, within :attr:`Chaos.timeout_s`, until every
partition of the cluster (internal topics included) has a leader and three replicas in
sync again, so that the next fault starts from a whole cluster:

* :func:`stall_busiest`: SIGSTOP the node leading the most partitions for
  ``stall_s``, then SIGCONT. Its sockets stay open: clients wait on it until their
  request timeouts; past the controller's broker session timeout (9 s) it is fenced and
  its partitions get new leaders, and it rejoins when thawed.
* :func:`kill_leader`: SIGKILL the leader of a snapshots partition that is receiving
  records, mid-ingest, and measure how long until the pipeline resumes (below); start
  the node again once it has been down ``leader_down_s`` (same ports and data).
* :func:`rolling_restart`: each node in turn stopped (SIGTERM: controlled shutdown
  moves its leaderships away first) and started again, the next one only once every
  partition is back in sync.

**Resume time** after a leader loss: the snapshots partitions that grew during the
two seconds before the kill are *active*. The pipeline has resumed when, on every active
partition, the sink has stored a snapshot that a worker published after the kill (its
record timestamp is later; ``offsets_for_times`` finds the first such offset, and
``sink_offsets`` must pass it). On the killed node's partitions such a record exists only
once a new leader took over; everywhere it needs the feed, both worker stages and the sink
to have found the new leaders (and the groups their new coordinator, when the node was
it). The campaign asserts it stays under :data:`RESUME_LIMIT_S`, and so does the longest
pause of a rolling restart.

Every broker fault also records the longest time the sink's stored offsets did not grow
while it lasted (:class:`ProgressWatch`): the outage as Postgres saw it.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import Counter
from typing import TYPE_CHECKING

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.errors import KafkaError

from streams.replay.plan import TP
from tests.reliability.cluster import coordinator, leader_counts, partitions, wait_in_sync
from tests.reliability.probe import until

if TYPE_CHECKING:
    from tests.reliability.chaos import Chaos

#: the target: ingestion resumes within this many seconds of a partition leader's loss
RESUME_LIMIT_S = 30.0
#: how long a resume is waited for before the campaign fails (to measure a slow one)
RESUME_WAIT_S = 120.0
ACTIVE_WINDOW_S = 2.0
#: a sink storing nothing this long during a broker fault is asked for its state
STALL_DUMP_S = 20.0


class ProgressWatch:
    """The longest interval without growth of the sink's stored offsets while it runs.

    A sink that stores nothing for :data:`STALL_DUMP_S` while the feed runs is asked for its
    state once (:meth:`Chaos.sink_state`: task stacks, each writer's Postgres connection);
    it goes to ``sink-stall-<n>.txt`` next to the logs and the tally says so."""

    def __init__(self, chaos: Chaos, poll_s: float = 0.25) -> None:
        self.chaos = chaos
        self.poll_s = poll_s
        self.longest = 0.0
        self._task: asyncio.Task[None] | None = None

    async def _run(self) -> None:
        last_value, last_change = -1, time.monotonic()
        dumped = False
        while True:
            try:
                value = sum((await self.chaos.pipeline.stored()).values())
            except Exception:  # Postgres is not what this watch is about
                value = last_value
            now = time.monotonic()
            if value != last_value:
                last_value, last_change = value, now
            self.longest = max(self.longest, now - last_change)
            if self.longest > STALL_DUMP_S and not dumped:
                dumped = True
                await self._dump()
            await asyncio.sleep(self.poll_s)

    async def _dump(self) -> None:
        workdir = self.chaos.harness.workdir
        path = workdir / f"sink-stall-{len(list(workdir.glob('sink-stall-*.txt')))}.txt"
        try:
            await asyncio.to_thread(path.write_text, await self.chaos.sink_state())
            self.chaos.tally.note(f"the sink stored nothing for {STALL_DUMP_S:.0f}s: its state in {path}")
        except Exception as exc:
            self.chaos.tally.note(f"the sink stored nothing for {STALL_DUMP_S:.0f}s; no state: {exc!r}")

    async def __aenter__(self) -> ProgressWatch:
        self._task = asyncio.create_task(self._run())
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task


def _stage(chaos: Chaos, topic: str) -> str:
    t = chaos.harness.settings.topics
    if topic.startswith(t.raw_prefix):
        return "raw"
    names = {t.canonical: "canonical", t.snapshots: "snapshots", t.dlq: "dlq"}
    if topic in names or topic.startswith("__"):
        return names.get(topic, topic)
    return "changelog" if topic.endswith("-changelog") else "faust assignor"


async def _in_sync(chaos: Chaos) -> float:
    return await wait_in_sync(chaos.harness.settings.kafka, chaos.cluster.size, chaos.timeout_s)


async def stall_busiest(chaos: Chaos) -> None:
    """SIGSTOP the node leading the most partitions for ``stall_s``; SIGCONT; wait in sync."""
    counts = leader_counts(await partitions(chaos.harness.settings.kafka))
    most = max(counts.values())
    node = chaos.rng.choice(sorted(n for n, c in counts.items() if c == most))
    async with ProgressWatch(chaos) as watch:
        chaos.cluster.pause(node)
        try:
            chaos.tally.note(f"SIGSTOP Kafka node {node} (leads {most} partitions) for {chaos.stall_s:.0f}s")
            await chaos.pause(chaos.stall_s)
        finally:
            chaos.cluster.resume(node)
        chaos.tally.broker_stalls += 1
        chaos.tally.note(f"SIGCONT Kafka node {node}")
        synced = await _in_sync(chaos)
    chaos.tally.paused("stall", watch.longest)
    chaos.tally.note(f"all partitions in sync {synced:.1f}s later; sink paused at most {watch.longest:.1f}s")


async def _active_snapshot_partitions(chaos: Chaos) -> list[TP]:
    """Snapshots partitions that grew during :data:`ACTIVE_WINDOW_S` (once the sink stores)."""
    h = chaos.harness
    snaps = [TP(h.settings.topics.snapshots, p) for p in range(h.partitions)]
    active: list[TP] = []
    async with chaos.probe() as p:

        async def growing() -> bool:
            nonlocal active
            chaos.check_alive()
            before = await p.ends(snaps)
            await asyncio.sleep(ACTIVE_WINDOW_S)
            after = await p.ends(snaps)
            active = [tp for tp in snaps if after[tp] > before[tp]]
            return bool(active)

        await until(growing, chaos.timeout_s, "snapshots partitions receive records")
    return active


async def _first_after(consumer: AIOKafkaConsumer, tp: TP, when_ms: int) -> int | None:
    """Offset of the first record of ``tp`` stamped at or after ``when_ms`` (None: none yet,
    or the partition has no leader to answer)."""
    ktp = TopicPartition(*tp)
    try:
        found = await asyncio.wait_for(consumer.offsets_for_times({ktp: when_ms}), 3)
    except (KafkaError, TimeoutError):
        return None
    answer = found.get(ktp)
    return None if answer is None else int(answer.offset)


async def _wait_resumed(chaos: Chaos, active: list[TP], kill_ms: int, t_kill: float) -> dict[TP, float]:
    """Seconds from the kill until the sink stored, on each partition of ``active``, a
    snapshot a worker published after the kill (record timestamp ≥ ``kill_ms``: workers
    stamp records when they send them, on this machine's clock)."""
    first: dict[TP, int] = {}  # partition → offset of its first record published after the kill
    times: dict[TP, float] = {}
    consumer = AIOKafkaConsumer(**chaos.harness.settings.kafka.client_kwargs(), enable_auto_commit=False)
    await consumer.start()
    try:
        while len(times) < len(active):
            chaos.check_alive()
            pending = [tp for tp in active if tp not in first]
            found = await asyncio.gather(*(_first_after(consumer, tp, kill_ms) for tp in pending))
            first |= {tp: offset for tp, offset in zip(pending, found, strict=True) if offset is not None}
            stored = await chaos.pipeline.stored()
            now = time.monotonic() - t_kill
            for tp, offset in first.items():
                if tp not in times and stored.get(tp, 0) > offset:
                    times[tp] = now
            if now > RESUME_WAIT_S:
                late = [
                    f"{tp.partition} (stored {stored.get(tp)}, first after the kill {first.get(tp)})"
                    for tp in active
                ]
                raise AssertionError(
                    f"ingestion did not resume within {RESUME_WAIT_S:.0f}s of the leader's loss on snapshots "
                    f"partitions {late}\n{chaos.cluster.logs(20)}\n{await chaos.sink_state()}"
                )
            await asyncio.sleep(0.2)
    finally:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(consumer.stop(), 10)
    return times


async def kill_leader(chaos: Chaos) -> None:
    """SIGKILL the leader of an active snapshots partition; measure the resume; restart it."""
    settings = chaos.harness.settings
    active = await _active_snapshot_partitions(chaos)
    states = await partitions(settings.kafka)
    victim = chaos.rng.choice(sorted({states[tp].leader for tp in active}))
    led = Counter(_stage(chaos, tp.topic) for tp, s in states.items() if s.leader == victim)
    groups = {"workers": settings.streams.app_id, "sink": chaos.pipeline.group}
    coordinates = [name for name, g in groups.items() if await coordinator(settings.kafka, g) == victim]
    async with ProgressWatch(chaos) as watch:
        t_kill = time.monotonic()
        await asyncio.to_thread(chaos.cluster.kill, victim)
        kill_ms = int(time.time() * 1000)  # the node is gone (reaped)
        chaos.tally.leader_kills += 1
        what = ", ".join(f"{n} {stage}" for stage, n in sorted(led.items()))
        chaos.tally.note(
            f"SIGKILL Kafka node {victim}, leader of {what} partitions"
            + (f", coordinator of the {' and '.join(coordinates)} group" if coordinates else "")
        )
        times = await _wait_resumed(chaos, active, kill_ms, t_kill)
        resumed = max(times.values())
        chaos.tally.resume_s.append(resumed)
        ours = [t for tp, t in times.items() if states[tp].leader == victim]
        chaos.tally.note(
            f"ingestion resumed {resumed:.1f}s after the kill on all {len(times)} active snapshots "
            f"partitions ({max(ours):.1f}s on the {len(ours)} it led)"
        )
        await chaos.pause(chaos.leader_down_s - (time.monotonic() - t_kill))
        await asyncio.to_thread(chaos.cluster.start_node, victim)
        chaos.tally.note(f"Kafka node {victim} started again after {time.monotonic() - t_kill:.0f}s down")
        synced = await _in_sync(chaos)
    chaos.tally.paused("leader", watch.longest)
    chaos.tally.note(f"all partitions in sync {synced:.1f}s later; sink paused at most {watch.longest:.1f}s")


async def rolling_restart(chaos: Chaos) -> None:
    """Controlled stop and start of each node in turn, waiting in sync between nodes."""
    order = [n.node_id for n in chaos.cluster.nodes]
    chaos.rng.shuffle(order)
    t0 = time.monotonic()
    chaos.tally.note(f"rolling restart of Kafka nodes {order}")
    async with ProgressWatch(chaos) as watch:
        for node in order:
            t = time.monotonic()
            await asyncio.to_thread(chaos.cluster.stop_node, node)
            stopped = time.monotonic() - t
            await asyncio.to_thread(chaos.cluster.start_node, node)
            started = time.monotonic() - t - stopped
            synced = await _in_sync(chaos)
            chaos.check_alive()
            chaos.tally.note(
                f"  node {node}: stopped in {stopped:.1f}s, started in {started:.1f}s, "
                f"all partitions in sync {synced:.1f}s later"
            )
    took = time.monotonic() - t0
    chaos.tally.rolling_restarts += 1
    chaos.tally.rolling_s.append(took)
    chaos.tally.paused("rolling", watch.longest)
    chaos.tally.note(f"rolling restart done in {took:.0f}s; sink paused at most {watch.longest:.1f}s")
