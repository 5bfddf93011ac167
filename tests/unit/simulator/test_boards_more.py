"""Real-size boards of Betika, Betway, MSport and SportPesa (``size="real"``): real counts,
UOF filler the adapters read, SportPesa filler in no mapping table."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from streams.adapters import normalize
from streams.simulator import BOOKMAKERS, World, WorldConfig, render
from streams.simulator.filler_more import SPORTPESA_OWN
from streams.taxonomy.tables import SPORTPESA

QUIET = WorldConfig(
    bookmakers=BOOKMAKERS,
    live_share=0.0,
    kickoff_horizon_s=48 * 3600,
    suspend_rate=0.0,
    prematch_activity=1.0,
)
NOW = datetime(2026, 5, 6, 12, tzinfo=UTC)


def test_real_size_football_boards_have_real_counts() -> None:
    """FORMATS-MORE.md: MSport football prematch 188 market objects (one per line); Betika ~85
    market types; SportPesa ~60–90 lines; Betway as MSport (the same UOF board)."""
    world = World(12, seed=51, start=NOW, config=replace(QUIET, size="real"))
    seen = 0
    for i, m in enumerate(world.matches):
        if m.sport != "soccer":
            continue
        seen += 1
        msport = render(world, i, "msport")["data"]["markets"]
        assert 160 <= len(msport) <= 220
        betika = render(world, i, "betika")["data"][0]["odds"]
        assert 60 <= len(betika) <= 90
        sportpesa = render(world, i, "sportpesa")
        assert 60 <= len(sportpesa["markets"][str(sportpesa["event"]["id"])]) <= 100
        betway = render(world, i, "betway")["markets"]
        lines = {o["originalMarketId"] for o in betway["outcomes"]}
        assert 160 <= len(lines) <= 220
    assert seen


def test_small_and_normal_boards_of_the_four_are_the_modelled_markets_only() -> None:
    for size in ("small", "normal"):
        world = World(6, seed=52, start=NOW, config=replace(QUIET, size=size))  # type: ignore[arg-type]
        for i in range(len(world)):
            for b in ("betika", "betway", "msport", "sportpesa"):
                assert world.books[i][b].extra == []


def test_uof_filler_is_mapped_and_sportpesa_filler_is_not() -> None:
    world = World(6, seed=53, start=NOW, config=replace(QUIET, size="real"))
    for i in range(len(world)):
        for b in ("betika", "betway", "msport"):
            event = normalize(b, render(world, i, b), NOW, now=NOW)
            # every filler line is mapped: the board is the modelled lines plus the filler's
            assert len(event.lines) == len(world.canonical(i, b)) > len(world.truth(i, b))
        event = normalize("sportpesa", render(world, i, "sportpesa"), NOW, now=NOW)
        assert sum(event.unmapped.values()) > 0  # the filler, under SportPesa-own ids
        assert all(int(native) >= SPORTPESA_OWN for native in event.unmapped)
    assert not any(int(native) >= SPORTPESA_OWN for _, native in SPORTPESA)
