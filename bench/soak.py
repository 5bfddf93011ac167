"""Soak: the pipeline on Apache Kafka at half its sustainable rate for hours, as it runs in use.

    .venv/bin/python bench/soak.py --max-rate 102 [--minutes 120] [--plot docs/soak.png]
    .venv/bin/python bench/soak.py --engine tansu    # the broker: kafka (default) or tansu
    .venv/bin/python bench/soak.py --smoke    # CI: one minute on a tiny feed

``--max-rate`` is the sustainable rate ``bench/e2e.py`` prints ("max sustainable"); the feed
is paced at half of it (``--rate`` sets it directly). What runs, as a deployment runs it:

* **the broker**: one Apache Kafka node whose log directory is on disk under ``--log-dir``
  and kept after the run (``--engine tansu``: the embedded tansu, memory only;
  ``ODDS_KAFKA__BOOTSTRAP_SERVERS`` set: that broker). The raw, snapshots and signals topics
  get ``retention.ms`` = ``--retention-min`` and ``segment.ms`` a quarter of it
  (``ODDS_TOPICS__RETENTION_MS`` / ``ODDS_TOPICS__SEGMENT_MS``), so Kafka deletes segments
  during the soak; the log directory's size is sampled;
* ``--workers`` workers and a sink (:mod:`bench.stack`, product defaults) with the partition
  maintenance every ``--maintenance-s`` (``ODDS_PARTITIONS__MAINTENANCE_INTERVAL_S``);
* the simulator's feed (:func:`bench.measure.feed`), rendered as it goes.

Every ``--sample-s``: minutes, captures sent, lag (captures sent − snapshots committed by
the sink), the RSS of every worker, the sink and the broker, and the broker's log directory
in MB. At the end, each against its target:

* **every capture in Postgres**: ``snapshots`` rows = captures sent, once the lag settled;
* **0 stale drops** and 0 dead letters (the processes' metrics);
* **lag flat**: the least-squares slope of the lag over the last 90 minutes (the last 75%
  of a shorter run), in captures per minute with two standard errors; flat when that
  interval holds 0 or the fitted change over the window is below one second of feed;
* **RSS** of every process from the first 20 minutes on (20% of a shorter run) growing
  < 5%: the mean of the first three samples after that point against the last three.

``--plot`` draws lag and RSS over time (matplotlib, ``pip install .[plot]``); ``--json``
writes every sample.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Run as ``python bench/soak.py``, bench/ is sys.path[0]: the repo root instead (no shadowing).
if sys.path and Path(sys.path[0]).resolve() == ROOT / "bench":
    sys.path[0] = str(ROOT)

import argparse  # noqa: E402
import asyncio  # noqa: E402
import contextlib  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402
from collections.abc import Iterator  # noqa: E402
from datetime import UTC, datetime  # noqa: E402
from itertools import islice  # noqa: E402
from typing import Any  # noqa: E402

from bench.measure import CommitWatch, Item, Published, drops, feed, publish_paced  # noqa: E402
from bench.options import add_engine, parse  # noqa: E402
from bench.stack import Broker, Stack, open_broker, open_stack, rss_mb  # noqa: E402
from streams.kafka.producer import OddsProducer  # noqa: E402
from streams.settings import load_settings  # noqa: E402

SMOKE = {
    "minutes": 1.0,
    "max_rate": 20.0,
    "events": 4,
    "workers": 1,
    "partitions": 2,
    "sample_s": 5.0,
    "retention_min": 5.0,
    "maintenance_s": 20,
    "log_dir": None,  # a temp dir, removed after the run
}
RSS_TARGET = 0.05
WARMUP_MIN, SLOPE_MIN = 20.0, 90.0  # the windows; shorter runs scale them (20%, 75%)


@contextlib.contextmanager
def soak_broker(engine: str, log_dir: Path | None) -> Iterator[tuple[Broker, Path | None]]:
    """The broker and the directory holding its logs (None: memory or not ours); the logs of a
    Kafka node started here are kept under ``log_dir`` (None: a temp dir, removed after)."""
    configured = "bootstrap_servers" in load_settings().kafka.model_fields_set
    if engine != "kafka" or configured:
        with open_broker(engine) as broker:
            yield broker, None
        return
    from streams.embedded.kafka import KafkaCluster

    where = None
    if log_dir is not None:
        where = log_dir / datetime.now(UTC).strftime("soak-%Y%m%dT%H%M%S")
        where.mkdir(parents=True)
    # retention is checked every 5 min by default: every minute, so a short soak sees deletes too
    props = {"log.retention.check.interval.ms": "60000"}
    with KafkaCluster(1, directory=where, extra_properties=props) as cluster:
        yield Broker(cluster.bootstrap_servers, "kafka", cluster.pid(1)), cluster.directory


def dir_mb(path: Path | None) -> float:
    if path is None:
        return float("nan")
    # blocks on disk: Kafka's index files are sparse, preallocated at their maximum size
    return sum(p.stat().st_blocks * 512 for p in path.rglob("*") if p.is_file()) / 1e6


async def run_soak(
    stack: Stack, items: Iterator[Item], rate: float, minutes: float, sample_s: float, log_dir: Path | None
) -> dict[str, Any]:
    """Paced at ``rate`` for ``minutes``, sampling every ``sample_s``; then settles and counts."""
    conn = await stack.connect()
    pub = Published()
    procs = stack.of("worker") + stack.of("sink")
    names = [p.log.stem for p in procs] + (["broker"] if stack.broker_pid else [])
    head = "  ".join(f"{n:>9}" for n in names)
    print(f"\n{'min':>6} {'sent':>8} {'lag':>6}  {head}  log MB   (RSS MB)")
    rows: list[list[float]] = []
    try:
        async with OddsProducer.from_settings(stack.settings, source="bench-soak") as producer:
            n = int(rate * minutes * 60)
            task = asyncio.create_task(publish_paced(producer, islice(items, n), rate, pub, track=False))
            t0 = time.monotonic()
            while not task.done():
                await asyncio.wait({task}, timeout=sample_s)
                stack.check_alive()
                lag = pub.count - sum((await stack.committed(conn)).values())
                pids = [p.popen.pid for p in procs] + ([stack.broker_pid] if stack.broker_pid else [])
                rss = [rss_mb(pid) or float("nan") for pid in pids]
                rows.append([(time.monotonic() - t0) / 60, pub.count, lag, *rss, dir_mb(log_dir)])
                print(
                    f"{rows[-1][0]:>6.1f} {pub.count:>8} {lag:>6}  "
                    + "  ".join(f"{r:>9.1f}" for r in rss)
                    + f"  {rows[-1][-1]:>6.1f}",
                    flush=True,
                )
            task.result()
        async with CommitWatch(stack, conn, 0.2) as watch:
            missing = await watch.settle(pub.count)
        stored = await conn.fetchval("SELECT count(*) FROM snapshots")
    finally:
        await conn.close()
    return {
        "rate": rate,
        "minutes": minutes,
        "columns": ["min", "sent", "lag", *names, "log_mb"],
        "samples": rows,
        "sent": pub.count,
        "stored": stored,
        "never_committed": missing,
        "drops": drops(stack),
    }


def slope(points: list[tuple[float, float]]) -> tuple[float, float]:
    """Least-squares slope of ``(x, y)`` and its standard error."""
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    fit = statistics.linear_regression(xs, ys)
    if len(points) < 3:
        return fit.slope, float("inf")
    mx = statistics.fmean(xs)
    residual = sum((y - (fit.intercept + fit.slope * x)) ** 2 for x, y in points) / (len(points) - 2)
    sxx = sum((x - mx) ** 2 for x in xs)
    return fit.slope, (residual / sxx) ** 0.5 if sxx else float("inf")


def verdict(s: dict[str, Any]) -> dict[str, Any]:
    """The targets of the module docstring from the samples."""
    rows, cols = s["samples"], s["columns"]
    end = rows[-1][0]
    warmup = WARMUP_MIN if end >= 2 * WARMUP_MIN else 0.2 * end
    window = SLOPE_MIN if end >= SLOPE_MIN + WARMUP_MIN else 0.75 * end
    tail = [(r[0], r[2]) for r in rows if r[0] >= end - window]
    b, se = slope(tail)
    change = abs(b) * window  # captures the fit gains or loses over the window
    after = [r for r in rows if r[0] >= warmup]
    growth = {}
    for i, name in enumerate(cols[3:-1], start=3):
        first = statistics.fmean(r[i] for r in after[:3])
        last = statistics.fmean(r[i] for r in after[-3:])
        growth[name] = (last - first) / first
    return {
        "warmup_min": warmup,
        "slope_window_min": window,
        "lag_slope_per_min": b,
        "lag_slope_se": se,
        "lag_flat": abs(b) <= 2 * se or change < s["rate"],
        "rss_growth": growth,
        "all_stored": s["stored"] == s["sent"] and not s["never_committed"],
    }


def report(s: dict[str, Any], v: dict[str, Any], max_rate: float | None) -> None:
    half = f" (half of {max_rate:.1f})" if max_rate else ""
    d = s["drops"]
    ok = {True: "OK", False: "MISS"}
    print(f"\nsoak: {s['minutes']:g} min at {s['rate']:.1f} captures/s{half}, {s['sent']} captures sent")
    print(f"    stored {s['stored']} snapshots of {s['sent']} captures sent: {ok[v['all_stored']]}")
    print(
        f"    stale drops {d['stale']:.0f}, dead letters {d['worker_dlq'] + d['sink_dlq']:.0f} "
        f"(target 0): {ok[d['stale'] == 0 and d['worker_dlq'] + d['sink_dlq'] == 0]}"
    )
    print(
        f"    lag slope over the last {v['slope_window_min']:.0f} min: {v['lag_slope_per_min']:+.2f} "
        f"± {2 * v['lag_slope_se']:.2f} captures/min (flat: {ok[v['lag_flat']]})"
    )
    print(f"    RSS growth from minute {v['warmup_min']:.0f} to the end, target < {RSS_TARGET:.0%}:")
    for name, g in v["rss_growth"].items():
        print(f"        {name:<10} {g:+7.1%}  {ok[g < RSS_TARGET]}")


def plot(s: dict[str, Any], path: Path) -> None:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib not installed (pip install .[plot]): no plot")
        return
    rows, cols = s["samples"], s["columns"]
    t = [r[0] for r in rows]
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(9, 6), sharex=True)
    top.plot(t, [r[2] for r in rows], color="tab:red")
    top.set_ylabel("lag (captures)")
    top.set_title(f"soak on Apache Kafka: {s['rate']:.1f} captures/s for {s['minutes']:g} min")
    for i, name in enumerate(cols[3:-1], start=3):
        bottom.plot(t, [r[i] for r in rows], label=name)
    bottom.set_ylabel("RSS (MB)")
    bottom.set_xlabel("minutes")
    bottom.legend(loc="upper left", fontsize="small")
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    print(f"plot: {path}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=120.0)
    parser.add_argument("--max-rate", type=float, default=None, help="sustainable captures/s (bench/e2e.py)")
    parser.add_argument("--rate", type=float, default=None, help="captures/s (default: half of --max-rate)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--partitions", type=int, default=6)
    parser.add_argument("--events", type=int, default=100, help="simulated matches (× 3 bookmakers)")
    parser.add_argument("--size", choices=["normal", "real"], default="normal")
    parser.add_argument("--cadence", type=float, default=5.0, help="simulated seconds per round")
    parser.add_argument("--sample-s", type=float, default=60.0)
    parser.add_argument("--retention-min", type=float, default=30.0, help="retention.ms of the topics")
    parser.add_argument("--maintenance-s", type=int, default=300, help="partition maintenance interval")
    parser.add_argument("--log-dir", type=Path, default=Path.home() / ".cache" / "oddsflow" / "soak")
    parser.add_argument("--plot", type=Path, default=None)
    parser.add_argument("--json", type=Path, default=None)
    add_engine(parser)
    args = parse(parser, SMOKE)
    if args.rate is None and args.max_rate is None:
        parser.error("give --max-rate (bench/e2e.py's max sustainable) or --rate")
    rate = args.rate or args.max_rate / 2
    retention_ms = int(args.retention_min * 60_000)
    os.environ |= {  # the stack's processes and its topic creation read these
        "ODDS_TOPICS__RETENTION_MS": str(retention_ms),
        "ODDS_TOPICS__SEGMENT_MS": str(max(60_000, retention_ms // 4)),
        "ODDS_PARTITIONS__MAINTENANCE_INTERVAL_S": str(args.maintenance_s),
    }
    items = feed(args.events, args.size, args.cadence)
    with soak_broker(args.engine, args.log_dir) as (broker, log_dir):
        print(f"broker {broker}" + (f", logs in {log_dir}" if log_dir else ""))
        with open_stack("soak", args.partitions, args.engine, broker) as stack:
            stack.start("worker", args.workers)
            stack.start("sink")
            stack.wait_ready()
            s = asyncio.run(run_soak(stack, items, rate, args.minutes, args.sample_s, log_dir))
    v = verdict(s)
    report(s, v, args.max_rate if args.rate is None else None)
    if args.plot:
        plot(s, args.plot)
    if args.json:
        args.json.write_text(json.dumps(s | {"verdict": v}, indent=2, default=str))


if __name__ == "__main__":
    main()
