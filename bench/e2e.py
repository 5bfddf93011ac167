"""End to end on this machine: simulator → broker → faust workers → sink → Postgres.

    .venv/bin/python bench/e2e.py [--workers 2] [--events 100] [--seconds 45] [--size normal]
    .venv/bin/python bench/e2e.py --soak 30 [--max-rate 180]

A fresh stack per run (:mod:`bench.stack`: broker, fresh migrated database, ``--workers``
× ``oddsflow worker``, ``--sinks`` × ``oddsflow sink``, product defaults otherwise). The
feed is the simulator's (:mod:`streams.simulator`): ``--events`` matches × 3 bookmakers,
each bookmaker's real JSON shape, the simulated world advancing ``--cadence`` seconds per
round (every event × bookmaker re-captured every 5 s of simulated time, ~5% of its lines
re-priced per capture: the simulator's realistic change rate), published with
:class:`streams.producer.OddsProducer`. Payloads are rendered before each phase so the
bench's own CPU goes to publishing and measuring, not to simulating.

Figures:

(a) **max sustainable throughput** — ``--backlog`` captures published at once into the
    running, idle pipeline; drain rate = captures ÷ (last row committed − publish start),
    as captures/s, board lines/s (Σ ``lines_total`` of the stored snapshots) and MB/s of
    raw envelope JSON. Both stages run at once over a backlog (the normalize stage
    finishes first), so a window like 10%→90% of the commits would time only the second
    half: the whole span is used, and the fixed latency in it (~1–2 s) is why the default
    backlog is large. Also printed: the rate at which the workers produced the snapshots
    (from their record timestamps) and the CPU each part used.
(b) **freshness** at 25%, 50% and 90% of that rate, paced (``--seconds`` per level):
    per capture, *row committed* − *sent*. The bench records the wall-clock time just
    before handing each raw record to the producer and, from the delivery report, its
    (topic, partition, offset); it reads the snapshots topic to learn each snapshot's
    ``source`` raw record; it polls the sink group's ``sink_offsets`` rows every
    ``--poll-ms`` (10 ms): when ``next_offset`` of a snapshots partition advances, every
    snapshot below it was committed (the sink writes offsets in the rows' transaction)
    at or before that instant. Resolution: the figures are upper bounds, late by at most
    one poll interval plus one query (~1 ms) plus scheduling delay of the bench process,
    which shares the 2 cores with the pipeline. Also printed per level: the split
    (sent → snapshot produced by the workers, produced → committed by the sink), how long
    after the last send everything was committed (seconds: the level was not sustained),
    and the CPU each part used. Target: p99 ≤ 1 s at half of max.
(c) **storage** — rows stored (``snapshots`` + ``odds_history``) against what a design
    writing every line of every capture would store: Σ ``lines_total`` over the stored
    snapshots (every capture has a snapshot row, unchanged ones too; the full design's
    own header rows are not even counted). Target: ≤ 1/10.

``--soak MINUTES`` replaces (b): paced at half of ``--max-rate`` (measured by (a) when not
given) for that long, rendering as it goes; every ``--sample-s`` it samples the RSS
(``VmRSS``) of each worker and sink and the total lag (captures sent − snapshots committed
in Postgres), prints the table and the RSS growth from the first sample after a 20%
warm-up to the end. Target < 10%. On the embedded broker (memory-only) the broker's own
memory grows with everything published: point ``ODDS_KAFKA__BOOTSTRAP_SERVERS`` at a real
broker for long soaks.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Run as a script, bench/ is sys.path[0] and bench/streams.py would shadow the streams package.
if sys.path and Path(sys.path[0]).resolve() == ROOT / "bench":
    sys.path[0] = str(ROOT)

import argparse  # noqa: E402
import asyncio  # noqa: E402
import bisect  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import time  # noqa: E402
from collections.abc import Iterable, Iterator  # noqa: E402
from dataclasses import dataclass, field  # noqa: E402
from datetime import UTC, datetime, timedelta  # noqa: E402
from itertools import islice  # noqa: E402
from typing import Any  # noqa: E402

import orjson  # noqa: E402
from aiokafka import AIOKafkaConsumer, TopicPartition  # noqa: E402

from bench.stack import Stack, cpu_s, open_stack, rss_mb, scrape  # noqa: E402
from streams.contracts.snapshot import decode_snapshot  # noqa: E402
from streams.producer import OddsProducer  # noqa: E402
from streams.simulator import World, WorldConfig, iter_captures  # noqa: E402

LEVELS = (0.25, 0.5, 0.9)
Key = tuple[str, int, int]  # (topic, partition, offset)


@dataclass(frozen=True, slots=True)
class Item:
    bookmaker: str
    event_id: str
    sportradar_id: int | None
    payload: bytes


def feed(events: int, size: str, cadence_s: float, seed: int = 7) -> Iterator[Item]:
    """The simulated feed, endless; one world, so boards continue from phase to phase."""
    world = World(events, seed=seed, start=datetime.now(UTC), config=WorldConfig(size=size))  # type: ignore[arg-type]
    for cap in iter_captures(world, rate_per_s=events * 3 / cadence_s):
        yield Item(cap.bookmaker, cap.bookmaker_event_id, cap.sportradar_id, orjson.dumps(cap.payload))


@dataclass
class Published:
    count: int = 0
    bytes: int = 0
    sent_at: dict[Key, float] = field(default_factory=dict)  # raw record → time.time() before send
    span_s: float = 0.0


async def publish_paced(
    producer: OddsProducer, items: Iterable[Item], rate: float, out: Published, track: bool = True
) -> Published:
    """Send ``items`` at ``rate``/s on an absolute schedule; ``captured_at`` = now at send time."""
    pending: set[asyncio.Future[None]] = set()

    async def send(topic: str, key: bytes, value: bytes, sent: float) -> None:
        d = await producer.send_raw(topic, key, value)
        if track:
            out.sent_at[(d.topic, d.partition, d.offset)] = sent
        out.count += 1
        out.bytes += len(value)

    t0 = time.monotonic()
    for k, it in enumerate(items):
        delay = t0 + k / rate - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        topic, key, value = producer.envelope(
            it.bookmaker,
            it.payload,
            captured_at=datetime.now(UTC),
            bookmaker_event_id=it.event_id,
            sportradar_id=it.sportradar_id,
        )
        pending.add(asyncio.ensure_future(send(topic, key, value, time.time())))
        if len(pending) > 2000:
            done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
            for f in done:
                f.result()
    await asyncio.gather(*pending)
    out.span_s = time.monotonic() - t0
    return out


class CommitWatch:
    """Polls the sink group's ``sink_offsets``; keeps when each snapshots offset became committed."""

    def __init__(self, stack: Stack, conn: Any, poll_s: float) -> None:
        self.stack, self.conn, self.poll_s = stack, conn, poll_s
        self.next: dict[int, list[int]] = {}  # partition → next offsets seen, increasing
        self.at: dict[int, list[float]] = {}  # partition → time each was first seen
        self.samples: list[tuple[float, int]] = []  # (time, total committed) on every change
        self.total = 0
        self._stopping = False
        self._task: asyncio.Task[None] | None = None

    async def __aenter__(self) -> CommitWatch:
        await self.poll()
        self._task = asyncio.create_task(self._run())
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._task is not None
        self._stopping = True
        await self._task  # not cancelled mid-query: the connection stays usable

    async def poll(self) -> None:
        offsets = await self.stack.committed(self.conn)
        now = time.time()
        for p, nxt in offsets.items():
            seen = self.next.setdefault(p, [])
            if not seen or nxt > seen[-1]:
                seen.append(nxt)
                self.at.setdefault(p, []).append(now)
        total = sum(offsets.values())
        if total != self.total:
            self.total = total
            self.samples.append((now, total))

    async def _run(self) -> None:
        while not self._stopping:
            await asyncio.sleep(self.poll_s)
            await self.poll()

    def committed_at(self, partition: int, offset: int) -> float | None:
        seen = self.next.get(partition, [])
        i = bisect.bisect_right(seen, offset)
        return self.at[partition][i] if i < len(seen) else None

    async def settle(self, total: int, stall_s: float = 60.0) -> int:
        """Until ``total`` is committed or nothing moved for ``stall_s``; returns what is missing."""
        last, moved = self.total, time.monotonic()
        while self.total < total and time.monotonic() - moved < stall_s:
            self.stack.check_alive()
            await asyncio.sleep(0.2)
            if self.total != last:
                last, moved = self.total, time.monotonic()
        return total - self.total

    async def until(self, total: int, timeout_s: float) -> None:
        deadline = time.monotonic() + timeout_s
        while self.total < total:
            self.stack.check_alive()
            if time.monotonic() > deadline:
                raise RuntimeError(f"only {self.total} of {total} snapshots committed after {timeout_s:.0f}s")
            await asyncio.sleep(0.1)


