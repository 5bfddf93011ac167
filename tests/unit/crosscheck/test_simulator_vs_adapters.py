"""The adapters read every simulated capture exactly as the simulator's truth describes it.

Two independent implementations of FORMATS.md (the renderers in ``streams.simulator`` and
the adapters in ``streams.adapters``) must agree on every market line, price, suspension,
event id and Sportradar id — over live play, suspensions and missing ids.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from streams.adapters import extract_ids, normalize
from streams.simulator import BOOKMAKERS, World, WorldConfig, iter_captures


@pytest.mark.parametrize("size", ["normal", "real"])
def test_adapters_agree_with_simulator_truth(size: str) -> None:
    start = datetime(2026, 5, 6, 12, tzinfo=UTC)
    world = World(8, seed=11, start=start, config=WorldConfig(size=size, live_share=0.5, time_scale=30.0))  # type: ignore[arg-type]
    for cap in iter_captures(
        world, rate_per_s=5.0, count=8 * len(BOOKMAKERS) * (4 if size == "normal" else 1)
    ):
        event = normalize(cap.bookmaker, cap.payload, cap.captured_at, now=cap.captured_at)
        board = {(ln.market_id, ln.line): {o.outcome_id: o.price for o in ln.outcomes} for ln in event.lines}
        assert board == world.canonical(cap.event_index, cap.bookmaker), (cap.bookmaker, cap.event_index)
        assert event.sportradar_id == cap.sportradar_id
        assert extract_ids(cap.bookmaker, cap.payload) == (cap.bookmaker_event_id, cap.sportradar_id)
        assert event.bookmaker_event_id == cap.bookmaker_event_id
        if size == "real" and cap.bookmaker in ("betpawa", "bet9ja"):
            assert sum(event.unmapped.values()) > 0  # BetPawa and Bet9ja filler is unmapped on purpose


def test_betpawa_and_bet9ja_filler_is_in_no_mapping_table() -> None:
    """The simulator's filler stands for markets oddsflow does not map at BetPawa and Bet9ja."""
    from streams.adapters._bet9ja_keys import entry
    from streams.simulator.filler import CATALOGUE
    from streams.taxonomy.tables import BETPAWA

    prefix = {"soccer": "S_", "basketball": "B_", "tennis": "T_"}
    for sport, entries in CATALOGUE.items():
        for e in entries:
            assert (sport, e.pawa_id) not in BETPAWA
            assert (
                entry(prefix[sport] + e.b9_code) is None and entry(f"LIVE{prefix[sport]}{e.b9_code}") is None
            )
