"""Golden tests: SportPesa split events (FORMATS-MORE.md §4) → exact canonical lines."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from streams.adapters import sportpesa
from streams.contracts.canonical import CanonicalEventOddsV1
from streams.errors import DataError
from tests.unit.adapters.helpers import NOW, load, priced, table


def run(name: str) -> CanonicalEventOddsV1:
    return sportpesa.normalize(load("sportpesa", name), NOW)


def test_soccer_prematch_own_ids_through_the_table() -> None:
    event = run("soccer_prematch")
    assert (event.bookmaker, event.bookmaker_event_id, event.sportradar_id) == (
        "sportpesa",
        "8887261",
        68995116,
    )
    assert (event.home, event.away, event.kickoff, event.live) == (
        "Wuhan Three Towns",
        "Qingdao Hainiu",
        datetime(2026, 5, 6, 11, 0, tzinfo=UTC),
        False,
    )
    lines = table(event)
    # SportPesa 10 is the 3 Way (UOF 1); its 46 is the double chance (UOF 10)
    assert lines["match_result", ""] == priced(("1", 2.33), ("2", 3.2), ("3", 2.91))
    assert lines["double_chance", ""] == priced(("9", 1.34), ("10", 1.3), ("11", 1.52))
    # Euro handicap specValue -1 (home one goal down) is UOF hcp=0:1
    assert lines["handicap_3way", "hcp=0:1"] == priced(("1711", 6.02), ("1712", 3.98), ("1713", 1.36))
    assert lines["asian_handicap", "hcp=-0.25"] == priced(("1714", 1.92), ("1715", 1.77))
    assert lines["total_goals", "total=2.75"] == priced(("12", 2.13), ("13", 1.57))
    assert lines["odd_even", ""] == priced(("70", 1.87), ("72", 1.79))
    assert lines["match_result_and_total", "total=2.5"][0] == ("794", 3.88, True)
    # correct score: scores UOF lists are kept; 5:1 and SportPesa's "OTHR" bucket are not
    assert lines["correct_score", ""] == priced(("274", 9.5), ("276", 8.8), ("288", 9.0))
    assert (event.mapped_lines, event.unmapped) == (18, {"202": 1, "899": 1})


def test_ids_are_keyed_by_sport() -> None:
    """51 is an Asian handicap in soccer, a points handicap in basketball, a game handicap in tennis."""
    assert ("asian_handicap", "hcp=-0.5") in table(run("soccer_prematch"))
    assert ("bb_handicap_incl_ot", "hcp=-7.5") in table(run("basketball"))
    assert ("tennis_game_handicap", "hcp=-2.5") in table(run("tennis"))
    basket = table(run("basketball"))
    assert basket["uof:229", ""] == priced(("70", 1.9), ("72", 1.9))  # 45: odd/even points
    assert basket["uof:303", "hcp=-2.5|quarternr=1"] == priced(("1714", 1.92), ("1715", 1.86))


def test_tennis_variant_outcomes() -> None:
    event = run("tennis")
    assert (event.sport, event.sportradar_id, event.live) == ("tennis", 71529092, False)
    assert table(event)["uof:199", "variant=sr:correct_score:bestof:3"][0] == (
        "sr:correct_score:bestof:3:4",
        2.7,
        True,
    )
    assert event.unmapped == {}


def test_live_is_kickoff_past_and_suspended_lines_are_absent() -> None:
    event = run("soccer_live")
    assert (event.live, event.sportradar_id) == (True, 67645534)
    assert ("match_result", "") not in table(event)
    assert all(o.active for line in event.lines for o in line.outcomes)


def test_spec_value_on_a_market_without_line_is_unmapped() -> None:
    payload = load("sportpesa", "soccer_prematch")
    market = next(m for m in payload["markets"]["8887261"] if m["id"] == 43)
    market["specValue"] = 1.5
    event = sportpesa.normalize(payload, NOW)
    assert ("btts", "") not in table(event) and event.unmapped["43"] == 1


def test_level_ball_handicap_is_a_line() -> None:
    payload = load("sportpesa", "soccer_prematch")
    market = next(m for m in payload["markets"]["8887261"] if m["id"] == 51)
    market["specValue"] = 0
    assert ("asian_handicap", "hcp=0") in table(sportpesa.normalize(payload, NOW))


def test_half_an_event_is_refused_with_the_reason() -> None:
    with pytest.raises(DataError) as err:
        run("half")
    assert (err.value.kind, "lacks markets" in err.value.message) == ("missing_field", True)


def test_markets_of_another_event_are_bad_value() -> None:
    with pytest.raises(DataError) as err:
        run("malformed")
    assert err.value.kind == "bad_value" and "different events" in err.value.message


def test_extract_ids() -> None:
    assert sportpesa.extract_ids(load("sportpesa", "soccer_prematch")) == ("8887261", 68995116)


@pytest.mark.parametrize(
    ("change", "kind"),
    [
        (lambda d: d["event"].update(sport={"id": 10, "name": "Volleyball"}), "unsupported_sport"),
        (lambda d: d["markets"]["8887261"][0]["selections"][0].update(odds="abc"), "wrong_type"),
        (lambda d: d["markets"]["8887261"][0]["selections"][0].update(odds="1.00"), "absurd_odds"),
        (lambda d: d["event"].update(competitors=[{"id": 1, "name": "A"}]), "bad_value"),
        (lambda d: d["event"].update(betradarId=-3), "bad_value"),
        (lambda d: d["event"].update(dateTimestamp=1778065200), "bad_value"),
    ],
)
def test_broken_fields(change: object, kind: str) -> None:
    payload = load("sportpesa", "soccer_prematch")
    change(payload)  # type: ignore[operator]
    with pytest.raises(DataError) as err:
        sportpesa.normalize(payload, NOW)
    assert err.value.kind == kind
