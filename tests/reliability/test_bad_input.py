"""Bad-input campaign (issue 8, item 4): ≥ 1,000 malformed raw records inside a good feed.

The real processes run: two ``oddsflow worker`` subprocesses and one ``oddsflow sink``
against the session broker and a fresh migrated database. The malformed records of
:mod:`tests.reliability.malformed` are mixed into a few hundred good simulated captures and
published as generated (plain aiokafka producer, zstd, no checks), then:

* every malformed record is in the DLQ exactly once, with the expected ``dlq.stage`` and
  ``dlq.error.kind``. Worker dead letters carry the original key and value bytes (``None``
  stays ``None``); sink dead letters carry the snapshot record the sink consumed, byte for
  byte, and that snapshot's ``source`` is the malformed raw record;
* every good capture has its ``snapshots`` row (found by its raw topic, partition and
  offset) and no dead letter; no malformed record has a row;
* the workers and the sink are still running at the end.

Where each class lands is tabled in :mod:`tests.reliability.malformed`. Timestamps: with
default settings every ``captured_at`` the worker accepts (``max_capture_age_days`` 30,
``max_skew_s`` 300) lies inside the sink's partition window (``retention_days`` 30,
``premake_days`` 7), so nothing reaches the sink's ``bad_timestamp`` check; the campaign
runs the sink with ``retention_days`` 3 (a deployment keeping less history than the
worker accepts) so the ``retention`` class exercises that path.

Oversize: a broker checks ``max.message.bytes`` on the *compressed* batch, so a scraper
with its own producer and compression can put a 20 MB JSON document on a raw topic (the
:class:`~streams.kafka.producer.OddsProducer` refuses it before sending:
:func:`test_the_producer_client_refuses_oversize_before_sending`, not a DLQ case). The
campaign sends records just over the worker's limit (8 MiB); the 20 MB case has its own
test, :func:`test_20mb_compressed_record_is_dead_lettered`. The three tests at the end of
this module reproduce the bugs this campaign found (they were strict ``xfail`` until
fixed): a dead letter too large for the worker's producer, a value too long for an index
entry (SQLSTATE 54000, now data), a NUL character in a name (now ``bad_value``).

``ODDS_CAMPAIGN=long`` runs 10,000 malformed records (default 1,000; a number also works).
The DLQ count by stage/kind and by class is printed (``pytest -s`` shows it).
"""

from __future__ import annotations

import asyncio
import os
import random
import time
from collections import Counter, defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.structs import ConsumerRecord

from streams.contracts.capture import decode_capture
from streams.contracts.raw import HEADERS
from streams.contracts.snapshot import Source, decode_snapshot
from streams.deadletters.contract import dlq_headers
from streams.errors import DataError
from streams.kafka.producer import MessageTooLargeError, OddsProducer
from streams.settings import load_settings
from streams.simulator import SimulatedCapture, World, WorldConfig, iter_captures
from streams.stages.normalize.logic import normalize_record
from tests.integration.replay.pipeline import Pipeline
from tests.integration.streams.harness import Harness, assigned_partitions
from tests.reliability.malformed import UNKNOWN_BOOKMAKER, WEIGHTS, Malformed, MiB, generate, oversize

pytestmark = pytest.mark.integration

SEED = 20_261_121
PARTITIONS = 3
GOOD_CAPTURES = 300
SINK_RETENTION_DAYS = 3
#: just over the worker's 8 MiB limit, and small enough for its producer to dead-letter
OVERSIZE_SIZES = (int(8.5 * MiB), int(8.2 * MiB))
#: class → the product bug that keeps it out of the campaign (reproduced by an xfail test)
KNOWN_BUGS: dict[str, str] = {}


def campaign_size() -> int:
    """Malformed records to generate: ``ODDS_CAMPAIGN`` = ``long`` (10,000), a number, or 1,000."""
    mode = os.environ.get("ODDS_CAMPAIGN", "").strip().lower()
    if mode == "long":
        return 10_000
    return int(mode) if mode.isdigit() else 1_000


# -- the feed -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Entry:
    """One record to publish: a good capture (``item`` None) or a malformed one."""

    topic: str
    key: bytes | None
    value: bytes | None
    item: Malformed | None = None


