"""CPU of the signals stage per snapshot against the match stage's per capture, in process.

    .venv/bin/python bench/signals.py [--events 10] [--rounds 100]
    .venv/bin/python bench/signals.py --smoke    # CI: 2 events, 3 rounds

Captures: ``--events`` simulated matches × 3 bookmakers × ``--rounds`` captures each, at real
sizes (:func:`bench.stages.build`), normalized once up front. ``--rounds`` is the life of a
board: a bookmaker's first snapshot of an event prices every line anew (margins, fair prices,
opening prices, consensus), later ones only the changed lines, so the ratio falls with the
captures per board. The default, 100, is under an hour of a capture every 30 s; an event
listed for a day before kickoff gets thousands. The bench also prints the captures per
board from which the ratio meets the target. Figures (CPU time, best of 3):

* **match**: what the match agent does per capture as plain functions — canonical decode,
  registry and board (:func:`streams.stages.match.logic.match_capture`), snapshot encode;
* **signals**: what the signals agent does per snapshot — snapshot decode,
  :meth:`streams.stages.signals.logic.SignalStage.process` (table writes as bytes), message encode.

Neither includes faust or Kafka (the same for both). Target: signals ≤ 20% of match. Also
printed: the signals' CPU split between each bookmaker's first snapshot of an event (every
line new: margins, fair prices and opening prices for all of them) and the others, and the
state the stage writes per snapshot (table values: what faust also sends to the changelogs).
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if sys.path and Path(sys.path[0]).resolve() == ROOT / "bench":
    sys.path[0] = str(ROOT)

import argparse  # noqa: E402
import time  # noqa: E402
from datetime import timedelta  # noqa: E402

from bench.options import parse  # noqa: E402
from bench.stages import build  # noqa: E402
from streams.contracts.capture import decode_capture, encode_capture  # noqa: E402
from streams.contracts.snapshot import Source, decode_snapshot, encode_snapshot  # noqa: E402
from streams.observe.counters import StreamCounters  # noqa: E402
from streams.settings import AgreementSettings, SignalsSettings  # noqa: E402
from streams.stages.match.board import KeyframePolicy  # noqa: E402
from streams.stages.match.logic import match_capture  # noqa: E402
from streams.stages.normalize.logic import normalize_record  # noqa: E402
from streams.stages.signals.logic import SignalStage  # noqa: E402

SMOKE = {"events": 2, "rounds": 3}
TRUST = ("sportybet", "betpawa", "bet9ja")


def canonical(events: int, rounds: int) -> list[bytes]:
    """Every capture as the match stage reads it (``odds.canonical.v1`` bytes)."""
    out = []
    for i, c in enumerate(build(events, rounds)):
        capture = normalize_record(
            Source(f"odds.raw.{c.bookmaker}", 0, i), c.envelope, raw_prefix="odds.raw.",
            max_bytes=8 << 20, max_age=timedelta(days=30), max_skew=timedelta(minutes=5),
        )  # fmt: skip
        out.append(encode_capture(capture))
    return out


def match(records: list[bytes]) -> list[bytes]:
    boards: dict[str, bytes] = {}
    registry: dict[str, bytes] = {}
    policy = KeyframePolicy(100, timedelta(minutes=10))
    counters = StreamCounters()
    out = []
    for value in records:
        result = match_capture(
            decode_capture(value), boards, registry, policy=policy, trust=TRUST, counters=counters
        )
        if result.snapshot is not None:
            out.append(encode_snapshot(result.snapshot))
    return out


class Written(dict[str, bytes]):
    """A table that counts what is written to it."""

    def __init__(self) -> None:
        super().__init__()
        self.writes = 0
        self.bytes = 0

    def __setitem__(self, key: str, value: bytes) -> None:
        self.writes += 1
        self.bytes += len(value)
        super().__setitem__(key, value)


def signals(snapshots: list[bytes]) -> int:
    stage = SignalStage(SignalsSettings(), {}, {}, AgreementSettings())
    emitted = 0
    for offset, value in enumerate(snapshots):
        result = stage.process(decode_snapshot(value), 0, offset, "odds.snapshots.v1")
        emitted += result.output is not None
    return emitted


def split(snapshots: list[bytes]) -> tuple[list[float], list[float], Written, Written]:
    """CPU per snapshot (first of its event × bookmaker, the others) and the tables written."""
    markets, events = Written(), Written()
    stage = SignalStage(SignalsSettings(), markets, events, AgreementSettings())
    seen: set[str] = set()
    first: list[float] = []
    later: list[float] = []
    for offset, value in enumerate(snapshots):
        t0 = time.process_time()
        snap = decode_snapshot(value)
        stage.process(snap, 0, offset, "odds.snapshots.v1")
        spent = time.process_time() - t0
        board = f"{snap.key}|{snap.bookmaker}"
        (later if board in seen else first).append(spent)
        seen.add(board)
    return first, later, markets, events


def cpu(fn, *args):  # type: ignore[no-untyped-def]
    best, out = float("inf"), None
    for _ in range(3):
        t0 = time.process_time()
        out = fn(*args)
        best = min(best, time.process_time() - t0)
    return best, out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=100, help="captures per event × bookmaker")
    args = parse(parser, SMOKE)
    records = canonical(args.events, args.rounds)
    t_match, snapshots = cpu(match, records)
    t_signals, emitted = cpu(signals, snapshots)
    n, m = len(records), len(snapshots)
    print(f"{n} captures, {m} snapshots, {emitted} signal messages")
    print(f"match    {1e6 * t_match / n:10.0f} µs CPU per capture")
    print(f"signals  {1e6 * t_signals / m:10.0f} µs CPU per snapshot")
    ratio = (t_signals / m) / (t_match / n)
    print(f"signals / match = {ratio:.2f} (target ≤ 0.20: {'OK' if ratio <= 0.20 else 'MISS'})")
    first, later, markets, events = split(snapshots)
    shares = []
    for name, times in (("first snapshot of an event × bookmaker", first), ("later snapshots", later)):
        if times:
            mean = sum(times) / len(times)
            shares.append(mean / (t_match / n))
            print(f"  {name}: {len(times)}, {1e6 * mean:.0f} µs CPU each ({shares[-1]:.2f} of match)")
    if len(shares) == 2:
        f, rest = shares  # (f + (k − 1)·rest) / k ≤ 0.20 from k captures per board on
        even = "never" if rest >= 0.20 else f"from {max(1.0, (f - rest) / (0.20 - rest)):.0f}"
        print(f"  ratio ≤ 0.20 {even} captures per event × bookmaker (this run: {args.rounds})")
    written = (markets.bytes + events.bytes) / m
    print(
        f"state written per snapshot: {written / 1e3:.1f} KB "
        f"({markets.writes / m:.1f} market values, {markets.bytes / m / 1e3:.1f} KB; "
        f"{events.writes / m:.1f} event entries, {events.bytes / m / 1e3:.1f} KB)"
    )


if __name__ == "__main__":
    main()
