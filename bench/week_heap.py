"""The week's stages in one process, without Kafka: which Python allocations grow per event seen?

    .venv/bin/python bench/week_heap.py --events 300 --days 2      # seconds
    .venv/bin/python bench/week_heap.py --events 2000 --top 15     # the week of bench/week.py
    .venv/bin/python bench/week_heap.py --smoke    # CI: 20 events over half a day

Drives :mod:`bench.calendar_feed` (the feed of ``bench/week.py``) through the worker's own
code — normalize (:func:`~streams.stages.normalize.logic.normalize_record`), match
(:func:`~streams.stages.match.logic.match_capture` with its :class:`~streams.stages.match.expiry.Expiry`,
cross-book check and :class:`~streams.kafka.delivery.KeyedSender`), signals
(:class:`~streams.stages.signals.logic.SignalStage`, fed each snapshot and lifecycle record
in publishing order, encoded and decoded as on the topic) — with plain dicts as tables and
a sender whose broker acknowledges at once. At every sample it prints the stages'
memory-only structures, the tables' entries and ``tracemalloc``'s traced bytes; at the
end, the lines that grew most between the first sample after warm-up and the last.

Not covered: faust, aiokafka and the broker's client state (the worker's own process);
for those, ``ODDS_STREAMS__HEAP_TRACE_S`` logs the same growth lines inside a worker.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if sys.path and Path(sys.path[0]).resolve() == ROOT / "bench":
    sys.path[0] = str(ROOT)

import argparse  # noqa: E402
import asyncio  # noqa: E402
import gc  # noqa: E402
import tracemalloc  # noqa: E402
from datetime import UTC, datetime, timedelta  # noqa: E402
from typing import Any  # noqa: E402

import orjson  # noqa: E402
from aiokafka.partitioner import murmur2  # noqa: E402

from bench.calendar_feed import Calendar, rounds  # noqa: E402
from bench.options import parse  # noqa: E402
from streams.adapters import extract_ids  # noqa: E402
from streams.adapters._lines import BoundedCache  # noqa: E402
from streams.contracts.lifecycle import EventLifecycleV1, decode_snapshots_record  # noqa: E402
from streams.contracts.raw import encode_raw  # noqa: E402
from streams.contracts.snapshot import SnapshotV1, Source, encode_snapshot  # noqa: E402
from streams.kafka.delivery import KeyedSender, OutRecord  # noqa: E402
from streams.observe.counters import StreamCounters  # noqa: E402
from streams.observe.heap import rss_bytes  # noqa: E402
from streams.settings import load_settings  # noqa: E402
from streams.stages.match.board import KeyframePolicy, Verdict  # noqa: E402
from streams.stages.match.crossbook import CrossBook  # noqa: E402
from streams.stages.match.expiry import Expiry, key_partition  # noqa: E402
from streams.stages.match.lifecycle import Admission, LifecyclePolicy  # noqa: E402
from streams.stages.match.logic import match_capture  # noqa: E402
from streams.stages.normalize.logic import normalize_record  # noqa: E402
from streams.stages.signals.logic import SignalStage  # noqa: E402


class Pipeline:
    """normalize → match → signals of one worker that owns every partition."""

    def __init__(self, partitions: int) -> None:
        s = self.settings = load_settings()
        self.partitions = partitions
        self.topics = s.topics
        self.registry: dict[str, bytes] = {}
        self.boards: dict[str, bytes] = {}
        self.markets: dict[str, bytes] = {}
        self.events: dict[str, bytes] = {}
        self.out: list[OutRecord] = []
        self.sender = KeyedSender(self._send)
        self.crossbook = CrossBook(s.agreement)
        st = s.streams
        idle, grace = timedelta(hours=st.event_idle_hours), timedelta(hours=st.event_grace_hours)
        self.expiry = Expiry(
            self.boards, self.registry, self.sender, topic=self.topics.snapshots, partitions=partitions,
            policy=LifecyclePolicy(idle, grace), on_close=self.crossbook.state.forget,
        )  # fmt: skip
        self.keyframes = KeyframePolicy(st.keyframe_every, timedelta(minutes=st.keyframe_minutes))
        self.signals = SignalStage(s.signals, self.markets, self.events, s.agreement)
        self.counters = StreamCounters()
        self.partition_of = key_partition(partitions)
        self.offsets: dict[tuple[str, int], int] = {}
        self.snapshots = 0
        self.closed = 0

    async def _send(self, record: OutRecord) -> Any:
        self.out.append(record)
        ack = asyncio.get_running_loop().create_future()
        ack.set_result(None)
        return ack

    def _source(self, topic: str, key: bytes) -> Source:
        partition = int(murmur2(key) & 0x7FFFFFFF) % self.partitions
        offset = self.offsets.get((topic, partition), 0)
        self.offsets[(topic, partition)] = offset + 1
        return Source(topic, partition, offset)

    async def capture(self, cap: Any) -> None:
        s = self.settings
        raw = orjson.dumps(cap.payload)
        event_id, sr = cap.bookmaker_event_id, cap.sportradar_id
        if event_id is None:
            event_id, sr = extract_ids(cap.bookmaker, orjson.loads(raw))
        value = encode_raw(
            bookmaker=cap.bookmaker, payload=raw, captured_at=cap.captured_at, source="heap",
            bookmaker_event_id=event_id, sportradar_id=sr,
        )  # fmt: skip
        topic = f"{self.topics.raw_prefix}{cap.bookmaker}"
        capture = normalize_record(
            self._source(topic, f"{cap.bookmaker}:{event_id}".encode()), value,
            raw_prefix=self.topics.raw_prefix, max_bytes=s.kafka.max_message_bytes,
            max_age=timedelta(days=3650), max_skew=timedelta(seconds=s.streams.max_skew_s),
        )  # fmt: skip
        partition = self.partition_of(capture.key)
        admission = await self.expiry.before(partition, capture)
        if admission not in (Admission.OPEN, Admission.REOPEN):
            return
        await self.sender.wait(capture.board_key)
        result = match_capture(
            capture, self.boards, self.registry, policy=self.keyframes,
            trust=s.streams.metadata_trust, counters=self.counters,
        )  # fmt: skip
        if result.verdict in (Verdict.NEW, Verdict.REPLAY):
            self.expiry.after(partition, capture)
        if result.snapshot is not None:
            snap = result.snapshot
            out = OutRecord(self.topics.snapshots, snap.key.encode(), encode_snapshot(snap))
            await self.sender.send(capture.board_key, out, _noop)
            self.crossbook.seen(capture, snap)
        await asyncio.sleep(0)  # acks run
        self._signals()

    def _signals(self) -> None:
        records, self.out = self.out, []
        for record in records:
            if record.topic != self.topics.snapshots or record.value is None:
                continue
            source = self._source(record.topic, record.key or b"")
            decoded = decode_snapshots_record(record.value)
            if isinstance(decoded, SnapshotV1):
                self.snapshots += 1
                self.signals.process(decoded, source.partition, source.offset, record.topic)
            elif isinstance(decoded, EventLifecycleV1) and decoded.state == "closed":
                self.closed += 1
                self.signals.forget(decoded.key)

    def sizes(self) -> dict[str, int]:
        """Entries of every table and memory-only structure of the stages."""
        sig = self.signals
        return {
            "open": self.expiry.open_events(),
            "registry": len(self.registry),
            "boards": len(self.boards),
            "sig_markets": len(self.markets),
            "sig_events": len(self.events),
            "cached_markets": len(sig.markets._cache),
            "cached_index": len(sig.index._cache),
            "cached_events": len(sig.events._cache),
            "infos": len(sig.infos._held),
            "contexts": len(sig._context),
            "agreement_m": len(self.crossbook.state),
            "agreement_s": len(sig.agreement) if sig.agreement is not None else 0,
            "closed_set": len(self.expiry.closed),
            "inflight": self.sender.in_flight(),
            "adapter_memos": adapter_memos(),
        }


def adapter_memos() -> int:
    """Entries of the adapters' bounded memos (both generations), all modules."""
    total = 0
    for name, module in list(sys.modules.items()):
        if name.startswith("streams.adapters"):
            for value in vars(module).values():
                if isinstance(value, BoundedCache):
                    total += len(value) + len(value.old)
    return total


