"""Sink throughput: oddsflow's sink vs raw binary COPY, Kafka Connect's JDBC sink and Quix Streams.

    .venv/bin/python bench/sink.py [--captures 60000] [--events 500] [--lines 120] [--repeat 3]
    .venv/bin/python bench/sink.py --engine tansu    # the broker: kafka (default) or tansu
    .venv/bin/python bench/sink.py --smoke    # CI: 300 captures, one round

One run, identical input: a realistic ``odds.snapshots.v1`` stream (every event quoted by
three bookmakers, boards of ``--lines`` market lines, ~5% of a board's lines re-priced per
capture, every 50th capture of a board a keyframe re-listing all its lines at their current
prices) is published once, to two topics:

* a **warm-up** topic: one keyframe per board (what a running system already holds);
* the **measured** topic: ``--captures`` steady-state captures after it.

Each contestant gets a fresh database (migrated to head, partitions made ahead), writes
the warm-up without a clock, then the measured topic with one:

* **raw COPY** — the limit: the same snapshot and odds-history rows, already built in
  memory with their ids by the sink's own row functions (:func:`sinks.write.records.snapshot_row`,
  :func:`~sinks.write.records.history_rows`, so they follow the schema), binary-COPYed (asyncpg)
  into the same tables, one transaction per ``ODDS_SINK__BATCH_MAX_ROWS`` rows. No Kafka,
  no decoding, no dimensions, no current odds, no offsets;
* **oddsflow sink** — :class:`sinks.sink.PostgresSink` with default settings consuming the
  topic: decode, dimension ids, COPY, ``current_odds``, offsets in the same transaction,
  Kafka commits;
* **Kafka Connect + Debezium JDBC sink** — Apache Kafka Connect (standalone worker,
  ``scripts/connect/pom.xml``, :mod:`streams.embedded.connect`) running
  ``io.debezium.connector.jdbc.JdbcSinkConnector`` with ``tasks.max`` = partitions,
  ``insert.mode=insert``, ``batch.size`` 5000, PostgreSQL UNNEST inserts
  (:mod:`bench.sink_connect`). It needs flat records with schemas, so the bench publishes
  the rows raw COPY writes as JSON-with-schema records to two topics (outside the clock):
  the connector writes the warm-up rows, is paused, the measured rows are published, and
  it is timed from its resume. Its tables must then hold exactly raw COPY's rows (count
  and checksum of every row), else the row says "failed" and how they differ. No decoding,
  dimension, current-odds, DLQ or offset work. Says "skipped" with the reason when Maven
  cannot resolve the connector (or with ``--skip-connect``); not run on tansu, whose
  connections Kafka's Java consumers lose;
* **Quix Streams** — ``quixstreams.sinks.community.postgresql.PostgreSQLSink`` fed by a Quix
  ``Application`` reading the same topic and exploding each snapshot into the same rows
  (decoded with the same decoder; ids from a dict: no dimension, current-odds or offset
  work). Runs in a child process; needs ``pip install -e '.[bench]'`` (quixstreams caps
  pydantic below the project's resolution: use a separate venv). Skipped with a message
  when not installed.

Rows/s counts snapshot headers + odds-history rows; each time runs from the contestant's
first consumed record (raw COPY: its first COPY) to the moment all rows are committed, so
group joins and start-up are excluded (Kafka Connect: from its resume to the poll, every
50 ms, that sees the last row stored; with ``--cold`` it has no warm-up, so its group join
falls inside the clock). Raw COPY and the sink run ``--repeat`` times, interleaved, and the medians are
compared (other work on the machine moves single runs by ±15%); Quix and Connect run once.
``--cold`` skips the warm-up (empty ``current_odds``: every line is an insert).
Broker: ``ODDS_KAFKA__BOOTSTRAP_SERVERS`` when set, else ``--engine`` (one
Apache Kafka node, the default, or the embedded tansu; :func:`bench.stack.open_broker`);
Postgres: ``ODDS_POSTGRES__URL`` when set, else the embedded one.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg

ROOT = Path(__file__).resolve().parent.parent
# Run as ``python bench/sink.py``, bench/ is sys.path[0]: the repo root instead, so that
# ``bench.*`` imports resolve (and no bench module could shadow an installed one).
if sys.path and Path(sys.path[0]).resolve() == ROOT / "bench":
    sys.path[0] = str(ROOT)

from bench.options import add_engine, parse  # noqa: E402
from bench.sink_connect import stored_digest  # noqa: E402
from bench.stack import Broker, open_broker  # noqa: E402
from sinks.partitions import open_backend  # noqa: E402
from sinks.sink import PostgresSink  # noqa: E402
from sinks.store import migrate  # noqa: E402
from sinks.write.records import (  # noqa: E402
    HISTORY_COLUMNS,
    SNAPSHOT_COLUMNS,
    Capture,
    Record,
    encode_lines,
    history_rows,
    snapshot_row,
)
from streams.contracts.snapshot import EventInfo, SnapshotV1, Source, encode_snapshot  # noqa: E402
from streams.settings import Settings, load_settings  # noqa: E402

BOOKMAKERS = ("betpawa", "sportybet", "bet9ja")
Result = tuple[int, float]  # (rows, seconds)
PARTITIONS = 6
SMOKE = {"captures": 300, "events": 10, "lines": 24, "repeat": 1}
#: Kafka Connect's consumers (Apache Kafka's Java clients) never join their group on tansu:
#: tansu closes their connection at ApiVersions, they re-bootstrap, and no record is read
NOT_ON_TANSU = "not run on tansu: its Java consumers are disconnected at ApiVersions and never join"


# -- workload --------------------------------------------------------------------------


def workload(
    captures: int, events: int, lines: int, seed: int = 1
) -> tuple[list[SnapshotV1], list[SnapshotV1]]:
    """(warm-up, measured): one keyframe per board, then ``captures`` steady-state captures."""
    rng = random.Random(seed)
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=2)
    keys = [(m, f"total={t}.5") for m in range(1, lines // 6 + 2) for t in range(6)][:lines]
    boards = [(e, bm) for e in range(events) for bm in BOOKMAKERS]
    phase = [rng.randrange(1, 50) for _ in boards]  # keyframes spread over the cycle

    def price() -> dict[str, float | None]:
        return {"1": round(rng.uniform(1.01, 9), 2), "2": round(rng.uniform(1.01, 9), 2)}

    def capture(b: int, n: int, keyframe: bool, changed: dict[Any, Any]) -> SnapshotV1:
        e, bm = boards[b]
        return SnapshotV1(
            event=EventInfo(90_000_000 + e, "soccer", f"Home {e}", f"Away {e}", start + timedelta(days=1)),
            bookmaker=bm,
            bookmaker_event_id=f"{bm}-{e}",
            captured_at=start + timedelta(milliseconds=10 * n),
            live=False,
            keyframe=keyframe,
            lines_total=lines,
            source=Source(f"odds.raw.{bm}", 0, n),
            changed=changed,
        )

    state = [{key: price() for key in keys} for _ in boards]
    warm = [capture(b, b, True, dict(state[b])) for b in range(len(boards))]
    measured = []
    for n in range(len(boards), len(boards) + captures):
        b = rng.randrange(len(boards))
        keyframe = phase[b] % 50 == 0
        phase[b] += 1
        changed = {key: price() for key in rng.sample(keys, max(1, lines // 20))}
        state[b].update(changed)
        measured.append(capture(b, n, keyframe, dict(state[b]) if keyframe else changed))
    return warm, measured


def rows_of(snaps: list[SnapshotV1]) -> int:
    return sum(1 + len(s.changed) + len(s.removed) for s in snaps)


# -- services ------------------------------------------------------------------------


@contextlib.contextmanager
def services(settings: Settings, engine: str) -> Iterator[tuple[Broker, str]]:
    """(broker, Postgres server URL): configured ones, else started here."""
    with contextlib.ExitStack() as stack:
        broker = stack.enter_context(open_broker(engine))
        print(f"broker {broker}")
        if settings.postgres.url is not None:
            server = settings.postgres.dsn()
        else:
            import tempfile

            from streams.embedded.postgres import EmbeddedPostgres

            tmp = stack.enter_context(tempfile.TemporaryDirectory())
            pg = EmbeddedPostgres(Path(tmp) / "pg")
            stack.enter_context(pg)
            server = pg.url
        yield broker, server


async def _admin(url: str, sql: str) -> None:
    conn = await asyncpg.connect(url)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def fresh_db(server: str, label: str) -> str:
    name = f"oddsflow_bench_{label}_{secrets.token_hex(3)}"
    asyncio.run(_admin(server, f'CREATE DATABASE "{name}"'))
    url = server.rpartition("/")[0] + "/" + name
    migrate.upgrade(url)
    asyncio.run(_prepare(url))
    return url


def drop_db(server: str, url: str) -> None:
    asyncio.run(_admin(server, f'DROP DATABASE IF EXISTS "{url.rpartition("/")[2]}" WITH (FORCE)'))


async def _prepare(url: str) -> None:
    conn = await asyncpg.connect(url, server_settings={"timezone": "UTC"})
    try:
        backend = await open_backend(conn, load_settings().partitions)
        await backend.run(conn, datetime.now(UTC).date())
        await conn.execute("CHECKPOINT")
    finally:
        await conn.close()


async def _seed_dimensions(url: str, snaps: list[SnapshotV1]) -> tuple[dict[int, int], dict[str, int]]:
    """Dimension rows for raw COPY and Quix (the sink makes its own): sr → event id, key → bookmaker id."""
    conn = await asyncpg.connect(url)
    try:
        sport = await conn.fetchval("INSERT INTO sports (key) VALUES ('soccer') RETURNING id")
        bms = {
            r["key"]: r["id"]
            for r in await conn.fetch(
                "INSERT INTO bookmakers (key) SELECT unnest($1::text[]) RETURNING id, key", list(BOOKMAKERS)
            )
        }
        first = {s.event.sportradar_id: s.event for s in snaps}
        rows = await conn.fetch(
            """INSERT INTO events (sportradar_id, sport_id, home, away, kickoff)
               SELECT u.sr, $1, u.h, u.a, u.k
                 FROM unnest($2::bigint[], $3::text[], $4::text[], $5::timestamptz[]) AS u(sr, h, a, k)
               RETURNING id, sportradar_id""",
            sport,
            list(first),
            [e.home for e in first.values()],
            [e.away for e in first.values()],
            [e.kickoff for e in first.values()],
        )
        return {r["sportradar_id"]: r["id"] for r in rows}, bms
    finally:
        await conn.close()


async def publish(bootstrap: str, topic: str, snaps: list[SnapshotV1]) -> dict[int, int]:
    from aiokafka import AIOKafkaProducer
    from aiokafka.admin import AIOKafkaAdminClient, NewTopic

    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(topic, PARTITIONS, 1)])
    finally:
        await admin.close()
    producer = AIOKafkaProducer(
        bootstrap_servers=bootstrap, compression_type="zstd", max_batch_size=1024 * 1024, linger_ms=20
    )
    await producer.start()
    try:
        futures = [await producer.send(topic, encode_snapshot(s), key=s.key.encode()) for s in snaps]
        metas = await asyncio.gather(*futures)
    finally:
        await producer.stop()
    nxt: dict[int, int] = {}
    for m in metas:
        nxt[m.partition] = max(nxt.get(m.partition, 0), m.offset + 1)
    return nxt


# -- the three contestants -------------------------------------------------------------


def _raw_batches(
    snaps: list[SnapshotV1], events: dict[int, int], bms: dict[str, int], batch_rows: int
) -> list[tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]]:
    """The sink's own row tuples (:mod:`sinks.write.records`), in batches of ``batch_rows`` rows."""
    batches: list[tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]] = [([], [])]
    n = 0
    for i, s in enumerate(snaps):
        e, b = events[s.event.sportradar_id], bms[s.bookmaker]  # type: ignore[index]
        c = Capture(Record("bench", 0, i, None, None), s, encode_lines(s))
        heads, hist = batches[-1]
        heads.append(snapshot_row(c, e, b))
        hist.extend(history_rows(c, e, b))
        n += c.rows
        if n >= batch_rows:
            batches.append(([], []))
            n = 0
    return batches


