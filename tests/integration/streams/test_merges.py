"""Identity merges on a real worker, sink and Apache Kafka: both orders, and across a SIGKILL.

Three BetPawa events, each the Sportradar match ``sr:<n>`` that SportyBet lists too, chosen
so that the bookmaker-only key and the Sportradar key live on different partitions:

* A — captures without the Sportradar widget first, then with it (merged);
* B — with the widget first, then without (rerouted through the alias; nothing to merge);
* C — without the widget, the worker is SIGKILLed, then with it (merged by its successor);
  and A gets one more capture without the widget after the restart (the recovered alias).

Afterwards every event is one row with its Sportradar id, BetPawa's own id attached to it,
every capture of both bookmakers stored once under it, readable through ``odds_at`` and
``best_current_odds``, and ``event_merges`` names A's and C's merges.
"""

from __future__ import annotations

import asyncio
import copy
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
import pytest

from streams.stages.match.expiry import key_partition
from tests.integration.replay.pipeline import Pipeline
from tests.integration.streams.harness import Harness
from tests.unit.streams.payloads import load

pytestmark = pytest.mark.integration

PARTITIONS = 3


@pytest.fixture
def pipeline(bootstrap_servers: str, migrated_db: str, tmp_path: Path) -> Iterator[Pipeline]:
    p = Pipeline(Harness(bootstrap_servers, tmp_path, partitions=PARTITIONS), migrated_db)
    try:
        yield p
    finally:
        p.stop_all()


def sporty(n: int, kickoff: datetime) -> bytes:
    doc: dict[str, Any] = copy.deepcopy(load("sportybet"))
    doc["data"]["eventId"] = f"sr:match:{n}"
    doc["data"]["estimateStartTime"] = int(kickoff.timestamp() * 1000)
    return orjson.dumps(doc)


def pawa(event_id: str, sr: int | None, kickoff: datetime) -> bytes:
    doc: dict[str, Any] = copy.deepcopy(load("betpawa"))
    doc["id"] = event_id
    doc["startTime"] = kickoff.isoformat().replace("+00:00", "Z")
    doc["widgets"] = [] if sr is None else [{"id": str(sr), "type": "SPORTRADAR", "retention": "PREMATCH"}]
    return orjson.dumps(doc)


def split_pairs() -> list[tuple[str, int]]:
    """(BetPawa id, Sportradar id) pairs whose two keys are on different partitions."""
    partition_of = key_partition(PARTITIONS)
    pairs: list[tuple[str, int]] = []
    for i in range(100):
        event_id, sr = f"{9100 + i}", 7100 + i
        if partition_of(f"betpawa:{event_id}") != partition_of(f"sr:{sr}"):
            pairs.append((event_id, sr))
    return pairs[:3]


async def until(pipeline: Pipeline, check: Any, timeout_s: float, what: str) -> Any:
    deadline = time.monotonic() + timeout_s
    last = None
    while time.monotonic() < deadline:
        last = await check()
        if last is True:
            return
        for i, proc in enumerate(pipeline.harness.procs):
            code = proc.poll()
            assert code in (None, -9), pipeline.harness.log_text(i)[-4000:]
        await asyncio.sleep(0.5)
    raise AssertionError(f"{what} not reached after {timeout_s}s: {last}")


