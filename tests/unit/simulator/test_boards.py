"""Real-size boards: market and line counts of real captures, and filler that moves."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import pytest

from streams.simulator import Bookmaker, World, WorldConfig, iter_captures, render
from streams.simulator.boards import DATA
from streams.simulator.generate_boards import generate

# docs/MARKETS.md §1, football prematch: (market types, lines); Bet9ja also odds keys (~923)
REAL: dict[Bookmaker, tuple[int, int]] = {"sportybet": (183, 360), "betpawa": (79, 118), "bet9ja": (163, 221)}
QUIET = WorldConfig(live_share=0.0, kickoff_horizon_s=48 * 3600, suspend_rate=0.0, prematch_activity=1.0)


def board(bookmaker: str, doc: dict[str, Any]) -> tuple[int, int]:
    """(market types, lines) of a payload, counted as MARKETS.md §1 counts them."""
    if bookmaker == "sportybet":
        markets = doc["data"]["markets"]
        return len({m["id"] for m in markets}), len(markets)
    if bookmaker == "betpawa":
        return len(doc["markets"]), sum(len({r["handicap"] for r in m["row"]}) for m in doc["markets"])
    lines = {key.rsplit("_", 1)[0] for key in doc["D"]["O"]}
    return len({line.split("@")[0] for line in lines}), len(lines)


def test_the_boards_file_is_current() -> None:
    """``data/boards.json`` is what ``python -m streams.simulator.boards`` writes today."""
    assert json.loads(DATA.read_text()) == json.loads(json.dumps(generate()))


@pytest.mark.parametrize("bookmaker", sorted(REAL))
def test_default_football_prematch_boards_have_real_counts(bookmaker: Bookmaker) -> None:
    world = World(30, seed=41, config=replace(QUIET, live_share=0.0))
    types, lines = REAL[bookmaker]
    seen = 0
    for i, m in enumerate(world.matches):
        if m.sport != "soccer":
            continue
        got_types, got_lines = board(bookmaker, render(world, i, bookmaker))
        assert got_types == types and abs(got_lines - lines) <= 0.05 * lines, (got_types, got_lines)
        if bookmaker == "bet9ja":
            assert 880 <= len(render(world, i, bookmaker)["D"]["O"]) <= 960
        seen += 1
    assert seen


def test_real_size_sportybet_boards_are_big_matches() -> None:
    """The issue's range for SportyBet football: ~180–340 market types; lines up to ~1,000."""
    world = World(30, seed=42, config=replace(QUIET, size="real"))
    for i, m in enumerate(world.matches):
        if m.sport == "soccer":
            types, lines = board("sportybet", render(world, i, "sportybet"))
            assert 180 <= types <= 340 and 360 <= lines <= 1000


def test_every_line_of_a_board_moves_at_the_change_rate() -> None:
    """Filler lines are re-priced like the modelled ones: the whole SportyBet board changes at
    ``change_rate`` per capture (prematch activity 1), not just its modelled markets."""
    world = World(6, seed=43, config=replace(QUIET, change_rate=0.05))
    last: dict[int, dict[tuple[int, str], dict[str, float | None]]] = {}
    changed = total = 0
    for c in iter_captures(world, rate_per_s=18, count=18 * 15):
        if c.bookmaker != "sportybet":
            continue
        lines = world.canonical(c.event_index, c.bookmaker)
        before = last.get(c.event_index)
        if before is not None:
            total += len(lines)
            changed += sum(before.get(k) != v for k, v in lines.items())
        last[c.event_index] = lines
    assert 0.04 < changed / total < 0.06


def test_a_suspended_event_suspends_its_whole_board() -> None:
    cfg = WorldConfig(live_share=1.0, live_suspend_rate=1.0, live_resume_rate=0.0, suspend_rate=0.0)
    world = World(4, seed=44, config=cfg)
    world.step(5.0)
    for i in range(len(world)):
        sporty = render(world, i, "sportybet")["data"]["markets"]
        assert sporty and all(o["isActive"] == 0 for m in sporty for o in m["outcomes"])
        pawa = render(world, i, "betpawa")["markets"]
        assert all(p["suspended"] for m in pawa for r in m["row"] for p in r["prices"])
        assert set(render(world, i, "bet9ja")["D"]["O"].values()) == {""}
        assert all(p is None for line in world.canonical(i, "sportybet").values() for p in line.values())


def test_small_boards_carry_the_modelled_markets_only() -> None:
    world = World(10, seed=45, config=replace(QUIET, size="small"))
    for i in range(len(world)):
        for bookmaker in REAL:
            assert world.books[i][bookmaker].extra == []
        assert world.canonical(i, "sportybet") == world.truth(i, "sportybet")
        assert len(render(world, i, "sportybet")["data"]["markets"]) == len(world.truth(i, "sportybet"))