async def read_sources(
    stack: Stack, start: dict[int, int], n: int, out: dict[tuple[int, int], tuple[Key, float]]
) -> None:
    """Snapshots topic from ``start`` until ``n`` records: (partition, offset) → (source raw record,
    the snapshot's producer timestamp in s)."""
    topic = stack.settings.topics.snapshots
    consumer = AIOKafkaConsumer(
        bootstrap_servers=stack.bootstrap, enable_auto_commit=False, max_partition_fetch_bytes=16 << 20
    )
    await consumer.start()
    try:
        tps = [TopicPartition(topic, p) for p in range(stack.partitions)]
        consumer.assign(tps)
        for tp in tps:
            consumer.seek(tp, start.get(tp.partition, 0))
        while len(out) < n:
            for recs in (await consumer.getmany(timeout_ms=200)).values():
                for r in recs:
                    s = decode_snapshot(r.value).source
                    out[(r.partition, r.offset)] = ((s.topic, s.partition, s.offset), r.timestamp / 1000)
    finally:
        await consumer.stop()


class CpuMeter:
    """CPU used by each part of the stack over a phase, in % of one core."""

    def __init__(self, stack: Stack) -> None:
        self.pids = {
            "workers": [p.popen.pid for p in stack.of("worker")],
            "sinks": [p.popen.pid for p in stack.of("sink")],
            "broker": [stack.broker_pid] if stack.broker_pid else [],
            "bench": [os.getpid()],
        }
        self.t0, self.start = time.monotonic(), self._now()

    def _now(self) -> dict[str, float]:
        return {k: sum(cpu_s(pid) for pid in pids) for k, pids in self.pids.items()}

    def percent(self) -> dict[str, float]:
        wall, now = time.monotonic() - self.t0, self._now()
        return {k: 100 * (now[k] - self.start[k]) / wall for k in now if self.pids[k]}


