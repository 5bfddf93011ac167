"""Reprocessing one hour of raw history: wall time and speed as a multiple of real time.

    .venv/bin/python bench/replay.py [--events 20] [--cadence 6] [--workers 2] [--mode both]
    .venv/bin/python bench/replay.py --engine tansu    # the broker: kafka (default) or tansu
    .venv/bin/python bench/replay.py --smoke    # CI: one minute of history (60 captures), both passes

**History.** :func:`streams.cli.simulate.simulate` with ``pace=False`` and
``duration_s=3600`` (what ``oddsflow simulate --no-pace --duration 3600`` runs): ``--events``
matches × 3 bookmakers captured round robin, each event × bookmaker every ``--cadence``
seconds — the defaults are the simulator's own feed, 20 events at 10 captures/s, i.e.
every board re-scraped every 6 s: 36,000 captures of ~36 KB (``--size normal``), ~1.3 GB
of raw JSON — with ``captured_at`` spread over the hour that just ended (``--history-s``),
published into a fresh stack (:mod:`bench.stack`, on ``--engine``: one Apache Kafka node by
default, or the embedded tansu; the broker at ``ODDS_KAFKA__BOOTSTRAP_SERVERS`` when set)
before anything consumes it.

**Passes** (``--mode``), each reported as wall time and *history ÷ wall time* (target ≥ 20×):

1. ``pipeline`` — the pipeline from offset 0, what a fresh deployment (or one whose groups
   were reset to the earliest offset) does: ``--workers`` × ``oddsflow worker`` and one
   ``oddsflow sink`` started on the retained history; timed from starting them (start-up
   and group joins included) to the last row committed, and from the first commit.
2. ``reprocess`` — ``oddsflow reprocess --from-earliest --execute``, the documented
   procedure after a mapping fix (docs/operations.md, "Replay and reprocessing"): the sinks
   stopped, the stream stage re-run over the whole range with fresh state (one worker subprocess),
   then every row of the range replaced in one transaction. Timed as the command's wall
   time, split into the stream stage and the replacement (from its progress lines). The
   pipeline's workers keep running, idle, as the procedure allows.

Rows stored (``snapshots``, ``odds_history``) are printed after each pass; from the
earliest record, a reprocess yields the same rows as the clean run.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Run as ``python bench/replay.py``, bench/ is sys.path[0]: the repo root instead, so that
# ``bench.*`` imports resolve (and no bench module could shadow an installed one).
if sys.path and Path(sys.path[0]).resolve() == ROOT / "bench":
    sys.path[0] = str(ROOT)

import argparse  # noqa: E402
import asyncio  # noqa: E402
import json  # noqa: E402
import subprocess  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
from typing import Any  # noqa: E402

from bench.options import add_engine, parse  # noqa: E402
from bench.stack import Stack, open_stack  # noqa: E402
from streams.cli.simulate import SimulationOptions, simulate  # noqa: E402

HOUR_S = 3600.0
SMOKE = {"events": 2, "cadence": 6.0, "history_s": 60.0, "workers": 1}


async def rows(stack: Stack) -> dict[str, int]:
    conn = await stack.connect()
    try:
        return {t: await conn.fetchval(f"SELECT count(*) FROM {t}") for t in ("snapshots", "odds_history")}
    finally:
        await conn.close()


async def wait_committed(stack: Stack, total: int, timeout_s: float) -> tuple[float, float]:
    """(time of the first commit seen, time all ``total`` snapshots were committed), monotonic."""
    conn = await stack.connect()
    first = None
    try:
        deadline = time.monotonic() + timeout_s
        while True:
            done = sum((await stack.committed(conn)).values())
            now = time.monotonic()
            if done and first is None:
                first = now
            if done >= total:
                return first or now, now
            stack.check_alive()
            if now > deadline:
                raise RuntimeError(f"only {done} of {total} snapshots committed after {timeout_s:.0f}s")
            await asyncio.sleep(0.1)
    finally:
        await conn.close()


def pipeline_pass(stack: Stack, published: int, workers: int, history_s: float) -> dict[str, Any]:
    """Pass 1: workers + sink from offset 0 over the whole history."""
    t0 = time.monotonic()
    stack.start("worker", workers)
    stack.start("sink")
    first, done = asyncio.run(wait_committed(stack, published, timeout_s=600 + published / 20))
    wall = done - t0
    return {
        "wall_s": wall,
        "multiple": history_s / wall,
        "from_first_commit_s": done - first,
        "captures_per_s": published / wall,
        **asyncio.run(rows(stack)),
    }


def reprocess_pass(stack: Stack, timeout_s: float, history_s: float) -> dict[str, Any]:
    """Pass 2: ``oddsflow reprocess --from-earliest --execute`` with the sinks stopped.

    A failed command (or one killed after ``timeout_s``) gives ``{"error": its output's tail}``.
    """
    stack.stop("sink")
    cmd = [
        sys.executable,
        "-m",
        "streams",
        "reprocess",
        "--from-earliest",
        "--execute",
        "--run-id",
        f"bench{stack.uid}",
        "--workdir",
        str(stack.workdir),
    ]
    marks: dict[str, float] = {}
    output = []
    t0 = time.monotonic()
    with subprocess.Popen(
        cmd,
        env=stack.env | {"COLUMNS": "160"},
        cwd=stack.workdir,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    ) as proc:
        watchdog = threading.Timer(timeout_s, proc.kill)
        watchdog.start()
        assert proc.stdout is not None
        for line in proc.stdout:
            output.append(line.rstrip())
            for mark in ("running the stream stage", "replacing the range's rows"):
                if mark in line:
                    marks.setdefault(mark, time.monotonic())
        watchdog.cancel()
    wall = time.monotonic() - t0
    if proc.returncode != 0:
        why = f"killed after {timeout_s:.0f}s" if proc.returncode == -9 else f"exit {proc.returncode}"
        return {"error": f"{why} after {wall:.0f}s:\n" + "\n".join(output[-12:])}
    stage = marks.get("replacing the range's rows", t0) - marks.get("running the stream stage", t0)
    applied = [ln for ln in output if any(w in ln for w in ("deleted", "written", "dead letters", "skipped"))]
    return {
        "wall_s": wall,
        "multiple": history_s / wall,
        "stream_stage_s": stage,
        "swap_s": t0 + wall - marks.get("replacing the range's rows", t0 + wall),
        "applied": applied,
        **asyncio.run(rows(stack)),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=20, help="simulated matches (× 3 bookmakers)")
    parser.add_argument("--cadence", type=float, default=6.0, help="seconds between captures of a board")
    parser.add_argument("--size", choices=["normal", "real"], default="normal")
    parser.add_argument("--workers", type=int, default=2, help="workers of the pipeline pass")
    parser.add_argument("--mode", choices=["both", "pipeline", "reprocess"], default="both")
    parser.add_argument("--history-s", type=float, default=HOUR_S, help="seconds of capture time replayed")
    parser.add_argument("--json", type=Path, default=None, help="write the figures to this file")
    add_engine(parser)
    args = parse(parser, SMOKE)
    rate = args.events * 3 / args.cadence
    out: dict[str, Any] = {"events": args.events, "cadence_s": args.cadence, "size": args.size}
    t_start = time.monotonic()
    failed = False
    with open_stack("replay", engine=args.engine) as stack:
        database = stack.db_url.rpartition("/")[2]
        print(f"broker {stack.bootstrap} ({stack.engine}), database {database}, logs in {stack.workdir}")
        opts = SimulationOptions(
            events=args.events, rate=rate, duration_s=args.history_s, size=args.size, pace=False
        )
        t0 = time.monotonic()
        published = out["captures"] = asyncio.run(simulate(stack.settings, opts, source="bench-replay"))
        print(
            f"history: {published} captures ({args.events} events × 3 bookmakers, every {args.cadence:g}s "
            f"for {args.history_s:g}s, {rate:g}/s), published in {time.monotonic() - t0:.0f}s"
        )
        print(f"\n{'pass':<44} {'wall s':>7} {'× real time':>12} {'snapshots':>10} {'odds_history':>13}")
        if args.mode in ("both", "pipeline"):
            p = out["pipeline"] = pipeline_pass(stack, published, args.workers, args.history_s)
            print(
                f"{f'pipeline from offset 0 ({args.workers} workers + 1 sink)':<44} {p['wall_s']:>7.1f} "
                f"{p['multiple']:>11.1f}× {p['snapshots']:>10} {p['odds_history']:>13}"
            )
            print(
                f"{'':<6}{p['captures_per_s']:.0f} captures/s incl. start-up; "
                f"{p['from_first_commit_s']:.1f}s from the first commit"
            )
        if args.mode in ("both", "reprocess"):
            r = out["reprocess"] = reprocess_pass(stack, 600 + published / 20, args.history_s)
            if "error" in r:
                print(f"{'oddsflow reprocess --from-earliest --execute':<44} FAILED, {r['error']}")
                failed = True
        if "reprocess" in out and "error" not in out["reprocess"]:
            r = out["reprocess"]
            print(
                f"{'oddsflow reprocess --from-earliest --execute':<44} {r['wall_s']:>7.1f} "
                f"{r['multiple']:>11.1f}× {r['snapshots']:>10} {r['odds_history']:>13}"
            )
            print(
                f"{'':<6}stream stage (1 worker) {r['stream_stage_s']:.1f}s, "
                f"replacing rows {r['swap_s']:.1f}s"
            )
            for line in r["applied"]:
                print(f"{'':<6}{line.strip()}")
        print("\ntarget: ≥ 20× real time")
    print(f"total {time.monotonic() - t_start:.0f}s")
    if args.json:
        args.json.write_text(json.dumps(out, indent=2, default=str))
    if failed:
        sys.exit(1)


if __name__ == "__main__":
    main()
