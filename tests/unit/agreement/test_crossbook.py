"""The match stage's hook: snapshots through match_capture feed the check, which counts and logs."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from prometheus_client import REGISTRY

from streams.contracts.canonical import CanonicalEventOddsV1
from streams.contracts.capture import CanonicalCaptureV1
from streams.contracts.snapshot import Source
from streams.observe.counters import StreamCounters
from streams.settings import AgreementSettings
from streams.stages.match.board import KeyframePolicy
from streams.stages.match.crossbook import CrossBook
from streams.stages.match.logic import match_capture
from tests.unit.agreement.match import BOOKS, event, swapped

POLICY = KeyframePolicy(every=100, interval=timedelta(minutes=10))
TRUST = ("sportybet", "betpawa", "bet9ja")


def count(bookmaker: str, market: str = "18") -> float:
    labels = {"bookmaker": bookmaker, "sport": "soccer", "market": market}
    return REGISTRY.get_sample_value("oddsflow_crossbook_disagreements_total", labels) or 0.0


class Stage:
    """match_capture over plain dicts, with the check after each published snapshot."""

    def __init__(self) -> None:
        self.boards: dict[str, bytes] = {}
        self.registry: dict[str, bytes] = {}
        self.check = CrossBook(AgreementSettings())
        self.offset = 0

    def put(self, ev: CanonicalEventOddsV1) -> int:
        self.offset += 1
        capture = CanonicalCaptureV1(ev, Source(f"odds.raw.{ev.bookmaker}", 0, self.offset))
        result = match_capture(
            capture, self.boards, self.registry, policy=POLICY, trust=TRUST, counters=StreamCounters()
        )
        assert result.snapshot is not None
        return len(self.check.seen(capture, result.snapshot))


def test_counts_both_bookmakers_and_warns_once_per_pair_and_market(caplog: pytest.LogCaptureFixture) -> None:
    stage = Stage()
    before = {b: count(b) for b in TRUST}
    assert [stage.put(event(b, BOOKS[b], 5 * i)) for i, b in enumerate(TRUST)] == [0, 0, 0]
    # bet9ja's next capture is a diff (only total=2 changed, wrongly): found against both others
    bad = swapped(BOOKS["bet9ja"], ("total_goals", 18, "total=2"))
    with caplog.at_level(logging.WARNING, "streams.stages.match.crossbook"):
        assert stage.put(event("bet9ja", bad, 20)) == 2
        assert stage.put(event("bet9ja", BOOKS["bet9ja"], 25)) == 0
        assert stage.put(event("bet9ja", bad, 30)) == 2
    after = {b: count(b) - before[b] for b in TRUST}
    assert after == {"sportybet": 2, "betpawa": 2, "bet9ja": 4}
    warned = [r.getMessage() for r in caplog.records]
    assert len(warned) == 2  # one per bookmaker pair for market 18
    assert "market 18 line 'total=2' of sr:68995116" in warned[0]


@pytest.mark.parametrize("enabled", [True, False])
async def test_the_match_agent_runs_the_check(enabled: bool) -> None:
    """Under faust's test context: a wrong line at one bookmaker is counted by the agent,
    unless ``ODDS_AGREEMENT__ENABLED`` is false."""
    from streams.app import create_app
    from streams.contracts.capture import encode_capture
    from streams.settings import load_settings
    from tests.unit.streams.test_agents import Recorder, match

    settings = load_settings(streams={"app_id": "unit-test"}, agreement={"enabled": enabled})
    app = create_app(settings, ["odds.raw.sportybet"], send=Recorder())
    bad = swapped(BOOKS["bet9ja"], ("total_goals", 18, "total=2"))
    captures = [event("sportybet", BOOKS["sportybet"], 0), event("bet9ja", bad, 5)]
    values = [
        encode_capture(CanonicalCaptureV1(ev, Source(f"odds.raw.{ev.bookmaker}", 0, i)))
        for i, ev in enumerate(captures)
    ]
    before = count("bet9ja")
    assert await match(app, values) == ["new", "new"]
    assert count("bet9ja") - before == (1 if enabled else 0)
