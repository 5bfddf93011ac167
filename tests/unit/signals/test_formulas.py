"""The signal formulas against hand-computed cases and published worked examples."""

from __future__ import annotations

import random
from statistics import median

import pytest
import shin

from streams.stages.signals import formulas as f
from streams.stages.signals.outcomes import complete_set, priced_complete


def test_margin_hand_computed() -> None:
    assert f.margin([2.0, 2.0]) == pytest.approx(0.0)
    # 1/1.9 + 1/1.9 = 1.0526316 → 5.26%
    assert f.margin([1.9, 1.9]) == pytest.approx(0.0526316, abs=1e-7)
    # 1X2 2.10 / 3.40 / 3.50: 0.476190 + 0.294118 + 0.285714 = 1.056022
    assert f.margin([2.10, 3.40, 3.50]) == pytest.approx(0.056022, abs=1e-6)


def test_multiplicative_hand_computed() -> None:
    assert f.fair_multiplicative([1.9, 1.9]) == pytest.approx([0.5, 0.5])
    # π = 2/3, 0.4; Σ = 16/15 → 0.625, 0.375
    assert f.fair_multiplicative([1.5, 2.5]) == pytest.approx([0.625, 0.375])
    probs = f.fair_multiplicative([2.10, 3.40, 3.50])
    assert probs == pytest.approx([0.476190 / 1.056022, 0.294118 / 1.056022, 0.285714 / 1.056022], abs=1e-6)
    assert sum(probs) == pytest.approx(1.0)


def test_shin_published_example() -> None:
    """The worked example of the shin package's README (github.com/mberk/shin, "Usage"):
    odds 2.6 / 2.4 / 4.3 → 0.37299406, 0.40477941, 0.22222653 (z = 0.01694251)."""
    assert f.fair_shin([2.6, 2.4, 4.3]) == pytest.approx([0.37299406, 0.40477941, 0.22222653], abs=1e-8)


def test_shin_satisfies_its_defining_equation() -> None:
    """p_i = (sqrt(z² + 4(1−z)π_i²/Σπ) − z) / (2(1−z)) with one z for every outcome, Σp = 1."""
    prices = [2.10, 3.40, 3.50]
    probs = f.fair_shin(prices)
    inv = [1 / o for o in prices]
    book = sum(inv)
    assert sum(probs) == pytest.approx(1.0, abs=1e-9)
    # each outcome's equation solved for z must give the same z
    zs = []
    for pi, p in zip(inv, probs, strict=True):
        a = pi * pi / book
        # (2(1−z)p + z)² = z² + 4(1−z)a  →  (1−z)p² + zp = a  →  z = (a − p²) / (p − p²)
        zs.append((a - p * p) / (p - p * p))
    assert zs[0] > 0
    assert zs == pytest.approx([zs[0]] * 3, abs=1e-8)


def test_shin_two_outcomes_is_additive() -> None:
    """For two outcomes Shin's method equals the additive method (Clarke, Kovalchik & Ingram
    2017, "Adjusting bookmaker's odds to allow for overround"): p_i = π_i − (Σπ − 1)/2."""
    # π = 2/3, 0.4; excess 1/15 → 2/3 − 1/30 = 0.633333, 0.4 − 1/30 = 0.366667
    assert f.fair_shin([1.5, 2.5]) == pytest.approx([0.6333333, 0.3666667], abs=1e-7)


def test_shin_moves_probability_to_the_favourite() -> None:
    """Shin's correction for the favourite–longshot bias: long shots lose more than pro rata."""
    mult, shin = f.fair_multiplicative([1.3, 4.0, 10.0]), f.fair_shin([1.3, 4.0, 10.0])
    assert shin[0] > mult[0] and shin[2] < mult[2]


def test_no_margin_book_falls_back_to_normalising() -> None:
    assert f.fair_shin([2.0, 2.0]) == pytest.approx([0.5, 0.5])


