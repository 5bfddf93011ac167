"""The simulator's bookmaker spellings of names, and the invented fixture world."""

from __future__ import annotations

from streams.simulator.name_world import fixtures
from streams.simulator.names import STYLES, name_variant, strip_accents


def test_each_book_writes_one_name_one_way_and_sportybet_keeps_it() -> None:
    for book in STYLES:
        assert name_variant("Łódź Wanderers", "soccer", book) == name_variant(
            "Łódź Wanderers", "soccer", book
        )
    assert name_variant("Łódź Wanderers", "soccer", "sportybet") == "Łódź Wanderers"
    assert strip_accents("Łódź São") == "Lodz Sao"


def test_markers_and_player_orders_follow_each_books_habit() -> None:
    assert name_variant("Ashford", "soccer", "betpawa", marker="women").endswith("(W)")
    assert name_variant("Ashford", "soccer", "msport", marker="u21").endswith("Under 21")
    assert name_variant("Ashford", "soccer", "betika", marker="reserves").endswith(" B")
    assert name_variant("Tirante", "tennis", "betpawa", first="Thiago Agustin") == "Tirante, Thiago Agustin"
    assert name_variant("Tirante", "tennis", "sportpesa", first="Thiago Agustin") == "Tirante T. A."
    assert name_variant("Tirante", "tennis", "theoddsapi", first="Thiago Agustin") == "Thiago Agustin Tirante"


def test_books_do_vary_names() -> None:
    world = fixtures(400, seed=5)
    clubs = {fx.home.name for fx in world if fx.sport == "soccer"}
    changed = sum(name_variant(c, "soccer", "theoddsapi") != c for c in clubs)
    assert 0.1 < changed / len(clubs) < 0.9  # sponsors, affixes, transliterations: some, not all


def test_fixture_world_has_twins_and_no_team_twice_a_day() -> None:
    world = fixtures(2000, seed=7)
    assert len(world) == 2000
    seen: set[tuple[str, str, str, str, object]] = set()
    for fx in world:
        for side in (fx.home, fx.away):
            key = (fx.sport, side.name, side.first, side.marker, fx.kickoff.date())
            assert key not in seen
            seen.add(key)
    pairs = {(fx.home.name, fx.away.name) for fx in world if fx.sport == "soccer"}
    assert sum(1 for fx in world if fx.sport == "soccer") - len(pairs) > 20  # same clubs, other sides