def good_captures(now: datetime, count: int = GOOD_CAPTURES) -> list[SimulatedCapture]:
    """``count`` simulated captures of 12 events × 3 bookmakers, ending ~7 minutes before ``now``."""
    world = World(12, seed=SEED % 1000, start=now - timedelta(minutes=10), config=WorldConfig(size="normal"))
    return list(iter_captures(world, rate_per_s=2, count=count))


def feed(
    harness: Harness, good: Sequence[SimulatedCapture], bad: Sequence[Malformed], seed: int, after: int = 0
) -> list[Entry]:
    """Good captures (as the producer client builds them) with the malformed ones mixed in
    anywhere after the first ``after`` good ones."""
    client = OddsProducer.from_settings(harness.settings, source="campaign-scraper")
    entries = []
    for cap in good:
        topic, key, value = client.envelope(
            cap.bookmaker, orjson.dumps(cap.payload), captured_at=cap.captured_at
        )
        entries.append(Entry(topic, key, value))
    rng = random.Random(seed)
    for item in bad:
        at = rng.randrange(after, len(entries) + 1)
        entries.insert(at, Entry(harness.settings.topics.raw(item.bookmaker), item.key, item.value, item))
    return entries


def warm_count(good: Sequence[SimulatedCapture]) -> int:
    """How many of ``good`` it takes to reach the first capture of every event.

    Published and processed before anything malformed, they give every canonical partition a
    stream time, so an old capture of a new event is late wherever it lands (the first record
    of a partition sets its stream time and is never late).
    """
    every = {cap.sportradar_id for cap in good}
    seen: set[int | None] = set()
    for n, cap in enumerate(good, 1):
        seen.add(cap.sportradar_id)
        if seen == every:
            return n
    return len(good)


Landing = tuple[str, int, int]  # (topic, partition, offset)


async def publish(bootstrap: str, entries: Sequence[Entry]) -> list[Landing]:
    """Publish the entries in order, bytes as they are (zstd, no size check); where each landed."""
    producer = AIOKafkaProducer(
        bootstrap_servers=bootstrap,
        compression_type="zstd",
        max_request_size=64 * MiB,
        max_batch_size=1 * MiB,
        linger_ms=5,
        acks="all",
    )
    await producer.start()
    try:
        futures = [await producer.send(e.topic, e.value, key=e.key, headers=list(HEADERS)) for e in entries]
        metas = await asyncio.gather(*futures)
    finally:
        await producer.stop()
    return [(m.topic, m.partition, m.offset) for m in metas]


# -- reading back ---------------------------------------------------------------------------------


async def committed_offsets(
    bootstrap: str, group: str, tps: Sequence[TopicPartition]
) -> dict[TopicPartition, int]:
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False)
    await consumer.start()
    try:
        return {tp: (await consumer.committed(tp)) or 0 for tp in tps}
    finally:
        await consumer.stop()


async def wait_worker_done(pipeline: Pipeline, ends: dict[TopicPartition, int], timeout_s: float) -> None:
    """Until the worker group committed every partition in ``ends`` up to its offset (all processed)."""
    h = pipeline.harness
    deadline = time.monotonic() + timeout_s
    committed: dict[TopicPartition, int] = {}
    while time.monotonic() < deadline:
        committed = await committed_offsets(h.bootstrap_servers, h.settings.streams.app_id, list(ends))
        if all(committed[tp] >= end for tp, end in ends.items()):
            return
        alive(pipeline)
        await asyncio.sleep(1.0)
    behind = {f"{tp.topic}:{tp.partition}": (committed.get(tp), end) for tp, end in ends.items()}
    raise AssertionError(f"workers did not get through the raw topics in {timeout_s}s: {behind}")


async def warm_up(pipeline: Pipeline, warm: Sequence[Entry], timeout_s: float) -> list[Landing]:
    """Publish ``warm`` and wait until the match stage consumed all it produced; where it landed.

    Fails if a canonical partition stayed empty: its stream time would start at whatever
    malformed record came first (see :func:`feed`).
    """
    h = pipeline.harness
    landed = await publish(h.bootstrap_servers, warm)
    ends: dict[TopicPartition, int] = {}
    for topic, partition, offset in landed:
        tp = TopicPartition(topic, partition)
        ends[tp] = max(ends.get(tp, 0), offset + 1)
    await wait_worker_done(pipeline, ends, timeout_s)
    canonical = h.settings.topics.canonical
    consumer = AIOKafkaConsumer(bootstrap_servers=h.bootstrap_servers)
    await consumer.start()
    try:
        parts = [TopicPartition(canonical, p) for p in range(h.settings.topics.partitions)]
        produced = await consumer.end_offsets(parts)
    finally:
        await consumer.stop()
    assert parts and all(produced.values()), f"warm-up left a canonical partition empty: {produced}"
    await wait_worker_done(pipeline, produced, timeout_s)
    return landed