async def test_merges_in_both_orders_and_across_a_restart(pipeline: Pipeline) -> None:
    h = pipeline.harness
    (a, sr_a), (b, sr_b), (c, sr_c) = split_pairs()
    # the id-gained path alone: the name matcher (streams/matching) would give the
    # bookmaker-only captures the Sportradar id of the same match before they are keyed
    h.extra_env["ODDS_STREAMS__MATCH_BY_NAME"] = "false"
    await h.create_topics()
    h.start_worker()
    pipeline.start_sink()
    t0 = (datetime.now(UTC) - timedelta(minutes=30)).replace(microsecond=0)
    kickoff = t0 + timedelta(hours=3)
    s = timedelta(seconds=1)
    pawa_at: dict[int, list[datetime]] = {sr_a: [], sr_b: [], sr_c: []}

    async def pub_pawa(producer: Any, event_id: str, sr: int, with_id: bool, at: datetime) -> None:
        await h.publish(producer, "betpawa", pawa(event_id, sr if with_id else None, kickoff), at)
        pawa_at[sr].append(at)

    async with h.producer() as producer:
        for sr in (sr_a, sr_b, sr_c):
            await h.publish(producer, "sportybet", sporty(sr, kickoff), t0)
        await pub_pawa(producer, a, sr_a, False, t0 + 1 * s)  # A: bookmaker-only first
        await pub_pawa(producer, a, sr_a, False, t0 + 2 * s)
        await pub_pawa(producer, b, sr_b, True, t0 + 1 * s)  # B: with the id first
        await pub_pawa(producer, c, sr_c, False, t0 + 1 * s)  # C: bookmaker-only before the kill
        await h.wait_ready(0)

        async def stored_bookmaker_only() -> bool | str:  # A and C really are stored on their own
            rows = await pipeline.fetch("SELECT count(*) FROM events WHERE sportradar_id IS NULL")
            return rows[0][0] == 2 or f"{rows[0][0]} bookmaker-only events"

        await until(pipeline, stored_bookmaker_only, 90, "A and C stored as bookmaker-only events")
        await pub_pawa(producer, a, sr_a, True, t0 + 3 * s)  # A gains its id: merge
        # B's alias must exist before its capture without the id (else it is a merge, not a reroute)
        changelog = f"{h.settings.streams.app_id}-event_registry-changelog"
        alias_key = orjson.dumps(f"betpawa:{b}")
        await h.collect(changelog, lambda rs: any(r.key == alias_key for r in rs), 60)
        await pub_pawa(producer, b, sr_b, False, t0 + 2 * s)  # rerouted to sr:<b>
        await pub_pawa(producer, b, sr_b, False, t0 + 3 * s)
        await pipeline.wait_sink_caught_up(90)

        h.kill(0)  # SIGKILL: the successor recovers registry, boards and aliases from the changelogs
        h.start_worker()
        await pub_pawa(producer, c, sr_c, True, t0 + 4 * s)  # C gains its id after the restart
        await pub_pawa(producer, a, sr_a, False, t0 + 5 * s)  # A without the id: the recovered alias
        await pub_pawa(producer, c, sr_c, False, t0 + 6 * s)  # C without the id again
        await h.wait_ready(1)

    async def settled() -> bool | str:
        stored = await pipeline.fetch(
            """SELECT e.sportradar_id, b.key, s.captured_at FROM snapshots s
                 JOIN events e ON e.id = s.event_id JOIN bookmakers b ON b.id = s.bookmaker_id
                WHERE b.key = 'betpawa'"""
        )
        got = {sr: sorted(r[2] for r in stored if r[0] == sr) for sr in pawa_at}
        merged = await pipeline.fetch("SELECT from_key FROM event_merges")
        want = {sr: sorted(ats) for sr, ats in pawa_at.items()}
        if got == want and len(stored) == sum(map(len, want.values())) and len(merged) >= 2:
            return True
        return f"stored {got} (want {want}); merges {[r[0] for r in merged]}"

    await until(pipeline, settled, 120, "every BetPawa capture under its Sportradar event")
    await pipeline.wait_sink_caught_up(60)

    events = await pipeline.fetch("SELECT id, sportradar_id FROM events ORDER BY sportradar_id")
    assert [r[1] for r in events] == [sr_a, sr_b, sr_c]  # no bookmaker-only event left
    ids = {r[1]: r[0] for r in events}
    attached = await pipeline.fetch(
        "SELECT eb.bookmaker_event_id, eb.event_id FROM event_bookmakers eb "
        "JOIN bookmakers b ON b.id = eb.bookmaker_id WHERE b.key = 'betpawa'"
    )
    assert dict((r[0], r[1]) for r in attached) == {a: ids[sr_a], b: ids[sr_b], c: ids[sr_c]}
    merges = await pipeline.fetch(
        "SELECT from_key, into_key, into_event_id, reason FROM event_merges ORDER BY 1"
    )
    assert [tuple(r) for r in merges] == sorted(
        [
            (f"betpawa:{a}", f"sr:{sr_a}", ids[sr_a], "sportradar_id"),
            (f"betpawa:{c}", f"sr:{sr_c}", ids[sr_c], "sportradar_id"),
        ]
    )
    for sr, ats in pawa_at.items():
        for book, first in (("betpawa", ats[0]), ("sportybet", t0)):
            board = await pipeline.fetch(
                "SELECT count(*) FROM odds_at($1, (SELECT id FROM bookmakers WHERE key = $2), $3)",
                ids[sr],
                book,
                first,
            )
            assert board[0][0] > 0, (sr, book)  # the history of the bookmaker-only period is reachable
        best = await pipeline.fetch(
            "SELECT DISTINCT bookmaker FROM best_current_odds WHERE event_id = $1", ids[sr]
        )
        current = await pipeline.fetch(
            "SELECT DISTINCT b.key FROM current_odds c JOIN bookmakers b ON b.id = c.bookmaker_id "
            "WHERE c.event_id = $1",
            ids[sr],
        )
        assert {r[0] for r in current} == {"betpawa", "sportybet"}
        assert best and {r[0] for r in best} <= {"betpawa", "sportybet"}
