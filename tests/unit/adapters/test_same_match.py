"""One match (sr:match:68995116) on all three bookmakers lands on the same canonical lines.

Each expected price is read from the raw fixture at the bookmaker's own address (SportyBet
market/specifier/outcome id, BetPawa marketType/row handicap/price name, Bet9ja odds key),
independently of the adapters, and compared with the normalized price.
"""

from __future__ import annotations

from typing import Any

import pytest

from streams.adapters import normalize
from streams.contracts.canonical import CanonicalEventOddsV1
from tests.unit.adapters.helpers import NOW, load

SportyAddr = tuple[str, str | None, str]  # market id, specifier, outcome id
PawaAddr = tuple[str, int | None, str]  # marketType.id, row.handicap, price name

# (canonical market, line key, UOF outcome id, SportyBet, BetPawa, Bet9ja)
ROWS: list[tuple[str, str, str, SportyAddr, PawaAddr, str]] = [
    ("match_result", "", "1", ("1", None, "1"), ("3743", None, "1"), "S_1X2_1"),
    ("match_result", "", "2", ("1", None, "2"), ("3743", None, "X"), "S_1X2_X"),
    ("match_result", "", "3", ("1", None, "3"), ("3743", None, "2"), "S_1X2_2"),
    ("double_chance", "", "9", ("10", None, "9"), ("4693", None, "1X"), "S_DC_1X"),
    ("double_chance", "", "10", ("10", None, "10"), ("4693", None, "12"), "S_DC_12"),
    ("double_chance", "", "11", ("10", None, "11"), ("4693", None, "X2"), "S_DC_X2"),
    ("draw_no_bet", "", "4", ("11", None, "4"), ("4703", None, "1"), "S_DNB_1"),
    ("draw_no_bet", "", "5", ("11", None, "5"), ("4703", None, "2"), "S_DNB_2"),
    ("total_goals", "total=2.5", "12", ("18", "total=2.5", "12"), ("5000", 10, "Over"), "S_OU@2.5_O"),
    ("total_goals", "total=2.5", "13", ("18", "total=2.5", "13"), ("5000", 10, "Under"), "S_OU@2.5_U"),
    ("total_goals", "total=2", "12", ("18", "total=2", "12"), ("5000", 8, "Over"), "S_OUA@2_O"),
    ("total_goals", "total=2.75", "13", ("18", "total=2.75", "13"), ("5000", 11, "Under"), "S_OUA@2.75_U"),
    ("asian_handicap", "hcp=-0.5", "1714", ("16", "hcp=-0.5", "1714"), ("3774", -2, "1"), "S_AH@-0.5_1"),
    ("asian_handicap", "hcp=-0.5", "1715", ("16", "hcp=-0.5", "1715"), ("3774", -2, "2"), "S_AH@-0.5_2"),
    ("asian_handicap", "hcp=-1.5", "1714", ("16", "hcp=-1.5", "1714"), ("3774", -6, "1"), "S_AH@-1.5_1"),
    ("asian_handicap", "hcp=-1.5", "1715", ("16", "hcp=-1.5", "1715"), ("3774", -6, "2"), "S_AH@-1.5_2"),
    ("asian_handicap", "hcp=-0.25", "1714", ("16", "hcp=-0.25", "1714"), ("3774", -1, "1"), "S_AH@-0.25_1"),
    ("handicap_3way", "hcp=0:1", "1711", ("14", "hcp=0:1", "1711"), ("4724", -4, "1"), "S_1X2HND@-1_1H"),
    ("handicap_3way", "hcp=0:1", "1713", ("14", "hcp=0:1", "1713"), ("4724", -4, "2"), "S_1X2HND@-1_2H"),
    ("btts", "", "74", ("29", None, "74"), ("3795", None, "Yes"), "S_GGNG_Y"),
    ("btts", "", "76", ("29", None, "76"), ("3795", None, "No"), "S_GGNG_N"),
    ("next_goal", "goalnr=1", "7", ("8", "goalnr=1", "7"), ("28000224", 4, "None"), "S_1STGOAL_X"),
    ("home_total_goals", "total=1.5", "12", ("19", "total=1.5", "12"), ("5006", 6, "Over"), "S_HAOU@1.5_OH"),
    ("away_total_goals", "total=0.5", "13", ("20", "total=0.5", "13"), ("5003", 2, "Under"), "S_HAOU@0.5_UA"),
]


