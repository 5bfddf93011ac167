"""The read API under load, from a second process on loopback (``oddsflow api`` as a subprocess).

    .venv/bin/python bench/read_api.py [--rate 500] [--seconds 10] [--subscribers 500] [--changes 10]
    .venv/bin/python bench/read_api.py --engine tansu    # the broker: kafka (default) or tansu
    .venv/bin/python bench/read_api.py --smoke           # CI: the same three figures, tiny

A fresh stack (:func:`bench.stack.open_stack`): one ``oddsflow sink`` and the API
(``python -m api``) on a free port, the feed of ``tests.unit.sink.feed`` (``--captures``)
published to the snapshots topic and stored by the sink. Then, this process being the load:

(a) **best prices of one event**: ``GET /events/{id}/best`` at ``--rate`` requests/s for
    ``--seconds`` (:func:`best_load`: open loop, latency from the scheduled start, aiohttp
    keep-alive), p50/p95/p99 against the 20 ms target, and the CPU of the API and the loader;
(b) **change to subscribers**: ``--subscribers`` ``GET /stream`` connections; ``--changes``
    captures published one at a time; for each, every subscriber's receive time minus the
    publish time (so the sink's batch and commit are in it: the stream waits for them) and
    minus the commit time seen in ``sink_offsets`` (polled every 5 ms); p99 against 250 ms;
(c) **memory per idle subscriber**: the API process's RSS with the subscribers connected
    and idle, minus before, divided by their number.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if sys.path and Path(sys.path[0]).resolve() == ROOT / "bench":
    sys.path[0] = str(ROOT)

import argparse  # noqa: E402
import asyncio  # noqa: E402
import dataclasses  # noqa: E402
import os  # noqa: E402
import socket  # noqa: E402
import subprocess  # noqa: E402
import time  # noqa: E402
from datetime import timedelta  # noqa: E402

import aiohttp  # noqa: E402
import httpx  # noqa: E402
from aiokafka import AIOKafkaProducer  # noqa: E402

from bench.options import add_engine, parse  # noqa: E402
from bench.stack import Proc, Stack, cpu_s, open_stack, rss_mb  # noqa: E402
from streams.contracts.snapshot import SnapshotV1, encode_snapshot  # noqa: E402
from tests.unit.sink.feed import make_feed  # noqa: E402

SMOKE = {"rate": 50, "seconds": 2.0, "subscribers": 10, "changes": 3, "captures": 120}


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def publish(stack: Stack, snaps: list[SnapshotV1]) -> float:
    producer = AIOKafkaProducer(bootstrap_servers=stack.bootstrap, linger_ms=0)
    await producer.start()
    try:
        t0 = time.time()
        for s in snaps:
            await producer.send(stack.settings.topics.snapshots, encode_snapshot(s), key=s.key.encode())
        await producer.flush()
        return t0
    finally:
        await producer.stop()


async def committed(stack: Stack) -> int:
    conn = await stack.connect()
    try:
        return sum((await stack.committed(conn)).values())
    finally:
        await conn.close()


async def wait_committed(stack: Stack, total: int, timeout_s: float = 120) -> float:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if await committed(stack) >= total:
            return time.time()
        await asyncio.sleep(0.005)
    raise RuntimeError(f"the sink did not store {total} records in {timeout_s:.0f}s")


@dataclasses.dataclass
class Load:
    """What :func:`best_load` measured: latencies from each request's scheduled start (s),
    failures, the window's wall time and the CPU seconds of the loader and of the API."""

    lat: list[float]
    errors: int
    wall_s: float
    loader_cpu_s: float
    api_cpu_s: float


