"""SQLAlchemy description of the signal tables (alembic/versions/0006_signals.py builds them).

Part of :data:`sinks.store.schema.metadata` (imported there) so ``alembic check`` compares them.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import BigInteger, Boolean, CheckConstraint, Column, Index, Integer, SmallInteger, Table, Text
from sqlalchemy.dialects.postgresql import DOUBLE_PRECISION as Float
from sqlalchemy.dialects.postgresql import JSONB

from sinks.store.schema import TS, metadata

#: the signal time series, range-partitioned by day on ``captured_at``
SIGNAL_TABLES = ("signal_margins", "signal_deviations", "signal_arbitrage", "signal_prices")


def _brin(table: str) -> Index:
    return Index(f"ix_{table}_captured_at_brin", "captured_at", postgresql_using="brin")


signal_margins = Table(
    "signal_margins",
    metadata,
    Column("sportradar_id", BigInteger, primary_key=True),
    Column("bookmaker", Text, primary_key=True),
    Column("market_id", Integer, primary_key=True, autoincrement=False),
    Column("line", Text, primary_key=True),
    Column("captured_at", TS, primary_key=True),
    Column("margin", Float, nullable=False),
    Column("fair", JSONB, nullable=False),
    _brin("signal_margins"),
    postgresql_partition_by="RANGE (captured_at)",
)


def _deviation() -> tuple[Column[Any], ...]:
    """The columns both deviation tables share (new objects per table)."""
    return (
        Column("sportradar_id", BigInteger, primary_key=True),
        Column("bookmaker", Text, primary_key=True),
        Column("market_id", Integer, primary_key=True, autoincrement=False),
        Column("line", Text, primary_key=True),
        Column("outcome_id", Text, primary_key=True),
        Column("price", Float, nullable=False),
        Column("consensus", Float, nullable=False),
        Column("deviation", Float, nullable=False),
        Column("books", SmallInteger, nullable=False),
    )


signal_deviations = Table(
    "signal_deviations",
    metadata,
    *_deviation(),
    Column("captured_at", TS, primary_key=True),
    _brin("signal_deviations"),
    postgresql_partition_by="RANGE (captured_at)",
)

signal_deviations_now = Table(
    "signal_deviations_now",
    metadata,
    *_deviation(),
    Column("captured_at", TS, nullable=False),
    Index("ix_signal_deviations_now_bookmaker", "bookmaker"),
)

signal_arbitrage = Table(
    "signal_arbitrage",
    metadata,
    Column("sportradar_id", BigInteger, primary_key=True),
    Column("market_id", Integer, primary_key=True, autoincrement=False),
    Column("line", Text, primary_key=True),
    Column("captured_at", TS, primary_key=True),  # when the window opened
    Column("ended_at", TS, nullable=True),
    Column("profit", Float, nullable=False),
    Column("suspect", Boolean, nullable=False),
    Column("legs", JSONB, nullable=False),
    _brin("signal_arbitrage"),
    postgresql_partition_by="RANGE (captured_at)",
)

signal_prices = Table(
    "signal_prices",
    metadata,
    Column("sportradar_id", BigInteger, primary_key=True),
    Column("bookmaker", Text, primary_key=True),
    Column("market_id", Integer, primary_key=True, autoincrement=False),
    Column("line", Text, primary_key=True),
    Column("kind", Text, primary_key=True),
    Column("captured_at", TS, primary_key=True),
    Column("outcomes", JSONB, nullable=False),
    CheckConstraint("kind IN ('opening', 'closing')", name="kind"),
    postgresql_partition_by="RANGE (captured_at)",
)