async def raw_copy(url: str, warm: list[SnapshotV1], snaps: list[SnapshotV1], batch_rows: int) -> Result:
    events, bms = await _seed_dimensions(url, warm + snaps)
    conn = await asyncpg.connect(url, server_settings={"timezone": "UTC"})
    try:
        elapsed = 0.0
        for part, timed in ((warm, False), (snaps, True)):
            batches = _raw_batches(part, events, bms, batch_rows)
            t0 = time.perf_counter()
            for heads, hist in batches:
                async with conn.transaction():
                    await conn.copy_records_to_table("snapshots", records=heads, columns=SNAPSHOT_COLUMNS)
                    await conn.copy_records_to_table("odds_history", records=hist, columns=HISTORY_COLUMNS)
            if timed:
                elapsed = time.perf_counter() - t0
    finally:
        await conn.close()
    return rows_of(snaps), elapsed


def _table_rows(
    snaps: list[SnapshotV1], events: dict[int, int], bms: dict[str, int], batch_rows: int
) -> Iterator[tuple[str, tuple[Any, ...]]]:
    """Raw COPY's rows as ``(table, row)`` pairs."""
    for heads, hist in _raw_batches(snaps, events, bms, batch_rows):
        for table, part in (("snapshots", heads), ("odds_history", hist)):
            for row in part:
                yield table, row