def _noop() -> None:
    return None


async def run(args: argparse.Namespace) -> None:
    cal = Calendar(events=args.events, days=args.days, live_every_s=args.live_every_min * 60)
    start = datetime(2026, 11, 1, tzinfo=UTC)
    pipe = Pipeline(args.partitions)
    every = max(1, round(args.sample_every_h * 3600 / cal.live_every_s))
    warm = max(1, round(args.warm_h * 3600 / cal.live_every_s))
    if args.frames:
        tracemalloc.start(args.frames)
    base = None
    events = cal.slots
    for r in rounds(cal, start):
        events += r.ended
        for cap in r.captures:
            await pipe.capture(cap)
        k = r.index + 1
        if k % every == 0 or k == cal.rounds or k == warm:
            gc.collect()
            traced, _ = tracemalloc.get_traced_memory()
            sizes = " ".join(f"{n}={v}" for n, v in pipe.sizes().items())
            print(
                f"h={k * cal.live_every_s / 3600:5.0f} events={events} closed={pipe.closed} "
                f"rss={rss_bytes() / 1e6:6.1f}MB traced={traced / 1e6:6.1f}MB {sizes}",
                flush=True,
            )
            if k == warm and args.frames:
                base = tracemalloc.take_snapshot()
    if base is None:
        return
    gc.collect()
    last = tracemalloc.take_snapshot()
    keep = [tracemalloc.Filter(False, tracemalloc.__file__)]
    stats = last.filter_traces(keep).compare_to(base.filter_traces(keep), "traceback")
    print(f"\ntop growth after hour {args.warm_h:g} ({args.frames} frames):")
    for st in stats[: args.top]:
        print(f"{st.size_diff / 1e3:+9.1f} kB {st.count_diff:+7d} blocks")
        for frame in st.traceback.format()[-2 * args.frames :]:
            print("   ", frame.strip())


SMOKE = {"events": 20, "days": 0.5, "warm_h": 3.0, "sample_every_h": 3.0, "top": 3}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=300)
    parser.add_argument("--days", type=float, default=2.0)
    parser.add_argument("--live-every-min", type=float, default=60.0)
    parser.add_argument("--sample-every-h", type=float, default=6.0)
    parser.add_argument("--warm-h", type=float, default=12.0, help="tracemalloc baseline after this")
    parser.add_argument("--partitions", type=int, default=6)
    parser.add_argument("--frames", type=int, default=4, help="tracemalloc frames; 0: no tracing")
    parser.add_argument("--top", type=int, default=12)
    asyncio.run(run(parse(parser, SMOKE)))


if __name__ == "__main__":
    main()
