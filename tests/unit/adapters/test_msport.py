"""Golden tests: MSport responses (FORMATS-MORE.md §3) → exact canonical lines."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from streams.adapters import msport
from streams.contracts.canonical import CanonicalEventOddsV1
from streams.errors import DataError
from tests.unit.adapters.helpers import NOW, load, off, priced, table


def run(name: str) -> CanonicalEventOddsV1:
    return msport.normalize(load("msport", name), NOW)


def test_soccer_prematch() -> None:
    event = run("soccer_prematch")
    assert (event.bookmaker, event.bookmaker_event_id, event.sportradar_id) == (
        "msport",
        "sr:match:68995116",
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
    lines = table(event)
    assert lines["match_result", ""] == priced(("1", 2.42), ("2", 3.33), ("3", 3.03))
    assert lines["asian_handicap", "hcp=-0.25"] == priced(("1714", 2.0), ("1715", 1.84))
    assert lines["handicap_3way", "hcp=0:1"] == priced(("1711", 6.26), ("1712", 4.14), ("1713", 1.41))
    assert lines["next_goal", "goalnr=1"] == priced(("6", 1.93), ("7", 11.0), ("8", 2.2))
    # variant outcome ids are kept as MSport sends them (the canonical form)
    assert lines["uof:21", "variant=sr:exact_goals:5+"][0] == ("sr:exact_goals:5+:1336", 9.0, True)
    # the goalscorer's "no goal" placeholder ("0.00", isActive 0) is never a price
    assert lines["uof:40", "type=prematch"] == (("1716", None, False), ("sr:player:1009385", 2.6, True))
    # MSport's own early-payout 1X2s are not UOF 1: unmapped, never merged into match_result
    assert (event.unmapped, event.mapped_lines) == ({"5000001": 1, "5000002": 1}, 21)
    assert len(lines) == 21


def test_soccer_live_with_suspensions() -> None:
    event = run("soccer_live")
    assert (event.live, event.sportradar_id, event.home, event.away) == (
        True,
        67645534,
        "Tokyo",
        "Ichihara Chiba",
    )
    assert table(event) == {
        ("match_result", ""): off("1", "2", "3"),
        ("double_chance", ""): priced(("9", 7.0), ("10", 1.1), ("11", 1.02)),
        ("asian_handicap", "hcp=2.5"): priced(("1714", 1.9), ("1715", 1.9)),
        ("total_goals", "total=3.5"): priced(("12", 1.45), ("13", 2.65)),
        ("total_goals", "total=4.5"): priced(("12", 3.8), ("13", 1.25)),
        ("btts", ""): priced(("74", 2.3), ("76", 1.55)),
        ("next_goal", "goalnr=4"): off("6", "7", "8"),
    }


def test_basketball_specifier_keys_in_any_order() -> None:
    event = run("basketball")
    assert (event.sport, event.sportradar_id, event.kickoff) == (
        "basketball",
        70505032,
        datetime(2026, 5, 7, 0, 30, tzinfo=UTC),
    )
    lines = table(event)
    # sent as "total=55.5|quarternr=1" and "quarternr=1|hcp=-2.5": keys sorted
    assert lines["uof:236", "quarternr=1|total=55.5"] == priced(("12", 1.88), ("13", 1.88))
    assert lines["uof:303", "hcp=-2.5|quarternr=1"] == priced(("1714", 1.92), ("1715", 1.86))
    assert lines["bb_total_incl_ot", "total=222.5"] == priced(("12", 1.95), ("13", 1.85))
    assert (event.mapped_lines, event.unmapped) == (11, {})


def test_tennis() -> None:
    event = run("tennis")
    assert (event.sport, event.home, event.sportradar_id) == ("tennis", "Rinderknech, Arthur", 71529092)
    lines = table(event)
    assert lines["tennis_winner", ""] == priced(("4", 1.62), ("5", 2.3))
    assert lines["uof:202", "setnr=1"] == priced(("4", 1.66), ("5", 2.15))
    assert lines["uof:199", "variant=sr:correct_score:bestof:3"][0] == (
        "sr:correct_score:bestof:3:4",
        2.7,
        True,
    )


def test_malformed_sportradar_id_is_bad_value() -> None:
    with pytest.raises(DataError) as err:
        run("malformed")
    assert (err.value.stage, err.value.kind) == ("normalize", "bad_value")
    assert "data.eventId" in err.value.message


def test_extract_ids() -> None:
    assert msport.extract_ids(load("msport", "soccer_prematch")) == ("sr:match:68995116", 68995116)


@pytest.mark.parametrize(
    ("change", "kind"),
    [
        (lambda d: d.update(bizCode=19000), "api_error"),
        (lambda d: d["data"].update(sportId="sr:sport:4"), "unsupported_sport"),
        (lambda d: d["data"]["markets"][0]["outcomes"][0].update(odds="1.00"), "absurd_odds"),
        (lambda d: d["data"]["markets"][0]["outcomes"][0].update(isActive=2), "bad_value"),
        (lambda d: d["data"].update(markets={}), "wrong_type"),
        (lambda d: d["data"].pop("startTime"), "missing_field"),
    ],
)
def test_broken_fields(change: object, kind: str) -> None:
    payload = load("msport", "soccer_prematch")
    change(payload)  # type: ignore[operator]
    with pytest.raises(DataError) as err:
        msport.normalize(payload, NOW)
    assert err.value.kind == kind