def show_cpu(cpu: dict[str, float]) -> str:
    return "CPU % of one core: " + ", ".join(f"{k} {v:.0f}" for k, v in cpu.items())


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


# -- the phases ----------------------------------------------------------------------------


async def max_throughput(
    stack: Stack, producer: OddsProducer, items: list[Item], conn: Any
) -> dict[str, Any]:
    """(a): publish the backlog at once, time it until the last row is committed."""
    base = datetime.now(UTC) - timedelta(milliseconds=len(items))
    envelopes = [
        producer.envelope(
            it.bookmaker,
            it.payload,
            captured_at=base + timedelta(milliseconds=k),
            bookmaker_event_id=it.event_id,
            sportradar_id=it.sportradar_id,
        )
        for k, it in enumerate(items)
    ]
    n, size = len(envelopes), sum(len(v) for _, _, v in envelopes)
    async with CommitWatch(stack, conn, 0.05) as watch:
        first = watch.total
        start = {p: seen[-1] for p, seen in watch.next.items()}
        cpu = CpuMeter(stack)
        t0 = time.time()
        await producer.publish_many(envelopes, concurrency=512)
        published_s = time.time() - t0
        await watch.until(first + n, timeout_s=60 + n / 5)
        used = cpu.percent()
    done = watch.samples[-1][0]
    commits = [(t, c - first) for t, c in watch.samples]
    sources: dict[tuple[int, int], tuple[Key, float]] = {}
    await read_sources(stack, start, n, sources)  # when each snapshot was produced: the workers' part
    workers_done = max(t for _, t in sources.values())
    lines = await conn.fetchval("SELECT coalesce(sum(lines_total), 0) FROM snapshots")
    rate = n / (done - t0)
    return {
        "captures": n,
        "published_s": published_s,
        "drain_s": done - t0,
        "captures_per_s": rate,
        "workers_per_s": n / (workers_done - t0),
        "lines_per_s": rate * lines / n,
        "mb_per_s": rate * size / n / 1e6,
        "kb_per_capture": size / n / 1e3,
        "lines_per_capture": lines / n,
        "cpu": used,
        "drain_curve": [(round(t - t0, 3), c) for t, c in commits],
    }


