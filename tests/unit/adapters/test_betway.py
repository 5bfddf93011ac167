"""Golden tests: Betway split events (FORMATS-MORE.md §2) → exact canonical lines."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from streams.adapters import betway
from streams.contracts.canonical import CanonicalEventOddsV1
from streams.errors import DataError
from tests.unit.adapters.helpers import NOW, load, off, priced, table


def run(name: str) -> CanonicalEventOddsV1:
    return betway.normalize(load("betway", name), NOW)


def test_soccer_prematch_squashed_lines() -> None:
    event = run("soccer_prematch")
    assert (event.bookmaker, event.bookmaker_event_id, event.sportradar_id) == (
        "betway",
        "68995116",
        68995116,
    )
    assert event.kickoff == datetime(2026, 5, 6, 11, 0, tzinfo=UTC)  # expectedStartEpoch is in seconds
    assert (event.home, event.away, event.live, event.tournament) == (
        "Wuhan Three Towns FC",
        "Qingdao Hainiu FC",
        False,
        "Chinese Super League",
    )
    lines = table(event)
    assert lines["match_result", ""] == priced(("1", 2.4), ("2", 3.3), ("3", 3.0))
    # squashed children; the last (total=2.75) is listed only in squashedMarketIds
    assert lines["total_goals", "total=2"] == priced(("12", 1.48), ("13", 2.6))
    assert lines["total_goals", "total=2.75"] == priced(("12", 2.2), ("13", 1.62))
    assert lines["asian_handicap", "hcp=-0.25"] == priced(("1714", 1.98), ("1715", 1.82))
    assert lines["handicap_3way", "hcp=0:1"] == priced(("1711", 6.2), ("1712", 4.1), ("1713", 1.4))
    assert lines["match_result_and_total", "total=2.5"][-1] == ("804", 4.6, True)
    # a variant outcome's numeric tail becomes the full variant outcome id, as at MSport
    assert lines["uof:21", "variant=sr:exact_goals:5+"][0] == ("sr:exact_goals:5+:1336", 9.0, True)
    assert (event.mapped_lines, event.unmapped, len(lines)) == (20, {}, 20)


def test_soccer_live_suspensions() -> None:
    event = run("soccer_live")
    assert (event.live, event.sportradar_id, event.home) == (True, 67645534, "FC Tokyo")
    lines = table(event)
    assert lines["match_result", ""] == off("1", "2", "3")
    assert lines["next_goal", "goalnr=4"] == off("6", "7", "8")
    assert lines["btts", ""] == priced(("74", 2.3), ("76", 1.55))


def test_trading_inactive_outcome_and_suspended_market() -> None:
    payload = load("betway", "soccer_prematch")
    markets = payload["markets"]
    first = next(o for o in markets["outcomes"] if o["outcomeId"] == "6899511611")
    first["isTradingActive"] = False
    entry = next(m for m in markets["marketsInGroup"] if m["marketId"] == "6899511629")
    entry["isSuspended"] = True
    lines = table(betway.normalize(payload, NOW))
    assert lines["match_result", ""] == (("1", None, False), ("2", 3.3, True), ("3", 3.0, True))
    assert lines["btts", ""] == off("74", "76")


def test_basketball_and_tennis() -> None:
    basket, tennis = run("basketball"), run("tennis")
    assert table(basket)["uof:236", "quarternr=1|total=55.5"] == priced(("12", 1.88), ("13", 1.88))
    assert table(basket)["bb_handicap_incl_ot", "hcp=-8.5"] == priced(("1714", 2.02), ("1715", 1.78))
    assert (tennis.sport, tennis.sportradar_id) == ("tennis", 71529092)
    assert table(tennis)["uof:199", "variant=sr:correct_score:bestof:3"] == priced(
        ("sr:correct_score:bestof:3:4", 2.7),
        ("sr:correct_score:bestof:3:5", 4.2),
        ("sr:correct_score:bestof:3:6", 5.0),
        ("sr:correct_score:bestof:3:7", 3.6),
    )


def test_half_an_event_is_refused_with_the_reason() -> None:
    with pytest.raises(DataError) as err:
        run("half")
    assert (err.value.stage, err.value.kind) == ("normalize", "missing_field")
    assert "lacks markets" in err.value.message and "WIRE.md" in err.value.message
    with pytest.raises(DataError) as err:
        betway.extract_ids({"markets": load("betway", "soccer_prematch")["markets"]})
    assert err.value.kind == "missing_field"


def test_halves_of_two_events_are_bad_value() -> None:
    payload = load("betway", "soccer_prematch")
    payload["event"] = load("betway", "soccer_live")["event"]
    with pytest.raises(DataError) as err:
        betway.normalize(payload, NOW)
    assert err.value.kind == "bad_value" and "different events" in err.value.message


def test_malformed_price_is_wrong_type() -> None:
    with pytest.raises(DataError) as err:
        run("malformed")
    assert err.value.kind == "wrong_type"


def test_unparsable_line_id_is_unmapped() -> None:
    payload = load("betway", "soccer_prematch")
    for o in payload["markets"]["outcomes"]:
        if o["originalMarketId"] == "6899511629":
            o["originalMarketId"] = "68995116-bb-29"
            o["outcomeId"] = o["outcomeId"].replace("6899511629", "68995116-bb-29")
    event = betway.normalize(payload, NOW)
    assert (event.unmapped, event.mapped_lines) == ({"29": 1}, 19)


def test_extract_ids() -> None:
    assert betway.extract_ids(load("betway", "soccer_prematch")) == ("68995116", 68995116)
