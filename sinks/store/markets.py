"""The ``markets`` / ``market_outcomes`` reference tables: name templates seeded from the taxonomy.

Contract
--------
* :func:`seed_document` is :data:`streams.taxonomy.names.MARKET_NAMES` (``data/names.json``)
  as one JSON document; :data:`UPSERT_MARKETS` then :data:`UPSERT_OUTCOMES` load it, with
  the document as their one parameter (``{doc}``: ``$1`` for asyncpg, ``:doc`` for
  SQLAlchemy). Both are idempotent upserts: a row whose text did not change is not
  written, a changed template or sport is updated, a new id inserted. Rows the taxonomy no
  longer lists are kept (market ids are never reused; stored history still names them).
* Migration 0005 seeds once when it creates the tables. :func:`seed` re-seeds an existing
  database: ``oddsflow migrate`` runs it after every upgrade (the demo too), so a name or a
  mapping added to the taxonomy reaches Postgres with the next deploy, without a revision.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson

from streams.settings import Settings
from streams.taxonomy.names import MARKET_NAMES

UPSERT_MARKETS = """
INSERT INTO markets (market_id, sport, name_template)
SELECT r.market_id, r.sport, r.name_template
  FROM jsonb_to_recordset(CAST({doc} AS jsonb) -> 'markets')
       AS r(market_id integer, sport text, name_template text)
    ON CONFLICT (market_id) DO UPDATE
   SET sport = excluded.sport, name_template = excluded.name_template
 WHERE (markets.sport, markets.name_template) IS DISTINCT FROM (excluded.sport, excluded.name_template)
RETURNING market_id
"""

UPSERT_OUTCOMES = """
INSERT INTO market_outcomes (market_id, outcome_id, name_template)
SELECT r.market_id, r.outcome_id, r.name_template
  FROM jsonb_to_recordset(CAST({doc} AS jsonb) -> 'outcomes')
       AS r(market_id integer, outcome_id text, name_template text)
    ON CONFLICT (market_id, outcome_id) DO UPDATE
   SET name_template = excluded.name_template
 WHERE market_outcomes.name_template IS DISTINCT FROM excluded.name_template
RETURNING market_id
"""


@dataclass(frozen=True, slots=True)
class SeedReport:
    """What one :func:`seed` did: rows in the taxonomy, rows inserted or changed."""

    markets: int
    outcomes: int
    markets_written: int
    outcomes_written: int

    def __str__(self) -> str:
        return (
            f"market names: {self.markets} markets ({self.markets_written} new or changed), "
            f"{self.outcomes} outcomes ({self.outcomes_written} new or changed)"
        )


def seed_document() -> str:
    """The taxonomy's names as the JSON document the upserts read."""
    markets = [
        {"market_id": m.market_id, "sport": m.sport, "name_template": m.template}
        for m in MARKET_NAMES.values()
    ]
    outcomes = [
        {"market_id": m.market_id, "outcome_id": oid, "name_template": template}
        for m in MARKET_NAMES.values()
        for oid, template in m.outcomes.items()
    ]
    return orjson.dumps({"markets": markets, "outcomes": outcomes}).decode()


async def seed_database(settings: Settings) -> SeedReport | None:
    """:func:`seed` on ``ODDS_POSTGRES__URL``; ``None`` when its schema has no ``markets`` yet
    (migrated to a revision before 0005)."""
    from sinks.store.db import connect

    conn = await connect(settings.postgres)
    try:
        if not await conn.fetchval("SELECT to_regclass('market_outcomes') IS NOT NULL"):
            return None
        return await seed(conn)
    finally:
        await conn.close()


async def seed(conn: Any) -> SeedReport:
    """Upsert the taxonomy's names in one transaction (``conn``: an asyncpg connection)."""
    doc = seed_document()
    async with conn.transaction():
        markets = await conn.fetch(UPSERT_MARKETS.format(doc="$1"), doc)
        outcomes = await conn.fetch(UPSERT_OUTCOMES.format(doc="$1"), doc)
    return SeedReport(
        markets=len(MARKET_NAMES),
        outcomes=sum(len(m.outcomes) for m in MARKET_NAMES.values()),
        markets_written=len(markets),
        outcomes_written=len(outcomes),
    )