async def freshness(
    stack: Stack, producer: OddsProducer, items: list[Item], rate: float, conn: Any, poll_s: float
) -> dict[str, Any]:
    """(b): one paced level; freshness of every capture sent in it."""
    sources: dict[tuple[int, int], tuple[Key, float]] = {}
    async with CommitWatch(stack, conn, poll_s) as watch:
        start = {p: seen[-1] for p, seen in watch.next.items()}
        reader = asyncio.create_task(read_sources(stack, start, len(items), sources))
        cpu = CpuMeter(stack)
        pub = await publish_paced(producer, items, rate, Published())
        used = cpu.percent()  # while publishing: the steady state at this rate
        sent_end = time.monotonic()
        await watch.until(sum(start.values()) + pub.count, timeout_s=120 + pub.count / 20)
        tail = time.monotonic() - sent_end
        await asyncio.wait_for(reader, 60)
    ages, streams, sink = [], [], []
    for (p, off), (src, produced) in sources.items():
        committed, sent = watch.committed_at(p, off), pub.sent_at.get(src)
        if committed is not None and sent is not None:
            ages.append(committed - sent)
            streams.append(produced - sent)
            sink.append(committed - produced)
    return {
        "rate": rate,
        "achieved": pub.count / pub.span_s,
        "n": len(ages),
        **{f"p{int(q * 100)}": pct(ages, q) for q in (0.5, 0.95, 0.99)},
        "max": max(ages, default=float("nan")),
        # the split: raw sent → snapshot produced (workers), snapshot produced → committed (sink)
        **{f"workers_p{int(q * 100)}": pct(streams, q) for q in (0.5, 0.99)},
        **{f"sink_p{int(q * 100)}": pct(sink, q) for q in (0.5, 0.99)},
        "cpu": used,
        "caught_up_s": tail,
    }


def drops(stack: Stack) -> dict[str, float]:
    """What the processes dropped or dead-lettered (their ``/metrics``), to explain missing rows."""
    workers = [scrape(p) for p in stack.of("worker")]
    sinks = [scrape(p) for p in stack.of("sink")]
    return {
        "stale": sum(m.get("oddsflow_stale_captures_total", 0) for m in workers),
        "worker_dlq": sum(m.get("oddsflow_dlq_records_total", 0) for m in workers),
        "sink_dlq": sum(m.get("oddsflow_dlq_records_total", 0) for m in sinks),
    }


async def storage(conn: Any) -> dict[str, Any]:
    """(c): rows stored against a full snapshot of every capture, and where the rows come from."""
    r = await conn.fetchrow(
        """SELECT count(*) AS snapshots, coalesce(sum(lines_total), 0) AS full_snapshot_rows,
                  coalesce(sum(lines_changed + lines_removed) FILTER (WHERE keyframe), 0) AS keyframe_rows,
                  coalesce(sum(lines_changed + lines_removed) FILTER (WHERE NOT keyframe), 0) AS change_rows,
                  count(*) FILTER (WHERE keyframe) AS keyframes
             FROM snapshots"""
    )
    out = dict(r) | {"odds_history": await conn.fetchval("SELECT count(*) FROM odds_history")}
    out["ratio"] = (out["snapshots"] + out["odds_history"]) / max(1, out["full_snapshot_rows"])
    return out


