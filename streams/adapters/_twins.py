"""Building the hot-path canonical objects without their dataclass ``__init__``.

Contract
--------
:class:`~streams.contracts.canonical.MarketLine` and :class:`~streams.contracts.canonical.Outcome`
are frozen, slotted dataclasses: their ``__init__`` sets every field through
``object.__setattr__``, the slow part of building a big board. :class:`LineTwin` and
:class:`OutcomeTwin` are plain classes with the same slots in the same order. An adapter
fills a twin with ordinary attribute stores, then gives it the canonical class
(``made.__class__ = MarketLine``), which Python allows between classes of one memory layout.
From then on the object *is* a ``MarketLine`` (or ``Outcome``): same type, equality, hash,
repr and immutability as one built by the dataclass.

The caller passes valid fields, as it would to the dataclass (no check is made).
:func:`market_line` and :func:`new_outcome` are the readable forms; the hot loops inline
them. When this module is imported it builds one object of each kind both ways and
compares them: a change of either class's fields fails at import, never silently.
"""

from __future__ import annotations

from typing import Any

from streams.contracts.canonical import MarketLine, Outcome


class LineTwin:
    """Same slots as :class:`MarketLine`; becomes one by ``__class__`` assignment."""

    __slots__ = ("line", "market", "market_id", "outcomes")  # Python lays slots out sorted by name


class OutcomeTwin:
    """Same slots as :class:`Outcome`; becomes one by ``__class__`` assignment."""

    __slots__ = ("active", "outcome_id", "price")


def market_line(market: str, market_id: int, line: str, outcomes: tuple[Outcome, ...]) -> MarketLine:
    """``MarketLine(market, market_id, line, outcomes)``, built through a twin."""
    made: Any = LineTwin()
    made.market = market
    made.market_id = market_id
    made.line = line
    made.outcomes = outcomes
    made.__class__ = MarketLine
    return made  # type: ignore[no-any-return]


def new_outcome(outcome_id: str, price: float | None, active: bool) -> Outcome:
    """``Outcome(outcome_id, price, active)``, built through a twin."""
    made: Any = OutcomeTwin()
    made.outcome_id = outcome_id
    made.price = price
    made.active = active
    made.__class__ = Outcome
    return made  # type: ignore[no-any-return]


def _check() -> None:
    """Raise at import if a twin no longer builds what the dataclass builds."""
    priced = Outcome("1", 2.5, True)
    made = new_outcome("1", 2.5, True)
    line = market_line("match_result", 1, "", (made,))
    if type(made) is not Outcome or made != priced or hash(made) != hash(priced):
        raise RuntimeError("OutcomeTwin does not build an Outcome: its slots differ from Outcome's fields")
    expected = MarketLine("match_result", 1, "", (priced,))
    if type(line) is not MarketLine or line != expected or repr(line) != repr(expected):
        raise RuntimeError("LineTwin does not build a MarketLine: its slots differ from MarketLine's fields")


_check()
