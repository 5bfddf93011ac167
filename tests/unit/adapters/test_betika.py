"""Golden tests: Betika listing responses (FORMATS-MORE.md §1) → exact canonical lines."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from streams.adapters import betika
from streams.contracts.canonical import CanonicalEventOddsV1
from streams.errors import DataError
from tests.unit.adapters.helpers import NOW, load, off, priced, table


def run(name: str) -> CanonicalEventOddsV1:
    return betika.normalize(load("betika", name), NOW)


def test_soccer_prematch_kickoff_is_east_africa_time() -> None:
    event = run("soccer_prematch")
    assert (event.bookmaker, event.bookmaker_event_id, event.sportradar_id) == (
        "betika",
        "10846988",
        68995116,
    )
    # start_time "2026-05-06 14:00:00" has no offset: EAT (UTC+3) = 11:00 UTC
    assert event.kickoff == datetime(2026, 5, 6, 11, 0, tzinfo=UTC)
    assert (event.sport, event.live, event.category, event.tournament) == (
        "soccer",
        False,
        "China",
        "Super League",
    )
    lines = table(event)
    assert lines["match_result", ""] == priced(("1", 2.35), ("2", 3.23), ("3", 2.94))
    # all lines of one market sit in one object: each outcome's special_bet_value splits them
    assert {key for key in lines if key[0] == "total_goals"} == {
        ("total_goals", "total=2"),
        ("total_goals", "total=2.5"),
        ("total_goals", "total=2.75"),
    }
    assert lines["total_goals", "total=2.5"] == priced(("12", 1.92), ("13", 1.77))
    assert lines["asian_handicap", "hcp=-1.5"] == priced(("1714", 4.51), ("1715", 1.15))
    assert lines["next_goal", "goalnr=1"] == priced(("6", 1.93), ("7", 11.0), ("8", 2.2))
    assert (event.mapped_lines, event.unmapped, len(lines)) == (19, {}, 19)


def test_header_prices_are_not_a_market() -> None:
    payload = load("betika", "soccer_prematch")
    payload["data"][0]["odds"] = []
    event = betika.normalize(payload, NOW)
    assert (event.lines, event.mapped_lines) == ((), 0)


def test_soccer_live_int_types_and_suspensions() -> None:
    event = run("soccer_live")
    assert (event.live, event.bookmaker_event_id, event.sportradar_id) == (True, "4734371", 67645534)
    lines = table(event)
    assert lines["match_result", ""] == off("1", "2", "3")
    assert lines["next_goal", "goalnr=4"] == off("6", "7", "8")
    assert lines["total_goals", "total=4.5"] == priced(("12", 3.8), ("13", 1.25))


def test_suspended_market_and_event() -> None:
    payload = load("betika", "soccer_live")
    payload["data"][0]["odds"][1]["market_active"] = 0  # market 18: both its lines
    lines = table(betika.normalize(payload, NOW))
    assert lines["total_goals", "total=3.5"] == off("12", "13")
    assert lines["total_goals", "total=4.5"] == off("12", "13")
    assert lines["btts", ""] == priced(("74", 2.3), ("76", 1.55))
    payload["data"][0]["active"] = "0"
    assert all(o.price is None for line in betika.normalize(payload, NOW).lines for o in line.outcomes)


def test_basketball_and_tennis() -> None:
    basket, tennis = run("basketball"), run("tennis")
    assert (basket.sport, basket.home, basket.kickoff) == (
        "basketball",
        "Oklahoma",
        datetime(2026, 5, 7, 0, 30, tzinfo=UTC),
    )
    assert table(basket)["bb_moneyline_incl_ot", ""] == priced(("4", 1.3), ("5", 3.55))
    assert table(basket)["uof:303", "hcp=-2.5|quarternr=1"] == priced(("1714", 1.92), ("1715", 1.86))
    assert (tennis.sport, tennis.sportradar_id, tennis.mapped_lines) == ("tennis", 71529092, 7)
    assert table(tennis)["uof:204", "setnr=1|total=9.5"] == priced(("12", 1.8), ("13", 1.95))


def test_malformed_start_time_is_bad_value() -> None:
    with pytest.raises(DataError) as err:
        run("malformed")
    assert (err.value.kind, "start_time" in err.value.message) == ("bad_value", True)


def test_extract_ids() -> None:
    assert betika.extract_ids(load("betika", "soccer_prematch")) == ("10846988", 68995116)
    assert betika.extract_ids(load("betika", "soccer_live")) == ("4734371", 67645534)


@pytest.mark.parametrize(
    ("change", "kind"),
    [
        (lambda d: d["data"].append(d["data"][0]), "bad_value"),
        (lambda d: d["data"][0].update(sport_id="99", sport_name="Darts"), "unsupported_sport"),
        (lambda d: d["data"][0]["odds"][0]["odds"][0].update(odd_value="0.00"), "absurd_odds"),
        (lambda d: d["data"][0].update(parent_match_id="70784812a"), "bad_value"),
        (lambda d: d["data"][0].pop("home_team"), "missing_field"),
    ],
)
def test_broken_fields(change: object, kind: str) -> None:
    payload = load("betika", "soccer_prematch")
    change(payload)  # type: ignore[operator]
    with pytest.raises(DataError) as err:
        betika.normalize(payload, NOW)
    assert err.value.kind == kind
