"""Adapter throughput per bookmaker against orjson parse-only throughput, in one run.

    .venv/bin/python bench/normalize.py [--events 30] [--rounds 3] [--clock wall|cpu]
    .venv/bin/python bench/normalize.py --smoke    # CI: 2 payloads per bookmaker, one round

Payloads are generated at real sizes by the simulator (BetPawa ~80–120 markets, Bet9ja
~900 odds keys, SportyBet ~360–1,000 markets; 0.3–2 MB; MSport and Betway the UOF part of a
real board, ~190 lines in football; Betika 60–90 market types; SportPesa 60–90 lines; in
their FORMATS-MORE.md shapes, ``streams.simulator.filler_more``). For each bookmaker
it times (a) ``orjson.loads`` of every payload and (b) ``orjson.loads`` + ``adapters.normalize``,
best of ``--rounds``, and prints events/s, MB/s and the ratio (b)/(a). Target: ≥ 0.40.
``--clock cpu`` times the CPU the benchmark thread used (``time.thread_time``) instead of the
wall clock: on a shared machine, time spent waiting for a core then counts in neither.
``--distinct`` gives each round payloads of its own seed, none normalized before: every
capture is read once, so the adapters' memos hit only on what genuinely recurs across
captures (ids, lines), not on a payload seen in an earlier round.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Run as ``python bench/normalize.py``, bench/ is sys.path[0]: the repo root instead, so that
# ``bench.*`` imports resolve (and no bench module could shadow an installed one).
if sys.path and Path(sys.path[0]).resolve() == ROOT / "bench":
    sys.path[0] = str(ROOT)

import argparse  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402
from datetime import UTC, datetime  # noqa: E402

import orjson  # noqa: E402

from bench.options import parse  # noqa: E402
from streams.adapters import BOOKMAKERS, normalize  # noqa: E402
from streams.simulator import sample_payloads  # noqa: E402

TARGET = 0.40
SMOKE = {"events": 2, "rounds": 1}


CLOCKS: dict[str, Callable[[], float]] = {"wall": time.perf_counter, "cpu": time.thread_time}


def fastest(
    sets: list[list[bytes]], fn: Callable[[list[bytes]], None], clock: Callable[[], float] = time.perf_counter
) -> float:
    """Fastest time of ``fn`` over the payload sets of ``sets`` (one round each) on ``clock``."""
    times = []
    for chosen in sets:
        t0 = clock()
        fn(chosen)
        times.append(clock() - t0)
    return min(times)


def bench(
    bookmaker: str, events: int, rounds: int, clock: str = "wall", distinct: bool = False
) -> dict[str, float]:
    payloads = sample_payloads(bookmaker, events, size="real", seed=1)  # type: ignore[arg-type]
    now = datetime.now(UTC)
    # one payload set per round: the same one, or (--distinct) one of a seed no other round reads
    sets = [
        sample_payloads(bookmaker, events, size="real", seed=101 + r) if distinct else payloads  # type: ignore[arg-type]
        for r in range(rounds)
    ]
    mb = statistics.mean(sum(len(p) for p in chosen) for chosen in sets) / 1e6

    def parse_only(chosen: list[bytes]) -> None:
        for p in chosen:
            orjson.loads(p)

    def adapt(chosen: list[bytes]) -> None:
        for p in chosen:
            normalize(bookmaker, orjson.loads(p), now, now=now)

    lines = statistics.mean(len(normalize(bookmaker, orjson.loads(p), now, now=now).lines) for p in payloads)
    t_parse = fastest(sets, parse_only, CLOCKS[clock])
    t_adapt = fastest(sets, adapt, CLOCKS[clock])
    return {
        "avg_kb": mb * 1000 / events,
        "lines": lines,
        "parse_eps": events / t_parse,
        "parse_mbs": mb / t_parse,
        "adapt_eps": events / t_adapt,
        "adapt_mbs": mb / t_adapt,
        "ratio": t_parse / t_adapt,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=30)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--clock", choices=sorted(CLOCKS), default="wall", help="what is timed")
    parser.add_argument(
        "--distinct", action="store_true", help="each round reads payloads no round read before"
    )
    args = parse(parser, SMOKE)
    print(
        f"{'bookmaker':<10} {'avg KB':>7} {'lines':>6} {'parse ev/s':>11} {'parse MB/s':>11} "
        f"{'adapt ev/s':>11} {'adapt MB/s':>11} {'ratio':>6}  target ≥ {TARGET:.2f}"
    )
    worst = 1.0
    for bm in BOOKMAKERS:
        r = bench(bm, args.events, args.rounds, args.clock, args.distinct)
        worst = min(worst, r["ratio"])
        verdict = "ok" if r["ratio"] >= TARGET else "BELOW"
        print(
            f"{bm:<10} {r['avg_kb']:>7.0f} {r['lines']:>6.0f} "
            f"{r['parse_eps']:>11.0f} {r['parse_mbs']:>11.1f} "
            f"{r['adapt_eps']:>11.0f} {r['adapt_mbs']:>11.1f} {r['ratio']:>6.2f}  {verdict}"
        )
    print(f"worst ratio {worst:.2f} ({'meets' if worst >= TARGET else 'misses'} the {TARGET:.0%} target)")


if __name__ == "__main__":
    main()
