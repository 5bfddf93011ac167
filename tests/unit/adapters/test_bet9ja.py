"""Golden tests: hand-written Bet9ja responses → exact canonical lines."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from streams.adapters import bet9ja
from streams.contracts.canonical import CanonicalEventOddsV1
from streams.errors import DataError
from tests.unit.adapters.helpers import NOW, load, off, priced, table


def run(name: str) -> CanonicalEventOddsV1:
    return bet9ja.normalize(load("bet9ja", name), NOW)


def test_soccer_prematch_all_markets() -> None:
    event = run("soccer_prematch")
    assert (event.bookmaker, event.bookmaker_event_id, event.sportradar_id) == (
        "bet9ja",
        "769895636",
        68995116,
    )
    assert (event.sport, event.home, event.away, event.live) == (
        "soccer",
        "Wuhan Three Towns",
        "Qingdao Hainiu FC",
        False,
    )
    assert event.kickoff == datetime(2026, 5, 6, 11, 0, tzinfo=UTC)
    assert (event.category, event.tournament) == ("China", "Chinese Super League")
    assert table(event) == {
        ("match_result", ""): priced(("1", 2.42), ("2", 3.1), ("3", 2.93)),
        ("double_chance", ""): priced(("9", 1.34), ("10", 1.3), ("11", 1.52)),
        ("draw_no_bet", ""): priced(("4", 1.67), ("5", 2.03)),
        # S_OU (half-goal lines) and S_OUA (whole/quarter lines) are one market
        ("total_goals", "total=2"): priced(("12", 1.46), ("13", 2.6)),
        ("total_goals", "total=2.5"): priced(("12", 1.95), ("13", 1.8)),
        ("total_goals", "total=2.75"): priced(("12", 2.17), ("13", 1.59)),
        ("asian_handicap", "hcp=-0.25"): priced(("1714", 1.97), ("1715", 1.81)),
        ("asian_handicap", "hcp=-0.5"): priced(("1714", 2.42), ("1715", 1.55)),
        ("asian_handicap", "hcp=-1.5"): priced(("1714", 4.5), ("1715", 1.18)),
        # S_1X2HND@-1: home one goal down; @1: home one goal up
        ("handicap_3way", "hcp=0:1"): priced(("1711", 6.3), ("1712", 4.05), ("1713", 1.39)),
        ("handicap_3way", "hcp=1:0"): priced(("1711", 1.34), ("1712", 4.6), ("1713", 6.3)),
        ("btts", ""): priced(("74", 1.67), ("76", 2.08)),
        ("correct_score", ""): priced(("274", 9.7), ("276", 8.9), ("288", 9.3), ("322", 79.0), ("324", 26.0)),
        ("ht_ft", ""): priced(("418", 3.85), ("426", 4.6), ("430", 23.0), ("434", 4.7)),
        ("h1_match_result", ""): priced(("1", 2.93), ("2", 2.03), ("3", 3.4)),
        ("h1_total_goals", "total=1.5"): priced(("12", 2.73), ("13", 1.36)),
        # S_HAOU: OH/UH are the home team's total, OA/UA the away team's
        ("home_total_goals", "total=1.5"): priced(("12", 2.23), ("13", 1.53)),
        ("away_total_goals", "total=0.5"): priced(("12", 1.37), ("13", 2.88)),
        ("odd_even", ""): priced(("70", 1.95), ("72", 1.76)),
        ("next_goal", "goalnr=1"): priced(("6", 1.88), ("7", 9.7), ("8", 2.1)),
        ("match_result_and_total", "total=2.5"): priced(
            ("794", 4.1), ("796", 3.9), ("798", 3.9), ("800", 10.5), ("802", 4.8), ("804", 4.6)
        ),
        ("corners_total", "total=9.5"): priced(("12", 1.83), ("13", 1.85)),
        ("uof:165", "hcp=-0.5"): priced(("1714", 1.7), ("1715", 1.91)),  # S_CAH: corner handicap
        ("uof:547", "total=2.5"): priced(("1725", 3.05), ("1728", 2.2)),  # S_DCOU: 12 & under/over
        ("uof:818", "total=4.5"): priced(("1836", 4.65)),  # S_HTFTOU: the total is full time
    }
    assert (event.unmapped, event.mapped_lines) == ({}, 25)


def test_soccer_live_reads_the_anchor_and_header() -> None:
    event = run("soccer_live")
    assert (event.live, event.bookmaker_event_id, event.sportradar_id) == (True, "9261155", 61199123)
    assert (event.home, event.away, event.tournament) == (
        "PFC Montana 1921",
        "POFC Botev Vratsa",
        "Bulgaria - Parva Liga",
    )
    assert event.kickoff == datetime(2026, 5, 6, 10, 0, tzinfo=UTC)
    assert table(event) == {
        ("match_result", ""): (("1", 1.47, True), ("2", 3.85, True), ("3", None, False)),  # "-" = suspended
        ("total_goals", "total=1.5"): priced(("12", 1.33), ("13", 3.2)),
        ("total_goals", "total=2.5"): priced(("12", 2.5), ("13", 1.52)),
        # NEXTGOAL@1:0 (score 1:0) is the second goal
        ("next_goal", "goalnr=2"): priced(("6", 1.7), ("7", 3.45), ("8", 3.95)),
        ("asian_handicap", "hcp=-0.75"): priced(("1714", 1.9), ("1715", 1.9)),
        ("btts", ""): off("74", "76"),  # {"v": 1} placeholders
        ("home_total_goals", "total=1.5"): priced(("12", 2.3), ("13", 1.6)),  # LIVES_OUHOME
        ("uof:35", ""): priced(("80", 2.1)),  # LIVES_1X2GG_homeandno: home & no goal for both
    }
    assert event.unmapped == {}


def test_live_capture_of_placeholders_has_no_prices() -> None:
    event = run("live_placeholders")
    assert event.lines
    assert all(not o.active and o.price is None for line in event.lines for o in line.outcomes)
    assert sum(len(line.outcomes) for line in event.lines) == 17


def test_tennis() -> None:
    event = run("tennis")
    assert (event.sport, event.sportradar_id, event.away) == ("tennis", 71543524, "Etcheverry, Tomas Martin")
    assert table(event) == {
        ("tennis_winner", ""): priced(("4", 2.65), ("5", 1.48)),
        ("tennis_game_handicap", "hcp=3.5"): priced(("1714", 1.73), ("1715", 2.05)),
        ("tennis_total_games", "total=22.5"): priced(("12", 1.91), ("13", 1.83)),
        ("tennis_total_sets", "total=2.5"): priced(("12", 2.3), ("13", 1.55)),
        ("uof:188", "hcp=1.5"): priced(("1714", 1.61), ("1715", 2.2)),  # T_SH: set handicap
        ("uof:199", "variant=sr:correct_score:bestof:3"): priced(("sr:correct_score:bestof:3:4", 4.4)),
    }
    assert event.unmapped == {}


def test_basketball() -> None:
    event = run("basketball")
    assert event.sport == "basketball"
    assert table(event) == {
        ("bb_moneyline_incl_ot", ""): priced(("4", 1.7), ("5", 2.1)),
        ("bb_handicap_incl_ot", "hcp=-6.5"): priced(("1714", 2.7), ("1715", 1.45)),
        ("bb_handicap_incl_ot", "hcp=1.5"): priced(("1714", 1.63), ("1715", 2.25)),
        ("bb_total_incl_ot", "total=155.5"): priced(("12", 1.71), ("13", 2.1)),
        # "3way" is regular time: UOF 1, not the moneyline incl. overtime (MARKETS.md pitfall 8)
        ("match_result", ""): priced(("1", 1.79), ("2", 13.0), ("3", 2.25)),
        ("uof:66", "hcp=-3.5"): priced(("1714", 2.4), ("1715", 1.54)),  # B_1HH: 1st half handicap
    }
    assert event.unmapped == {}


def test_suspended_and_placeholder_values() -> None:
    event = run("suspended")
    assert table(event) == {
        ("match_result", ""): (("1", 2.42, True), ("2", None, False), ("3", None, False)),  # "-" and ""
        ("total_goals", "total=5.25"): (("12", 11.75, True), ("13", None, False)),  # "1" = no price
        ("asian_handicap", "hcp=-1.5"): off("1714", "1715"),
    }


def test_unknown_markets_are_counted_per_line() -> None:
    event = run("unknown_markets")
    assert table(event) == {
        ("match_result", ""): priced(("1", 2.42), ("2", 3.1), ("3", 2.93)),
        ("uof:46", ""): priced(("340", 29.0), ("342", 38.0)),
        ("uof:165", "hcp=-0.5"): priced(("1714", 1.7), ("1715", 1.91)),
        ("uof:165", "hcp=-1.5"): priced(("1714", 3.1), ("1715", 1.3)),
    }
    # S_1X2_Z is an unknown outcome of a mapped line (skipped); S_CSFT's only key is 5:0, so
    # that line reached nothing and is unmapped; B_12 is basketball on a soccer event
    assert event.unmapped == {"B_12": 1, "H_1X2": 1, "NOUNDERSCORE": 1, "S_CSFT": 1}
    assert event.mapped_lines == 4


def test_missing_sportradar_id() -> None:
    event = run("no_sportradar")
    assert (event.bookmaker_event_id, event.sportradar_id) == ("771000001", None)


def test_extract_ids() -> None:
    assert bet9ja.extract_ids(load("bet9ja", "soccer_prematch")) == ("769895636", 68995116)
    assert bet9ja.extract_ids(load("bet9ja", "soccer_live")) == ("9261155", 61199123)
    assert bet9ja.extract_ids(load("bet9ja", "no_sportradar")) == ("771000001", None)


def test_live_sportradar_falls_back_to_brmatchid() -> None:
    payload = load("bet9ja", "soccer_live")
    payload["D"]["A"]["EXTID"] = ""
    payload["D"]["A"]["BRMATCHID"] = 61199999
    assert bet9ja.normalize(payload, NOW).sportradar_id == 61199999


def test_startdate_timezone_is_configurable() -> None:
    lagos = timezone(timedelta(hours=1))
    event = bet9ja.normalize(load("bet9ja", "soccer_prematch"), NOW, startdate_tz=lagos)
    assert event.kickoff == datetime(2026, 5, 6, 10, 0, tzinfo=UTC)


def test_r_other_than_ok_is_api_error() -> None:
    with pytest.raises(DataError) as err:
        bet9ja.normalize({"R": "KO", "D": None}, NOW)
    assert err.value.kind == "api_error"


def test_absurd_price_rejects_the_capture() -> None:
    payload = load("bet9ja", "soccer_prematch")
    payload["D"]["O"]["S_1X2_X"] = "0.5"
    with pytest.raises(DataError) as err:
        bet9ja.normalize(payload, NOW)
    assert err.value.kind == "absurd_odds"
    assert "S_1X2_X" in err.value.message


def test_absurd_price_in_an_unmapped_market_is_ignored() -> None:
    payload = load("bet9ja", "soccer_prematch")
    payload["D"]["O"]["S_XYZ@-0.5_1"] = "0.5"
    assert bet9ja.normalize(payload, NOW).unmapped == {"S_XYZ": 1}


@pytest.mark.parametrize("key", ["S_OU@two_O", "S_1X2HND@0.5_1H", "S_1X2@1_1", "LIVES_NEXTGOAL@3_1"])
def test_param_that_does_not_fit_the_line_is_an_unmapped_line(key: str) -> None:
    payload = load("bet9ja", "soccer_prematch")
    payload["D"]["O"][key] = "1.9"
    event = bet9ja.normalize(payload, NOW)
    assert event.unmapped == {key.split("@")[0]: 1}
    assert len(event.lines) == 25


def test_unsupported_sport() -> None:
    payload = load("bet9ja", "soccer_prematch")
    payload["D"]["S"] = "Handball"
    with pytest.raises(DataError) as err:
        bet9ja.normalize(payload, NOW)
    assert err.value.kind == "unsupported_sport"


def test_duplicate_outcomes_do_not_depend_on_key_order() -> None:
    odds = {
        "S_OU@2.5_O": "1.90",
        "S_OUA@2.5_O": "1.95",  # same canonical outcome from the other family: the higher price wins
        "S_OU@2.5_U": "-",
        "S_OUA@2.5_U": "1.85",  # an active price beats a suspended one
    }
    results = []
    for keys in (list(odds), list(reversed(odds))):
        payload = load("bet9ja", "no_sportradar")
        payload["D"]["O"] = {k: odds[k] for k in keys}
        results.append(table(bet9ja.normalize(payload, NOW)))
    assert results[0] == results[1] == {("total_goals", "total=2.5"): priced(("12", 1.95), ("13", 1.85))}


def test_live_values_as_numbers_and_strings() -> None:
    payload = load("bet9ja", "soccer_live")
    payload["D"]["O"] = {"LIVES_1X2_1": {"v": 2}, "LIVES_1X2_X": {"v": "3.5"}, "LIVES_1X2_2": {"v": "-"}}
    assert table(bet9ja.normalize(payload, NOW)) == {
        ("match_result", ""): (("1", 2.0, True), ("2", 3.5, True), ("3", None, False))
    }


@pytest.mark.parametrize("value", [{"v": {"v": 2.0}}, [2.0], True, {"v": True}])
def test_odds_values_of_other_shapes_are_wrong_type(value: object) -> None:
    payload = load("bet9ja", "soccer_live")
    payload["D"]["O"]["LIVES_1X2_1"] = value
    with pytest.raises(DataError) as err:
        bet9ja.normalize(payload, NOW)
    assert err.value.kind == "wrong_type"
    assert "LIVES_1X2_1" in err.value.message


@pytest.mark.parametrize("extid", ["６８９９５１１６", "68995116a", "-5", 12.5])
def test_sportradar_id_must_be_ascii_digits(extid: object) -> None:
    payload = load("bet9ja", "soccer_prematch")
    payload["D"]["EXTID"] = extid
    with pytest.raises(DataError) as err:
        bet9ja.normalize(payload, NOW)
    assert (err.value.kind, "D.EXTID" in err.value.message) == ("bad_value", True)


def test_unknown_fields_and_markets_never_dead_letter_a_capture() -> None:
    payload = load("bet9ja", "soccer_prematch")
    payload["D"]["NEWFIELD"] = {"anything": [1, 2]}
    payload["D"]["O"] |= {"S_BRANDNEW@3_YES": "2.5", "S_BRANDNEW@3_NO": {"weird": True}, "X_OTHER_1": None}
    payload["D"]["MK"] = [{"ID": "S_BRANDNEW", "DS": "Brand New Market", "EXTRA": 1}]
    event = bet9ja.normalize(payload, NOW)
    assert event.unmapped == {"S_BRANDNEW": 1, "X_OTHER": 1}
    assert len(event.lines) == 25 and event.mapped_lines == 25
