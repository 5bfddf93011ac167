"""The price-signal formulas: margin, fair probabilities, consensus, deviation, arbitrage (pure).

Definitions (prices are decimal odds ``o_i > 1``; ``π_i = 1/o_i`` the implied probabilities):

* **margin** (overround) of a complete outcome set: ``Σ π_i − 1``;
* **fair probabilities**, two ways of taking the margin out:
  - multiplicative: ``p_i = π_i / Σ π_j``;
  - Shin's method (Shin 1993; Jullien & Salanié 1994): the bookmaker prices against a share
    ``z`` of insiders; ``p_i = (sqrt(z² + 4(1−z) π_i² / Σπ) − z) / (2(1−z))`` with ``z`` such
    that ``Σ p_i = 1``. Solved by the ``shin`` package (PyPI, Rust optimiser); for two outcomes
    ``z`` has a closed form (the package's, computed here without its per-call overhead) and
    the result is close to the additive method ``p_i = π_i − (Σπ − 1)/2``;
* **consensus** fair probability of an outcome: the median of the books' fair probabilities
  (the books the caller passes: fresh, complete, not flagged);
* **deviation** of a price from consensus: ``o · p_consensus − 1``, the expected return of a
  unit stake if the consensus is right (``+0.05``: the price is 5% above the fair price
  ``1 / p_consensus``);
* **arbitrage** over the best price of each outcome across books: when ``S = Σ 1/best_i < 1``,
  staking ``(1/best_i) / S`` of the total on each outcome returns ``1/S`` whatever happens:
  profit ``1/S − 1``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from math import sqrt
from typing import Literal

import shin

FairMethod = Literal["multiplicative", "shin"]


def implied(prices: Sequence[float]) -> list[float]:
    """``1/o_i`` of each price."""
    return [1.0 / p for p in prices]


def margin(prices: Sequence[float]) -> float:
    """Overround of a complete outcome set: ``Σ 1/o_i − 1`` (0.05 = 5%)."""
    return sum(1.0 / p for p in prices) - 1.0


def fair_multiplicative(prices: Sequence[float]) -> list[float]:
    """No-vig probabilities by proportional normalisation."""
    inv = implied(prices)
    book = sum(inv)
    return [x / book for x in inv]


def fair_shin(prices: Sequence[float]) -> list[float]:
    """No-vig probabilities by Shin's method (the ``shin`` package). A book without margin
    (``Σπ <= 1``) has no insider share to remove: it falls back to normalisation."""
    if len(prices) < 2:
        raise ValueError("Shin's method needs at least two outcomes")
    inv = implied(prices)
    book = sum(inv)
    if book <= 1.0:
        return [x / book for x in inv]
    if len(inv) > 2:
        return list(shin.calculate_implied_probabilities(list(prices)))
    # the shin package's closed form for two outcomes (Jullien & Salanié), same arithmetic
    d2 = (inv[0] - inv[1]) ** 2
    z = ((book - 1) * (d2 - book)) / (book * (d2 - 1))
    return [(sqrt(z**2 + 4 * (1 - z) * x**2 / book) - z) / (2 * (1 - z)) for x in inv]


def fair(prices: Sequence[float], method: FairMethod) -> list[float]:
    """Fair probabilities by ``method``."""
    return fair_shin(prices) if method == "shin" else fair_multiplicative(prices)


def consensus(fair_by_book: Mapping[str, Mapping[str, float]]) -> dict[str, float]:
    """Median fair probability per outcome over the books given (an outcome only some books
    quote gets the median of those)."""
    values: dict[str, list[float]] = {}
    for probs in fair_by_book.values():
        for outcome_id, p in probs.items():
            values.setdefault(outcome_id, []).append(p)
    return {outcome_id: _median(ps) for outcome_id, ps in values.items()}


def _median(values: list[float]) -> float:
    """``statistics.median`` of a non-empty list of floats, without its generality."""
    s = sorted(values)
    n = len(s)
    mid = n // 2
    return s[mid] if n % 2 else (s[mid - 1] + s[mid]) / 2


def deviation(price: float, p_consensus: float) -> float:
    """``o · p − 1``: how far ``price`` is above (+) or below (−) the fair price ``1/p``."""
    return price * p_consensus - 1.0


@dataclass(frozen=True, slots=True)
class Leg:
    """One outcome of an arbitrage: where its best price is, and the share of the stake."""

    outcome_id: str
    bookmaker: str
    price: float
    stake: float


@dataclass(frozen=True, slots=True)
class Arbitrage:
    """A set of best prices whose inverses sum below 1 (see the module docstring)."""

    legs: tuple[Leg, ...]
    book_sum: float

    @property
    def profit(self) -> float:
        """Return on the total stake, whatever the outcome (0.02 = 2%)."""
        return 1.0 / self.book_sum - 1.0


def best_prices(quotes: Mapping[str, Mapping[str, float]]) -> dict[str, tuple[str, float]]:
    """Best price per outcome over ``{bookmaker: {outcome_id: price}}``: ``{outcome: (book, price)}``.
    Ties go to the bookmaker first in name order (a stable, replayable choice)."""
    best: dict[str, tuple[str, float]] = {}
    for book in sorted(quotes):
        for outcome_id, price in quotes[book].items():
            held = best.get(outcome_id)
            if held is None or price > held[1]:
                best[outcome_id] = (book, price)
    return best


def arbitrage(quotes: Mapping[str, Mapping[str, float]], outcomes: Sequence[str]) -> Arbitrage | None:
    """The arbitrage over the complete outcome set ``outcomes``, or None (no price for some
    outcome, or ``Σ 1/best >= 1``)."""
    best = best_prices(quotes)
    if any(o not in best for o in outcomes):
        return None
    total = sum(1.0 / best[o][1] for o in outcomes)
    if total >= 1.0:
        return None
    legs = tuple(Leg(o, best[o][0], best[o][1], (1.0 / best[o][1]) / total) for o in outcomes)
    return Arbitrage(legs, total)
