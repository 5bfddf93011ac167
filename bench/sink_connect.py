"""bench/sink.py's Kafka Connect contestant: a standalone worker with the Debezium JDBC sink.

The Debezium JDBC sink writes flat records *with schemas* (a ``Struct`` per row, one table
per topic); the oddsflow snapshot contract is one record per capture with its changed lines
nested. So the bench does the exploding for it, outside the clock: the rows raw COPY writes
(:func:`sinks.write.records.snapshot_row` / :func:`~sinks.write.records.history_rows`, with the same
dimension ids) are published as JSON-with-schema records (the JsonConverter envelope
``{"schema": …, "payload": …}``; no schema registry) to two topics,
``<prefix>.snapshots`` and ``<prefix>.odds_history``, keyed by the event id. The connector
(:func:`connector_config`) reads both with ``tasks.max`` = the partitions of a topic, routes
each topic to its table (RegexRouter, ``collection.name.format=${topic}``), and inserts
(``insert.mode=insert``, ``primary.key.mode=none``, no schema evolution) ``batch.size``
rows at a time (``consumer.override.max.poll.records`` raised to match), one UNNEST insert
a batch, committing Kafka offsets after. :func:`stored_digest` says whether two databases
hold the same rows: the bench compares the connector's tables with raw COPY's.

What it does not do, compared with the oddsflow sink: no decoding of the snapshot contract,
no dimension ids (events, bookmakers), no ``current_odds``, no partitions made on demand,
no DLQ, and Kafka offsets committed after the rows rather than in the same transaction
(at-least-once: a crash between the two writes odds-history rows twice, as that table
has no unique key).
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import time
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

import asyncpg
import orjson

from sinks.write.records import HISTORY_COLUMNS, SNAPSHOT_COLUMNS

DEBEZIUM_JDBC = "jdbc-sink"  # scripts/connect/pom.xml profile
BATCH_SIZE = 5000

_INT64 = {"type": "int64", "optional": False}
_INT32 = {"type": "int32", "optional": False}
_INT16 = {"type": "int16", "optional": False}
_BOOL = {"type": "boolean", "optional": False}
_TEXT = {"type": "string", "optional": False}
# Debezium's semantic types: an ISO-8601 string with offset → timestamptz; JSON text → jsonb
_TIMESTAMPTZ = {"type": "string", "optional": False, "name": "io.debezium.time.ZonedTimestamp"}
_JSON = {"type": "string", "optional": True, "name": "io.debezium.data.Json"}

SNAPSHOT_FIELDS: dict[str, dict[str, Any]] = {
    "event_id": _INT64,
    "bookmaker_id": _INT16,
    "captured_at": _TIMESTAMPTZ,
    "live": _BOOL,
    "keyframe": _BOOL,
    "lines_total": _INT32,
    "lines_changed": _INT32,
    "lines_removed": _INT32,
    "source_topic": _TEXT,
    "source_partition": _INT32,
    "source_offset": _INT64,
    "unmapped_lines": _INT32,
    "mapped_lines": {"type": "int32", "optional": True},
}
HISTORY_FIELDS: dict[str, dict[str, Any]] = {
    "event_id": _INT64,
    "bookmaker_id": _INT16,
    "captured_at": _TIMESTAMPTZ,
    "market_id": _INT32,
    "line": _TEXT,
    "outcomes": _JSON,
}
assert tuple(SNAPSHOT_FIELDS) == SNAPSHOT_COLUMNS and tuple(HISTORY_FIELDS) == HISTORY_COLUMNS


def struct_schema(table: str, fields: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """A Connect ``Struct`` schema in JsonConverter's form."""
    return {
        "type": "struct",
        "name": f"oddsflow.bench.{table}",
        "optional": False,
        "fields": [{"field": name, **kind} for name, kind in fields.items()],
    }


SCHEMAS = {
    "snapshots": struct_schema("snapshots", SNAPSHOT_FIELDS),
    "odds_history": struct_schema("odds_history", HISTORY_FIELDS),
}
_COLUMNS = {"snapshots": SNAPSHOT_COLUMNS, "odds_history": HISTORY_COLUMNS}


def _value(v: Any) -> Any:
    return v.isoformat() if isinstance(v, datetime) else v


def envelope(table: str, row: Sequence[Any]) -> bytes:
    """One row tuple (column order of :mod:`sinks.write.records`) as a JsonConverter record value."""
    payload = {c: _value(v) for c, v in zip(_COLUMNS[table], row, strict=True)}
    return orjson.dumps({"schema": SCHEMAS[table], "payload": payload})