def test_consensus_is_the_median_per_outcome() -> None:
    books = {
        "a": {"1": 0.50, "2": 0.30, "3": 0.20},
        "b": {"1": 0.40, "2": 0.35, "3": 0.25},
        "c": {"1": 0.45, "2": 0.25, "3": 0.30},
    }
    assert f.consensus(books) == pytest.approx({"1": 0.45, "2": 0.30, "3": 0.25})
    # two books: the mean of the two
    assert f.consensus({"a": {"12": 0.6}, "b": {"12": 0.5}}) == pytest.approx({"12": 0.55})


def test_deviation_hand_computed() -> None:
    # fair price 1/0.5 = 2.0; a price of 2.2 is 10% above it, 1.8 is 10% below
    assert f.deviation(2.2, 0.5) == pytest.approx(0.10)
    assert f.deviation(1.8, 0.5) == pytest.approx(-0.10)


def test_arbitrage_hand_computed() -> None:
    quotes = {"a": {"12": 2.10, "13": 1.80}, "b": {"12": 1.85, "13": 2.05}}
    arb = f.arbitrage(quotes, ["12", "13"])
    assert arb is not None
    # best: 12 @ 2.10 (a), 13 @ 2.05 (b); S = 0.476190 + 0.487805 = 0.963995; profit 3.735%
    assert arb.book_sum == pytest.approx(0.963995, abs=1e-6)
    assert arb.profit == pytest.approx(0.037350, abs=1e-6)
    (over, under) = arb.legs
    assert (over.outcome_id, over.bookmaker, over.price) == ("12", "a", 2.10)
    assert (under.outcome_id, under.bookmaker, under.price) == ("13", "b", 2.05)
    assert over.stake == pytest.approx(0.476190 / 0.963995, abs=1e-6)
    assert over.stake + under.stake == pytest.approx(1.0)
    # equal return whatever happens: stake × price = 1/S
    assert over.stake * 2.10 == pytest.approx(under.stake * 2.05) == pytest.approx(1 / 0.963995)


def test_no_arbitrage_when_best_prices_sum_at_least_one() -> None:
    assert f.arbitrage({"a": {"12": 2.0, "13": 1.9}, "b": {"12": 1.95, "13": 1.95}}, ["12", "13"]) is None
    assert f.arbitrage({"a": {"12": 2.0, "13": 2.0}}, ["12", "13"]) is None  # exactly 1: nothing to gain


def test_no_arbitrage_with_an_outcome_unpriced() -> None:
    assert f.arbitrage({"a": {"12": 5.0}}, ["12", "13"]) is None


def test_complete_sets_come_from_the_taxonomy() -> None:
    assert complete_set(1) == {"1", "2", "3"}
    assert complete_set(18) == {"12", "13"}
    assert complete_set(99_999_999) is None


def test_priced_complete_guards() -> None:
    assert priced_complete(18, {"12": 1.9, "13": 1.9}) == {"12": 1.9, "13": 1.9}
    assert priced_complete(18, {"12": 1.9, "13": None}) is None  # suspended
    assert priced_complete(18, {"12": 1.9, "13": 1.0}) is None  # placeholder
    assert priced_complete(18, {"12": 1.9}) is None  # incomplete
    assert priced_complete(1, {"1": 2.1, "2": 3.4, "3": 3.5}) is not None
    # double chance (1X, 12, X2) is named complete but not exclusive: Σπ ≈ 2 is kept out
    assert priced_complete(10, {"9": 1.3, "10": 1.35, "11": 1.6}) is None


def test_shin_two_outcomes_is_the_packages_closed_form_exactly() -> None:
    """fair_shin computes the shin package's two-outcome closed form itself (no per-call
    overhead): the same numbers, bit for bit."""
    rng = random.Random(7)
    for _ in range(2000):
        prices = [round(rng.uniform(1.01, 40.0), 2) for _ in range(2)]
        if sum(1 / p for p in prices) > 1:
            assert f.fair_shin(prices) == list(shin.calculate_implied_probabilities(prices))


def test_consensus_median_matches_statistics_median() -> None:
    rng = random.Random(3)
    for n in range(1, 9):
        books = {f"b{i}": {"1": rng.random(), "2": rng.random()} for i in range(n)}
        cons = f.consensus(books)
        assert cons["1"] == median(b["1"] for b in books.values())
        assert cons["2"] == median(b["2"] for b in books.values())
