"""Review rows written by the pipeline, then accepted and rejected, on a real worker, sink and Apache Kafka.

SportyBet publishes ``sr:68995116`` (Wuhan Three Towns – Qingdao Hainiu) with its id; The Odds
API lists it as "Wuhan Towns" two hours later (a feed's wrong kickoff) for two source books,
Pinnacle and Unibet: each scores between the thresholds, so each capture stays a
bookmaker-only event and the worker publishes one ``odds.match_review.v1`` per pair, which
the sink files in ``match_reviews`` (once, however often the capture comes back).

``oddsflow matches accept`` on Pinnacle's row publishes the identity merge request: the
worker merges the bookmaker-only event into ``sr:68995116``, the sink moves its rows,
writes ``event_merges`` and sets the row ``merged``; a later Pinnacle capture is rerouted
to the Sportradar event. ``reject`` on Unibet's row closes it: the Unibet event stays its
own. A SIGKILLed worker's successor learns SportyBet's listing from the directory of known
events (it never sees SportyBet's capture) and files both pairs again: the sink keeps the
decisions.
"""

from __future__ import annotations

import asyncio
import copy
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
import pytest
from click.testing import CliRunner

from sinks.matching.cli import matches_command
from streams.adapters import theoddsapi
from tests.integration.replay.pipeline import Pipeline
from tests.integration.streams.harness import Harness, fixture_bytes
from tests.integration.streams.test_merges import until

pytestmark = pytest.mark.integration

SR = 68995116


@pytest.fixture
def pipeline(bootstrap_servers: str, migrated_db: str, tmp_path: Path) -> Iterator[Pipeline]:
    p = Pipeline(Harness(bootstrap_servers, tmp_path), migrated_db)
    try:
        yield p
    finally:
        p.stop_all()


def sportybet(kickoff: datetime) -> bytes:
    doc = orjson.loads(fixture_bytes("sportybet", "soccer_prematch"))
    doc["data"]["estimateStartTime"] = int(kickoff.timestamp() * 1000)
    return orjson.dumps(doc)


def feed(kickoff: datetime, home: str = "Wuhan Towns") -> dict[str, bytes]:
    """The Odds API's captures (source book → payload) at ``kickoff``, the home side named ``home``."""
    out = {}
    for _, payload in theoddsapi.split_response(orjson.loads(fixture_bytes("theoddsapi", "soccer_prematch"))):
        doc: dict[str, Any] = copy.deepcopy(payload)
        doc["commence_time"] = kickoff.isoformat().replace("+00:00", "Z")
        doc["home_team"] = home
        for book in doc["bookmakers"]:
            for market in book["markets"]:
                for outcome in market["outcomes"]:
                    if outcome["name"] == "Wuhan Three Towns":
                        outcome["name"] = home
        out[doc["bookmakers"][0]["key"]] = orjson.dumps(doc)
    return out


def cli(pipeline: Pipeline, *args: str) -> Any:
    return CliRunner().invoke(matches_command, list(args), env=pipeline.env)


