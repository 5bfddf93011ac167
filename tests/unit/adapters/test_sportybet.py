"""Golden tests: hand-written SportyBet responses → exact canonical lines."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from streams.adapters import sportybet
from streams.contracts.canonical import CanonicalEventOddsV1
from streams.errors import DataError
from tests.unit.adapters.helpers import NOW, load, off, priced, table


def run(name: str) -> CanonicalEventOddsV1:
    return sportybet.normalize(load("sportybet", name), NOW)


def test_soccer_prematch_all_markets() -> None:
    event = run("soccer_prematch")
    assert (event.bookmaker, event.bookmaker_event_id, event.sportradar_id) == (
        "sportybet",
        "sr:match:68995116",
        68995116,
    )
    assert (event.sport, event.home, event.away, event.live) == (
        "soccer",
        "Wuhan Three Towns FC",
        "Qingdao Hainiu FC",
        False,
    )
    assert event.kickoff == datetime(2026, 5, 6, 11, 0, tzinfo=UTC)
    assert (event.category, event.tournament) == ("China", "Chinese Super League")
    assert event.captured_at == NOW
    assert table(event) == {
        ("match_result", ""): priced(("1", 2.40), ("2", 3.30), ("3", 3.00)),
        ("double_chance", ""): priced(("9", 1.38), ("10", 1.34), ("11", 1.57)),
        ("draw_no_bet", ""): priced(("4", 1.70), ("5", 2.05)),
        ("total_goals", "total=2"): priced(("12", 1.48), ("13", 2.60)),
        ("total_goals", "total=2.5"): priced(("12", 1.96), ("13", 1.81)),
        ("total_goals", "total=2.75"): priced(("12", 2.20), ("13", 1.62)),
        ("asian_handicap", "hcp=-0.5"): priced(("1714", 2.40), ("1715", 1.55)),
        ("asian_handicap", "hcp=-1.5"): priced(("1714", 4.60), ("1715", 1.17)),
        ("asian_handicap", "hcp=-0.25"): priced(("1714", 1.98), ("1715", 1.82)),
        ("handicap_3way", "hcp=0:1"): priced(("1711", 6.20), ("1712", 4.10), ("1713", 1.40)),
        ("btts", ""): priced(("74", 1.75), ("76", 2.00)),
        # every outcome id SportyBet sends is kept (UOF ids), even one beyond 4:4
        ("correct_score", ""): priced(
            ("274", 9.50), ("276", 8.80), ("288", 9.00), ("324", 25.00), ("1000", 60.00)
        ),
        ("ht_ft", ""): priced(("418", 3.90), ("426", 4.60), ("434", 4.80)),
        ("h1_match_result", ""): priced(("1", 3.00), ("2", 2.00), ("3", 3.50)),
        ("h1_total_goals", "total=1.5"): priced(("12", 2.70), ("13", 1.42)),
        ("home_total_goals", "total=1.5"): priced(("12", 2.25), ("13", 1.57)),
        ("away_total_goals", "total=0.5"): priced(("12", 1.38), ("13", 2.85)),
        ("odd_even", ""): priced(("70", 1.93), ("72", 1.85)),
        ("next_goal", "goalnr=1"): priced(("6", 1.93), ("7", 11.00), ("8", 2.20)),
        ("match_result_and_total", "total=2.5"): priced(
            ("794", 4.00), ("796", 3.90), ("798", 3.60), ("800", 14.00), ("802", 4.70), ("804", 4.60)
        ),
        ("corners_total", "total=9.5"): priced(("12", 1.85), ("13", 1.85)),
        # SportyBet's own ids (>= 60000) live in the SportyBet namespace: 10,000,000 + id
        ("sportybet:60100", ""): priced(("1", 2.21), ("2", 3.30), ("3", 2.71)),
        ("sportybet:60200", ""): priced(("1", 1.66), ("2", 3.30), ("3", 1.88)),
        ("sportybet:900001", ""): priced(("1", 1.90), ("2", 1.80)),
    }
    assert (event.unmapped, event.mapped_lines) == ({}, 24)
    assert [ln.key for ln in event.lines][:3] == ["1|", "8|goalnr=1", "10|"]  # ordered by market id
    assert [ln.market_id for ln in event.lines][-3:] == [10_060_100, 10_060_200, 10_900_001]


def test_soccer_live() -> None:
    event = run("soccer_live")
    assert (event.live, event.sportradar_id, event.home) == (True, 61199123, "PFC Montana 1921")
    assert table(event) == {
        ("match_result", ""): priced(("1", 1.45), ("2", 3.90), ("3", 7.25)),
        ("total_goals", "total=1.5"): priced(("12", 1.36), ("13", 3.05)),
        ("total_goals", "total=2.5"): priced(("12", 2.55), ("13", 1.50)),
        ("next_goal", "goalnr=2"): priced(("6", 1.72), ("7", 3.40), ("8", 3.90)),
        ("asian_handicap", "hcp=-0.75"): priced(("1714", 1.93), ("1715", 1.87)),
        ("btts", ""): off("74", "76"),
    }


def test_tennis() -> None:
    event = run("tennis")
    assert (event.sport, event.home, event.away) == ("tennis", "Atmane, Terence", "Etcheverry, Tomas Martin")
    assert event.kickoff == datetime(2026, 5, 18, 11, 10, tzinfo=UTC)
    assert table(event) == {
        ("tennis_winner", ""): priced(("4", 2.65), ("5", 1.48)),
        ("tennis_game_handicap", "hcp=3.5"): priced(("1714", 1.73), ("1715", 2.05)),
        ("tennis_total_games", "total=22.5"): priced(("12", 1.91), ("13", 1.83)),
        ("tennis_total_sets", "total=2.5"): priced(("12", 2.30), ("13", 1.55)),
        ("uof:188", "hcp=1.5"): priced(("1714", 1.61), ("1715", 2.20)),
        # variant= is part of the line: it names the outcome set
        ("uof:199", "variant=sr:correct_score:bestof:3"): priced(("sr:correct_score:bestof:3:2", 4.40)),
    }
    assert (event.unmapped, event.mapped_lines) == ({}, 6)


def test_basketball() -> None:
    event = run("basketball")
    assert (event.sport, event.sportradar_id) == ("basketball", 71427986)
    assert table(event) == {
        ("bb_moneyline_incl_ot", ""): priced(("4", 1.70), ("5", 2.10)),
        ("bb_handicap_incl_ot", "hcp=-6.5"): priced(("1714", 2.70), ("1715", 1.45)),
        ("bb_handicap_incl_ot", "hcp=1.5"): priced(("1714", 1.63), ("1715", 2.25)),
        ("bb_total_incl_ot", "total=155.5"): priced(("12", 1.71), ("13", 2.10)),
        # UOF 1 is the 1X2 of basketball too (regular time): a market of its own there
        ("match_result", ""): priced(("1", 1.79), ("2", 13.00), ("3", 2.25)),
    }
    assert event.unmapped == {}


def test_suspended_outcomes_have_no_price() -> None:
    event = run("suspended")
    assert table(event) == {
        ("match_result", ""): (("1", 2.40, True), ("2", None, False), ("3", 3.00, True)),
        # inactive outcomes carry junk odds ("1.00", "0.00"): never read, never an error
        ("total_goals", "total=0.5"): off("12", "13"),
        ("asian_handicap", "hcp=-0.5"): off("1714", "1715"),
    }


def test_every_market_is_accepted_generically_and_unreadable_ones_are_counted() -> None:
    event = run("unknown_markets")
    assert table(event) == {
        ("match_result", ""): priced(("1", 2.40), ("2", 3.30), ("3", 3.00)),
        # specifier keys sorted: SportyBet sent "total=2.5|minsnr=10"
        ("total_goals", "minsnr=10|total=2.5"): priced(("12", 1.50), ("13", 2.50)),
        ("sportybet:60100", ""): priced(("1", 2.21), ("2", 3.30), ("3", 2.71)),
        ("sportybet:60180", "minsnr=10|total=1.5"): priced(("12", 1.90), ("13", 1.90)),
        ("sportybet:60180", "minsnr=10|total=2.5"): priced(("12", 2.90), ("13", 1.40)),
        ("sportybet:900004", ""): priced(("1", 3.00)),
        # BET_GENIUS (unknown extra fields ignored)
        ("sportybet:900069", "minute=5"): priced(("1", 6.00), ("2", 1.20), ("3", 7.50)),
    }
    # an id that is no number (its junk odds are never read) and a specifier that is no
    # name=value: one unmapped line each, the rest of the capture is kept
    assert event.unmapped == {"18": 1, "sv:1001": 1}
    assert event.mapped_lines == 7


def test_missing_sportradar_id() -> None:
    event = run("no_sportradar")
    assert (event.bookmaker_event_id, event.sportradar_id, event.sportradar_urn) == (
        "sb:match:77001",
        None,
        None,
    )
    assert table(event) == {("match_result", ""): priced(("1", 1.95), ("2", 3.40), ("3", 3.75))}


def test_extract_ids() -> None:
    assert sportybet.extract_ids(load("sportybet", "soccer_prematch")) == ("sr:match:68995116", 68995116)
    assert sportybet.extract_ids(load("sportybet", "no_sportradar")) == ("sb:match:77001", None)


def test_biz_code_other_than_success_is_api_error() -> None:
    payload = load("sportybet", "soccer_prematch")
    payload["bizCode"] = 19000
    payload["message"] = "Event not found"
    with pytest.raises(DataError) as err:
        sportybet.normalize(payload, NOW)
    assert err.value.kind == "api_error"
    assert "19000" in err.value.message


def test_absurd_active_price_rejects_the_capture() -> None:
    payload = load("sportybet", "soccer_prematch")
    payload["data"]["markets"][0]["outcomes"][1]["odds"] = "1.00"
    with pytest.raises(DataError) as err:
        sportybet.normalize(payload, NOW)
    assert (err.value.stage, err.value.kind) == ("normalize", "absurd_odds")
    assert "data.markets[0].outcomes[1].odds" in err.value.message


def test_non_numeric_odds_name_the_field() -> None:
    payload = load("sportybet", "soccer_prematch")
    payload["data"]["markets"][3]["outcomes"][0]["odds"] = "n/a"
    with pytest.raises(DataError) as err:
        sportybet.normalize(payload, NOW)
    assert err.value.kind == "wrong_type"
    assert "data.markets[3].outcomes[0].odds" in err.value.message


def test_unsupported_sport() -> None:
    payload = load("sportybet", "soccer_prematch")
    payload["data"]["sport"]["id"] = "sr:sport:4"
    with pytest.raises(DataError) as err:
        sportybet.normalize(payload, NOW)
    assert err.value.kind == "unsupported_sport"


def test_markets_must_be_a_list() -> None:
    payload = load("sportybet", "soccer_prematch")
    payload["data"]["markets"] = "[]"
    with pytest.raises(DataError) as err:
        sportybet.normalize(payload, NOW)
    assert (err.value.kind, err.value.message) == ("wrong_type", "data.markets must be an array, got string")


def test_kickoff_in_seconds_is_rejected() -> None:
    payload = load("sportybet", "soccer_prematch")
    payload["data"]["estimateStartTime"] = 1778065200
    with pytest.raises(DataError) as err:
        sportybet.normalize(payload, NOW)
    assert err.value.kind == "bad_value"
    assert "estimateStartTime" in err.value.message


@pytest.mark.parametrize(
    ("specifier", "line"),
    [
        ("total=2.50", "total=2.5"),
        ("total=3.0", "total=3"),
        ("variant=sr:x|total=2.5", "total=2.5|variant=sr:x"),
        (" total = 2.5 |", "total=2.5"),
        ("quarternr=1|total=36.50", "quarternr=1|total=36.5"),
        ("hcp=01:0", "hcp=1:0"),
    ],
)
def test_specifier_values_are_canonical(specifier: str, line: str) -> None:
    payload = load("sportybet", "soccer_prematch")
    payload["data"]["markets"] = [m for m in payload["data"]["markets"] if m["id"] == "18"][:1]
    payload["data"]["markets"][0]["specifier"] = specifier
    assert [ln.line for ln in sportybet.normalize(payload, NOW).lines] == [line]


def test_duplicate_market_entries_do_not_depend_on_order() -> None:
    payload = load("sportybet", "suspended")
    first = payload["data"]["markets"][0]  # 1X2 with an inactive draw
    second = json.loads(json.dumps(first))
    second["outcomes"][1].update(isActive=1, odds="3.45")
    second["outcomes"][0]["odds"] = "2.35"  # lower than the first entry's 2.40
    results = []
    for markets in ([first, second], [second, first]):
        payload["data"]["markets"] = markets
        results.append(table(sportybet.normalize(payload, NOW)))
    assert results[0] == results[1] == {("match_result", ""): priced(("1", 2.40), ("2", 3.45), ("3", 3.00))}