Records = list[ConsumerRecord[bytes, bytes]]


async def read_all(pipeline: Pipeline, topic: str, quiet_s: float = 3.0, timeout_s: float = 120.0) -> Records:
    """Every record of ``topic``: read from the start until each partition is at its fetch high
    watermark, or nothing new came for ``quiet_s`` (tansu's ListOffsets is not trusted here).

    Call it once the writers are done (worker offsets committed, sink caught up): their
    records are acknowledged by then.
    """
    h = pipeline.harness
    consumer = AIOKafkaConsumer(
        bootstrap_servers=h.bootstrap_servers,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        max_partition_fetch_bytes=32 * MiB,
        fetch_max_bytes=64 * MiB,
    )
    await consumer.start()
    records: Records = []
    try:
        tps = [TopicPartition(topic, p) for p in range(h.partitions)]
        consumer.assign(tps)
        await consumer.seek_to_beginning(*tps)
        deadline = time.monotonic() + timeout_s
        last_news = time.monotonic()
        while time.monotonic() < deadline:
            batch = await consumer.getmany(timeout_ms=300)
            for recs in batch.values():
                records.extend(recs)
            if batch:
                last_news = time.monotonic()
            at_end = True
            for tp in tps:
                mark = consumer.highwater(tp)
                at_end = at_end and mark is not None and await consumer.position(tp) >= mark
            if at_end or time.monotonic() - last_news > quiet_s:
                return records
        raise AssertionError(f"{topic}: still reading after {timeout_s}s ({len(records)} records)")
    finally:
        await consumer.stop()


def ends_of(records: Records) -> dict[int, int]:
    """Partition → next offset after the last of ``records``."""
    ends: dict[int, int] = {}
    for r in records:
        ends[r.partition] = max(ends.get(r.partition, 0), r.offset + 1)
    return ends


async def wait_sink_stored(pipeline: Pipeline, ends: dict[int, int], timeout_s: float) -> None:
    """Until the sink's offsets in Postgres reach ``ends`` on the snapshots topic (all written)."""
    deadline = time.monotonic() + timeout_s
    stored: dict[int, int] = {}
    while time.monotonic() < deadline:
        alive(pipeline)
        stored = {tp.partition: offset for tp, offset in (await pipeline.stored()).items()}
        if all(stored.get(p, 0) >= end for p, end in ends.items()):
            return
        await asyncio.sleep(0.5)
    raise AssertionError(f"sink did not store the snapshots topic up to {ends} in {timeout_s}s: {stored}")


def alive(pipeline: Pipeline) -> None:
    """Fail (with the log) if a worker or the sink exited."""
    h = pipeline.harness
    for i, proc in enumerate(h.procs):
        assert proc.poll() is None, f"worker {i} exited with {proc.returncode}:\n{h.log_text(i)[-4000:]}"
    for i, proc in enumerate(pipeline.sinks):
        log = pipeline.sink_logs[i].read_text(errors="replace")
        assert proc.poll() is None, f"sink {i} exited with {proc.returncode}:\n{log[-4000:]}"


async def start(pipeline: Pipeline, workers: int = 2) -> None:
    """Sink and ``workers`` workers running, every raw partition assigned to one of the workers."""
    h = pipeline.harness
    pipeline.start_sink()
    for _ in range(workers):
        h.start_worker()
    for i in range(workers):
        await h.wait_ready(i, timeout_s=120)
    raw = h.settings.topics.raw("betpawa")
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        owned = [assigned_partitions(h.log_text(i), raw) for i in range(workers)]
        if set().union(*owned) == set(range(h.partitions)) and all(owned):
            return
        alive(pipeline)
        await asyncio.sleep(0.5)
    raise AssertionError(f"raw partitions never spread over {workers} workers")


# -- the tests ------------------------------------------------------------------------------------