async def test_reviews_are_filed_by_the_pipeline_accept_merges_and_reject_sticks(pipeline: Pipeline) -> None:
    h = pipeline.harness
    h.extra_env["ODDS_STREAMS__MATCH_BY_NAME"] = "true"
    await h.create_topics(extra_raw=("theoddsapi",))
    h.start_worker()
    pipeline.start_sink()
    t0 = (datetime.now(UTC) - timedelta(minutes=10)).replace(microsecond=0)
    kickoff = t0 + timedelta(hours=3)
    captures = feed(kickoff + timedelta(hours=2))
    assert set(captures) == {"pinnacle", "unibet_eu"}
    s = timedelta(seconds=1)

    async with h.producer() as producer:
        await h.publish(producer, "sportybet", sportybet(kickoff), t0)
        await h.wait_ready(0)
        await h.snapshots(lambda snaps: len(snaps) >= 1, 90)
        for i in (1, 2):  # the second round is a review filed again: still one row per pair
            for payload in captures.values():
                await h.publish(producer, "theoddsapi", payload, t0 + i * s)

        async def filed() -> bool | str:
            rows = await pipeline.fetch("SELECT bookmaker, status FROM match_reviews")
            snaps = await pipeline.fetch("SELECT count(*) FROM snapshots")
            if (
                sorted(tuple(r) for r in rows)
                == [
                    ("theoddsapi.pinnacle", "pending"),
                    ("theoddsapi.unibet_eu", "pending"),
                ]
                and snaps[0][0] == 5
            ):
                return True
            return f"reviews {[tuple(r) for r in rows]}, {snaps[0][0]} snapshots"

        await until(pipeline, filed, 120, "two pending reviews filed by the sink")
        await pipeline.wait_sink_caught_up(60)
        reviews = await pipeline.fetch(
            "SELECT id, bookmaker, bookmaker_event_id, candidate_key, candidate_sportradar_id, score, swapped"
            " FROM match_reviews ORDER BY bookmaker"
        )
        assert len(reviews) == 2  # filed once per pair although each capture came twice
        for r in reviews:
            assert (r["candidate_key"], r["candidate_sportradar_id"], r["swapped"]) == (f"sr:{SR}", SR, False)
            assert 70.0 <= r["score"] < 88.0
        events = await pipeline.fetch("SELECT sportradar_id FROM events ORDER BY sportradar_id NULLS LAST")
        assert [r[0] for r in events] == [SR, None, None]  # never merged automatically
        pinnacle, unibet = reviews[0], reviews[1]
        listed = await asyncio.to_thread(cli, pipeline, "list", "--json")
        assert listed.exit_code == 0 and listed.output.count(f'"candidate_key": "sr:{SR}"') == 2

        accepted = await asyncio.to_thread(cli, pipeline, "accept", str(pinnacle["id"]))
        assert accepted.exit_code == 0, accepted.output
        rejected = await asyncio.to_thread(cli, pipeline, "reject", str(unibet["id"]))
        assert rejected.exit_code == 0, rejected.output
        again = await asyncio.to_thread(cli, pipeline, "accept", str(unibet["id"]))
        assert again.exit_code == 1 and "not pending" in again.output

        async def merged() -> bool | str:
            rows = await pipeline.fetch("SELECT from_key, into_key, reason FROM event_merges")
            status = await pipeline.fetch("SELECT status FROM match_reviews ORDER BY bookmaker")
            want = [(f"theoddsapi.pinnacle:{pinnacle['bookmaker_event_id']}", f"sr:{SR}", "matched")]
            if [tuple(r) for r in rows] == want and [r[0] for r in status] == ["merged", "rejected"]:
                return True
            return f"merges {[tuple(r) for r in rows]}, reviews {[r[0] for r in status]}"

        await until(pipeline, merged, 120, "the accepted pair merged")
        await h.publish(producer, "theoddsapi", captures["pinnacle"], t0 + 3 * s)  # rerouted

        # a restarted worker knows no review it filed, but knows SportyBet's listing again
        # from the directory's changelog (known_events): it files both pairs again, and the
        # sink keeps the decisions (merged stays merged, rejected stays rejected)
        h.kill(0)
        h.start_worker()
        await h.wait_ready(1)
        for payload in captures.values():
            await h.publish(producer, "theoddsapi", payload, t0 + 5 * s)
        refiled = await h.collect(h.settings.topics.snapshots, lambda rs: _reviews(rs) >= 4, 90)
        assert _reviews(refiled) >= 4

    async def settled() -> bool | str:
        rows = await pipeline.fetch(
            """SELECT b.key, e.sportradar_id, count(*) FROM snapshots s JOIN events e ON e.id = s.event_id
                 JOIN bookmakers b ON b.id = s.bookmaker_id GROUP BY 1, 2 ORDER BY 1"""
        )
        got = [tuple(r) for r in rows]
        want = [("sportybet", SR, 1), ("theoddsapi.pinnacle", SR, 4), ("theoddsapi.unibet_eu", None, 3)]
        return got == want or f"stored {got}"

    await until(pipeline, settled, 120, "Pinnacle's captures under the Sportradar event")
    await pipeline.wait_sink_caught_up(60)
    events = await pipeline.fetch("SELECT id, sportradar_id FROM events ORDER BY sportradar_id NULLS LAST")
    assert [r[1] for r in events] == [SR, None]
    canonical = events[0]["id"]
    attached = await pipeline.fetch(
        "SELECT b.key, eb.event_id FROM event_bookmakers eb JOIN bookmakers b ON b.id = eb.bookmaker_id"
        " ORDER BY 1"
    )
    assert [tuple(r) for r in attached] == [
        ("sportybet", canonical),
        ("theoddsapi.pinnacle", canonical),
        ("theoddsapi.unibet_eu", events[1]["id"]),
    ]
    board = await pipeline.fetch(
        "SELECT count(*) FROM odds_at($1, (SELECT id FROM bookmakers WHERE key = 'theoddsapi.pinnacle'), $2)",
        canonical,
        t0 + s,
    )
    assert board[0][0] > 0  # the bookmaker-only period's prices, reachable through the canonical event
    current = await pipeline.fetch(
        "SELECT DISTINCT b.key FROM current_odds c JOIN bookmakers b ON b.id = c.bookmaker_id"
        " WHERE c.event_id = $1",
        canonical,
    )
    assert {r[0] for r in current} == {"sportybet", "theoddsapi.pinnacle"}
    reviews_after = await pipeline.fetch("SELECT bookmaker, status FROM match_reviews ORDER BY bookmaker")
    assert [tuple(r) for r in reviews_after] == [
        ("theoddsapi.pinnacle", "merged"),
        ("theoddsapi.unibet_eu", "rejected"),
    ]


def _reviews(records: list[Any]) -> int:
    """Match review records among the snapshots topic's records."""
    return sum(
        1 for r in records if r.value is not None and b'"schema":"odds.match_review.v1"' in r.value[:40]
    )
