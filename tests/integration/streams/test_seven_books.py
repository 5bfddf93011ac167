"""Seven bookmakers end to end on Apache Kafka (issue 20's acceptance): ``oddsflow worker`` and
``oddsflow sink`` subprocesses, a fresh Postgres.

All seven bookmakers publish their capture of the same football prematch match (Sportradar
68995116, ``tests/fixtures/bookmakers/<book>/soccer_prematch.json``). Postgres must then hold
exactly one canonical event with all seven bookmakers attached, every stored line must carry the
prices the adapter reads from the fixture (and an inactive outcome no price), each stored price
must be a value written in the raw fixture, and no placeholder (a price ≤ 1.0) is ever stored.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import orjson
import pytest

from streams.adapters import BOOKMAKERS, normalize
from streams.contracts.canonical import CanonicalEventOddsV1
from tests.integration.replay.pipeline import Pipeline
from tests.integration.streams.harness import BOOKMAKERS as HARNESS_BOOKS
from tests.integration.streams.harness import Harness, fixture_bytes

pytestmark = pytest.mark.integration

SR = 68995116
FIXTURE = "soccer_prematch"
_NUMBER = re.compile(rb"-?[0-9]+(?:\.[0-9]+)?")


@pytest.fixture
def pipeline(bootstrap_servers: str, migrated_db: str, tmp_path: Path) -> Iterator[Pipeline]:
    p = Pipeline(Harness(bootstrap_servers, tmp_path, partitions=2), migrated_db)
    try:
        yield p
    finally:
        p.stop_all()


def expected(bookmaker: str, captured_at: datetime) -> CanonicalEventOddsV1:
    """What the adapter reads from the fixture (the reference the stored rows are held to)."""
    doc = orjson.loads(fixture_bytes(bookmaker, FIXTURE))
    return normalize(bookmaker, doc, captured_at, now=captured_at)


def raw_numbers(bookmaker: str) -> set[float]:
    """Every number written in the raw fixture (strings like ``"2.45"`` and JSON numbers)."""
    return {float(m) for m in _NUMBER.findall(fixture_bytes(bookmaker, FIXTURE))}


async def test_seven_bookmakers_one_event_exact_prices(pipeline: Pipeline) -> None:
    assert len(BOOKMAKERS) == 7
    h = pipeline.harness
    await h.create_topics(extra_raw=tuple(b for b in BOOKMAKERS if b not in HARNESS_BOOKS))
    h.start_worker()
    pipeline.start_sink()
    captured_at = datetime.now(UTC).replace(microsecond=0)
    want = {b: expected(b, captured_at) for b in BOOKMAKERS}
    assert {e.sportradar_id for e in want.values()} == {SR}  # the fixtures are one match
    async with h.producer() as producer:
        for b in BOOKMAKERS:
            await h.publish(producer, b, fixture_bytes(b, FIXTURE), captured_at)
    await h.wait_ready(0)
    await h.snapshots(lambda s: {x.bookmaker for x in s} >= set(BOOKMAKERS), timeout_s=120)
    await pipeline.wait_sink_caught_up(timeout_s=120)

    events = await pipeline.fetch("SELECT id, sportradar_id FROM events")
    assert [(r["sportradar_id"]) for r in events] == [SR]  # exactly one canonical event
    event_id = events[0]["id"]
    attached = await pipeline.fetch(
        "SELECT b.key, eb.bookmaker_event_id, eb.event_id FROM event_bookmakers eb"
        " JOIN bookmakers b ON b.id = eb.bookmaker_id"
    )
    assert {r["key"]: r["bookmaker_event_id"] for r in attached} == {
        b: e.bookmaker_event_id for b, e in want.items()
    }
    assert {r["event_id"] for r in attached} == {event_id}

    rows = await pipeline.fetch(
        "SELECT b.key, c.market_id, c.line, c.outcomes::text AS outcomes FROM current_odds c"
        " JOIN bookmakers b ON b.id = c.bookmaker_id WHERE c.event_id = $1",
        event_id,
    )
    stored: dict[str, dict[tuple[int, str], dict[str, float | None]]] = {b: {} for b in BOOKMAKERS}
    for r in rows:
        stored[r["key"]][r["market_id"], r["line"]] = orjson.loads(r["outcomes"])
    for b, event in want.items():
        lines = {(ln.market_id, ln.line): {o.outcome_id: o.price for o in ln.outcomes} for ln in event.lines}
        assert len(lines) >= 15, (b, len(lines))  # a real board, not a stub
        assert stored[b] == lines, b  # every line, every outcome, the exact price
        prices = [p for outcomes in stored[b].values() for p in outcomes.values()]
        assert all(p is None or p > 1.0 for p in prices), b  # placeholders are never prices
        assert set(p for p in prices if p is not None) <= raw_numbers(b), b  # raw values, unchanged
    # MSport's anytime goalscorer "no goal" is a placeholder ("0.00", isActive 0): kept, unpriced
    assert stored["msport"][40, "type=prematch"]["1716"] is None
