"""End to end on Apache Kafka: a capture of The Odds API, which has no Sportradar id, joins the
event SportyBet and BetPawa published with theirs, through the name matcher."""

from __future__ import annotations

import orjson
import pytest

from streams.adapters import theoddsapi
from tests.integration.streams.harness import Harness, fixture_bytes

pytestmark = pytest.mark.integration


async def test_the_odds_api_capture_matches_the_sportradar_event_by_names(harness: Harness) -> None:
    harness.extra_env["ODDS_STREAMS__MATCH_BY_NAME"] = "true"  # off by default
    await harness.create_topics(extra_raw=("theoddsapi",))
    harness.start_worker()
    response = orjson.loads(fixture_bytes("theoddsapi", "soccer_prematch"))
    async with harness.producer() as producer:
        for book in ("sportybet", "betpawa"):
            await harness.publish(producer, book, fixture_bytes(book, "soccer_prematch"))
        await harness.wait_ready(0)
        await harness.snapshots(lambda s: len(s) >= 2)
        for _, payload in theoddsapi.split_response(response):
            await harness.publish(producer, "theoddsapi", orjson.dumps(payload))
        snaps = await harness.snapshots(lambda s: len(s) >= 4)
    by_book = {s.bookmaker: s for s in snaps}
    assert set(by_book) == {"sportybet", "betpawa", "theoddsapi.pinnacle", "theoddsapi.unibet_eu"}
    assert {s.key for s in snaps} == {"sr:68995116"}  # one event, found by names for the feed
    pinnacle = by_book["theoddsapi.pinnacle"]
    assert pinnacle.bookmaker_event_id == "e912304de2b2ce35b473ce2ecd3d1502"
    assert pinnacle.event.home == "Wuhan Three Towns FC"  # the registry's resolved names
