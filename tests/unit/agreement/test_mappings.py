"""The safety net: one match at three bookmakers agrees; wrong mappings at one bookmaker are caught."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from streams.adapters import normalize
from streams.agreement import AgreementState, Disagreement, observe_event
from tests.unit.adapters.helpers import load
from tests.unit.agreement.match import BOOKS, KEY, Lines, event, swapped, with_line

FIXTURE_NOW = datetime(2026, 5, 6, 10, 30, tzinfo=UTC)


def run(boards: dict[str, Lines]) -> tuple[AgreementState, list[Disagreement]]:
    """The three bookmakers' captures 0, 20 and 40 s apart, in that order."""
    state = AgreementState()
    found: list[Disagreement] = []
    for i, (bookmaker, lines) in enumerate(boards.items()):
        found += observe_event(state, event(bookmaker, lines, 20 * i))
    return state, found


def test_golden_fixtures_through_the_adapters_agree() -> None:
    """The real fixtures of sr:match:68995116, normalized by the adapters: nothing flagged."""
    state = AgreementState()
    found = []
    for bookmaker in ("sportybet", "betpawa", "bet9ja"):
        capture = normalize(bookmaker, load(bookmaker, "soccer_prematch"), FIXTURE_NOW, now=FIXTURE_NOW)
        found += observe_event(state, capture)
    assert found == []
    # every pair compared the lines all three quote (1X2, totals, handicaps, halves …)
    assert state.comparisons >= 3 * 15


def test_golden_hand_built_lines_agree() -> None:
    state, found = run(BOOKS)
    assert found == []
    assert state.comparisons == 3 * 7


def wrong_at_bet9ja(lines: Lines) -> dict[str, Lines]:
    return {"sportybet": BOOKS["sportybet"], "betpawa": BOOKS["betpawa"], "bet9ja": lines}


B9 = BOOKS["bet9ja"]
AH_05 = ("asian_handicap", 16, "hcp=-0.5")
AH_15 = ("asian_handicap", 16, "hcp=-1.5")

WRONG: dict[str, tuple[Lines, tuple[int, str]]] = {
    # outcomes swapped: over/under of total 2 (1.46 / 2.6)
    "swapped over/under": (swapped(B9, ("total_goals", 18, "total=2")), (18, "total=2")),
    # outcomes swapped: home/away of the -1.5 handicap
    "swapped handicap sides": (swapped(B9, AH_15), (16, "hcp=-1.5")),
    # the +0.5 line (home 1.45 = home or draw, away 2.9 = away wins) filed as -0.5
    "handicap sign flipped -0.5": (with_line(B9, AH_05, (("1714", 1.45), ("1715", 2.9))), (16, "hcp=-0.5")),
    # the +1.5 line (home 1.12, away 6.0) filed as -1.5
    "handicap sign flipped -1.5": (with_line(B9, AH_15, (("1714", 1.12), ("1715", 6.0))), (16, "hcp=-1.5")),
    # the 1st half 1X2 (2.93 / 2.03 / 3.4) filed as the full-time 1X2
    "half time as full time": (
        with_line(B9, ("match_result", 1, ""), B9[("h1_match_result", 60, "")]),
        (1, ""),
    ),
}


@pytest.mark.parametrize("case", WRONG)
def test_a_wrong_mapping_is_caught_against_both_other_bookmakers(case: str) -> None:
    lines, (market_id, line) = WRONG[case]
    state, found = run(wrong_at_bet9ja(lines))
    assert {(d.market_id, d.line) for d in found} == {(market_id, line)}
    # bet9ja disagrees with each of the two others, who agree with each other: counted 2 : 1 : 1
    assert sorted(d.bookmakers for d in found) == [("bet9ja", "betpawa"), ("bet9ja", "sportybet")]
    for d in found:
        assert d.event == KEY and d.sport == "soccer"
        assert d.relative_gap > 0.25 and abs(d.probabilities[0] - d.probabilities[1]) > 0.03
    assert {(d.market_id, d.line) for d in state.flagged(KEY)} == {(market_id, line)}


def test_every_wrong_mapping_at_once() -> None:
    lines = dict(B9)
    for edited, _ in WRONG.values():
        lines |= {k: v for k, v in edited.items() if v != B9[k]}
    # the two handicap edits of hcp=-1.5 overwrite each other; four lines stay wrong
    _, found = run(wrong_at_bet9ja(lines))
    wrong = {(18, "total=2"), (16, "hcp=-0.5"), (16, "hcp=-1.5"), (1, "")}
    assert {(d.market_id, d.line) for d in found} == wrong
    assert len(found) == 8


def test_a_swap_of_near_equal_outcomes_is_not_caught() -> None:
    """The limit of a price check: over/under 2.5 at 1.95 / 1.80 swapped moves each outcome
    by 8 % relative, home/away of the 1X2 at 2.42 / 2.93 by 20 %; neither is flagged."""
    lines = swapped(swapped(B9, ("total_goals", 18, "total=2.5")), ("match_result", 1, ""))
    _, found = run(wrong_at_bet9ja(lines))
    assert found == []