async def kafka_connect(
    broker: Broker,
    url: str,
    warm: list[SnapshotV1],
    snaps: list[SnapshotV1],
    batch_rows: int,
    expected: dict[str, tuple[int, int]] | None,
) -> Result | str:
    """Kafka Connect + the Debezium JDBC sink (:mod:`bench.sink_connect`), fed raw COPY's rows
    as JSON-with-schema records.

    The connector writes the warm-up rows first (untimed: its tasks join their group, open
    their pools and warm up), is paused (its tasks stay in the group, fetching nothing),
    the measured rows are published, and the clock runs from resuming it to the poll that
    sees every row stored. The tables must then hold exactly ``expected`` (raw COPY's
    :func:`~bench.sink_connect.stored_digest`), else the result is a failure saying how
    they differ; a string is also the reason when the connector could not be resolved."""
    from bench import sink_connect as sc
    from streams.embedded.connect import ConnectLaunchError, ConnectWorker, connect_plugin

    try:
        await asyncio.to_thread(connect_plugin, sc.DEBEZIUM_JDBC)
    except ConnectLaunchError as exc:
        return f"skipped: {exc}"
    events, bms = await _seed_dimensions(url, warm + snaps)
    prefix = sc.fresh_prefix()
    await sc.create_topics(broker.bootstrap, prefix, PARTITIONS)
    warm_rows = await sc.publish_rows(broker.bootstrap, prefix, _table_rows(warm, events, bms, batch_rows))
    jdbc, user, password = sc.jdbc_parts(url)
    name = "bench-jdbc-sink"
    worker = ConnectWorker(broker.bootstrap, plugins=[sc.DEBEZIUM_JDBC])
    try:
        await asyncio.to_thread(worker.start)
        await asyncio.to_thread(
            worker.create, name, sc.connector_config(prefix, jdbc, user, password, PARTITIONS)
        )
        await sc.wait_rows(url, warm_rows, worker, name, timeout_s=120 + warm_rows / 500)
        await asyncio.to_thread(worker.pause, name)
        await asyncio.to_thread(worker.wait_state, name, PARTITIONS, "PAUSED")
        rows = _table_rows(snaps, events, bms, batch_rows)
        published = await sc.publish_rows(broker.bootstrap, prefix, rows)
        assert published == rows_of(snaps)
        t0 = time.perf_counter()
        await asyncio.to_thread(worker.resume, name)
        t1 = await sc.wait_rows(url, warm_rows + published, worker, name, timeout_s=120 + published / 500)
        await asyncio.sleep(1.0)  # a row written twice (a redelivered batch) shows in the digest
        stored = await sc.stored_digest(url)
        if expected is not None and stored != expected:
            return f"failed: the tables differ from raw COPY's: {stored} != {expected} (rows, md5 sum)"
        return published, t1 - t0
    except (ConnectLaunchError, RuntimeError, TimeoutError) as exc:
        return f"failed: {exc}"
    finally:
        await asyncio.to_thread(worker.stop)


