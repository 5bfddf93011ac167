"""Cross-book agreement over all seven bookmakers on one golden match (sr:match:68995116).

Every bookmaker's fixture of the match is normalized by its own adapter and fed to one
AgreementState: with correct mappings, every line quoted by two books agrees. A deliberately
wrong mapping (outcomes of one line swapped at one book) is found against the six others:
the comparison is real, not vacuous.
"""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from itertools import combinations

from streams.adapters import BOOKMAKERS, normalize
from streams.agreement import AgreementState, observe_event
from streams.contracts.canonical import CanonicalEventOddsV1
from tests.unit.adapters.helpers import NOW, load


def boards() -> dict[str, CanonicalEventOddsV1]:
    return {
        b: normalize(b, load(b, "soccer_prematch"), NOW - timedelta(seconds=k), now=NOW)
        for k, b in enumerate(BOOKMAKERS)
    }


def test_all_seven_books_quote_the_golden_match() -> None:
    events = boards()
    assert {e.sportradar_id for e in events.values()} == {68995116}
    assert {e.kickoff for e in events.values()} == {NOW.replace(hour=11, minute=0)}
    assert {e.live for e in events.values()} == {False}
    common = set.intersection(*({(ln.market_id, ln.line) for ln in e.lines} for e in events.values()))
    assert {(1, ""), (18, "total=2.5"), (16, "hcp=-0.5"), (29, "")} <= common


def test_zero_disagreements_over_all_seven() -> None:
    state = AgreementState()
    found = [d for e in boards().values() for d in observe_event(state, e)]
    assert found == []
    # every pair of books compared the lines both quote: at least 1X2, total 2.5, AH -0.5, BTTS
    assert state.comparisons >= 4 * len(list(combinations(BOOKMAKERS, 2)))


def test_a_swapped_line_at_one_book_is_found_against_the_six_others() -> None:
    events = boards()
    wrong = events["msport"]
    lines = []
    for ln in wrong.lines:
        if (ln.market_id, ln.line) == (18, "total=2"):  # 1.48 / 2.60: swapped, far off
            over, under = ln.outcomes
            ln = dataclasses.replace(
                ln,
                outcomes=(
                    dataclasses.replace(over, price=under.price),
                    dataclasses.replace(under, price=over.price),
                ),
            )
        lines.append(ln)
    events["msport"] = dataclasses.replace(wrong, lines=tuple(lines))
    state = AgreementState()
    found = [d for e in events.values() for d in observe_event(state, e)]
    assert len(found) == len(BOOKMAKERS) - 1
    assert all("msport" in d.bookmakers for d in found)