async def best_load(base: str, path: str, rate: float, seconds: float, api_pid: int) -> Load:
    """Open-loop load: request ``i`` is scheduled at ``start + i / rate`` and sent then (a task
    each) whether or not earlier ones returned; its latency counts from that scheduled time,
    so a stall of the server, or of this loader, is in the figures (no coordinated omission).
    aiohttp over keep-alive connections (a fraction of httpx's CPU per request: the loader
    shares the cores with the server). One second at ``rate`` first, not counted: the API's
    pool opens its Postgres connections then."""
    connector = aiohttp.TCPConnector(limit=64, limit_per_host=64)
    async with aiohttp.ClientSession(
        base, connector=connector, timeout=aiohttp.ClientTimeout(total=10)
    ) as http:

        async def one(at: float, out: list[float] | None, failed: list[int]) -> None:
            try:
                async with http.get(path) as r:
                    await r.read()
                    ok = r.status == 200
            except (aiohttp.ClientError, TimeoutError):
                ok = False
            if not ok:
                failed[0] += 1
            elif out is not None:
                out.append(time.perf_counter() - at)

        async def paced(n: int, out: list[float] | None, failed: list[int]) -> None:
            running: set[asyncio.Task[None]] = set()
            start = time.perf_counter() + 0.05
            for i in range(n):
                at = start + i / rate
                delay = at - time.perf_counter()
                if delay > 0:
                    await asyncio.sleep(delay)
                task = asyncio.create_task(one(at, out, failed))
                running.add(task)
                task.add_done_callback(running.discard)
            await asyncio.gather(*running)

        await paced(int(rate), None, [0])
        lat: list[float] = []
        failed = [0]
        cpu0, api0, t0 = time.process_time(), cpu_s(api_pid), time.perf_counter()
        await paced(int(rate * seconds), lat, failed)
        wall = time.perf_counter() - t0
        return Load(lat, failed[0], wall, time.process_time() - cpu0, cpu_s(api_pid) - api0)


async def subscriber(
    base: str, got: list[list[float]], ready: asyncio.Event, counter: list[int], n: int
) -> None:
    async with httpx.AsyncClient(base_url=base, timeout=None) as client, client.stream("GET", "/stream") as r:
        mine: list[float] = []
        got.append(mine)
        async for line in r.aiter_lines():
            if line.startswith("event: ready"):
                counter[0] += 1
                if counter[0] == n:
                    ready.set()
            elif line.startswith("event: change"):
                mine.append(time.time())


