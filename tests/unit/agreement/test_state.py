"""AgreementState: the window, flags and counting, diffs, bounds (streams.agreement.state)."""

from __future__ import annotations

from datetime import timedelta

from streams.agreement import AgreementState, Disagreement, LineKey, event_lines, observe_event
from streams.contracts.canonical import CanonicalEventOddsV1
from streams.settings import AgreementSettings
from tests.unit.agreement.match import BOOKS, KEY, T0, event, swapped

SP, BP = BOOKS["sportybet"], BOOKS["betpawa"]
TOTAL2 = ("total_goals", 18, "total=2")
BAD = swapped(BP, TOTAL2)


def test_quotes_more_than_the_window_apart_are_not_compared() -> None:
    state = AgreementState(window=timedelta(seconds=60))
    assert observe_event(state, event("sportybet", SP, 0)) == []
    assert observe_event(state, event("betpawa", BAD, 61)) == []
    assert state.comparisons == 0
    [found] = observe_event(state, event("sportybet", SP, 100))  # 39 s after betpawa's
    assert found.bookmakers == ("sportybet", "betpawa")
    assert found.captured_at == (T0 + timedelta(seconds=100), T0 + timedelta(seconds=61))


def test_live_and_prematch_quotes_are_not_compared() -> None:
    state = AgreementState()
    observe_event(state, event("sportybet", SP, 0))
    assert observe_event(state, event("betpawa", BAD, 5, live=True)) == []
    assert state.comparisons == 0
    assert len(observe_event(state, event("sportybet", SP, 10, live=True))) == 1


def test_suspended_outcomes_and_unmatched_events_are_skipped() -> None:
    state = AgreementState()
    observe_event(state, event("sportybet", SP, 0))
    suspended = frozenset({(18, "total=2", "13")})
    assert observe_event(state, event("betpawa", BAD, 5, suspended=suspended)) == []
    assert state.comparisons == len(SP) - 1
    assert observe_event(state, event("bet9ja", BAD, 5, sr=None)) == []
    assert len(state) == 1


def test_a_persisting_disagreement_is_returned_once_until_it_agrees_again() -> None:
    state = AgreementState()
    observe_event(state, event("sportybet", SP, 0))
    assert len(observe_event(state, event("betpawa", BAD, 5))) == 1
    assert observe_event(state, event("betpawa", BAD, 10)) == []
    assert observe_event(state, event("sportybet", SP, 15)) == []
    assert len(state.flagged(KEY)) == 1
    assert observe_event(state, event("betpawa", BP, 20)) == []  # fixed: unflagged
    assert state.flagged(KEY) == []
    assert len(observe_event(state, event("betpawa", BAD, 25))) == 1  # broken again: a new one


Outcomes = list[tuple[str, float | None]]


def diff(
    before: CanonicalEventOddsV1, after: CanonicalEventOddsV1
) -> tuple[list[tuple[LineKey, Outcomes]], list[LineKey]]:
    """What the match stage's snapshot says changed and went away between two captures."""
    old = {k: list(v) for k, v in event_lines(before)}
    new = {k: list(v) for k, v in event_lines(after)}
    return [(k, v) for k, v in new.items() if old.get(k) != v], [k for k in old if k not in new]


def feed_diffs(state: AgreementState, captures: list[CanonicalEventOddsV1]) -> list[Disagreement]:
    last: dict[str, CanonicalEventOddsV1] = {}
    found: list[Disagreement] = []
    for c in captures:
        args = (KEY, c.sport, c.bookmaker, c.captured_at, c.live)
        if c.bookmaker in last:
            changed, removed = diff(last[c.bookmaker], c)
            found += state.observe(*args, changed, removed=removed, full=False)
        else:
            found += state.observe(*args, event_lines(c))
        last[c.bookmaker] = c
    return found


def test_diffs_find_what_full_boards_find_even_across_a_gap() -> None:
    without = {k: v for k, v in BAD.items() if k != TOTAL2}
    captures = [
        event("sportybet", SP, 0),
        event("betpawa", without, 10),  # nothing to compare on total=2 yet
        event("betpawa", BAD, 20),  # the line appears: caught from the diff
        event("betpawa", BP, 30),  # fixed
        event("sportybet", SP, 200),  # betpawa stale: the pair is out of sync
        event("betpawa", BAD, 210),  # broken again while out of sync: a full pass finds it
        event("sportybet", SP, 215),  # no change at sportybet: nothing new
    ]
    full = AgreementState()
    by_full = [d for c in captures for d in observe_event(full, c)]
    by_diff = feed_diffs(AgreementState(), captures)
    assert by_full == by_diff
    assert [d.captured_at[0] for d in by_diff] == [T0 + timedelta(seconds=20), T0 + timedelta(seconds=210)]


def test_a_stable_disagreement_is_found_when_two_stale_boards_meet_again() -> None:
    state = AgreementState()
    captures = [event("betpawa", BAD, 0), event("sportybet", SP, 100), event("betpawa", BAD, 105)]
    # betpawa's second capture changes nothing: still the pair is compared in full once
    assert len(feed_diffs(state, captures)) == 1


def test_events_leave_after_the_window_and_beyond_max_events() -> None:
    state = AgreementState(window=timedelta(seconds=60), max_events=2)
    for n, seconds in ((1, 0), (2, 10), (3, 20)):
        observe_event(state, event("sportybet", SP, seconds, sr=n))
    assert len(state) == 2 and not state.has_board("sr:1", "sportybet")
    observe_event(state, event("sportybet", SP, 75, sr=4))  # sr:2 (10 s) is older than 75 - 60
    assert len(state) == 2 and state.has_board("sr:3", "sportybet") and state.has_board("sr:4", "sportybet")


def test_from_settings() -> None:
    state = AgreementState.from_settings(
        AgreementSettings(window_s=30, threshold=0.4, min_diff=0.05, max_events=7)
    )
    assert state.window == timedelta(seconds=30) and state.max_events == 7
    assert (state.rule.threshold, state.rule.min_diff) == (0.4, 0.05)


def test_forget_drops_a_closed_event() -> None:
    state = AgreementState()
    observe_event(state, event("sportybet", SP, 0))
    assert len(observe_event(state, event("betpawa", BAD, 5))) == 1
    assert len(state) == 1 and state.has_board(KEY, "betpawa")
    assert state.forget(KEY) and len(state) == 0 and state.flagged(KEY) == []
    assert not state.forget(KEY)
    assert observe_event(state, event("betpawa", BAD, 10)) == []  # alone again: nothing to compare