def sportybet_raw(doc: Any, addr: SportyAddr) -> float:
    market_id, specifier, outcome_id = addr
    for market in doc["data"]["markets"]:
        if market["id"] == market_id and market.get("specifier") == specifier:
            return next(float(o["odds"]) for o in market["outcomes"] if o["id"] == outcome_id)
    raise AssertionError(f"no SportyBet market {addr}")


def betpawa_raw(doc: Any, addr: PawaAddr) -> float:
    type_id, handicap, name = addr
    for market in doc["markets"]:
        if market["marketType"]["id"] == type_id:
            for row in market["row"]:
                if row["handicap"] == handicap:
                    for price in row["prices"]:
                        if price["name"] == name:
                            return float(price["price"])
    raise AssertionError(f"no BetPawa price {addr}")


@pytest.fixture(scope="module")
def docs() -> dict[str, Any]:
    return {bm: load(bm, "soccer_prematch") for bm in ("sportybet", "betpawa", "bet9ja")}


@pytest.fixture(scope="module")
def events(docs: dict[str, Any]) -> dict[str, CanonicalEventOddsV1]:
    return {bm: normalize(bm, doc, NOW, now=NOW) for bm, doc in docs.items()}


def price_of(
    event: CanonicalEventOddsV1, market: str, line: str, outcome_id: str
) -> tuple[str, float | None]:
    found = [ln for ln in event.lines if ln.market == market and ln.line == line]
    assert len(found) == 1, f"{event.bookmaker}: expected one {market} {line!r}, got {len(found)}"
    outcome = next(o for o in found[0].outcomes if o.outcome_id == outcome_id)
    return found[0].key, outcome.price


def test_same_sportradar_match(events: dict[str, CanonicalEventOddsV1]) -> None:
    assert {e.sportradar_id for e in events.values()} == {68995116}
    assert {e.kickoff for e in events.values()} == {events["sportybet"].kickoff}


@pytest.mark.parametrize(("market", "line", "outcome_id", "sporty", "pawa", "b9_key"), ROWS)
def test_each_bookmaker_price_lands_on_the_same_line(
    docs: dict[str, Any],
    events: dict[str, CanonicalEventOddsV1],
    market: str,
    line: str,
    outcome_id: str,
    sporty: SportyAddr,
    pawa: PawaAddr,
    b9_key: str,
) -> None:
    raw = {
        "sportybet": sportybet_raw(docs["sportybet"], sporty),
        "betpawa": betpawa_raw(docs["betpawa"], pawa),
        "bet9ja": float(docs["bet9ja"]["D"]["O"][b9_key]),
    }
    keys = set()
    for bookmaker, event in events.items():
        key, price = price_of(event, market, line, outcome_id)
        assert price == raw[bookmaker], bookmaker
        keys.add(key)
    assert len(keys) == 1


def test_shared_lines_have_identical_keys(events: dict[str, CanonicalEventOddsV1]) -> None:
    per_bookmaker = [{ln.key for ln in e.lines} for e in events.values()]
    shared = set.intersection(*per_bookmaker)
    assert {"1|", "10|", "11|", "18|total=2.5", "16|hcp=-0.5", "16|hcp=-1.5", "29|", "14|hcp=0:1"} <= shared
    # the three fixtures quote the same 21 soccer lines (plus Bet9ja's extra hcp=1:0 three-way line)
    assert len(shared) == 21
