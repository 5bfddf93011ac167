"""End to end on this machine: simulator → broker → faust workers → sink → Postgres.

    .venv/bin/python bench/e2e.py [--workers 2] [--events 100] [--seconds 45] [--size normal]
    .venv/bin/python bench/e2e.py --engine tansu    # the broker: kafka (default) or tansu
    .venv/bin/python bench/e2e.py --smoke    # CI: the same phases on a tiny feed, ~1 min

**One fresh stack per phase** (:mod:`bench.stack`: fresh migrated database and topics,
``--workers`` × ``oddsflow worker``, ``--sinks`` × ``oddsflow sink``, product defaults
otherwise). The broker is ``--engine`` (:func:`bench.stack.shared_broker`): one Apache
Kafka node for the whole run (the default), or a fresh embedded tansu per stack — tansu
keeps every record in memory and its fetch cost grows with what a partition holds
(:mod:`bench.broker`; figures in docs/benchmarks.md), so a phase run after another would
pay for the records of the phases before it. On Kafka a fetch costs the same whatever the
log holds.

The feed is the simulator's (:mod:`streams.simulator`): ``--events`` matches × 3 bookmakers,
each bookmaker's real JSON shape, the simulated world advancing ``--cadence`` seconds per
round (every event × bookmaker re-captured every 5 s of simulated time, ~5% of its lines
re-priced per capture: the simulator's default change rate), published with
:class:`streams.kafka.producer.OddsProducer`; one world for the whole run, so boards continue from
phase to phase. Payloads are rendered before each phase so the bench's own CPU goes to
publishing and measuring, not to simulating. How times are taken: :mod:`bench.measure`.

Figures:

(a) **max sustainable throughput**, in two steps. The *drain rate*: ``--backlog`` captures
    published at once into the running, idle pipeline; captures ÷ (last row committed −
    publish start), as captures/s, board lines/s (Σ ``lines_total`` of the stored
    snapshots) and MB/s of raw envelope JSON. Both stages run at once over a backlog (the
    normalize stage finishes first), so a window like 10%→90% of the commits would time only
    the second half: the whole span is used, and the fixed latency in it (~1–2 s) is why
    the default backlog is large. Also printed: the rate at which the workers produced the
    snapshots, the CPU each part used, and the *efficiency*: the workers' and the sink's CPU
    per capture over the drain ÷ the adapters' alone on the same payloads, in process
    (:mod:`bench.efficiency`; target ≤ 3). A backlog is drained in large batches; paced
    records arrive a few at a time and cost more each (docs/benchmarks.md). So the
    *sustainable rate* is found with paced probes of ``--seconds``, each on a fresh stack:
    the first at 3/4 of the drain rate, then
    ``--probes`` − 1 bisection steps between the highest rate that kept up (every capture
    committed within ``SUSTAINED_S`` of the last send) and the lowest that fell behind. The
    highest rate that kept up is the maximum the levels of (b) are fractions of.
    ``--probes 0 --levels=`` runs the drain alone (the cheapest run of the efficiency line).
(b) **freshness** at 25%, 50% and 90% of that rate, paced (``--seconds`` per level): per
    capture, *row committed* − *sent*, as p50/p95/p99/max. Resolution: the figures are upper
    bounds, late by at most one ``--poll-ms`` (10 ms) plus one query (~1 ms) plus scheduling
    delay of the bench process, which shares the 2 cores with the pipeline. Also printed per
    level: the split (sent → snapshot produced by the workers, produced → committed by the
    sink), how long after the last send everything was committed, and the CPU each part
    used. Target: p99 ≤ 0.5 s at half of max.
(c) **storage** — rows stored (``snapshots`` + ``odds_history``) against what a design
    writing every line of every capture would store: Σ ``lines_total`` over the stored
    snapshots (every capture has a snapshot row, unchanged ones too; the full design's
    own header rows are not even counted), summed over the phases' databases. Every board's
    first capture on a fresh stack is a keyframe, so short phases overstate it a little:
    :mod:`bench.storage` measures it at steady state, per change rate. Target: ≤ 1/10.

The long soak at half of the sustainable rate is :mod:`bench.soak`.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Run as ``python bench/e2e.py``, bench/ is sys.path[0]: the repo root instead, so that
# ``bench.*`` imports resolve (and no bench module could shadow an installed one).
if sys.path and Path(sys.path[0]).resolve() == ROOT / "bench":
    sys.path[0] = str(ROOT)

import argparse  # noqa: E402
import asyncio  # noqa: E402
import json  # noqa: E402
import time  # noqa: E402
from collections.abc import Awaitable, Callable, Iterator  # noqa: E402
from datetime import UTC, datetime, timedelta  # noqa: E402
from itertools import islice  # noqa: E402
from typing import Any  # noqa: E402

from bench.efficiency import adapter_cpu_s, efficiency  # noqa: E402
from bench.efficiency import show as show_efficiency  # noqa: E402
from bench.measure import (  # noqa: E402
    CommitWatch,
    CpuMeter,
    Item,
    Key,
    Published,
    add_up,
    drops,
    feed,
    pct,
    publish_paced,
    read_sources,
    show_cpu,
    storage,
)
from bench.options import add_engine, parse  # noqa: E402
from bench.stack import Stack, open_stack, shared_broker  # noqa: E402
from streams.kafka.producer import OddsProducer  # noqa: E402

LEVELS = (0.25, 0.5, 0.9)
# --smoke: every phase of a default run ((a) drain + one probe, (b) one level, (c)), seconds each
SMOKE = {
    "workers": 1,
    "partitions": 2,
    "events": 4,
    "backlog": 60,
    "seconds": 3.0,
    "levels": [0.5],
    "probes": 1,
    "settle_s": 1.0,
}
SUSTAINED_S = 2.0  # a level kept up if everything was committed this soon after its last send
Phase = Callable[[Stack, OddsProducer, Any], Awaitable[dict[str, Any]]]


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
        used, used_s = cpu.percent(), cpu.seconds()
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
        # after the drain: not competing with it
        "efficiency": efficiency(
            used_s,
            n,
            adapter_cpu_s(items),
            adapter_cpu_s(items, gc_threshold=stack.settings.streams.gc_threshold),
        ),
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
    worst: dict[int, list[float]] = {}  # second of the level → worst [age, workers, sink] sent in it
    first = min(pub.sent_at.values(), default=0.0)
    for (p, off), (src, produced) in sources.items():
        committed, sent = watch.committed_at(p, off), pub.sent_at.get(src)
        if committed is not None and sent is not None:
            ages.append(committed - sent)
            streams.append(produced - sent)
            sink.append(committed - produced)
            w = worst.setdefault(int(sent - first), [0.0, 0.0, 0.0])
            w[:] = [max(w[0], ages[-1]), max(w[1], streams[-1]), max(w[2], sink[-1])]
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
        "worst_by_second": sorted(worst.items()),  # where in the level the slow captures were sent
    }


# -- main ------------------------------------------------------------------------------------


def on_fresh_stack(args: argparse.Namespace, phase: Phase) -> dict[str, Any]:
    """Run ``phase`` on a stack of its own (on ``args.broker`` when shared); adds that stack's
    storage and drop counts."""
    t0 = time.monotonic()
    with open_stack("e2e", args.partitions, args.engine, args.broker) as stack:
        stack.start("worker", args.workers)
        stack.start("sink", args.sinks)
        stack.wait_ready(settle_s=args.settle_s)
        print(f"    [fresh stack: broker {stack.bootstrap}, ready after {time.monotonic() - t0:.0f}s]")
        return asyncio.run(_run_phase(stack, phase))


async def _run_phase(stack: Stack, phase: Phase) -> dict[str, Any]:
    conn = await stack.connect()
    try:
        async with OddsProducer.from_settings(stack.settings, source="bench-e2e") as producer:
            out = await phase(stack, producer, conn)
        return out | {"storage": await storage(conn), "drops": drops(stack)}
    finally:
        await conn.close()


def paced_level(items: list[Item], rate: float, poll_s: float) -> Phase:
    """Phase (b) at one level: ``items`` paced at ``rate``."""

    async def paced(stack: Stack, producer: OddsProducer, conn: Any) -> dict[str, Any]:
        return await freshness(stack, producer, items, rate, conn, poll_s)

    return paced


def report_max(a: dict[str, Any]) -> None:
    print(
        f"    backlog of {a['captures']} captures ({a['kb_per_capture']:.1f} KB, "
        f"{a['lines_per_capture']:.0f} lines each), published in {a['published_s']:.1f}s, "
        f"all committed after {a['drain_s']:.1f}s"
    )
    print(
        f"    {a['captures_per_s']:8.1f} captures/s  {a['lines_per_s']:9.0f} lines/s  "
        f"{a['mb_per_s']:6.2f} MB/s raw JSON   (publish start → last row committed; "
        f"last snapshot produced at {a['workers_per_s']:.1f}/s)"
    )
    print(f"    {show_cpu(a['cpu'])}")
    print(f"    {show_efficiency(a['efficiency'])}")


def slow_spans(f: dict[str, Any], over_s: float = 1.0) -> str:
    """The seconds of a level whose captures took longer than ``over_s``, as ranges, with the
    worst age and its split (``t=12-18s max 9.3s (workers 9.1, sink 0.2)``); "" if none."""
    spans: list[list[Any]] = []  # [first second, last second, worst]
    for sec, worst in f["worst_by_second"]:
        if worst[0] <= over_s:
            continue
        if spans and spans[-1][1] == sec - 1:
            spans[-1][1] = sec
            spans[-1][2] = max(spans[-1][2], worst)
        else:
            spans.append([sec, sec, worst])
    return ", ".join(f"t={a}-{b}s max {w[0]:.1f}s (workers {w[1]:.1f}, sink {w[2]:.1f})" for a, b, w in spans)


def report_level(level: float, f: dict[str, Any]) -> None:
    target = f"   target p99 ≤ 0.500: {'OK' if f['p99'] <= 0.5 else 'MISS'}" if level == 0.5 else ""
    print(
        f"    {level:>5.0%} {f['rate']:>7.1f} {f['achieved']:>7.1f} {f['n']:>6} {f['p50']:>7.3f} "
        f"{f['p95']:>7.3f} {f['p99']:>7.3f} {f['max']:>7.3f}   {f['workers_p50']:>6.3f} "
        f"{f['workers_p99']:>6.3f}   {f['sink_p50']:>6.3f} {f['sink_p99']:>6.3f}{target}"
    )
    kept = "kept up" if f["caught_up_s"] <= SUSTAINED_S else f"FELL BEHIND (> {SUSTAINED_S:.0f}s)"
    print(f"{'':>10}all committed {f['caught_up_s']:.1f}s after the last send: {kept}; {show_cpu(f['cpu'])}")
    if slow := slow_spans(f):
        print(f"{'':>10}sent in these seconds, slower than 1 s: {slow}")


def report_storage(c: dict[str, Any], d: dict[str, Any]) -> None:
    print(
        f"\nworkers: {d['stale']:.0f} stale captures dropped, "
        f"{d['worker_dlq']:.0f} dead letters; sink: {d['sink_dlq']:.0f} dead letters"
    )
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


def sustainable(args: argparse.Namespace, source: Iterator[Item], peak: float) -> dict[str, Any]:
    """The highest paced rate that keeps up (everything committed within ``SUSTAINED_S`` of the
    last send): ``--probes`` probes, the first at 3/4 of the drain rate ``peak``, then bisection
    between the highest rate that kept up (0 at first) and the lowest that fell behind. When
    none kept up: the lowest probe's rate, an upper bound, with ``kept_up`` False."""
    lo, hi, rate = 0.0, peak, 0.75 * peak
    probes: list[dict[str, Any]] = []
    for _ in range(args.probes):
        items = list(islice(source, max(1, round(rate * args.seconds))))
        f = on_fresh_stack(args, paced_level(items, rate, args.poll_ms / 1000))
        probes.append(f)
        kept = f["caught_up_s"] <= SUSTAINED_S
        print(
            f"    probe {rate:7.1f}/s: p99 {f['p99']:.3f}s, all committed {f['caught_up_s']:.1f}s after "
            f"the last send: {'kept up' if kept else 'fell behind'}"
        )
        if slow := slow_spans(f):
            print(f"{'':>10}sent in these seconds, slower than 1 s: {slow}")
        lo, hi = (rate, hi) if kept else (lo, rate)
        rate = (lo + hi) / 2
    if lo == 0:  # (b) still says how far behind: its levels are fractions of the lowest probe
        return {"rate": hi, "kept_up": False, "probes": probes}
    return {"rate": lo, "kept_up": True, "probes": probes}