@pytest.fixture
def pipeline(bootstrap_servers: str, migrated_db: str, tmp_path: Path) -> Iterator[Pipeline]:
    """Fresh topics, app id and sink group on the session broker; a migrated fresh database."""
    h = Harness(bootstrap_servers, tmp_path, partitions=PARTITIONS)
    h.extra_env["ODDS_PARTITIONS__RETENTION_DAYS"] = str(SINK_RETENTION_DAYS)
    p = Pipeline(h, migrated_db)
    try:
        yield p
    finally:
        p.stop_all()


def test_generator_expectations_match_the_normalize_stage() -> None:
    """The generator's worker-stage expectations hold for the pure normalize function.

    Guards the generator (a mutation that missed, e.g. an odd price in an unmapped
    market, would be a good capture); match- and sink-stage items must pass normalize.
    """
    now = datetime.now(UTC)
    good = good_captures(now)
    items = generate(
        campaign_size(), seed=SEED, templates=good, now=now, sink_retention_days=SINK_RETENTION_DAYS
    )
    assert len(items) >= 1_000 and {i.klass for i in items} == set(WEIGHTS)
    settings = load_settings()
    wrong = []
    for item in items:
        try:
            normalize_record(
                Source(f"odds.raw.{item.bookmaker}", 0, 0),
                item.value,
                raw_prefix="odds.raw.",
                max_bytes=settings.kafka.max_message_bytes,
                max_age=timedelta(days=settings.streams.max_capture_age_days),
                max_skew=timedelta(seconds=settings.streams.max_skew_s),
                now=now,
            )
            # items for a later stage (match, sink) must pass the normalize stage
            outcome = ("later", "*") if item.stage in ("match", "sink") else ("accepted", "")
        except DataError as exc:
            outcome = (exc.stage, exc.kind)
        if outcome != ("later", "*") and not item.accepts(*outcome):
            wrong.append((item.klass, item.variant, outcome, item.stage, sorted(item.kinds)))
    assert not wrong, wrong[:20]


def test_the_producer_client_refuses_oversize_before_sending() -> None:
    """``OddsProducer`` raises before anything is sent: such a capture never reaches the DLQ."""
    now = datetime.now(UTC)
    cap = good_captures(now, count=3)[0]
    item = oversize(cap, 20 * MiB)
    client = OddsProducer.from_settings(load_settings(), source="campaign-scraper")
    payload = orjson.loads(item.value)["payload"]  # type: ignore[arg-type]
    with pytest.raises(MessageTooLargeError) as raised:
        client.envelope(cap.bookmaker, orjson.dumps(payload), captured_at=cap.captured_at)
    assert (raised.value.stage, raised.value.kind) == ("produce", "oversize")


