"""Stream processors end to end (normalize + match + diff in faust workers) against the adapters alone.

    .venv/bin/python bench/stages.py [--events 30] [--rounds 6] [--workers 1 2]
    .venv/bin/python bench/stages.py --engine tansu    # the broker: kafka (default) or tansu
    .venv/bin/python bench/stages.py --smoke    # CI: 6 captures, one worker

Captures: ``--events`` simulated matches × 3 bookmakers × ``--rounds`` captures each, at
real sizes (the simulator's ``size="real"``: BetPawa ~55 KB, SportyBet ~650 KB, Bet9ja
~265 KB), as raw envelopes. Figures, in one run:

* **adapter only**: ``orjson.loads`` + ``adapters.normalize`` of every payload, in process
  (what ``bench/normalize.py`` measures);
* **stages, no Kafka**: the same work plus everything the agents do per capture as plain
  functions (envelope decode, canonical encode/decode, registry, diff, snapshot encode);
* **faust workers**: ``--workers`` ``oddsflow worker`` processes on the broker
  (:func:`bench.stack.open_broker`: the one at ``ODDS_KAFKA__BOOTSTRAP_SERVERS`` when set,
  else ``--engine``, one Apache Kafka node or the embedded tansu, on the same cores). The
  workers start first; once their group is stable (``--settle-s`` after every worker is
  ready) every capture is published at once, and the span runs from the first snapshot's
  timestamp to the last one's.

MB/s counts raw envelope bytes. The last column is the ratio to the adapter-only rate:
what the framework (faust, Kafka round trips, the second stage) costs on top.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Run as ``python bench/stages.py``, bench/ is sys.path[0]: the repo root instead, so that
# ``bench.*`` imports resolve (and no bench module could shadow an installed one).
if sys.path and Path(sys.path[0]).resolve() == ROOT / "bench":
    sys.path[0] = str(ROOT)

import argparse  # noqa: E402
import asyncio  # noqa: E402
import os  # noqa: E402
import secrets  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402
from dataclasses import dataclass  # noqa: E402
from datetime import UTC, datetime, timedelta  # noqa: E402

import orjson  # noqa: E402
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition  # noqa: E402

from bench.options import add_engine, parse  # noqa: E402
from bench.stack import Broker, open_broker  # noqa: E402
from streams import adapters  # noqa: E402
from streams.contracts.capture import decode_capture, encode_capture  # noqa: E402
from streams.contracts.raw import HEADERS, encode_raw, raw_key  # noqa: E402
from streams.contracts.snapshot import Source, encode_snapshot  # noqa: E402
from streams.kafka.topics import ensure_topics  # noqa: E402
from streams.observe.counters import StreamCounters  # noqa: E402
from streams.settings import load_settings  # noqa: E402
from streams.simulator import World, WorldConfig, iter_captures  # noqa: E402
from streams.stages.match.board import KeyframePolicy  # noqa: E402
from streams.stages.match.logic import match_capture  # noqa: E402
from streams.stages.normalize.logic import normalize_record  # noqa: E402

PARTITIONS = 6
SMOKE = {"events": 2, "rounds": 1, "workers": [1], "settle_s": 1.0}


@dataclass(frozen=True, slots=True)
class Capture:
    bookmaker: str
    event_id: str
    captured_at: datetime
    payload: bytes
    envelope: bytes


def build(events: int, rounds: int) -> list[Capture]:
    """Every capture of the simulated feed, in feed order, encoded once."""
    world = World(
        events, seed=3, start=datetime.now(UTC) - timedelta(hours=1), config=WorldConfig(size="real")
    )
    out = []
    for cap in iter_captures(world, rate_per_s=50, count=events * 3 * rounds):
        payload = orjson.dumps(cap.payload)
        envelope = encode_raw(
            bookmaker=cap.bookmaker,
            payload=payload,
            captured_at=cap.captured_at,
            source="bench",
            bookmaker_event_id=cap.bookmaker_event_id,
            sportradar_id=cap.sportradar_id,
        )
        out.append(Capture(cap.bookmaker, cap.bookmaker_event_id, cap.captured_at, payload, envelope))
    return out


def timed(fn: Callable[[], None], rounds: int = 3) -> float:
    best = float("inf")
    for _ in range(rounds):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def adapter_only(captures: list[Capture]) -> None:
    for c in captures:
        adapters.normalize(c.bookmaker, orjson.loads(c.payload), c.captured_at)


def stages(captures: list[Capture]) -> None:
    boards: dict[str, bytes] = {}
    registry: dict[str, bytes] = {}
    counters = StreamCounters()
    policy = KeyframePolicy(20, timedelta(minutes=10))
    for i, c in enumerate(captures):
        capture = normalize_record(
            Source(f"odds.raw.{c.bookmaker}", 0, i),
            c.envelope,
            raw_prefix="odds.raw.",
            max_bytes=8 << 20,
            max_age=timedelta(days=30),
            max_skew=timedelta(minutes=5),
        )
        again = decode_capture(encode_capture(capture))
        result = match_capture(
            again,
            boards,
            registry,
            policy=policy,
            trust=("sportybet", "betpawa", "bet9ja"),
            counters=counters,
        )
        assert result.snapshot is not None
        encode_snapshot(result.snapshot)


async def publish(bootstrap: str, prefix: str, captures: list[Capture]) -> None:
    producer = AIOKafkaProducer(
        bootstrap_servers=bootstrap,
        compression_type="zstd",
        max_request_size=9 << 20,
        max_batch_size=1 << 20,
        linger_ms=5,
    )
    await producer.start()
    try:
        futures = [
            await producer.send(
                f"{prefix}{c.bookmaker}", c.envelope, key=raw_key(c.bookmaker, c.event_id), headers=HEADERS
            )
            for c in captures
        ]
        await asyncio.gather(*futures)
    finally:
        await producer.stop()


async def wait_snapshots(
    bootstrap: str, topic: str, n: int, timeout_s: float, procs: list[subprocess.Popen[bytes]]
) -> tuple[int, int]:
    """(first, last) broker timestamps in ms once ``n`` snapshots are on ``topic``."""
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap, enable_auto_commit=False, auto_offset_reset="earliest"
    )
    await consumer.start()
    try:
        consumer.assign([TopicPartition(topic, p) for p in range(PARTITIONS)])
        stamps: list[int] = []
        deadline = time.monotonic() + timeout_s
        while len(stamps) < n:
            if time.monotonic() > deadline or all(p.poll() is not None for p in procs):
                raise SystemExit(f"only {len(stamps)} of {n} snapshots after {timeout_s}s (or workers died)")
            batch = await consumer.getmany(timeout_ms=500)
            stamps += [r.timestamp for recs in batch.values() for r in recs]
        return min(stamps), max(stamps)
    finally:
        await consumer.stop()


def faust_run(broker: Broker, captures: list[Capture], workers: int, settle_s: float) -> float:
    """Seconds from the first to the last snapshot with ``workers`` worker processes."""
    uid = secrets.token_hex(4)
    bootstrap = broker.bootstrap
    env = {k: v for k, v in os.environ.items() if not k.startswith("ODDS_")} | {
        "ODDS_LOG_LEVEL": "INFO",  # "Worker ready" is an INFO line
        "ODDS_KAFKA__BOOTSTRAP_SERVERS": bootstrap,
        "ODDS_KAFKA__ENGINE": broker.engine,
        "ODDS_TOPICS__RAW_PREFIX": f"b{uid}.odds.raw.",
        "ODDS_TOPICS__CANONICAL": f"b{uid}.odds.canonical.v1",
        "ODDS_TOPICS__SNAPSHOTS": f"b{uid}.odds.snapshots.v1",
        "ODDS_TOPICS__DLQ": f"b{uid}.odds.dlq.v1",
        "ODDS_SIGNALS__TOPIC": f"b{uid}.odds.signals.v1",
        "ODDS_TOPICS__PARTITIONS": str(PARTITIONS),
        "ODDS_STREAMS__APP_ID": f"oddsflow-bench-{uid}",
        "ODDS_STREAMS__BROKER_SESSION_TIMEOUT_S": "6",
        "ODDS_STREAMS__BROKER_REBALANCE_TIMEOUT_S": "6",
    }
    topics = {
        "raw_prefix": env["ODDS_TOPICS__RAW_PREFIX"],
        "snapshots": env["ODDS_TOPICS__SNAPSHOTS"],
        "dlq": env["ODDS_TOPICS__DLQ"],
        "partitions": PARTITIONS,
    }
    settings = load_settings(kafka={"bootstrap_servers": bootstrap, "engine": broker.engine}, topics=topics)
    asyncio.run(ensure_topics(settings, adapters.BOOKMAKERS))
    with tempfile.TemporaryDirectory(prefix="oddsflow-bench-") as tmp:
        logs = [Path(tmp) / f"w{i}.log" for i in range(workers)]
        procs = [
            subprocess.Popen(
                [sys.executable, "-m", "streams", "worker"],
                env=env,
                cwd=tmp,
                stdout=subprocess.DEVNULL,
                stderr=open(log, "wb"),  # noqa: SIM115
            )
            for log in logs
        ]
        try:
            # publish once the group is stable, so no rebalance falls inside the measurement
            deadline = time.monotonic() + 120
            while not all("Worker ready" in log.read_text(errors="replace") for log in logs):
                if time.monotonic() > deadline or any(p.poll() is not None for p in procs):
                    raise SystemExit("workers did not start")
                time.sleep(0.2)
            time.sleep(settle_s)  # the joins' rebalances are over
            asyncio.run(publish(bootstrap, settings.topics.raw_prefix, captures))
            topic = settings.topics.snapshots
            first, last = asyncio.run(wait_snapshots(bootstrap, topic, len(captures), 600, procs))
        except SystemExit:
            for log in logs:
                print(f"--- {log.name}\n{log.read_text(errors='replace')[-3000:]}", file=sys.stderr)
            raise
        finally:
            for p in procs:
                p.terminate()
            for p in procs:
                p.wait(30)
    return (last - first) / 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=30)
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--settle-s", type=float, default=8.0, help="wait after every worker is ready")
    add_engine(parser)
    args = parse(parser, SMOKE)
    captures = build(args.events, args.rounds)
    n = len(captures)
    mb = sum(len(c.envelope) for c in captures) / 1e6
    print(f"{n} captures, {mb:.0f} MB of raw envelopes ({mb * 1000 / n:.0f} KB avg)")

    t_adapter = timed(lambda: adapter_only(captures))
    t_stages = timed(lambda: stages(captures))
    rows = [("adapter only (in process)", t_adapter), ("all stages, no Kafka (in process)", t_stages)]

    with open_broker(args.engine) as broker:
        print(f"broker {broker}")
        rows += [
            (f"faust, {w} worker(s)", faust_run(broker, captures, w, args.settle_s)) for w in args.workers
        ]

    print(f"{'':<36} {'events/s':>9} {'MB/s':>7} {'vs adapter':>10}")
    for label, seconds in rows:
        # the faust span runs from the first snapshot to the last: n - 1 intervals
        count = n - 1 if label.startswith("faust") else n
        eps = count / seconds
        print(f"{label:<36} {eps:>9.0f} {mb * count / n / seconds:>7.1f} {t_adapter / n * eps:>10.2f}")


if __name__ == "__main__":
    main()