def connector_config(
    prefix: str, jdbc_url: str, user: str, password: str, tasks: int, *, unnest: bool = True
) -> dict[str, str]:
    """The Debezium JDBC sink for ``<prefix>.snapshots`` and ``<prefix>.odds_history``.

    Throughput settings as Debezium documents them: ``batch.size`` rows a statement batch,
    ``consumer.override.max.poll.records`` at least as large (else a poll caps the batch),
    ``reWriteBatchedInserts=true`` on the PostgreSQL URL, and (``unnest``) the PostgreSQL
    dialect's ``dialect.postgres.unnest.insert.enabled``: one ``INSERT … SELECT FROM
    UNNEST(?::type[], …)`` a batch instead of one row a bound statement. A task uses one
    connection at a time, so its pool is kept small (the default keeps 5 open a task).
    """
    sep = "&" if "?" in jdbc_url else "?"
    return {
        "connector.class": "io.debezium.connector.jdbc.JdbcSinkConnector",
        "tasks.max": str(tasks),
        "topics": f"{prefix}.snapshots,{prefix}.odds_history",
        "connection.url": f"{jdbc_url}{sep}reWriteBatchedInserts=true",
        "connection.username": user,
        "connection.password": password,
        "connection.pool.min_size": "1",
        "connection.pool.max_size": "4",
        "insert.mode": "insert",
        "primary.key.mode": "none",
        "schema.evolution": "none",
        "delete.enabled": "false",
        "batch.size": str(BATCH_SIZE),
        "dialect.postgres.unnest.insert.enabled": str(unnest).lower(),
        "consumer.override.max.poll.records": str(BATCH_SIZE),
        "consumer.override.auto.offset.reset": "earliest",
        "collection.name.format": "${topic}",
        "transforms": "table",
        "transforms.table.type": "org.apache.kafka.connect.transforms.RegexRouter",
        "transforms.table.regex": r".*\.(snapshots|odds_history)$",
        "transforms.table.replacement": "$1",
        "errors.tolerance": "none",
    }


def jdbc_parts(url: str) -> tuple[str, str, str]:
    """``postgresql://user:pw@host:port/db`` → (``jdbc:postgresql://host:port/db``, user, pw)."""
    rest = url.split("://", 1)[1]
    auth, _, where = rest.rpartition("@")
    user, _, password = auth.partition(":")
    return f"jdbc:postgresql://{where}", user, password


async def create_topics(bootstrap: str, prefix: str, partitions: int) -> None:
    """``<prefix>.snapshots`` and ``<prefix>.odds_history``, ``partitions`` each."""
    from aiokafka.admin import AIOKafkaAdminClient, NewTopic

    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(f"{prefix}.{t}", partitions, 1) for t in SCHEMAS])
    finally:
        await admin.close()


async def publish_rows(bootstrap: str, prefix: str, rows: Iterable[tuple[str, Sequence[Any]]]) -> int:
    """Publish ``(table, row)`` pairs to ``<prefix>.<table>`` keyed by event id; returns the count."""
    from aiokafka import AIOKafkaProducer

    producer = AIOKafkaProducer(
        bootstrap_servers=bootstrap, compression_type="zstd", max_batch_size=1024 * 1024, linger_ms=20
    )
    await producer.start()
    n = 0
    try:
        futures = []
        for table, row in rows:
            key = str(row[0]).encode()
            futures.append(await producer.send(f"{prefix}.{table}", envelope(table, row), key=key))
            n += 1
        await asyncio.gather(*futures)
    finally:
        await producer.stop()
    return n


_COUNT = "SELECT (SELECT count(*) FROM snapshots) + (SELECT count(*) FROM odds_history)"


async def wait_rows(url: str, total: int, worker: Any, name: str, timeout_s: float) -> float:
    """Poll the row count (every 50 ms) until ``total``: the ``perf_counter`` of that poll.

    Raises when the worker exits, a task fails, or ``timeout_s`` passes.
    """
    conn = await asyncpg.connect(url)
    try:
        deadline = time.monotonic() + timeout_s
        n = 0
        while time.monotonic() < deadline:
            n = await conn.fetchval(_COUNT)
            if n >= total:
                return time.perf_counter()
            if worker.proc is None or worker.proc.poll() is not None:
                raise RuntimeError(f"Kafka Connect exited; its log:\n{worker.log_tail()}")
            tasks: list[dict[str, Any]] = []
            with contextlib.suppress(Exception):  # 404 until the connector is registered
                tasks = (await asyncio.to_thread(worker.status, name)).get("tasks", [])
            failed = [t for t in tasks if t.get("state") == "FAILED"]
            if failed:
                raise RuntimeError(f"a task failed: {failed[0].get('trace', '')[:1500]}")
            await asyncio.sleep(0.05)
        raise TimeoutError(f"Kafka Connect stored {n:,} of {total:,} rows in {timeout_s:.0f}s")
    finally:
        await conn.close()


def _digest_sql(table: str, columns: Sequence[str]) -> str:
    cols = ", ".join(columns)
    return (
        f"SELECT count(*), coalesce(sum(('x' || left(md5(r::text), 15))::bit(60)::bigint), 0)"
        f" FROM (SELECT {cols} FROM {table}) AS r"
    )


async def stored_digest(url: str) -> dict[str, tuple[int, int]]:
    """``{table: (rows, sum of each row's md5)}`` over the columns :mod:`sinks.write.records` writes:
    equal digests are the same multiset of rows (a row twice counts twice), whoever wrote them."""
    conn = await asyncpg.connect(url, server_settings={"timezone": "UTC"})
    try:
        out: dict[str, tuple[int, int]] = {}
        for table, columns in _COLUMNS.items():
            row = await conn.fetchrow(_digest_sql(table, columns))
            out[table] = (row[0], int(row[1]))
        return out
    finally:
        await conn.close()


def fresh_prefix() -> str:
    return f"bench.connect.{secrets.token_hex(4)}"
