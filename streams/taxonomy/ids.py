"""Canonical market ids: three namespaces in one integer, and the readable key of each id.

Contract
--------
Every canonical market id is an ``int`` (the ``market_id`` of
:class:`~streams.contracts.canonical.MarketLine`, the ``market_id`` column in Postgres) and
falls in exactly one namespace:

==========  ==============================  ===============================================
namespace   ids                             meaning
==========  ==============================  ===============================================
uof         1 … 9,999,999                   the Sportradar UOF market id itself (SportyBet
                                            sends these; UOF ids are far below 60,000)
sportybet   10,000,000 + n                  SportyBet's own market ``n`` that UOF lacks: its
                                            proprietary ids (``n`` ≥ 60,000: 60100 2UP, 450001
                                            goal bounds …) and every ``BET_GENIUS`` id
                                            (9000xx, 60180); outcome ids are SportyBet's
oddsflow    20,000,000 … 29,999,999         oddsflow's own markets: bookmaker specials that
                                            neither UOF nor SportyBet offers, listed with
                                            their outcomes in ``data/oddsflow.json``
==========  ==============================  ===============================================

Ids are never reused: an oddsflow id keeps its meaning for good (retire it, never renumber).
:func:`market_key` gives the readable key carried in ``MarketLine.market``: the FORMATS.md
key for the 24 markets that document names (``total_goals``), else ``uof:<id>``,
``sportybet:<n>`` or ``oddsflow:<id>``. The key is a label; the id is the identity.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Literal

Namespace = Literal["uof", "sportybet", "oddsflow"]

SPORTYBET_BASE = 10_000_000
ODDSFLOW_BASE = 20_000_000
ODDSFLOW_END = 30_000_000
#: SportyBet ids from here up are SportyBet's own (MARKETS.md §3), never UOF
SPORTYBET_PROPRIETARY_FROM = 60_000


def sportybet_market_id(native: int, genius: bool = False) -> int | None:
    """Canonical id of SportyBet market ``native`` (``sourceType == "BET_GENIUS"`` → ``genius``).

    ``18`` → ``18`` (UOF); ``60200`` → ``10_060_200``; a Genius ``900069`` → ``10_900_069``.
    None for ids no namespace can hold (≤ 0 or ≥ 10,000,000).
    """
    if not 0 < native < SPORTYBET_BASE:
        return None
    if genius or native >= SPORTYBET_PROPRIETARY_FROM:
        return SPORTYBET_BASE + native
    return native


def namespace(market_id: int) -> Namespace:
    """The namespace of a canonical market id; ``ValueError`` outside every namespace."""
    if 0 < market_id < SPORTYBET_BASE:
        return "uof"
    if market_id < ODDSFLOW_BASE:
        return "sportybet"
    if market_id < ODDSFLOW_END:
        return "oddsflow"
    raise ValueError(f"{market_id} is not a canonical market id")


_NAMED: dict[int, str] = {}


def name_markets(names: dict[int, str]) -> None:
    """Register readable keys for some ids (done once at import by :mod:`streams.taxonomy`)."""
    _NAMED.update(names)
    market_key.cache_clear()


@lru_cache(maxsize=8192)
def market_key(market_id: int) -> str:
    """Readable key of a canonical market id (see the module docstring)."""
    named = _NAMED.get(market_id)
    if named is not None:
        return named
    space = namespace(market_id)
    if space == "sportybet":
        return f"sportybet:{market_id - SPORTYBET_BASE}"
    return f"{space}:{market_id}"


@lru_cache(maxsize=65536)
def outcome_order(outcome_id: str) -> tuple[int, int, str]:
    """Sort key of outcome ids inside a line: numeric ids by value, then the others as text.

    UOF numbers the outcomes of a market in its own order (1 home, 2 draw, 3 away; 274 … 324
    correct scores), so lines list outcomes the same way at every bookmaker.
    """
    if outcome_id.isascii() and outcome_id.isdigit():
        return (0, int(outcome_id), "")
    return (1, 0, outcome_id)
