"""MARKETS.md §7 pitfalls on the full captures: line encodings, signs, half/quarter/overtime
markers, splits, placeholders, and lines of one match sharing canonical homes across books."""

from __future__ import annotations

import pytest

from streams.adapters import normalize
from streams.taxonomy import namespace
from tests.unit.adapters.helpers import NOW, load

Lines = dict[tuple[int, str], dict[str, float | None]]


def lines(bookmaker: str, name: str) -> Lines:
    event = normalize(bookmaker, load(bookmaker, f"full_{name}"), NOW, now=NOW)
    return {(ln.market_id, ln.line): {o.outcome_id: o.price for o in ln.outcomes} for ln in event.lines}


def keys(found: Lines, market_id: int) -> set[str]:
    return {line for mid, line in found if mid == market_id}


def test_betpawa_rows_are_the_line_times_four() -> None:
    pawa = lines("betpawa", "soccer_prematch")
    assert keys(pawa, 18) == {f"total={t}" for t in ("0.5", "1.5", "2.5", "3.5", "4.5", "5.5")}  # rows 2..22
    assert keys(pawa, 16) == {"hcp=-1.5", "hcp=-0.5", "hcp=0.5", "hcp=1.5"}  # rows -6..6, home view
    assert keys(pawa, 8) == {"goalnr=1"}  # next goal: row 4
    assert keys(lines("betpawa", "soccer_live"), 8) == {"goalnr=4"}  # row 16: the 4th goal


def test_three_way_handicap_signs() -> None:
    """UOF hcp=0:1 = BetPawa European row -4 = Bet9ja @-1 (home one goal down)."""
    for found in (lines("betpawa", "soccer_prematch"), lines("bet9ja", "soccer_prematch")):
        assert {"hcp=0:1", "hcp=1:0"} <= keys(found, 14)
    assert keys(lines("betpawa", "soccer_prematch"), 14) == {"hcp=0:2", "hcp=0:1", "hcp=1:0", "hcp=2:0"}
    assert keys(lines("sportybet", "soccer_prematch"), 14) == {
        "hcp=0:1",
        "hcp=0:2",
        "hcp=0:3",
        "hcp=1:0",
        "hcp=2:0",
    }


def test_bet9ja_whole_and_quarter_totals_and_one_code_for_two_markets() -> None:
    nine = lines("bet9ja", "soccer_prematch")
    assert {"total=0.75", "total=1", "total=2.25", "total=2.5", "total=5.75", "total=6.5"} <= keys(nine, 18)
    assert keys(nine, 19) == keys(nine, 20) == {"total=0.5", "total=1.5", "total=2.5"}  # S_HAOU
    assert keys(nine, 69) == keys(nine, 70) == {"total=0.5", "total=1.5"}  # S_HA1HOU
    assert set(nine[19, "total=0.5"]) == set(nine[20, "total=0.5"]) == {"12", "13"}


def test_half_time_markers() -> None:
    nine = lines("bet9ja", "soccer_prematch")
    assert keys(nine, 68) == keys(nine, 90) == {"total=0.5", "total=1.5", "total=2.5"}  # S_OU1T, S_OU2T
    assert keys(nine, 818) == {"total=1.5", "total=2.5", "total=3.5", "total=4.5"}  # HT/FT & full-time total
    assert keys(nine, 819) == {"total=1.5"}  # HT/FT & first-half total
    pawa = lines("betpawa", "soccer_prematch")
    assert (60, "") in pawa and (83, "") in pawa  # 1X2 - 1H, 1X2 - 2H


def test_basketball_overtime_and_quarters() -> None:
    nine = lines("bet9ja", "basketball")
    assert keys(nine, 18) == {"total=155.5"}  # B_OURT: regular time
    assert len(keys(nine, 225)) == 13  # B_OUN: incl. overtime
    assert (1, "") in nine and (219, "") in nine  # B_1X2 "3way" vs B_12 "2 Way"
    assert {f"quarternr={q}" for q in (1, 2, 3, 4)} == keys(nine, 235)
    assert "quarternr=1|total=36.5" in keys(nine, 236)
    pawa = lines("betpawa", "basketball")
    assert keys(pawa, 236) == {f"quarternr=4|total={t}" for t in ("36.5", "37.5", "38.5", "39.5", "40.5")}
    assert keys(pawa, 303) == {"hcp=-2.5|quarternr=4", "hcp=-1.5|quarternr=4", "hcp=-0.5|quarternr=4"}
    sporty = lines("sportybet", "basketball")
    assert len(keys(sporty, 236)) == 20  # "total=36.5|quarternr=2": keys sorted


def test_tennis_sets_and_a_code_for_two_markets() -> None:
    nine = lines("bet9ja", "tennis")
    assert set(nine[192, ""]) == set(nine[193, ""]) == {"74", "76"}  # T_WSET
    assert keys(nine, 202) == {"setnr=1", "setnr=2"}
    assert keys(lines("betpawa", "tennis"), 203) == {
        "hcp=-1.5|setnr=1",
        "hcp=-0.5|setnr=1",
        "hcp=1.5|setnr=1",
    }


def test_live_placeholders_are_never_prices() -> None:
    pawa = lines("betpawa", "soccer_live")
    nine = lines("bet9ja", "soccer_live")
    assert all(
        p is None or p > 1.0 for found in (pawa, nine) for line in found.values() for p in line.values()
    )
    assert sum(p is None for line in pawa.values() for p in line.values()) > 100  # suspended at 0.0/100.0
    assert keys(nine, 8) == {"goalnr=4"}  # LIVES_NEXTGOAL@0:3


def test_sportybet_own_and_genius_markets_have_their_namespace() -> None:
    sporty = lines("sportybet", "soccer_prematch")
    assert (10_060_200, "") in sporty and (10_450_001, "") in sporty
    assert len(keys(sporty, 10_900_313)) == 72  # Genius: minute=…|total=…
    assert "minsnr=10|total=1.5" in keys(sporty, 10_060_180)
    assert set(sporty[10_900_015, ""]) == {"39", "40"}  # Genius Yes/No ids, as SportyBet sends them


@pytest.mark.parametrize(("bookmaker", "least"), [("betpawa", 0.95), ("bet9ja", 0.85)])
def test_one_match_shares_canonical_homes_across_books(bookmaker: str, least: float) -> None:
    """Football prematch is one match at all three: the other books' UOF/SportyBet lines are
    SportyBet's (the rest are lines SportyBet did not offer, e.g. Bet9ja's quarter totals)."""
    sporty = lines("sportybet", "soccer_prematch")
    other = {k for k in lines(bookmaker, "soccer_prematch") if namespace(k[0]) != "oddsflow"}
    assert len(other & sporty.keys()) / len(other) >= least
    oddsflow = {k for k in lines(bookmaker, "soccer_prematch") if namespace(k[0]) == "oddsflow"}
    assert not oddsflow & sporty.keys()