async def oddsflow_sink(
    broker: Broker, url: str, topics: list[tuple[str, dict[int, int]]], writers: int = 1
) -> Result:
    """Run a sink over each topic in turn (a new sink and group each; ``writers`` members for
    the last one); times the last one."""
    for i, (topic, expected) in enumerate(topics):
        settings = load_settings(
            kafka={"bootstrap_servers": broker.bootstrap, "engine": broker.engine},
            postgres={"url": url},
            topics={"snapshots": topic, "dlq": topic + ".dlq"},
            sink={"group_id": "bench-" + secrets.token_hex(4)},
        )
        sink = PostgresSink(settings, session_timeout_ms=3000, writers=writers if i == len(topics) - 1 else 1)
        task = asyncio.create_task(sink.run())
        conn = await asyncpg.connect(url)
        try:
            while True:
                rows = await conn.fetch(
                    "SELECT partition, next_offset FROM sink_offsets WHERE topic = $1", topic
                )
                if {r["partition"]: r["next_offset"] for r in rows} == expected:
                    break
                if task.done():
                    task.result()
                    raise RuntimeError("sink stopped early")
                await asyncio.sleep(0.05)
        finally:
            await conn.close()
            sink.stop()
            await task
    s = sink.stats
    assert s.first_message_at is not None and s.last_commit_at is not None and s.dead_letters == 0
    return s.rows, s.last_commit_at - s.first_message_at


