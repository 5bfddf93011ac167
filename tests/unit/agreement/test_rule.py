"""No-vig quotes and the disagreement rule (streams.agreement.rule)."""

from __future__ import annotations

import pytest

from streams.agreement import MIN_BOOK_SUM, Quote, Rule, compare, quote, same_outcomes

RULE = Rule(threshold=0.25, min_diff=0.03)


def test_multiplicative_normalisation() -> None:
    q = quote([("1", 2.4), ("2", 3.3), ("3", 3.0)])
    assert q is not None
    book = 1 / 2.4 + 1 / 3.3 + 1 / 3.0
    assert q.outcome_ids == ("1", "2", "3")
    assert q.probabilities == pytest.approx((1 / 2.4 / book, 1 / 3.3 / book, 1 / 3.0 / book))
    assert sum(q.probabilities) == pytest.approx(1.0)


@pytest.mark.parametrize(
    "outcomes",
    [
        [("12", 1.9), ("13", None)],  # suspended outcome
        [("12", 1.9)],  # a single outcome says nothing
        [],
        [("274", 9.5), ("276", 8.8), ("288", 9.0), ("324", 25.0)],  # a cut correct-score list (Σ 0.37)
        [("12", 1.0), ("13", 1.5)],  # no usable price
    ],
)
def test_incomplete_or_suspended_lines_are_not_comparable(outcomes: list[tuple[str, float | None]]) -> None:
    assert quote(outcomes) is None


def test_book_sum_floor() -> None:
    assert MIN_BOOK_SUM < 1.0
    assert quote([("a", 2.0), ("b", 2.05)]) is not None  # Σ 0.988: a promotional, margin-free line
    assert quote([("a", 2.0), ("b", 2.2)]) is None  # Σ 0.955: something is missing


def q(*probs: float, ids: tuple[str, ...] | None = None) -> Quote:
    return Quote(ids or tuple(str(i) for i in range(len(probs))), probs)


def test_both_gaps_must_exceed_their_bound() -> None:
    # 26 % relative but 0.019 absolute: the fixture's "draw & over 2.5" long shot agrees
    assert compare(q(0.9444, 0.0556), q(0.9255, 0.0745), RULE) is None
    # 0.05 absolute but only 10 % relative
    assert compare(q(0.5, 0.5), q(0.45, 0.55), RULE) is None
    # both: the worst outcome is reported
    assert compare(q(0.6, 0.3, 0.1), q(0.3, 0.6, 0.1), RULE) == ("0", 0.6, 0.3)
    assert compare(q(0.7, 0.2, 0.1), q(0.3, 0.3, 0.4), RULE) == ("0", 0.7, 0.3)


def test_bounds_are_strict() -> None:
    # outcome "0": gap 0.125, exactly 25 % of 0.5
    assert compare(q(0.5, 0.5), q(0.375, 0.625), Rule(threshold=0.25, min_diff=0.0)) is None
    assert compare(q(0.5, 0.5), q(0.375, 0.625), Rule(threshold=0.24, min_diff=0.0)) == ("0", 0.5, 0.375)
    assert compare(q(0.5, 0.5), q(0.375, 0.625), Rule(threshold=0.1, min_diff=0.125)) is None


def test_outcome_order_does_not_matter_and_other_sets_are_not_compared() -> None:
    a = q(0.6, 0.4, ids=("12", "13"))
    assert compare(a, q(0.4, 0.6, ids=("13", "12")), RULE) is None
    assert same_outcomes(a, q(0.4, 0.6, ids=("13", "12")))
    other = q(0.1, 0.9, ids=("12", "14"))
    assert not same_outcomes(a, other)
    assert compare(a, other, RULE) is None