async def soak(
    stack: Stack, producer: OddsProducer, items: Iterator[Item], rate: float, minutes: float, sample_s: float
) -> dict[str, Any]:
    """Paced at ``rate`` for ``minutes``; RSS of each process and total lag every ``sample_s``."""
    conn = await stack.connect()
    before = sum((await stack.committed(conn)).values())  # the soak's lag counts its own captures
    pub = Published()
    procs = stack.of("worker") + stack.of("sink")
    names = [p.log.stem for p in procs]
    print(f"\n{'min':>6} {'sent':>8} {'lag':>7}  " + "  ".join(f"{n:>9}" for n in names) + "   (RSS MB)")
    rows: list[list[float]] = []
    n = int(rate * minutes * 60)
    task = asyncio.create_task(publish_paced(producer, islice(items, n), rate, pub, track=False))
    t0 = time.monotonic()
    try:
        while not task.done():
            await asyncio.wait({task}, timeout=sample_s)
            stack.check_alive()
            lag = pub.count - (sum((await stack.committed(conn)).values()) - before)
            rss = [rss_mb(p.popen.pid) or float("nan") for p in procs]
            rows.append([(time.monotonic() - t0) / 60, pub.count, lag, *rss])
            print(f"{rows[-1][0]:>6.1f} {pub.count:>8} {lag:>7}  " + "  ".join(f"{r:>9.1f}" for r in rss))
        task.result()
        async with CommitWatch(stack, conn, 0.1) as watch:
            missing = await watch.settle(before + pub.count)
    finally:
        await conn.close()
    base = next(r for r in rows if r[0] >= 0.2 * rows[-1][0])
    growth = {name: (rows[-1][3 + i] - base[3 + i]) / base[3 + i] for i, name in enumerate(names)}
    return {
        "rate": rate,
        "minutes": minutes,
        "samples": rows,
        "columns": ["min", "sent", "lag", *names],
        "rss_growth": growth,
        "warmup_end_min": base[0],
        "never_committed": missing,  # captures still without a row 60 s after the last progress
    }


# -- main ------------------------------------------------------------------------------------