@pytest.mark.timeout(1800)
async def test_bad_input_campaign(pipeline: Pipeline) -> None:
    h = pipeline.harness
    started = time.monotonic()
    now = datetime.now(UTC)
    good = good_captures(now)
    classes = [c for c in WEIGHTS if c not in KNOWN_BUGS]
    bad = generate(
        campaign_size(),
        seed=SEED,
        templates=good,
        now=now,
        sink_retention_days=SINK_RETENTION_DAYS,
        classes=classes,
        oversize_sizes=OVERSIZE_SIZES,
    )
    warm = warm_count(good)
    entries = feed(h, good, bad, SEED, after=warm)
    await h.create_topics(extra_raw=(UNKNOWN_BOOKMAKER,))
    await start(pipeline)
    budget = 120 + len(entries) * 0.1
    landed = await warm_up(pipeline, entries[:warm], budget)
    landed += await publish(h.bootstrap_servers, entries[warm:])
    published_at = time.monotonic()

    ends: dict[TopicPartition, int] = {}
    for topic, partition, offset in landed:
        tp = TopicPartition(topic, partition)
        ends[tp] = max(ends.get(tp, 0), offset + 1)
    await wait_worker_done(pipeline, ends, budget)
    topics = h.settings.topics
    snapshot_records = await read_all(pipeline, topics.snapshots)
    await wait_sink_stored(pipeline, ends_of(snapshot_records), budget)
    processed_at = time.monotonic()
    await asyncio.sleep(2.0)  # anything late (a duplicate dead letter) would show up now
    alive(pipeline)

    dlq = await read_all(pipeline, topics.dlq)
    snapshots = {(r.partition, r.offset): r for r in snapshot_records}
    by_source: dict[Landing, Records] = defaultdict(list)
    for record in dlq:
        head = dlq_headers(record.headers)
        source = (head["source.topic"], int(head["source.partition"]), int(head["source.offset"]))
        if head["stage"] == "sink":
            assert source[0] == topics.snapshots, head
            assert snapshots[source[1], source[2]].value == record.value, (
                f"sink dead letter ≠ its input: {head}"
            )
            raw = decode_snapshot(record.value).source
            source = (raw.topic, raw.partition, raw.offset)
        elif head["stage"] == "match" and source[0] == topics.canonical:  # e.g. late: a canonical record
            raw = decode_capture(record.value).source
            source = (raw.topic, raw.partition, raw.offset)
        by_source[source].append(record)

    rows = await pipeline.fetch("SELECT source_topic, source_partition, source_offset FROM snapshots")
    stored = Counter((r["source_topic"], r["source_partition"], r["source_offset"]) for r in rows)

    problems: list[str] = []
    per_kind: Counter[tuple[str, str]] = Counter()
    per_class: dict[str, Counter[str]] = defaultdict(Counter)
    for entry, at in zip(entries, landed, strict=True):
        letters = by_source.pop(at, [])
        item = entry.item
        if item is None:
            if letters:
                problems.append(
                    f"good capture at {at} dead-lettered: {[dlq_headers(r.headers) for r in letters]}"
                )
            if stored[at] != 1:
                problems.append(f"good capture at {at} has {stored[at]} snapshots rows")
            continue
        what = f"{item.klass}/{item.variant} at {at}"
        if stored[at]:
            problems.append(f"{what} was stored ({stored[at]} rows)")
        if len(letters) != 1:
            problems.append(
                f"{what}: {len(letters)} dead letters (expected {item.stage}/{sorted(item.kinds)})"
            )
            continue
        letter = letters[0]
        head = dlq_headers(letter.headers)
        per_kind[head["stage"], head["error.kind"]] += 1
        per_class[item.klass][f"{head['stage']}/{head['error.kind']}"] += 1
        if not item.accepts(head["stage"], head["error.kind"]):
            problems.append(
                f"{what}: dead-lettered as {head['stage']}/{head['error.kind']} "
                f"({head['error.message'][:200]}), expected {item.stage}/{sorted(item.kinds)}"
            )
        if item.stage == "match":  # the canonical record it became, naming the raw one
            raw = decode_capture(letter.value).source
            if (raw.topic, raw.partition, raw.offset) != at:
                problems.append(f"{what}: the canonical record does not name the published one")
        elif item.stage != "sink":
            if letter.value != item.value or letter.key != item.key:
                problems.append(f"{what}: dead letter bytes differ from the published ones")
            if ("schema", b"odds.raw.v1") not in list(letter.headers):
                problems.append(f"{what}: original headers not kept")
    for source, letters in by_source.items():
        heads = [dlq_headers(r.headers) for r in letters]
        problems.append(f"dead letter(s) for a record nobody published: {source} {heads}")
    alive(pipeline)

    print(
        f"\nbad-input campaign: {len(bad)} malformed + {len(good)} good records; published after "
        f"{published_at - started:.1f}s, processed {processed_at - published_at:.1f}s later"
    )
    print(f"DLQ: {len(dlq)} records; snapshots rows: {len(rows)}")
    for (stage, kind), n in sorted(per_kind.items()):
        print(f"  {stage:>9}/{kind:<20} {n:6d}")
    for klass, landed_as in sorted(per_class.items()):
        print(f"  {klass:<18} " + ", ".join(f"{k} {n}" for k, n in sorted(landed_as.items())))
    assert not problems, f"{len(problems)} problem(s):\n" + "\n".join(problems[:40])
    assert sum(per_kind.values()) == len(bad) >= 1_000


# -- bugs this campaign found, reproduced minimally (fixed: 256 MiB dead-letter producer limit,
# SQLSTATE 54000 is data, NUL in text is bad_value) ------------------------------------------------


def _same_event(good: Sequence[SimulatedCapture]) -> tuple[SimulatedCapture, SimulatedCapture]:
    """A SportyBet and a later BetPawa capture of one event that both carry its Sportradar id."""
    for cap in good:
        if cap.bookmaker == "sportybet" and cap.sportradar_id is not None:
            for later in good:
                if (
                    later.bookmaker == "betpawa"
                    and later.sportradar_id == cap.sportradar_id
                    and later.captured_at > cap.captured_at
                ):
                    return cap, later
    raise AssertionError("no event with a SportyBet and a later BetPawa capture")


