"""The Debezium JDBC sink connector itself (jars from scripts/connect/pom.xml) in the bench's setup.

One small workload is written twice: by raw COPY (bench/sink.py's limit) into one database,
and by Kafka Connect running ``io.debezium.connector.jdbc.JdbcSinkConnector`` with the
bench's configuration (bench/sink_connect.py) into another. The connector must load from
its own plugin directory, accept the configuration and the JSON-with-schema records, and
leave tables holding exactly raw COPY's rows: :func:`~bench.sink_connect.stored_digest`
equal. The digest is shown to tell a row written twice and a changed value apart.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import asyncpg
import pytest

from bench import sink as bench
from bench import sink_connect as sc
from bench.stack import Broker

pytestmark = pytest.mark.integration


@pytest.fixture
def databases(pg_server_url: str) -> Iterator[tuple[str, str]]:
    raw, connect = bench.fresh_db(pg_server_url, "raw"), bench.fresh_db(pg_server_url, "connect")
    try:
        yield raw, connect
    finally:
        bench.drop_db(pg_server_url, raw)
        bench.drop_db(pg_server_url, connect)


@pytest.mark.timeout(400)
def test_debezium_jdbc_sink_stores_exactly_the_rows_raw_copy_stores(
    bootstrap_servers: str, databases: tuple[str, str]
) -> None:
    raw_url, connect_url = databases
    warm, snaps = bench.workload(captures=120, events=4, lines=18)
    assert asyncio.run(bench.raw_copy(raw_url, warm, snaps, 2000))[0] == bench.rows_of(snaps)
    expected = asyncio.run(sc.stored_digest(raw_url))
    assert expected["odds_history"][0] > expected["snapshots"][0] > len(snaps)

    result = asyncio.run(
        bench.kafka_connect(Broker(bootstrap_servers, "kafka"), connect_url, warm, snaps, 2000, expected)
    )

    assert isinstance(result, tuple), result  # a string is the reason it did not run or match
    rows, seconds = result
    assert 0 < rows <= bench.rows_of(snaps) and seconds > 0
    assert asyncio.run(sc.stored_digest(connect_url)) == expected


def test_the_digest_tells_a_duplicate_and_a_changed_value(databases: tuple[str, str]) -> None:
    raw_url, _ = databases
    warm, snaps = bench.workload(captures=20, events=2, lines=12)
    asyncio.run(bench.raw_copy(raw_url, warm, snaps, 2000))
    before = asyncio.run(sc.stored_digest(raw_url))

    async def change(sql: str) -> None:
        conn = await asyncpg.connect(raw_url)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    asyncio.run(change("INSERT INTO odds_history SELECT * FROM odds_history LIMIT 1"))
    doubled = asyncio.run(sc.stored_digest(raw_url))
    assert doubled["odds_history"][0] == before["odds_history"][0] + 1
    assert doubled["snapshots"] == before["snapshots"]
    asyncio.run(
        change(
            "UPDATE snapshots SET lines_total = lines_total + 1"
            " WHERE (event_id, captured_at) = (SELECT event_id, min(captured_at) FROM snapshots"
            " GROUP BY event_id ORDER BY event_id LIMIT 1)"
        )
    )
    changed = asyncio.run(sc.stored_digest(raw_url))
    assert changed["snapshots"][0] == before["snapshots"][0]
    assert changed["snapshots"][1] != before["snapshots"][1]
