"""Coverage targets of the four East-African books on their fixtures (issue: four more bookmakers)."""

from __future__ import annotations

import pytest

from streams.adapters import normalize
from streams.coverage.measure import measure, native_lines
from tests.unit.adapters.helpers import NOW, load

TARGETS = {"msport": 0.90, "betika": 0.90, "betway": 0.90, "sportpesa": 0.60}
CAPTURES = {
    "soccer_prematch": "soccer",
    "soccer_live": "soccer",
    "basketball": "basketball",
    "tennis": "tennis",
}


@pytest.mark.parametrize("bookmaker", TARGETS)
def test_coverage_target_per_bookmaker_and_sport(bookmaker: str) -> None:
    report = measure([(bookmaker, load(bookmaker, name)) for name in CAPTURES])
    assert {(r.bookmaker, r.sport) for r in report.rows} == {(bookmaker, s) for s in CAPTURES.values()}
    for row in report.rows:
        assert row.mapped_share is not None and row.mapped_share >= TARGETS[bookmaker], row
    total = sum(r.lines_mapped for r in report.rows) / sum(r.lines_total for r in report.rows)
    assert total >= TARGETS[bookmaker]


@pytest.mark.parametrize("bookmaker", TARGETS)
@pytest.mark.parametrize("name", CAPTURES)
def test_lines_sent_are_the_adapters_mapped_plus_unmapped(bookmaker: str, name: str) -> None:
    payload = load(bookmaker, name)
    event = normalize(bookmaker, payload, NOW, now=NOW)
    sent = native_lines(bookmaker, payload)
    assert sum(lines for _, lines in sent.values()) == event.mapped_lines + sum(event.unmapped.values())
    assert all(event.unmapped[t] <= sent[t][1] for t in event.unmapped)


def test_unmapped_types_are_named_from_the_payload() -> None:
    msport = measure([("msport", load("msport", "soccer_prematch"))]).get("msport", "soccer")
    pesa = measure([("sportpesa", load("sportpesa", "soccer_prematch"))]).get("sportpesa", "soccer")
    assert msport is not None and pesa is not None
    assert [(m.market, m.name) for m in msport.top_unmapped] == [
        ("5000001", "1x2 - 2UP"),
        ("5000002", "1x2 - 1UP"),
    ]
    assert [(m.market, m.name) for m in pesa.top_unmapped] == [
        ("202", "Number of Goals in Groups - Full Time"),
        ("899", "Team To Score First And Win"),
    ]
