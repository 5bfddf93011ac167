"""SQLAlchemy description of ``team_aliases`` and ``match_reviews`` (built by migration 0010).

Part of :data:`sinks.store.schema.metadata` (imported by ``alembic/env.py``) so ``alembic
check`` compares them.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Identity,
    Index,
    PrimaryKeyConstraint,
    Table,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import DOUBLE_PRECISION as Float

from sinks.store.schema import TS, metadata

team_aliases = Table(
    "team_aliases",
    metadata,
    Column("id", BigInteger, Identity()),
    Column("sport", Text, nullable=False, server_default=text("'*'")),
    Column("alias", Text, nullable=False),
    Column("canonical", Text, nullable=False),
    Column("source", Text, nullable=False, server_default=text("'cli'")),
    Column("created_at", TS, nullable=False, server_default=text("now()")),
    PrimaryKeyConstraint("id", name="pk_team_aliases"),
    UniqueConstraint("sport", "alias", name="uq_team_aliases_sport_alias"),
)

match_reviews = Table(
    "match_reviews",
    metadata,
    Column("id", BigInteger, Identity()),
    Column("bookmaker", Text, nullable=False),
    Column("bookmaker_event_id", Text, nullable=False),
    Column("sport", Text, nullable=False),
    Column("home", Text, nullable=False),
    Column("away", Text, nullable=False),
    Column("kickoff", TS, nullable=False),
    Column("candidate_key", Text, nullable=False),
    Column("candidate_sportradar_id", BigInteger),
    Column("candidate_home", Text, nullable=False),
    Column("candidate_away", Text, nullable=False),
    Column("candidate_kickoff", TS, nullable=False),
    Column("score", Float, nullable=False),
    Column("home_score", Float, nullable=False),
    Column("away_score", Float, nullable=False),
    Column("runner_up", Float, nullable=False),
    Column("swapped", Boolean, nullable=False),
    Column("status", Text, nullable=False, server_default=text("'pending'")),
    Column("created_at", TS, nullable=False, server_default=text("now()")),
    Column("decided_at", TS),
    PrimaryKeyConstraint("id", name="pk_match_reviews"),
    UniqueConstraint(
        "bookmaker", "bookmaker_event_id", "candidate_key", name="uq_match_reviews_capture_candidate"
    ),
    CheckConstraint("status IN ('pending', 'accepted', 'rejected', 'merged')", name="status"),
    Index("ix_match_reviews_status", "status"),
)