def run(args: argparse.Namespace) -> dict[str, Any]:
    """(a), then (b), each phase on a fresh stack; (c) over all of them."""
    out: dict[str, Any] = {k: getattr(args, k) for k in ("workers", "sinks", "events", "size", "partitions")}
    source = feed(args.events, args.size, args.cadence)
    phases: list[dict[str, Any]] = []
    max_rate = args.max_rate
    if max_rate is None:
        print("\n(a) drain rate")
        backlog = list(islice(source, args.backlog))

        async def drain(stack: Stack, producer: OddsProducer, conn: Any) -> dict[str, Any]:
            return await max_throughput(stack, producer, backlog, conn)

        a = out["max"] = on_fresh_stack(args, drain)
        del backlog
        phases.append(a)
        report_max(a)
        if args.probes:
            print(
                f"\n(a) max sustainable throughput: paced probes of {args.seconds:.0f}s, "
                f"each on a fresh stack, bisecting below the drain rate"
            )
            s = out["sustainable"] = sustainable(args, source, a["captures_per_s"])
            phases += s["probes"]
            max_rate = s["rate"]
            which = (
                "the highest probe that kept up"
                if s["kept_up"]
                else "NO probe kept up: the lowest probe, an upper bound"
            )
            print(
                f"    max sustainable: {max_rate:.1f} captures/s "
                f"({max_rate / a['captures_per_s']:.0%} of the drain rate; {which})"
            )
        else:  # --probes 0: the drain rate stands in for it
            max_rate = a["captures_per_s"]
    out["max_rate"] = max_rate
    print(
        f"\n(b) freshness, produce → row committed (s), {args.seconds:.0f}s per level, poll {args.poll_ms}ms"
    )
    out["freshness"] = []
    for level in args.levels:
        rate = max_rate * level
        items = list(islice(source, max(1, round(rate * args.seconds))))

        f = on_fresh_stack(args, paced_level(items, rate, args.poll_ms / 1000))
        out["freshness"].append({"level": level, **f})
        phases.append(f)
        if len(out["freshness"]) == 1:
            print(
                f"    {'level':>5} {'rate/s':>7} {'sent/s':>7} {'n':>6} {'p50':>7} {'p95':>7} "
                f"{'p99':>7} {'max':>7}   {'workers p50/p99':>13}   {'sink p50/p99':>13}"
            )
        report_level(level, f)
    out["drops"] = add_up([p["drops"] for p in phases])
    out["storage"] = add_up([p["storage"] for p in phases])
    report_storage(out["storage"], out["drops"])
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
        "--levels",
        type=lambda v: [float(x) for x in v.split(",") if x.strip()],
        default=list(LEVELS),
        help="e.g. 0.5; none: --levels=",
    )
    parser.add_argument(
        "--probes", type=int, default=3, help="paced probes for the sustainable rate (0: the drain rate)"
    )
    parser.add_argument("--poll-ms", type=int, default=10, help="sink_offsets polling interval")
    parser.add_argument("--max-rate", type=float, default=None, help="sustainable captures/s; skips (a)")
    parser.add_argument(
        "--settle-s", type=float, default=6.0, help="wait after every process is ready (rebalances end)"
    )
    parser.add_argument("--json", type=Path, default=None, help="write the figures to this file")
    add_engine(parser)
    args = parse(parser, SMOKE)
    t0 = time.monotonic()
    with shared_broker(args.engine) as args.broker:
        where = f"broker {args.broker}" if args.broker else "a fresh tansu per stack"
        print(
            f"{args.workers} worker(s) + {args.sinks} sink(s) per stack, {where}; "
            f"{args.events} events × 3 bookmakers, size {args.size}"
        )
        out = run(args)
    print(f"\ntotal {time.monotonic() - t0:.0f}s")
    if args.json:
        args.json.write_text(json.dumps(out, indent=2, default=str))


if __name__ == "__main__":
    main()