async def _run_small(pipeline: Pipeline, entries: Sequence[Entry]) -> tuple[list[Landing], Records]:
    """Publish ``entries`` to one worker + the sink; wait until both processed all; the DLQ."""
    h = pipeline.harness
    await h.create_topics()
    await start(pipeline, workers=1)
    landed = await publish(h.bootstrap_servers, entries)
    ends: dict[TopicPartition, int] = {}
    for topic, partition, offset in landed:
        tp = TopicPartition(topic, partition)
        ends[tp] = max(ends.get(tp, 0), offset + 1)
    await wait_worker_done(pipeline, ends, 90)
    await wait_sink_stored(pipeline, ends_of(await read_all(pipeline, h.settings.topics.snapshots)), 90)
    alive(pipeline)
    return landed, await read_all(pipeline, h.settings.topics.dlq)


async def test_20mb_compressed_record_is_dead_lettered(pipeline: Pipeline) -> None:
    """A 20 MB capture, zstd-compressed to ~0.5 MB (under any broker limit), between two good ones."""
    now = datetime.now(UTC)
    good = [c for c in good_captures(now, count=60) if c.bookmaker == "sportybet"][:2]
    item = oversize(good[0], 20 * MiB)
    h = pipeline.harness
    entries = feed(h, good, [], SEED)
    entries.insert(1, Entry(h.settings.topics.raw(item.bookmaker), item.key, item.value, item))
    landed, dlq = await _run_small(pipeline, entries)
    assert [(r.value == item.value, dlq_headers(r.headers)["error.kind"]) for r in dlq] == [
        (True, "oversize")
    ]
    rows = await pipeline.fetch("SELECT source_offset FROM snapshots ORDER BY source_offset")
    assert [r["source_offset"] for r in rows] == [landed[0][2], landed[2][2]]


async def test_text_too_long_for_an_index_is_dead_lettered(pipeline: Pipeline) -> None:
    now = datetime.now(UTC)
    good = good_captures(now, count=6)
    item = generate(1, seed=SEED, templates=good, now=now, classes=["long_text"])[0]
    h = pipeline.harness
    entries = feed(h, good[:2], [item], SEED)
    _, dlq = await _run_small(pipeline, entries)
    heads = [dlq_headers(r.headers) for r in dlq]
    assert [(h["stage"], h["error.kind"]) for h in heads] == [("sink", "invalid_value")]
    rows = await pipeline.fetch("SELECT count(*) AS n FROM snapshots")
    assert rows[0]["n"] == 2


async def test_nul_in_a_trusted_team_name_costs_only_its_own_capture(pipeline: Pipeline) -> None:
    """A SportyBet capture whose home name ends in U+0000, then a good BetPawa capture of the event."""
    now = datetime.now(UTC)
    sporty, betpawa = _same_event(good_captures(now))
    doc = orjson.loads(orjson.dumps(sporty.payload))
    doc["data"]["homeTeamName"] += "\x00"
    h = pipeline.harness
    client = OddsProducer.from_settings(h.settings, source="campaign-scraper")
    bad = Entry(*client.envelope("sportybet", orjson.dumps(doc), captured_at=sporty.captured_at))
    good = feed(h, [betpawa], [], SEED)[0]
    await h.create_topics()
    await start(pipeline, workers=1)
    landed = await publish(h.bootstrap_servers, [bad])
    # refused before the registry could take its names (it once did, poisoning the event)
    await h.collect(h.settings.topics.dlq, lambda rs: len(rs) >= 1)
    landed += await publish(h.bootstrap_servers, [good])
    await h.snapshots(lambda s: len(s) >= 1)
    await wait_sink_stored(pipeline, ends_of(await read_all(pipeline, h.settings.topics.snapshots)), 90)
    dlq = await read_all(pipeline, h.settings.topics.dlq)
    heads = [dlq_headers(r.headers) for r in dlq]
    assert [(d["bookmaker"], d["stage"], d["error.kind"]) for d in heads] == [
        ("sportybet", "normalize", "bad_value")
    ]
    assert [r.value for r in dlq] == [bad.value]
    rows = await pipeline.fetch("SELECT source_topic, source_partition, source_offset FROM snapshots")
    assert [tuple(r) for r in rows] == [landed[1]]
