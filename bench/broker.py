"""What one tailing consumer costs the broker as its partition fills up, per engine.

    .venv/bin/python bench/broker.py [--rate 500] [--size 4000] [--seconds 90] [--no-consumer]
    .venv/bin/python bench/broker.py --engine tansu    # one engine: kafka or tansu (default both)
    .venv/bin/python bench/broker.py --smoke    # CI: both engines, 5 s each, 2 s windows

Why :mod:`bench.e2e` starts a fresh tansu per phase and why a long soak needs a real Kafka.
For each engine of ``--engine`` (both by default, Apache Kafka first: one node,
:class:`~streams.embedded.kafka.KafkaCluster`; then the embedded tansu) a broker started
for the run, one topic of one partition; an aiokafka producer (zstd) sends ``--size``-byte
records at ``--rate``/s with ``send_and_wait`` (one in flight per record), and, unless
``--no-consumer``, one consumer tails the partition with the pipeline's
``fetch.max.wait.ms``. Every ``--window-s`` (10 s): records held, produce latency p50/p99
over the window and the broker's CPU over the window in % of one core. With
``ODDS_KAFKA__BOOTSTRAP_SERVERS`` set, that broker is measured once instead, without CPU
figures (its process is not this script's).

The figure is the ratio *broker CPU in the last window ÷ in the first window*, at the same
produce and fetch rate, per engine: ~1 expected on Kafka, whose fetch reads from an offset
index (its first window also pays for the JVM warming up, which pulls the ratio below 1);
on tansu it grows with what the partition holds. Figures: docs/benchmarks.md.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Run as ``python bench/broker.py``, bench/ is sys.path[0]: the repo root instead, so that
# ``bench.*`` imports resolve (and no bench module could shadow an installed one).
if sys.path and Path(sys.path[0]).resolve() == ROOT / "bench":
    sys.path[0] = str(ROOT)

import argparse  # noqa: E402
import asyncio  # noqa: E402
import contextlib  # noqa: E402
import os  # noqa: E402
import secrets  # noqa: E402
import time  # noqa: E402

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer  # noqa: E402
from aiokafka.admin import AIOKafkaAdminClient, NewTopic  # noqa: E402

from bench.measure import pct  # noqa: E402
from bench.options import ENGINES, add_engine, parse  # noqa: E402
from bench.stack import cpu_s, open_broker  # noqa: E402
from streams.settings import load_settings  # noqa: E402

SMOKE = {"rate": 100.0, "seconds": 5.0, "window_s": 2.0}


async def tail(bootstrap: str, topic: str, fetch_max_wait_ms: int, seen: list[int]) -> None:
    """Read ``topic`` from the start for ever, counting records into ``seen[0]``."""
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        fetch_max_wait_ms=fetch_max_wait_ms,
    )
    await consumer.start()
    try:
        while True:
            batches = await consumer.getmany(timeout_ms=500)
            seen[0] += sum(len(b) for b in batches.values())
    finally:
        await consumer.stop()


async def measure(bootstrap: str, broker_pid: int | None, args: argparse.Namespace) -> list[dict[str, float]]:
    """The windows of the module docstring, one dict per ``--window-s``."""
    topic = f"bench-broker-{secrets.token_hex(4)}"
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(topic, 1, 1)])
    finally:
        await admin.close()
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, compression_type="zstd", linger_ms=5)
    await producer.start()
    seen = [0]
    reader = None
    if not args.no_consumer:
        wait_ms = load_settings().kafka.fetch_max_wait_ms
        reader = asyncio.create_task(tail(bootstrap, topic, wait_ms, seen))
    payload = os.urandom(args.size // 2).hex().encode()  # random: zstd cannot shrink it much
    latencies: list[float] = []
    pending: set[asyncio.Task[None]] = set()

    async def send_one(i: int) -> None:
        t = time.monotonic()
        await producer.send_and_wait(topic, payload, key=str(i).encode())
        latencies.append(time.monotonic() - t)

    windows: list[dict[str, float]] = []
    sent, t0 = 0, time.monotonic()
    mark, cpu0 = t0, cpu_s(broker_pid) if broker_pid else 0.0
    try:
        while time.monotonic() - t0 < args.seconds:
            while sent < int((time.monotonic() - t0) * args.rate):
                task = asyncio.create_task(send_one(sent))
                pending.add(task)
                task.add_done_callback(pending.discard)
                sent += 1
            await asyncio.sleep(0.005)
            if time.monotonic() - mark >= args.window_s:
                now = time.monotonic()
                cpu = cpu_s(broker_pid) if broker_pid else float("nan")
                windows.append(
                    {
                        "t": now - t0,
                        "records": sent,
                        "read": seen[0],
                        "p50_ms": 1000 * pct(latencies, 0.5),
                        "p99_ms": 1000 * pct(latencies, 0.99),
                        "broker_cpu_pct": 100 * (cpu - cpu0) / (now - mark),
                    }
                )
                w = windows[-1]
                print(
                    f"{w['t']:6.0f}s {sent:>8} records read {seen[0]:>8}  produce p50 {w['p50_ms']:5.1f} ms "
                    f"p99 {w['p99_ms']:6.1f} ms   broker CPU {w['broker_cpu_pct']:5.1f}% of one core",
                    flush=True,
                )
                mark, cpu0 = now, cpu
                latencies.clear()
        await asyncio.gather(*pending)
    finally:
        if reader is not None:
            reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await reader
        await producer.stop()
    return windows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=500.0, help="records/s")
    parser.add_argument("--size", type=int, default=4000, help="bytes per record")
    parser.add_argument("--seconds", type=float, default=90.0)
    parser.add_argument("--no-consumer", action="store_true", help="produce only")
    parser.add_argument("--window-s", type=float, default=10.0, help="seconds per printed window")
    add_engine(parser, "both", default="both")
    args = parse(parser, SMOKE)
    engines = list(ENGINES) if args.engine == "both" else [args.engine]
    if "bootstrap_servers" in load_settings().kafka.model_fields_set:
        engines = engines[:1]  # the configured broker, whatever its engine: measured once
    ratios: dict[str, float | None] = {}
    for engine in engines:
        with open_broker(engine) as broker:
            print(f"\nbroker {broker}; {args.rate:.0f} records/s of {args.size} B, one partition", flush=True)
            windows = asyncio.run(measure(broker.bootstrap, broker.pid, args))
        first, last = (windows[0]["broker_cpu_pct"], windows[-1]["broker_cpu_pct"]) if windows else (0, 0)
        ratios[broker.label] = last / first if broker.pid and len(windows) >= 2 and first > 0 else None
    print("\nbroker CPU, last window ÷ first window at the same rates (~1 expected on Kafka):")
    for engine, ratio in ratios.items():
        print(f"    {engine:<10} {'n/a (CPU not readable)' if ratio is None else f'{ratio:.1f}'}")


if __name__ == "__main__":
    main()
