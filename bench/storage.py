"""Storage against a full-snapshot design, at several simulator change rates.

    .venv/bin/python bench/storage.py [--rates 0.01,0.02,0.05,0.10] [--activities 0.2,1] [--json out.json]
    .venv/bin/python bench/storage.py --engine tansu    # the broker: kafka (default) or tansu
    .venv/bin/python bench/storage.py --smoke    # CI: one feed of 90 captures

Part (c) of :mod:`bench.e2e` measures stored rows only at the simulator's default change
rate; this script repeats it at each rate of ``--rates`` and each prematch activity of
``--activities``, one fresh stack per pair (:mod:`bench.stack`: fresh migrated database
and topics, ``--workers`` × ``oddsflow worker``, one ``oddsflow sink``), so the rows of two
feeds never mix. The broker is ``--engine`` (:func:`bench.stack.shared_broker`): one Apache
Kafka node for the whole run (the default), or a fresh embedded tansu per stack.

**Feed.** :func:`streams.cli.simulate.simulate` with ``pace=False`` (what ``oddsflow simulate
--no-pace`` and :mod:`bench.replay` run): a :class:`~streams.simulator.WorldConfig` whose
``change_rate`` (the share of a live board's lines re-priced per capture) and
``prematch_activity`` (prematch boards re-price and suspend lines at that fraction of the
live rates) are the pair under test, its other knobs (suspensions, reactivations, live
suspensions, live share, …) at their defaults — they are printed. The default activity
(0.2, see :mod:`streams.simulator.world` for why) is the realistic feed the target is
about; activity 1 re-prices prematch boards as often as live ones, the stress case.
``--events`` matches × 3 bookmakers, every board re-captured every ``--cadence`` simulated
seconds, ``--captures`` in all, with capture times spread over the span that just ended (so
the workers' 10-minute keyframe rule sees real capture time). The defaults, 50 events × 3
bookmakers and 30,000 captures every 5 s, give every event × bookmaker 200 captures over
~17 minutes of capture time: two keyframe cycles of 100 captures (at 5 s the 100-capture
rule fires before the 10-minute one). Same ``--seed`` everywhere: the matches start
identical and diverge as they play.

**Figures**, once the sink has committed a snapshot for every capture (or nothing moved
for 60 s): :func:`bench.e2e.storage` — ``snapshots`` + ``odds_history`` rows against
Σ ``lines_total`` (every line of every capture), target ≤ 0.10 — and the *effective* change
rate: Σ (``lines_changed`` + ``lines_removed``) ÷ Σ ``lines_total`` over the non-keyframe
snapshots, i.e. the share of lines a delta actually wrote. Suspensions, reactivations, live
events suspended and resumed whole, and goals (which re-price a whole match) add to it, so
it depends on how many matches are in play, printed at the start: with seed 7, 15 of the 50
matches and 28% of the lines, near the configured ``live_share`` of 0.25 (5 events would
draw 3 in play and 57% of the lines, a much busier feed).
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Run as ``python bench/storage.py``, bench/ is sys.path[0]: the repo root instead, so that
# ``bench.*`` imports resolve (and no bench module could shadow an installed one).
if sys.path and Path(sys.path[0]).resolve() == ROOT / "bench":
    sys.path[0] = str(ROOT)

import argparse  # noqa: E402
import asyncio  # noqa: E402
import dataclasses  # noqa: E402
import json  # noqa: E402
import time  # noqa: E402
from typing import Any  # noqa: E402

from bench.measure import CommitWatch, drops, storage  # noqa: E402
from bench.options import add_engine, parse  # noqa: E402
from bench.stack import Broker, Stack, open_stack, shared_broker  # noqa: E402
from streams.cli.simulate import SimulationOptions, simulate  # noqa: E402
from streams.settings import load_settings  # noqa: E402
from streams.simulator import World, WorldConfig  # noqa: E402

TARGET = 0.10
# the WorldConfig knobs printed with the table (change_rate is each row's)
SHOWN: tuple[str, ...] = ("suspend_rate", "reactivate_rate", "live_suspend_rate", "live_resume_rate")
SHOWN += ("live_share", "missing_sr_share", "time_scale", "size")
# --smoke: one feed of 90 captures on one worker
SMOKE = {
    "rates": "0.05",
    "activities": "0.2",
    "captures": 90,
    "events": 3,
    "workers": 1,
    "partitions": 2,
    "settle_s": 1.0,
}


def options(config: WorldConfig, args: argparse.Namespace) -> SimulationOptions:
    """The backfill that :func:`simulate` publishes for ``config`` (the knobs it takes from it)."""
    return SimulationOptions(
        events=args.events,
        rate=args.events * 3 / args.cadence,
        duration_s=None,
        count=args.captures,
        change_rate=config.change_rate,
        prematch_activity=config.prematch_activity,
        size=config.size,
        seed=args.seed,
        missing_sr_share=config.missing_sr_share,
        live_share=config.live_share,
        pace=False,
    )


def live_lines(args: argparse.Namespace) -> tuple[int, float]:
    """Matches in play when the feed starts (same seed: at every rate) and their share of the
    quoted lines. The effective change rate rises with it: live boards are suspended, resumed
    and re-priced whole on goals, so with few events the draw of live matches weighs a lot."""
    world = World(args.events, seed=args.seed, config=WorldConfig(size=args.size))
    lines = [sum(len(world.truth(i, b)) for b in world.config.bookmakers) for i in range(len(world))]
    live = [n for n, m in zip(lines, world.matches, strict=True) if m.live]
    return len(live), sum(live) / max(1, sum(lines))


async def effective_change(conn: Any) -> dict[str, Any]:
    """Lines written by the deltas ÷ lines in those captures (keyframes excluded)."""
    r = await conn.fetchrow(
        """SELECT count(*) AS deltas, coalesce(sum(lines_changed + lines_removed), 0) AS delta_rows,
                  coalesce(sum(lines_total), 0) AS delta_lines
             FROM snapshots WHERE NOT keyframe"""
    )
    return dict(r) | {"effective_change": r["delta_rows"] / max(1, r["delta_lines"])}


async def measure(stack: Stack, config: WorldConfig, args: argparse.Namespace) -> dict[str, Any]:
    """Publish the feed for ``config`` into the running ``stack``, wait for the rows, count them."""
    t0 = time.monotonic()
    published = await simulate(stack.settings, options(config, args), source="bench-storage")
    conn = await stack.connect()
    try:
        async with CommitWatch(stack, conn, 0.2) as watch:
            missing = await watch.settle(published)
        return {
            "rate": config.change_rate,
            "activity": config.prematch_activity,
            "captures": published,
            "never_committed": max(0, missing),
            "seconds": time.monotonic() - t0,
            **await storage(conn),
            **await effective_change(conn),
            "counters": drops(stack),
        }
    finally:
        await conn.close()


def run_feed(rate: float, activity: float, args: argparse.Namespace, broker: Broker | None) -> dict[str, Any]:
    """One fresh stack (database, topics, workers, sink; on ``broker``, else on a broker of its
    own) for one feed; gone on return."""
    config = WorldConfig(change_rate=rate, prematch_activity=activity, size=args.size)
    label = f"storage{round(rate * 1000)}a{round(activity * 100)}"
    with open_stack(label, args.partitions, args.engine, broker) as stack:
        stack.start("worker", args.workers)
        stack.start("sink")
        stack.wait_ready(settle_s=args.settle_s)
        return asyncio.run(measure(stack, config, args))


def header() -> str:
    return (
        f"{'rate':>6} {'prematch':>8} {'captures':>8} {'snapshots':>9} {'odds_history':>12} "
        f"{'(keyframe':>10} {'/ change)':>9} {'full':>9} {'ratio':>6}  {'≤0.10':<5} {'changed/capture':>15}"
    )


def row(r: dict[str, Any]) -> str:
    verdict = "OK" if r["ratio"] <= TARGET else "MISS"
    return (
        f"{r['rate']:>6.3f} {r['activity']:>8.2f} {r['captures']:>8} {r['snapshots']:>9} "
        f"{r['odds_history']:>12} {r['keyframe_rows']:>10} {r['change_rows']:>9} "
        f"{r['full_snapshot_rows']:>9} {r['ratio']:>6.3f}  {verdict:<5} {r['effective_change']:>15.3f}"
    )


def notes(r: dict[str, Any]) -> str:
    """What does not fit the row: where the ratio comes from, and anything lost on the way."""
    full = max(1, r["full_snapshot_rows"])
    text = (
        f"    {r['rate']:.3f} × {r['activity']:.2f}: headers {r['snapshots'] / full:.3f} + keyframes "
        f"{r['keyframe_rows'] / full:.3f} ({r['keyframes']}) + deltas {r['change_rows'] / full:.3f}; "
        f"{r['full_snapshot_rows'] / max(1, r['snapshots']):.1f} lines/capture; {r['seconds']:.0f}s"
    )
    c = r["counters"]
    if r["never_committed"] or any(c.values()):
        text += (
            f"; {r['never_committed']} never committed, {c['stale']:.0f} stale, "
            f"{c['worker_dlq'] + c['sink_dlq']:.0f} dead letters"
        )
    return text


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rates", default="0.01,0.02,0.05,0.10", help="change rates, comma-separated")
    parser.add_argument(
        "--activities",
        default=f"{WorldConfig().prematch_activity:g},1",
        help="prematch activities, comma-separated (1: prematch as busy as live, the stress case)",
    )
    parser.add_argument("--captures", type=int, default=30000, help="captures per feed")
    parser.add_argument("--events", type=int, default=50, help="simulated matches (× 3 bookmakers)")
    parser.add_argument("--cadence", type=float, default=5.0, help="simulated seconds between captures")
    parser.add_argument("--size", choices=["normal", "real"], default="normal")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--workers", type=int, default=2, help="oddsflow worker processes")
    parser.add_argument("--partitions", type=int, default=6)
    parser.add_argument(
        "--settle-s", type=float, default=6.0, help="wait after every process is ready (rebalances end)"
    )
    parser.add_argument("--json", type=Path, default=None, help="write the figures to this file")
    add_engine(parser)
    args = parse(parser, SMOKE)
    rates = [float(x) for x in args.rates.split(",") if x.strip()]
    activities = [float(x) for x in args.activities.split(",") if x.strip()]
    t0 = time.monotonic()
    per_board = args.captures / (args.events * 3)
    keyframes = load_settings().streams  # what the workers will read, environment included
    defaults = dataclasses.asdict(WorldConfig(size=args.size))
    print(
        f"{args.events} events × 3 bookmakers, {args.captures} captures per feed: {per_board:.0f} per "
        f"event × bookmaker, one every {args.cadence:g}s of capture time "
        f"({per_board * args.cadence / 60:.0f} min); a keyframe every {keyframes.keyframe_every} "
        f"captures or {keyframes.keyframe_minutes:g} min"
    )
    if per_board < 2 * keyframes.keyframe_every:
        print(f"    warning: fewer than {2 * keyframes.keyframe_every} captures per board")
    live, share = live_lines(args)
    print(f"in play at the start: {live} of {args.events} matches, {share:.0%} of the lines")
    print("other WorldConfig knobs (defaults): " + ", ".join(f"{k} {defaults[k]}" for k in SHOWN))
    results = []
    with shared_broker(args.engine) as broker:
        print(f"broker: {broker or 'a fresh tansu per feed'}")
        for activity in activities:
            for rate in rates:
                results.append(run_feed(rate, activity, args, broker))
                done = time.monotonic() - t0
                print(f"    rate {rate:.3f} × prematch {activity:g} done after {done:.0f}s", flush=True)
    print(f"\nstored rows (snapshots + odds_history) / full-snapshot rows (Σ lines_total), target ≤ {TARGET}")
    print("rate: share of a live board's lines re-priced per capture; prematch: prematch_activity")
    print(header())
    for r in results:
        print(row(r))
    print("changed/capture: Σ(lines_changed + lines_removed) / Σ lines_total over non-keyframe snapshots")
    for r in results:
        print(notes(r))
    print(f"\ntotal {time.monotonic() - t0:.0f}s")
    if args.json:
        world = defaults | {"live_at_start": live, "live_line_share_at_start": share}
        out = {"args": vars(args) | {"json": str(args.json)}, "world": world, "results": results}
        args.json.write_text(json.dumps(out, indent=2, default=str))


if __name__ == "__main__":
    main()
