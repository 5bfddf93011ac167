"""SQLAlchemy description of the oddsflow schema — the Alembic autogenerate target.

Migrations own the schema (``alembic/versions``); the application never calls
``create_all``. This module must describe exactly what the migrations build so that
``alembic check`` reports no drift.

Tables
------
Dimensions (plain tables): ``sports``, ``tournaments``, ``bookmakers``, ``events`` (one
canonical event per Sportradar match id; ``sportradar_id`` is NULL for bookmaker-only
events), ``event_bookmakers`` (each bookmaker's own event id attached to an event),
``event_merges`` (bookmaker-only events merged into another, docs/lifecycle.md).

Time series, range-partitioned by day on ``captured_at`` (children ``<table>_pYYYY_MM_DD``,
made by ``sinks.partitions``):

* ``snapshots`` — one header per event × bookmaker × capture, with the Kafka source
  topic/partition/offset of the raw message; primary key (event, bookmaker, captured_at).
* ``odds_history`` — one row per market line that was added, changed or removed in a
  capture (``outcomes`` NULL = removed); no unique index, on purpose: rows arrive only
  through the sink, whose offsets live in the same transaction (exactly-once), and every
  unique index would cost a multiple of COPY speed.

Latest values (plain tables): ``current_odds`` (latest outcomes per event × bookmaker ×
market line, upserted) and ``sink_offsets`` (next offset to read per group, topic and
partition, written in the same transaction as the rows).

Reference data (plain tables, seeded from the taxonomy by ``sinks.store.markets``): ``markets``
(name template and sport per canonical market id) and ``market_outcomes`` (name template per
market and outcome id). No foreign key points at them: a line of a market without a template
is stored all the same and named by its id.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Identity,
    Index,
    Integer,
    MetaData,
    SmallInteger,
    Table,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

#: Tables range-partitioned by day on ``captured_at`` (the signal tables: sinks/signals/tables.py).
PARTITIONED_TABLES = (
    "snapshots",
    "odds_history",
    "signal_margins",
    "signal_deviations",
    "signal_arbitrage",
    "signal_prices",
)

TS = DateTime(timezone=True)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Sport(Base):
    __tablename__ = "sports"
    id: Mapped[int] = mapped_column(SmallInteger, Identity(), primary_key=True)
    key: Mapped[str] = mapped_column(Text, unique=True)


class Tournament(Base):
    __tablename__ = "tournaments"
    __table_args__ = (UniqueConstraint("sport_id", "category", "name"),)
    id: Mapped[int] = mapped_column(Integer, Identity(), primary_key=True)
    sport_id: Mapped[int] = mapped_column(SmallInteger, ForeignKey("sports.id"), index=True)
    category: Mapped[str] = mapped_column(Text, server_default="")
    name: Mapped[str] = mapped_column(Text)


class Bookmaker(Base):
    __tablename__ = "bookmakers"
    id: Mapped[int] = mapped_column(SmallInteger, Identity(), primary_key=True)
    key: Mapped[str] = mapped_column(Text, unique=True)


class Event(Base):
    __tablename__ = "events"
    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    sportradar_id: Mapped[int | None] = mapped_column(BigInteger, unique=True)
    sport_id: Mapped[int] = mapped_column(SmallInteger, ForeignKey("sports.id"), index=True)
    tournament_id: Mapped[int | None] = mapped_column(Integer, ForeignKey("tournaments.id"), index=True)
    home: Mapped[str] = mapped_column(Text)
    away: Mapped[str] = mapped_column(Text)
    kickoff: Mapped[datetime] = mapped_column(TS)
    created_at: Mapped[datetime] = mapped_column(TS, server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(TS, server_default=func.now())
    closed_at: Mapped[datetime | None] = mapped_column(TS, nullable=True)  # docs/lifecycle.md


class EventBookmaker(Base):
    __tablename__ = "event_bookmakers"
    __table_args__ = (UniqueConstraint("bookmaker_id", "bookmaker_event_id"),)
    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    event_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("events.id"), index=True)
    bookmaker_id: Mapped[int] = mapped_column(SmallInteger, ForeignKey("bookmakers.id"), index=True)
    bookmaker_event_id: Mapped[str] = mapped_column(Text)
    first_seen: Mapped[datetime] = mapped_column(TS, server_default=func.now())


class EventMerge(Base):
    """A bookmaker-only event merged into another (migration 0009, docs/lifecycle.md)."""

    __tablename__ = "event_merges"
    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    from_event_id: Mapped[int] = mapped_column(BigInteger, index=True)  # deleted by the merge: no FK
    into_event_id: Mapped[int] = mapped_column(BigInteger, index=True)
    bookmaker: Mapped[str] = mapped_column(Text)
    bookmaker_event_id: Mapped[str] = mapped_column(Text)
    from_key: Mapped[str] = mapped_column(Text)
    into_key: Mapped[str] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(Text)
    merged_at: Mapped[datetime] = mapped_column(TS)
    recorded_at: Mapped[datetime] = mapped_column(TS, server_default=func.now())


class Snapshot(Base):
    __tablename__ = "snapshots"
    __table_args__ = (
        Index("ix_snapshots_captured_at_brin", "captured_at", postgresql_using="brin"),
        Index("ix_snapshots_event_id_captured_at", "event_id", text("captured_at DESC")),
        {"postgresql_partition_by": "RANGE (captured_at)"},
    )
    event_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("events.id"), primary_key=True)
    bookmaker_id: Mapped[int] = mapped_column(
        SmallInteger, ForeignKey("bookmakers.id"), primary_key=True, index=True
    )
    captured_at: Mapped[datetime] = mapped_column(TS, primary_key=True)
    live: Mapped[bool] = mapped_column(Boolean)
    keyframe: Mapped[bool] = mapped_column(Boolean)
    lines_total: Mapped[int] = mapped_column(Integer)
    lines_changed: Mapped[int] = mapped_column(Integer)
    lines_removed: Mapped[int] = mapped_column(Integer)
    source_topic: Mapped[str] = mapped_column(Text)
    source_partition: Mapped[int] = mapped_column(Integer)
    source_offset: Mapped[int] = mapped_column(BigInteger)
    unmapped_lines: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    mapped_lines: Mapped[int | None] = mapped_column(Integer, nullable=True)


odds_history = Table(
    "odds_history",
    Base.metadata,
    # no primary key on purpose (see module docstring)
    Column("event_id", BigInteger, ForeignKey("events.id"), nullable=False),
    Column("bookmaker_id", SmallInteger, ForeignKey("bookmakers.id"), nullable=False, index=True),
    Column("captured_at", TS, nullable=False),
    Column("market_id", Integer, nullable=False),
    Column("line", Text, nullable=False),
    Column("outcomes", JSONB, nullable=True),
    Index("ix_odds_history_captured_at_brin", "captured_at", postgresql_using="brin"),
    Index("ix_odds_history_event_id_captured_at", "event_id", text("captured_at DESC")),
    postgresql_partition_by="RANGE (captured_at)",
)


class CurrentOdds(Base):
    __tablename__ = "current_odds"
    event_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("events.id"), primary_key=True)
    bookmaker_id: Mapped[int] = mapped_column(
        SmallInteger, ForeignKey("bookmakers.id"), primary_key=True, index=True
    )
    market_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    line: Mapped[str] = mapped_column(Text, primary_key=True)
    outcomes: Mapped[dict[str, float | None]] = mapped_column(JSONB)
    captured_at: Mapped[datetime] = mapped_column(TS)


class Market(Base):
    __tablename__ = "markets"
    market_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    sport: Mapped[str | None] = mapped_column(Text, nullable=True)  # None: several sports
    name_template: Mapped[str] = mapped_column(Text)


class MarketOutcome(Base):
    __tablename__ = "market_outcomes"
    market_id: Mapped[int] = mapped_column(Integer, ForeignKey("markets.market_id"), primary_key=True)
    outcome_id: Mapped[str] = mapped_column(Text, primary_key=True)
    name_template: Mapped[str] = mapped_column(Text)


class SinkOffset(Base):
    __tablename__ = "sink_offsets"
    consumer_group: Mapped[str] = mapped_column(Text, primary_key=True)
    topic: Mapped[str] = mapped_column(Text, primary_key=True)
    partition: Mapped[int] = mapped_column(Integer, primary_key=True)
    next_offset: Mapped[int] = mapped_column(BigInteger)
    updated_at: Mapped[datetime] = mapped_column(TS, server_default=func.now())


metadata = Base.metadata