async def run(args: argparse.Namespace, stack: Stack) -> None:
    port = free_port()
    api = subprocess.Popen(  # noqa: ASYNC220 - started once, before any load
        [sys.executable, "-m", "api", "--port", str(port)],
        env=stack.env | {"ODDS_API__MAX_SUBSCRIBERS": str(args.subscribers + 10)},
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=open(stack.workdir / "api.log", "wb"),  # noqa: SIM115, ASYNC230 - closed with the process
    )
    base = f"http://127.0.0.1:{port}"
    try:
        async with httpx.AsyncClient(base_url=base) as client:
            for _ in range(300):
                try:
                    health = (await client.get("/healthz")).json()
                    if health["stream"]["ready"]:
                        break
                except httpx.HTTPError:
                    pass
                await asyncio.sleep(0.1)
            feed = make_feed(args.captures)
            await publish(stack, feed.snaps)
            total = len(feed.snaps)
            await wait_committed(stack, total)
            events = (await client.get("/events", params={"limit": 200})).json()["items"]
            event_id = max(events, key=lambda e: len(e["bookmakers"]))["id"]

        print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())} on {os.cpu_count()} cores")
        load = await best_load(base, f"/events/{event_id}/best", args.rate, args.seconds, api.pid)
        lat = load.lat
        print(
            f"(a) GET /events/{{id}}/best at {args.rate:.0f}/s for {args.seconds:.0f}s (open loop): "
            f"{len(lat)} ok, {load.errors} errors"
        )
        ok = pct(lat, 0.99) <= 0.020 and load.errors == 0
        print(
            f"    p50 {pct(lat, 0.5) * 1000:.1f} ms  p95 {pct(lat, 0.95) * 1000:.1f} ms  "
            f"p99 {pct(lat, 0.99) * 1000:.1f} ms  max {max(lat, default=0) * 1000:.1f} ms  "
            f"target p99 ≤ 20 ms: {'OK' if ok else 'MISS'}"
        )
        async with httpx.AsyncClient(base_url=base) as client:
            cache = (await client.get("/healthz")).json().get("best_cache")
        if cache is not None:
            print(f"    /best cache (ODDS_API__BEST_CACHE): {cache['hits']} hits, {cache['misses']} misses")
        print(
            f"    CPU over the {load.wall_s:.1f} s window (100% = one core): "
            f"API {load.api_cpu_s / load.wall_s:.0%}"
            f" ({load.api_cpu_s / max(1, len(lat)) * 1000:.2f} ms/request), "
            f"loader {load.loader_cpu_s / load.wall_s:.0%}"
        )

        rss0 = rss_mb(api.pid) or 0.0
        got: list[list[float]] = []
        ready = asyncio.Event()
        counter = [0]
        subs = [
            asyncio.create_task(subscriber(base, got, ready, counter, args.subscribers))
            for _ in range(args.subscribers)
        ]
        await asyncio.wait_for(ready.wait(), 120)
        await asyncio.sleep(1.0)
        rss1 = rss_mb(api.pid) or 0.0
        per_sub_kb = (rss1 - rss0) * 1024 / args.subscribers
        from_publish: list[float] = []
        from_commit: list[float] = []
        base_snap = feed.snaps[-1]
        for i in range(args.changes):
            snap = dataclasses.replace(
                base_snap, captured_at=base_snap.captured_at + timedelta(seconds=60 + i), keyframe=False,
                changed={(1, ""): {"1": 2.0 + i / 100, "2": 3.0, "3": 4.0}}, removed=(),
            )  # fmt: skip
            marks = [len(m) for m in got]
            sent = await publish(stack, [snap])
            total += 1
            commit = await wait_committed(stack, total)
            deadline = time.monotonic() + 10
            while any(len(m) <= k for m, k in zip(got, marks, strict=True)) and time.monotonic() < deadline:  # noqa: ASYNC110
                await asyncio.sleep(0.01)
            for m, k in zip(got, marks, strict=True):
                if len(m) > k:
                    from_publish.append(m[k] - sent)
                    from_commit.append(max(0.0, m[k] - commit))
            await asyncio.sleep(0.3)
        missing = args.subscribers * args.changes - len(from_publish)
        ok = pct(from_commit, 0.99) <= 0.250 and missing == 0
        print(f"(b) {args.subscribers} SSE subscribers × {args.changes} changes: {missing} not received")
        print(
            f"    from commit p50 {pct(from_commit, 0.5) * 1000:.0f} ms"
            f"  p99 {pct(from_commit, 0.99) * 1000:.0f} ms"
            f"  (from publish p99 {pct(from_publish, 0.99) * 1000:.0f} ms)  target p99 ≤ 250 ms: "
            f"{'OK' if ok else 'MISS'}"
        )
        print(f"(c) memory per idle subscriber: {per_sub_kb:.1f} KiB (API RSS {rss0:.0f} → {rss1:.0f} MB)")
        for t in subs:
            t.cancel()
        await asyncio.gather(*subs, return_exceptions=True)
    finally:
        api.terminate()
        try:
            api.wait(15)
        except subprocess.TimeoutExpired:
            api.kill()


SINK = (
    "import logging; logging.basicConfig(level=logging.INFO); "
    "from sinks.sink import sink_command; sink_command()"
)


def start_sink(stack: Stack) -> None:
    """``oddsflow sink`` as a subprocess, started as its command only (not through the CLI's
    plugin loading, so an unrelated broken plugin cannot stop the bench)."""
    log = stack.workdir / "sink-0.log"
    with open(log, "wb") as out:
        popen = subprocess.Popen(
            [sys.executable, "-c", SINK],
            env=stack.env,
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    stack.procs.append(Proc("sink", popen, log))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=500)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--subscribers", type=int, default=500)
    parser.add_argument("--changes", type=int, default=10)
    parser.add_argument("--captures", type=int, default=600)
    add_engine(parser)
    args = parse(parser, SMOKE)
    with open_stack("api", partitions=3, engine=args.engine) as stack:
        start_sink(stack)
        stack.wait_ready(settle_s=2)
        asyncio.run(run(args, stack))


if __name__ == "__main__":
    main()
