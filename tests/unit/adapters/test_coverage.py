"""Coverage targets on full captures of every market type of docs/MARKETS.md, and the measure."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from streams.adapters import normalize
from streams.contracts.canonical import CanonicalEventOddsV1
from streams.coverage.measure import measure, native_lines
from tests.unit.adapters.helpers import NOW, load

ROOT = Path(__file__).resolve().parents[3]
REFERENCE = json.loads((ROOT / "docs" / "markets.json").read_text())
TARGETS = {"sportybet": 0.95, "betpawa": 0.85, "bet9ja": 0.70}
CAPTURES = {
    "soccer_prematch": "prematch",
    "soccer_live": "live",
    "tennis": "tennis",
    "basketball": "basketball",
}
SPORT = {"soccer_prematch": "soccer", "soccer_live": "soccer", "tennis": "tennis", "basketball": "basketball"}
FIXTURES = [(bm, name) for bm in TARGETS for name in CAPTURES]


def run(bookmaker: str, name: str) -> CanonicalEventOddsV1:
    return normalize(bookmaker, load(bookmaker, f"full_{name}"), NOW, now=NOW)


@pytest.mark.parametrize(("bookmaker", "name"), FIXTURES)
def test_coverage_target(bookmaker: str, name: str) -> None:
    row = measure([(bookmaker, load(bookmaker, f"full_{name}"))]).get(bookmaker, SPORT[name])
    assert row is not None and row.mapped_share is not None
    assert row.mapped_share >= TARGETS[bookmaker], row.top_unmapped


@pytest.mark.parametrize(("bookmaker", "name"), [f for f in FIXTURES if f != ("sportybet", "soccer_live")])
def test_fixtures_carry_every_market_type_and_line_of_the_reference(bookmaker: str, name: str) -> None:
    """The full captures hold the market types and line counts of MARKETS.md §4–6 (SportyBet's
    live capture had none: its fixture carries what BetPawa's live capture pairs with)."""
    capture = REFERENCE["bookmakers"][bookmaker][CAPTURES[name]]
    expected = {m.get("id") or m["code"]: m["lines"] for m in capture["markets"]}
    sent = native_lines(bookmaker, load(bookmaker, f"full_{name}"))
    assert {native: lines for native, (_, lines) in sent.items()} == expected


@pytest.mark.parametrize(("bookmaker", "name"), FIXTURES)
def test_lines_sent_are_the_adapters_mapped_plus_unmapped(bookmaker: str, name: str) -> None:
    event = run(bookmaker, name)
    sent = native_lines(bookmaker, load(bookmaker, f"full_{name}"))
    assert sum(lines for _, lines in sent.values()) == event.mapped_lines + sum(event.unmapped.values())
    assert all(event.unmapped[t] <= sent[t][1] for t in event.unmapped)


def test_measure_per_bookmaker_and_sport() -> None:
    captures = [(bm, load(bm, f"full_{name}")) for bm, name in FIXTURES]
    captures.append(("bet9ja", load("bet9ja", "unknown_markets")))
    captures.append(("bet9ja", {"R": "KO"}))  # rejected by the adapter: skipped
    report = measure(captures)
    assert [(r.bookmaker, r.sport) for r in report.rows] == [
        (bm, sport)
        for bm in ("bet9ja", "betpawa", "sportybet")
        for sport in ("basketball", "soccer", "tennis")
    ]
    soccer = report.get("bet9ja", "soccer")
    assert soccer is not None
    assert (soccer.captures, soccer.events) == (3, 2)  # unknown_markets is the prematch event
    assert (soccer.lines_mapped, soccer.lines_unmapped) == (221 + 20 + 4, 3 + 4)
    assert soccer.lines_total == 252
    assert soccer.canonical_lines == 244 + 20 + 4
    # by lines, then id; the bookmaker's own names where it sends them
    assert [(m.market, m.name, m.lines) for m in soccer.top_unmapped[:2]] == [
        ("B_12", "2 Way", 1),
        ("H_1X2", "H_1X2", 1),
    ]
    # three LIVES_ codes, B_12, H_1X2, NOUNDERSCORE; S_CSFT has an unmapped line but mapped ones too
    assert soccer.types_unmapped == 6
    pawa = report.get("betpawa", "soccer")
    assert pawa is not None and pawa.mapped_share == 1.0 and pawa.types_mapped == 89


def test_a_canonical_event_given_with_the_capture_is_used_as_is() -> None:
    payload = load("betpawa", "full_tennis")
    event = normalize("betpawa", payload, NOW, now=NOW)
    row = measure([("betpawa", payload, event)]).rows[0]
    assert (row.lines_mapped, row.lines_unmapped, row.types_mapped) == (25, 0, 11)


def test_names_of_unmapped_types_come_from_the_payload() -> None:
    report = measure(
        [("betpawa", load("betpawa", "unknown_markets")), ("sportybet", load("sportybet", "unknown_markets"))]
    )
    pawa, sporty = report.get("betpawa", "soccer"), report.get("sportybet", "soccer")
    assert pawa is not None and sporty is not None
    assert [(m.market, m.name, m.lines) for m in pawa.top_unmapped] == [
        ("99000001", "Player Shots on Target Over/Under", 2),
        ("4791", "Winner (incl. OT)", 1),
    ]
    assert [(m.market, m.name) for m in sporty.top_unmapped] == [
        ("18", "Over/Under (odd specifier)"),
        ("sv:1001", "Virtual Special"),
    ]
    assert sporty.types_unmapped == 1  # "18" also has a mapped line
