"""Golden tests: The Odds API v4 responses (documentation shape) → one capture per event × book."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

import pytest

from streams import adapters
from streams.adapters import theoddsapi
from streams.contracts.canonical import CanonicalEventOddsV1
from streams.errors import DataError
from tests.unit.adapters.helpers import NOW, load, priced, table


def captures(name: str) -> dict[str, CanonicalEventOddsV1]:
    out = {}
    for hint, payload in theoddsapi.split_response(load("theoddsapi", name)):
        assert theoddsapi.extract_ids(payload) == (hint, None)
        event = adapters.normalize("theoddsapi", payload, NOW, now=NOW)
        out[event.bookmaker] = event
    return out


def test_soccer_response_splits_into_one_capture_per_source_bookmaker() -> None:
    events = captures("soccer_prematch")
    assert sorted(events) == ["theoddsapi.pinnacle", "theoddsapi.unibet_eu"]
    pinnacle = events["theoddsapi.pinnacle"]
    assert (pinnacle.bookmaker_event_id, pinnacle.sportradar_id, pinnacle.sport) == (
        "e912304de2b2ce35b473ce2ecd3d1502",
        None,
        "soccer",
    )
    assert (pinnacle.home, pinnacle.away, pinnacle.kickoff) == (
        "Wuhan Three Towns",
        "Qingdao Hainiu",
        datetime(2026, 5, 6, 11, 0, tzinfo=UTC),
    )
    assert (pinnacle.live, pinnacle.tournament, pinnacle.mapped_lines, pinnacle.unmapped) == (
        False,
        "Super League - China",
        3,
        {},
    )
    # outcomes by team name, whatever order the feed lists them in; Draw is UOF outcome 2
    assert table(pinnacle) == {
        ("match_result", ""): priced(("1", 2.38), ("2", 3.3), ("3", 3.05)),
        ("asian_handicap", "hcp=-0.25"): priced(("1714", 2.07), ("1715", 1.83)),
        ("total_goals", "total=2.5"): priced(("12", 1.95), ("13", 1.9)),
    }
    unibet = events["theoddsapi.unibet_eu"]
    assert table(unibet) == {("match_result", ""): priced(("1", 2.3), ("2", 3.25), ("3", 2.95))}
    assert unibet.unmapped == {"h2h_lay": 1}  # lay prices are not back prices


def test_basketball_maps_moneyline_spread_and_total_including_overtime() -> None:
    (event,) = captures("basketball").values()
    assert (event.bookmaker, event.sport, event.home) == (
        "theoddsapi.draftkings",
        "basketball",
        "Oklahoma City Thunder",
    )
    assert table(event) == {
        ("bb_moneyline_incl_ot", ""): priced(("4", 1.32), ("5", 3.5)),
        ("bb_handicap_incl_ot", "hcp=-8.5"): priced(("1714", 1.91), ("1715", 1.91)),
        ("bb_total_incl_ot", "total=224.5"): priced(("12", 1.87), ("13", 1.95)),
    }


def test_tennis_single_event_object_maps_winner_games_handicap_and_total_games() -> None:
    (event,) = captures("tennis").values()
    assert event.bookmaker == "theoddsapi.betfair_ex_eu"
    assert table(event) == {
        ("tennis_winner", ""): priced(("4", 1.62), ("5", 2.44)),
        ("tennis_game_handicap", "hcp=-2.5"): priced(("1714", 1.8), ("1715", 2.0)),
        ("tennis_total_games", "total=22.5"): priced(("12", 1.83), ("13", 1.97)),
    }


def one(name: str) -> dict[str, Any]:
    return copy.deepcopy(theoddsapi.split_response(load("theoddsapi", name))[0][1])


def test_away_only_spread_is_read_from_the_home_side() -> None:
    payload = one("soccer_prematch")
    spreads = payload["bookmakers"][0]["markets"][1]
    spreads["outcomes"] = [spreads["outcomes"][0]]  # Qingdao (away) +0.25 only
    lines = table(theoddsapi.normalize(payload, NOW))
    assert lines["asian_handicap", "hcp=-0.25"] == priced(("1715", 1.83))


def test_sport_title_is_optional_and_a_started_event_is_live() -> None:
    payload = one("tennis")
    del payload["sport_title"]
    event = theoddsapi.normalize(payload, datetime(2026, 5, 6, 12, 30, tzinfo=UTC))
    assert (event.tournament, event.live) == (None, True)


def test_two_way_soccer_h2h_is_not_1x2() -> None:
    payload = one("soccer_prematch")
    h2h = payload["bookmakers"][0]["markets"][0]
    h2h["outcomes"] = [o for o in h2h["outcomes"] if o["name"] != "Draw"]
    lines = table(theoddsapi.normalize(payload, NOW))
    assert ("match_result", "") not in lines


@pytest.mark.parametrize(
    ("change", "kind"),
    [
        (lambda p: p["bookmakers"].append(copy.deepcopy(p["bookmakers"][0])), "bad_value"),
        (lambda p: p.update(sport_key="icehockey_nhl"), "unsupported_sport"),
        (lambda p: p["bookmakers"][0]["markets"][0]["outcomes"][0].update(price=-303), "absurd_odds"),
        (lambda p: p["bookmakers"][0]["markets"][2]["outcomes"][0].pop("point"), "missing_field"),
        (lambda p: p.update(commence_time="2026-05-06T11:00:00"), "bad_value"),
        (lambda p: p.pop("home_team"), "missing_field"),
        (lambda p: p["bookmakers"][0].update(markets="h2h"), "wrong_type"),
    ],
)
def test_broken_payloads_are_data_errors(change: Any, kind: str) -> None:
    payload = one("soccer_prematch")
    change(payload)
    with pytest.raises(DataError) as err:
        theoddsapi.normalize(payload, NOW)
    assert err.value.kind == kind


def test_the_feed_is_a_source_but_not_a_sportradar_bookmaker() -> None:
    assert "theoddsapi" in adapters.SOURCES
    assert "theoddsapi" not in adapters.BOOKMAKERS
