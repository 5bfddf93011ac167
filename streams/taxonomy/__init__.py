"""The canonical market taxonomy: an open set of markets, one home for every bookmaker line.

Contract
--------
* A canonical market is an ``int`` id in one of three namespaces (:mod:`.ids`): a Sportradar
  UOF market id wherever UOF has the market; ``10_000_000 + n`` for SportyBet's own market
  ``n`` (proprietary ids ≥ 60,000 and ``BET_GENIUS`` ids); ``20_000_000 …`` for oddsflow's
  own markets (bookmaker specials, listed in ``data/oddsflow.json``).
* A canonical line is (market id, line key); the line key is the normalized specifier
  (:mod:`.lines`: ``quarternr=1|total=36.5``, ``hcp=0:1``, ``variant=sr:exact_goals:6+``).
  Outcome ids are UOF's (SportyBet's in its namespace; native keys in oddsflow's), text.
* SportyBet sends UOF ids and is read generically. BetPawa and Bet9ja are read through
  mapping tables (``data/betpawa.json``, ``data/bet9ja.json``), generated from
  ``docs/markets.json`` by :mod:`.generate` and loaded once by :mod:`.tables`.
* :mod:`.named`: the 24 markets FORMATS.md names, whose keys label their lines.
* :mod:`.names` (templates in ``data/names.json``, rendered by :mod:`.templates`): market and
  outcome names for an event and a line (``Over/Under 2.5``, ``Lyon (-1.5)``).

Everything here is pure and import-time constant.
"""

from __future__ import annotations

from streams.taxonomy.ids import (
    ODDSFLOW_BASE,
    SPORTYBET_BASE,
    market_key,
    name_markets,
    namespace,
    outcome_order,
    sportybet_market_id,
)
from streams.taxonomy.lines import (
    MAX_PRICE,
    MIN_PRICE,
    LineFormat,
    canonical_decimal,
    canonical_score,
    canonical_specifier,
    canonical_value,
    check_price,
    format_line,
    join_specifiers,
    line_key,
    quarter_line,
    score_handicap,
)
from streams.taxonomy.named import (
    BY_KEY,
    BY_MARKET_ID,
    CORRECT_SCORE_IDS,
    HT_FT_IDS,
    MARKETS,
    RESULT_TOTAL_IDS,
    MarketSpec,
)

name_markets({m.market_id: m.key for m in MARKETS})

__all__ = [
    "BY_KEY",
    "BY_MARKET_ID",
    "CORRECT_SCORE_IDS",
    "HT_FT_IDS",
    "MARKETS",
    "MAX_PRICE",
    "MIN_PRICE",
    "ODDSFLOW_BASE",
    "RESULT_TOTAL_IDS",
    "SPORTYBET_BASE",
    "LineFormat",
    "MarketSpec",
    "canonical_decimal",
    "canonical_score",
    "canonical_specifier",
    "canonical_value",
    "check_price",
    "format_line",
    "join_specifiers",
    "line_key",
    "market_key",
    "namespace",
    "outcome_order",
    "quarter_line",
    "score_handicap",
    "sportybet_market_id",
]