QUIX_CHILD = r"""
import sys, time, json
from quixstreams import Application
from quixstreams.sinks.community.postgresql import PostgreSQLSink
sys.path.insert(0, sys.argv[1])
from streams.contracts.snapshot import decode_snapshot

cfg = json.loads(sys.argv[2])
events = {int(k): v for k, v in cfg["events"].items()}
bms = cfg["bookmakers"]
first = []

def explode(value):
    if not first:
        first.append(time.time())
        print("FIRST", first[0], flush=True)
    s = decode_snapshot(value)
    e, b, at = events[s.event.sportradar_id], bms[s.bookmaker], s.captured_at
    rows = [{"_table": "snapshots", "event_id": e, "bookmaker_id": b, "captured_at": at, "live": s.live,
             "keyframe": s.keyframe, "lines_total": s.lines_total, "lines_changed": len(s.changed),
             "lines_removed": len(s.removed), "source_topic": s.source.topic,
             "source_partition": s.source.partition, "source_offset": s.source.offset}]
    rows.extend({"_table": "odds_history", "event_id": e, "bookmaker_id": b, "captured_at": at,
                 "market_id": m, "line": ln, "outcomes": o} for (m, ln), o in s.changed.items())
    return rows

app = Application(
    broker_address=cfg["bootstrap"], consumer_group=cfg["group"], auto_offset_reset="earliest",
    commit_interval=cfg["commit_interval"], consumer_extra_config={"session.timeout.ms": 6000},
)
topic = app.topic(cfg["topic"], value_deserializer="bytes")
sink = PostgreSQLSink(
    host=cfg["host"], port=cfg["port"], dbname=cfg["dbname"], user=cfg["user"], password=cfg["password"],
    table_name=lambda item: item.value.pop("_table"), schema_auto_update=False, include_metadata=False,
)
sdf = app.dataframe(topic).apply(explode, expand=True)
sdf.sink(sink)
app.run()
"""


