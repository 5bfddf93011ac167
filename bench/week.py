"""A simulated week in compressed time: do worker memory, tables, changelogs and sink caches plateau?

    .venv/bin/python bench/week.py                   # ≥ 20,000 matches × 3 bookmakers over 7 days (an hour)
    .venv/bin/python bench/week.py --events 3000     # a reduced run (same week, fewer slots)
    .venv/bin/python bench/week.py --engine tansu    # the broker: kafka (default) or tansu
    .venv/bin/python bench/week.py --smoke           # CI: ~150 events over half a day

**Feed.** :mod:`bench.calendar_feed`: matches created, quoted prematch from 3–6 h before
kickoff, played (~2 h) and ended over ``--days`` of stream time, kickoffs spread over the
whole span, at BetPawa, SportyBet and Bet9ja (``size="small"`` boards). Capture times are
stream time: the week lies in the past (it ends when the run starts), published as fast as
the pipeline takes it. Matches in play are captured every ``--live-every-min`` minutes of
stream time, prematch ones every ``--prematch-every`` such rounds; SportyBet's final
``Ended`` response closes an event (``reason=ended``), events a bookmaker lists without
Sportradar id close when idle (``ODDS_STREAMS__EVENT_IDLE_HOURS``, ``reason=idle``).

**Stack.** :func:`bench.stack.open_stack`: fresh topics and database, ``--workers`` ×
``oddsflow worker`` (memory table store: the changelogs are the state) and one ``oddsflow
sink``, on ``--engine`` (one Apache Kafka node by default). The changelog topics get
``--segment-ms`` segments so that the broker compacts them during the run (with Kafka's
default 7-day segments nothing would be compacted in minutes; in a real week it would be),
and keep tombstones as long (``delete.retention.ms``, a day by default: wall-clock time,
which would keep every tombstone of a week compressed into minutes).

**Samples**, every ``--sample-every-h`` hours of stream time, once the sink has stored a
snapshot for every capture published so far, less the captures of closed events
(``oddsflow_captures_after_close_total``), or nothing moved for ``--stall-s`` (the feed
waits for that after every round, as a live feed would arrive): the
workers' RSS (``/proc``), their ``oddsflow_open_events`` and ``oddsflow_table_entries``
(``/metrics``), the changelog topics' retained records (log-end − log-start offsets, and
bytes on disk when the broker was started here), the sink's ``oddsflow_sink_id_cache_entries``
and RSS, events open in Postgres (``closed_at IS NULL``).

**Checks** at the end: every capture of an open event is stored (``snapshots`` rows =
captures published − captures of closed events, late or after close), and a worker restarted
from its changelogs is ready (``Worker ready``, logged by faust after table recovery)
within 30 s. ``--plot`` draws the curves (matplotlib, ``pip install .[plot]``; without it
the table is still printed).
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Run as ``python bench/week.py``, bench/ is sys.path[0]: the repo root instead, so that
# ``bench.*`` imports resolve (and no bench module could shadow an installed one).
if sys.path and Path(sys.path[0]).resolve() == ROOT / "bench":
    sys.path[0] = str(ROOT)

import argparse  # noqa: E402
import asyncio  # noqa: E402
import json  # noqa: E402
import time  # noqa: E402
from datetime import UTC, datetime, timedelta  # noqa: E402
from typing import Any  # noqa: E402

import orjson  # noqa: E402

from bench.calendar_feed import Calendar, rounds  # noqa: E402
from bench.options import add_engine, parse  # noqa: E402
from bench.stack import Stack, open_stack  # noqa: E402
from bench.week_probe import Probe, changelog_topics, compact_changelogs, restart_worker  # noqa: E402
from streams.kafka.producer import OddsProducer  # noqa: E402

RECOVERY_TARGET_S = 30.0
SMOKE = {
    "events": 150,
    "days": 0.5,
    "horizon_h": 3.0,
    "live_every_min": 60.0,
    "sample_every_h": 4.0,
    "partitions": 2,
    "settle_s": 1.0,
    "plot": None,
    "stall_s": 30.0,
}


async def publish(producer: OddsProducer, captures: list[Any], pending: set[asyncio.Future[Any]]) -> None:
    for cap in captures:
        item = producer.envelope(
            cap.bookmaker,
            orjson.dumps(cap.payload),
            captured_at=cap.captured_at,
            bookmaker_event_id=cap.bookmaker_event_id,
            sportradar_id=cap.sportradar_id,
        )
        pending.add(asyncio.ensure_future(producer.send_raw(*item)))
        if len(pending) >= 512:
            done, rest = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
            pending.clear()
            pending.update(rest)
            for fut in done:
                fut.result()


async def drive(stack: Stack, cal: Calendar, args: argparse.Namespace) -> dict[str, Any]:
    """Publish the week round by round; sample after every ``sample_every_h`` of stream time."""
    start = (datetime.now(UTC) - timedelta(days=cal.days, hours=1)).replace(minute=0, second=0, microsecond=0)
    every = max(1, round(args.sample_every_h * 3600 / cal.live_every_s))
    published: dict[str, int] = {}
    events, samples = cal.slots, []
    probe = Probe(stack)
    t0 = time.monotonic()
    conn = await stack.connect()
    try:
        async with OddsProducer.from_settings(stack.settings, source="bench-week") as producer:
            pending: set[asyncio.Future[Any]] = set()
            for r in rounds(cal, start):
                events += r.ended
                for cap in r.captures:
                    published[cap.bookmaker] = published.get(cap.bookmaker, 0) + 1
                await publish(producer, r.captures, pending)
                await asyncio.gather(*pending)
                pending.clear()
                # one round at a time, as captures arrive live: bursts of many hours would let
                # the stage read one bookmaker's raw topic hours ahead of another's (a capture
                # then arrives after its event closed on another bookmaker's "Ended")
                stored = await probe.settle(conn, sum(published.values()), args.stall_s)
                last = r.index == cal.rounds - 1
                if (r.index + 1) % every == 0 or last:
                    hours = (r.index + 1) * cal.live_every_s / 3600
                    sample = await probe.sample(conn, hours, time.monotonic() - t0)
                    sample |= {"published": sum(published.values()), "stored": stored, "events": events}
                    sample |= {"live": r.live, "scheduled": r.scheduled}
                    samples.append(sample)
                    print(line(sample), flush=True)
        by_bookmaker = await probe.stored_by_bookmaker(conn)
        pg = await probe.postgres_events(conn)
    finally:
        await conn.close()
    return {
        "samples": samples,
        "published": published,
        "stored": by_bookmaker,
        "postgres": pg,
        "events": events,
        "seconds": time.monotonic() - t0,
    }


COLUMNS = (
    ("h", "hours", "{:>5.0f}"),
    ("wall", "wall_s", "{:>6.0f}"),
    ("captures", "published", "{:>9}"),
    ("events", "events", "{:>7}"),
    ("live", "live", "{:>5}"),
    ("open", "open_events", "{:>6.0f}"),
    ("registry", "event_registry", "{:>8.0f}"),
    ("boards", "last_prices", "{:>7.0f}"),
    ("sig", "signal_markets", "{:>6.0f}"),
    ("rss MB", "worker_rss_mb", "{:>7.1f}"),
    ("log written", "changelog_records", "{:>11.0f}"),
    ("log MB", "changelog_mb", "{:>7}"),
    ("sink ids", "sink_cache", "{:>8.0f}"),
    ("pg open", "pg_open", "{:>7}"),
)


def header() -> str:
    return " ".join(f"{name:>{len(fmt.format(0)) if 'f' in fmt else 9}}" for name, _, fmt in COLUMNS)


def line(s: dict[str, Any]) -> str:
    out = []
    for _, key, fmt in COLUMNS:
        value = s.get(key)
        width = len(fmt.format(0)) if "f" in fmt else int(fmt[3:-1])
        out.append(f"{'n/a':>{width}}" if value is None else fmt.format(value))
    return " ".join(out)


SERIES = ("open_events", "last_prices", "signal_markets", "worker_rss_mb", "changelog_records", "sink_cache")


def plateau(samples: list[dict[str, Any]]) -> dict[str, float]:
    """Second half of the run against the first: the ratio of the maxima, per series."""
    half = len(samples) // 2
    out = {}
    for key in SERIES:
        first = [s[key] for s in samples[:half] if s.get(key) is not None]
        second = [s[key] for s in samples[half:] if s.get(key) is not None]
        if first and second and max(first):
            out[key] = max(second) / max(first)
    return out


def report(result: dict[str, Any], cal: Calendar) -> None:
    samples = result["samples"]
    print(f"\n{header()}")
    for s in samples:
        print(line(s))
    total = sum(result["published"].values())
    print(
        f"\nweek: {result['events']} events × {len(cal.bookmakers)} bookmakers, {total} captures over "
        f"{cal.days:g} days of stream time in {result['seconds']:.0f}s"
    )
    tail = samples[len(samples) // 2 :]
    if tail:
        per_open = [s["last_prices"] / s["open_events"] for s in tail if s.get("open_events")]
        mb = [s["worker_rss_mb"] for s in tail if s.get("worker_rss_mb")]
        print(
            f"plateau (second half): open events {min(s['open_events'] for s in tail):.0f}–"
            f"{max(s['open_events'] for s in tail):.0f}, boards per open event "
            f"{sum(per_open) / max(1, len(per_open)):.2f}, "
            f"worker RSS {min(mb, default=0):.1f}–{max(mb, default=0):.1f} MB"
        )
    ratios = plateau(samples)
    print("max(second half) / max(first half): " + ", ".join(f"{k} {v:.2f}" for k, v in ratios.items()))
    after_close = sum(samples[-1].get("after_close", {}).values()) if samples else 0
    stored = sum(result["stored"].values())
    verdict = "OK" if stored == total - after_close else "MISS"
    print(
        f"stored / published per bookmaker: {result['stored']} / {result['published']}; "
        f"stored {stored} = published {total} - captures of closed events {after_close:.0f}: {verdict}"
    )
    pg = result["postgres"]
    print(f"postgres events: {pg['events']} ({pg['closed']} closed, {pg['open']} open)")
    closed = samples[-1].get("closed", {}) if samples else {}
    print("closed by reason (worker): " + (", ".join(f"{k} {v:.0f}" for k, v in closed.items()) or "none"))
    if samples:
        late = samples[-1].get("after_close", {})
        print(
            f"reopened {samples[-1].get('reopened', 0):.0f}; captures after close: "
            + (", ".join(f"{k} {v:.0f}" for k, v in late.items()) or "none")
        )
    rec = result["recovery"]
    ok = "OK" if rec["ready_s"] is not None and rec["ready_s"] <= RECOVERY_TARGET_S else "MISS"
    print(
        f"worker restart: ready after {rec['ready_s'] if rec['ready_s'] is not None else 'n/a'}s "
        f"(target ≤ {RECOVERY_TARGET_S:.0f}s: {ok}); boards {rec['boards_before']:.0f} before, "
        f"{rec['boards_after']} after; changelog records {rec['changelog_records']}"
    )


def plot(result: dict[str, Any], path: Path, cal: Calendar) -> None:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib not installed (pip install .[plot]): no plot")
        return
    s = result["samples"]
    days = [x["hours"] / 24 for x in s]
    fig, axes = plt.subplots(3, 1, figsize=(9, 9), sharex=True)
    ax = axes[0]
    ax.plot(days, [x.get("open_events") for x in s], label="open events (worker)")
    ax.plot(days, [x.get("last_prices") for x in s], label="last_prices entries (boards)")
    ax.plot(days, [x.get("event_registry") for x in s], label="event_registry entries")
    ax.plot(days, [x.get("signal_markets") for x in s], label="signal_markets entries")
    ax.plot(days, [x.get("sink_cache") for x in s], label="sink id cache entries")
    ax.plot(days, [x["events"] for x in s], "--", color="grey", label="events created so far")
    ax.set_ylabel("entries")
    ax.legend(fontsize=8)
    ax = axes[1]
    ax.plot(days, [x.get("worker_rss_mb") for x in s], label="worker RSS")
    ax.plot(days, [x.get("sink_rss_mb") for x in s], label="sink RSS")
    ax.set_ylabel("MB")
    ax.set_ylim(bottom=0)
    ax.legend(fontsize=8)
    ax = axes[2]
    mb = [None if x.get("changelog_mb") is None else float(x["changelog_mb"]) for x in s]
    if any(v is not None for v in mb):
        ax.plot(days, mb, label="changelogs on disk (compacted)")
        ax.set_ylabel("MB")
        ax.set_ylim(bottom=0)
    else:  # a broker this run did not start: its disk is not readable here
        ax.plot(days, [x.get("changelog_records") for x in s], label="changelog records written")
        ax.set_ylabel("records")
    ax.set_xlabel("stream time (days)")
    ax.legend(fontsize=8)
    total = sum(result["published"].values())
    fig.suptitle(f"oddsflow: {result['events']} events × {len(cal.bookmakers)} bookmakers, {total} captures")
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    print(f"plot: {path}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=20500, help="matches, about (× 3 books)")
    parser.add_argument("--days", type=float, default=7.0, help="days of stream time")
    parser.add_argument("--live-every-min", type=float, default=60.0, help="stream min between live captures")
    parser.add_argument("--prematch-every", type=int, default=2, help="prematch: every N live rounds")
    parser.add_argument("--horizon-h", type=float, default=6.0, help="new matches kick off ½–1 × this ahead")
    parser.add_argument("--sample-every-h", type=float, default=6.0, help="stream hours between samples")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--workers", type=int, default=1, help="oddsflow worker processes")
    parser.add_argument("--partitions", type=int, default=6)
    parser.add_argument(
        "--segment-ms", type=int, default=60000, help="changelogs: segment.ms and delete.retention.ms"
    )
    parser.add_argument("--stall-s", type=float, default=120.0, help="stop waiting for rows after this")
    parser.add_argument("--settle-s", type=float, default=6.0, help="wait after every process is ready")
    parser.add_argument("--plot", type=Path, default=ROOT / "docs" / "week.png", help="PNG to write")
    parser.add_argument("--json", type=Path, default=None, help="write the samples to this file")
    add_engine(parser)
    args = parse(parser, SMOKE)
    cal = Calendar(
        events=args.events,
        days=args.days,
        live_every_s=args.live_every_min * 60,
        prematch_every=args.prematch_every,
        horizon_h=args.horizon_h,
        seed=args.seed,
    )
    print(
        f"calendar: ~{cal.events} events over {cal.days:g} days, {cal.slots} slots (mean life "
        f"{cal.lifetime_h:.1f} h), live captured every {args.live_every_min:g} min, prematch every "
        f"{args.live_every_min * args.prematch_every:g} min, {', '.join(cal.bookmakers)}"
    )
    with open_stack("week", args.partitions, args.engine) as stack:
        print(f"broker: {stack.engine} at {stack.bootstrap}")
        stack.start("worker", args.workers)
        stack.start("sink")
        stack.wait_ready(settle_s=args.settle_s)
        topics = changelog_topics(stack)
        configs = asyncio.run(compact_changelogs(stack, topics, args.segment_ms))
        names = ", ".join(topics)
        print(f"changelogs {names}: {configs[topics[0]]}")
        print(header(), flush=True)
        result = asyncio.run(drive(stack, cal, args))
        result["recovery"] = restart_worker(stack, Probe(stack))
    report(result, cal)
    if args.plot is not None:
        plot(result, args.plot, cal)
    if args.json is not None:
        args.json.write_text(json.dumps({"args": vars(args), **result}, indent=2, default=str))


if __name__ == "__main__":
    main()