async def run(stack: Stack, args: argparse.Namespace) -> dict[str, Any]:
    out: dict[str, Any] = {
        "workers": args.workers,
        "sinks": args.sinks,
        "events": args.events,
        "size": args.size,
        "partitions": args.partitions,
    }
    source = feed(args.events, args.size, args.cadence)
    conn = await stack.connect()
    async with OddsProducer.from_settings(stack.settings, source="bench-e2e") as producer:
        max_rate = args.max_rate
        if max_rate is None:
            backlog = list(islice(source, args.backlog))
            a = out["max"] = await max_throughput(stack, producer, backlog, conn)
            del backlog
            max_rate = a["captures_per_s"]
            print(
                f"\n(a) max sustainable throughput: backlog of {a['captures']} captures "
                f"({a['kb_per_capture']:.1f} KB, {a['lines_per_capture']:.0f} lines each), published in "
                f"{a['published_s']:.1f}s, all committed after {a['drain_s']:.1f}s"
            )
            print(
                f"    {a['captures_per_s']:8.1f} captures/s  {a['lines_per_s']:9.0f} lines/s  "
                f"{a['mb_per_s']:6.2f} MB/s raw JSON   (publish start → last row committed; "
                f"last snapshot produced at {a['workers_per_s']:.1f}/s)"
            )
            print(f"    {show_cpu(a['cpu'])}")
        out["max_rate"] = max_rate
        if args.soak:
            s = out["soak"] = await soak(stack, producer, source, max_rate / 2, args.soak, args.sample_s)
            print(
                f"\nsoak at {max_rate / 2:.1f} captures/s (half of {max_rate:.1f}) for {args.soak} min: "
                f"RSS growth after the warm-up (from {s['warmup_end_min']:.1f} min), target < 10%"
            )
            for name, g in s["rss_growth"].items():
                print(f"    {name:<10} {g:+7.1%}  {'OK' if g < 0.10 else 'MISS'}")
            if s["never_committed"]:
                print(f"    {s['never_committed']} captures sent in the soak never reached Postgres")
        else:
            print(
                f"\n(b) freshness, produce → row committed (s), {args.seconds:.0f}s per level, "
                f"poll {args.poll_ms} ms"
            )
            print(
                f"    {'level':>5} {'rate/s':>7} {'sent/s':>7} {'n':>6} {'p50':>7} {'p95':>7} {'p99':>7} "
                f"{'max':>7}   {'workers p50/p99':>13}   {'sink p50/p99':>13}"
            )
            out["freshness"] = []
            for level in args.levels:
                rate = max_rate * level
                items = list(islice(source, max(1, round(rate * args.seconds))))
                f = await freshness(stack, producer, items, rate, conn, args.poll_ms / 1000)
                out["freshness"].append({"level": level, **f})
                target = f"   target p99 ≤ 1.000: {'OK' if f['p99'] <= 1 else 'MISS'}" if level == 0.5 else ""
                print(
                    f"    {level:>5.0%} {rate:>7.1f} {f['achieved']:>7.1f} {f['n']:>6} {f['p50']:>7.3f} "
                    f"{f['p95']:>7.3f} {f['p99']:>7.3f} {f['max']:>7.3f}   {f['workers_p50']:>6.3f} "
                    f"{f['workers_p99']:>6.3f}   {f['sink_p50']:>6.3f} {f['sink_p99']:>6.3f}{target}"
                )
                print(
                    f"{'':>10}all committed {f['caught_up_s']:.1f}s after the last send; {show_cpu(f['cpu'])}"
                )
    counters = out["counters"] = drops(stack)
    print(
        f"\nworkers: {counters['stale']:.0f} stale captures dropped, "
        f"{counters['worker_dlq']:.0f} dead letters; sink: {counters['sink_dlq']:.0f} dead letters"
    )
    c = out["storage"] = await storage(conn)
    await conn.close()
    full = max(1, c["full_snapshot_rows"])
    print(
        f"\n(c) storage: {c['snapshots']} snapshots + {c['odds_history']} odds_history = "
        f"{c['snapshots'] + c['odds_history']} rows; writing every line of every capture would be "
        f"{c['full_snapshot_rows']} rows"
    )
    print(
        f"    stored / full = {c['ratio']:.3f}   target ≤ 0.100: {'OK' if c['ratio'] <= 0.1 else 'MISS'}   "
        f"(snapshot rows {c['snapshots'] / full:.3f}, keyframe lines {c['keyframe_rows'] / full:.3f} "
        f"in {c['keyframes']} keyframes, changed/removed lines {c['change_rows'] / full:.3f}; "
        f"odds_history alone {c['odds_history'] / full:.3f})"
    )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2, help="oddsflow worker processes")
    parser.add_argument("--sinks", type=int, default=1, help="oddsflow sink processes")
    parser.add_argument("--partitions", type=int, default=6)
    parser.add_argument("--events", type=int, default=100, help="simulated matches (× 3 bookmakers)")
    parser.add_argument("--size", choices=["normal", "real"], default="normal")
    parser.add_argument("--cadence", type=float, default=5.0, help="simulated seconds per round")
    parser.add_argument("--backlog", type=int, default=10000, help="captures published for (a)")
    parser.add_argument("--seconds", type=float, default=45.0, help="paced seconds per freshness level")
    parser.add_argument(
        "--levels", type=lambda v: [float(x) for x in v.split(",")], default=list(LEVELS), help="e.g. 0.5"
    )
    parser.add_argument("--poll-ms", type=int, default=10, help="sink_offsets polling interval")
    parser.add_argument("--max-rate", type=float, default=None, help="captures/s; skips (a)")
    parser.add_argument("--soak", type=float, default=0, metavar="MINUTES", help="soak instead of (b)")
    parser.add_argument("--sample-s", type=float, default=30.0, help="soak sampling interval")
    parser.add_argument("--json", type=Path, default=None, help="write the figures to this file")
    args = parser.parse_args()
    t0 = time.monotonic()
    with open_stack("e2e", args.partitions) as stack:
        print(
            f"broker {stack.bootstrap}, database {stack.db_url.rpartition('/')[2]}, logs in {stack.workdir}"
        )
        stack.start("worker", args.workers)
        stack.start("sink", args.sinks)
        stack.wait_ready()
        print(
            f"{args.workers} worker(s) + {args.sinks} sink(s) ready after {time.monotonic() - t0:.0f}s; "
            f"{args.events} events × 3 bookmakers, size {args.size}"
        )
        out = asyncio.run(run(stack, args))
    print(f"\ntotal {time.monotonic() - t0:.0f}s")
    if args.json:
        args.json.write_text(json.dumps(out, indent=2, default=str))


if __name__ == "__main__":
    main()