async def quix(
    bootstrap: str,
    url: str,
    topics: list[tuple[str, int]],
    snaps: list[SnapshotV1],
    commit_interval: float,
) -> Result | str:
    """Quix over each (topic, rows) in turn, a child process each; times the last one."""
    try:
        import quixstreams  # noqa: F401
    except ImportError:
        return "skipped: quixstreams is not installed (pip install -e '.[bench]' in a separate venv)"
    events, bms = await _seed_dimensions(url, snaps)
    where = urllib.parse.urlsplit(url)
    total = 0
    result: Result | str = "no topic"
    for topic, rows in topics:
        total += rows
        cfg = {
            "bootstrap": bootstrap,
            "group": "bench-quix-" + secrets.token_hex(4),
            "topic": topic,
            "events": events,
            "bookmakers": bms,
            "host": where.hostname,
            "port": where.port or 5432,
            "dbname": where.path.lstrip("/"),
            "user": urllib.parse.unquote(where.username or ""),
            "password": urllib.parse.unquote(where.password or ""),
            "commit_interval": commit_interval,
        }
        result = await _quix_child(cfg, url, total, rows)
        if isinstance(result, str):
            return result
    return result


async def _quix_child(cfg: dict[str, Any], url: str, total: int, rows: int) -> Result | str:
    errors = tempfile.TemporaryFile(mode="w+")  # noqa: SIM115 - closed in the finally below
    # (the child's stderr: its last line goes into a failure)
    proc = subprocess.Popen(  # noqa: ASYNC220 - started once per topic, not on a hot path
        [sys.executable, "-c", QUIX_CHILD, str(ROOT), json.dumps(cfg)],
        stdout=subprocess.PIPE,
        stderr=errors,
        text=True,
        env={k: v for k, v in os.environ.items() if not k.startswith("ODDS_")},
    )
    try:
        assert proc.stdout is not None
        line = await asyncio.to_thread(proc.stdout.readline)
        if not line.startswith("FIRST"):
            proc.wait(20)
            errors.seek(0)
            said = [x for x in errors.read().splitlines() if x.strip()][-1:] or [""]
            return f"failed: quix child said {line!r}, exit {proc.returncode}: {said[0][:300]}"
        first = float(line.split()[1])
        conn = await asyncpg.connect(url)
        try:
            while True:
                n = await conn.fetchval(
                    "SELECT (SELECT count(*) FROM snapshots) + (SELECT count(*) FROM odds_history)"
                )
                if n >= total:
                    return rows, time.time() - first
                if proc.poll() is not None:
                    return f"failed: quix exited with {proc.returncode} after {n} rows"
                await asyncio.sleep(0.05)
        finally:
            await conn.close()
    finally:
        proc.terminate()
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
        errors.close()


# -- main ---------------------------------------------------------------------------


