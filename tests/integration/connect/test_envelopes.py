"""The bench's JSON-with-schema rows (bench/sink_connect.py) as Kafka Connect's JsonConverter reads them.

Runs Connect's own ``JsonConverter`` (schemas enabled, the worker's setting) over the
envelopes of real snapshot and odds-history rows (built by :mod:`sinks.write.records` from a
workload capture, as raw COPY builds them) in a small Java program: every record converts
and validates as a ``Struct`` of the declared types, with Debezium's semantic names kept
(``ZonedTimestamp`` → timestamptz, ``Json`` → jsonb in the JDBC sink) and the values intact.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import orjson
import pytest

from bench import sink_connect as sc
from bench.sink import _raw_batches, workload
from streams.embedded.connect import connect_classpath
from streams.embedded.kafka import java_binary

pytestmark = pytest.mark.integration
CHECK = Path(__file__).with_name("EnvelopeCheck.java")


def test_jsonconverter_reads_every_envelope_as_a_valid_struct() -> None:
    warm, snaps = workload(captures=20, events=2, lines=12)
    events = {
        s.event.sportradar_id: 100 + i
        for i, s in enumerate({s.event.sportradar_id: s for s in warm}.values())
    }
    batches = _raw_batches(warm + snaps, events, {"betpawa": 1, "sportybet": 2, "bet9ja": 3}, 10_000)
    rows = [("snapshots", r) for h, _ in batches for r in h] + [
        ("odds_history", r) for _, o in batches for r in o
    ]
    assert len(rows) > 40
    lines = "".join(f"t.{table}\t{sc.envelope(table, row).decode()}\n" for table, row in rows)
    done = subprocess.run(
        [java_binary(), "-cp", f"{connect_classpath()}/*", str(CHECK)],
        input=lines,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    out = done.stdout.splitlines()
    assert len(out) == len(rows)
    for (table, row), said in zip(rows, out, strict=True):
        assert said.startswith(f"oddsflow.bench.{table} ")
        assert f"event_id=INT64:Long({row[0]})" in said
        assert f"bookmaker_id=INT16:Short({row[1]})" in said
        assert f"captured_at=STRING/io.debezium.time.ZonedTimestamp:String({row[2].isoformat()})" in said
        if table == "odds_history":
            assert f"market_id=INT32:Integer({row[3]})" in said
            outcomes = said.split("outcomes=STRING/io.debezium.data.Json:String(", 1)[1][:-1]
            assert orjson.loads(outcomes) == orjson.loads(row[5])
        else:
            assert f"live=BOOLEAN:Boolean({str(row[3]).lower()})" in said
            assert f"source_offset=INT64:Long({row[10]})" in said


def test_a_payload_that_breaks_its_schema_is_rejected() -> None:
    """The check can fail: a row without a required column is refused (Connect reads a number
    column given text as 0, so a missing value is what it rejects)."""
    warm, _ = workload(captures=1, events=1, lines=6)
    heads, _ = _raw_batches(warm[:1], {warm[0].event.sportradar_id: 1}, {warm[0].bookmaker: 1}, 10)[0]
    good = orjson.loads(sc.envelope("snapshots", heads[0]))
    del good["payload"]["event_id"]
    done = subprocess.run(
        [java_binary(), "-cp", f"{connect_classpath()}/*", str(CHECK)],
        input=f"t\t{orjson.dumps(good).decode()}\n",
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode != 0
    assert "DataException" in done.stderr