def main() -> None:
    ap = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    ap.add_argument("--captures", type=int, default=60_000)
    ap.add_argument("--events", type=int, default=500)
    ap.add_argument("--lines", type=int, default=120)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--cold", action="store_true", help="no warm-up: every current_odds line is an insert")
    ap.add_argument("--quix-commit-interval", type=float, default=1.0)
    ap.add_argument("--skip-quix", action="store_true")
    ap.add_argument("--skip-connect", action="store_true", help="no Kafka Connect + Debezium JDBC sink run")
    ap.add_argument(
        "--writers", type=int, nargs="+", default=[1, 2], help="sink variants: members per process"
    )
    add_engine(ap)
    args = parse(ap, SMOKE)
    settings = load_settings()
    warm, snaps = workload(args.captures, args.events, args.lines)
    if args.cold:
        warm = []
    total = rows_of(snaps)
    print(
        f"workload: warm-up {len(warm):,} keyframes ({rows_of(warm):,} rows); measured {len(snaps):,} "
        f"captures, {total:,} rows ({total / len(snaps):.1f} rows per capture)"
    )
    sinks = {w: f"oddsflow sink, {w} writer{'s' if w > 1 else ''}" for w in args.writers}
    runs: dict[str, list[Result]] = {"raw COPY": [], **{name: [] for name in sinks.values()}}
    quix_result: Result | str = "skipped (--skip-quix)"
    connect_result: Result | str = "skipped (--skip-connect)"
    batch_rows = settings.sink.batch_max_rows
    raw_digest: dict[str, tuple[int, int]] | None = None  # what raw COPY stored: the rows to match
    with services(settings, args.engine) as (broker, server):
        bootstrap = broker.bootstrap
        tag = secrets.token_hex(4)
        topics = [(f"bench.warm.{tag}", warm), (f"bench.snapshots.{tag}", snaps)]
        topics = [(t, part) for t, part in topics if part]
        published = [(t, asyncio.run(publish(bootstrap, t, part)), part) for t, part in topics]
        print(f"published to {', '.join(t for t, _ in topics)} ({PARTITIONS} partitions each) on {bootstrap}")
        for i in range(args.repeat):
            url = fresh_db(server, "raw")
            try:
                runs["raw COPY"].append(asyncio.run(raw_copy(url, warm, snaps, batch_rows)))
                if raw_digest is None:
                    raw_digest = asyncio.run(stored_digest(url))
            finally:
                drop_db(server, url)
            for writers, name in sinks.items():
                url = fresh_db(server, "sink")
                try:
                    runs[name].append(
                        asyncio.run(
                            oddsflow_sink(broker, url, [(t, nxt) for t, nxt, _ in published], writers)
                        )
                    )
                finally:
                    drop_db(server, url)
            print(f"  round {i + 1}: " + "; ".join(f"{k} {_fmt(v[-1])}" for k, v in runs.items()))
        if not args.skip_connect and broker.engine == "tansu":
            connect_result = NOT_ON_TANSU
        elif not args.skip_connect:
            url = fresh_db(server, "connect")
            try:
                connect_result = asyncio.run(kafka_connect(broker, url, warm, snaps, batch_rows, raw_digest))
            finally:
                drop_db(server, url)
            print(f"  Kafka Connect + Debezium JDBC: {_fmt(connect_result)}")
        if not args.skip_quix:
            url = fresh_db(server, "quix")
            try:
                quix_result = asyncio.run(
                    quix(
                        bootstrap,
                        url,
                        [(t, rows_of(p)) for t, _, p in published],
                        warm + snaps,
                        args.quix_commit_interval,
                    )
                )
            finally:
                drop_db(server, url)
            print(f"  Quix PostgreSQLSink: {_fmt(quix_result)}")
    _report(runs, quix_result, connect_result)


def _median_rate(results: list[Result]) -> float:
    return statistics.median(r[0] / r[1] for r in results)


def _report(runs: dict[str, list[Result]], quix_result: Result | str, connect_result: Result | str) -> None:
    raw = _median_rate(runs["raw COPY"])
    quix = quix_result[0] / quix_result[1] if isinstance(quix_result, tuple) else None
    connect = connect_result[0] / connect_result[1] if isinstance(connect_result, tuple) else None

    def row(name: str, rate: float, tail: str) -> str:
        vs = [f"{rate / o:.2f}" if o else "-" for o in (connect, quix)]
        return f"{name:32}{rate:>12,.0f}{rate / raw:>13.0%}{vs[0]:>12}{vs[1]:>9}   {tail}"

    print()
    print(f"{'median of runs':32}{'rows/s':>12}{'vs raw COPY':>13}{'vs Connect':>12}{'vs Quix':>9}   runs")
    for name, results in runs.items():
        print(row(name, _median_rate(results), ", ".join(f"{r[0] / r[1]:,.0f}" for r in results)))
    for name, rate, result in (
        ("Kafka Connect + Debezium JDBC", connect, connect_result),
        ("Quix PostgreSQLSink", quix, quix_result),
    ):
        print(row(name, rate, "(one run)") if rate is not None else f"{name:32}{result}")
    print(
        "\nKafka Connect: a standalone worker, tasks.max = partitions, insert.mode=insert, batch.size "
        "5000, UNNEST inserts, fed the exploded rows as JSON-with-schema records (built outside "
        "the clock), its tables checked equal to raw COPY's; no decoding, dimensions, current_odds, "
        "DLQ, offsets in the rows' transaction"
    )
    print("targets: sink >= 0.70 x raw COPY; sink >= 3 x Kafka Connect; sink >= 3 x Quix")


def _fmt(r: Result | str) -> str:
    return f"{r[0]:,} rows in {r[1]:.2f}s = {r[0] / r[1]:,.0f} rows/s" if isinstance(r, tuple) else r


if __name__ == "__main__":
    main()
