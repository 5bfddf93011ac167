"""The API's database access: one async SQLAlchemy engine, a session per request.

Every connection runs with ``TimeZone=UTC`` and ``default_transaction_read_only=on``: the
API never writes, even when it logs in with the sink's role (the read-only role of
docs/api.md makes that a grant, not just a session setting). :func:`session` is the
request dependency: it commits when the handler returns and rolls back when it raises.
:func:`autocommit` is the engine for a route that reads with a single statement (the hot
``/events/{id}/best``, which connects only on a cache miss): pooled connections in
autocommit, so no ``BEGIN``/``COMMIT`` round trips (one statement at READ COMMITTED sees
one snapshot either way).

No pre-ping on checkout (it is a round trip per request): after a Postgres restart the
first statement on each stale connection fails (a 500) and SQLAlchemy invalidates the pool,
so the next requests get fresh connections. Statements are prepared once per connection
(the asyncpg dialect's statement cache).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from fastapi import Request
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from streams.errors import SettingsError
from streams.settings import ENV_PREFIX, Settings

SERVER_SETTINGS = {
    "timezone": "UTC",
    "application_name": "oddsflow-api",
    "default_transaction_read_only": "on",
}


def database_url(settings: Settings) -> str:
    """``api.database_url`` (the read-only role) or else ``postgres.url``, as a SQLAlchemy URL."""
    url = settings.api.database_url or settings.postgres.url
    if url is None:
        raise SettingsError(f"{ENV_PREFIX}API__DATABASE_URL / {ENV_PREFIX}POSTGRES__URL: not set")
    raw = url.get_secret_value()
    for prefix in ("postgresql+asyncpg://", "postgresql://", "postgres://"):
        if raw.startswith(prefix):
            return "postgresql+asyncpg://" + raw[len(prefix) :]
    raise SettingsError(f"{ENV_PREFIX}API__DATABASE_URL: must start with postgresql://")


def make_engine(settings: Settings) -> AsyncEngine:
    """A pooled engine of ``api.pool_size`` connections (no pre-ping: see the module doc)."""
    return create_async_engine(
        database_url(settings),
        pool_size=settings.api.pool_size,
        max_overflow=0,
        connect_args={
            "server_settings": SERVER_SETTINGS,
            "timeout": settings.postgres.connect_timeout_s,
        },
    )


def make_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


async def session(request: Request) -> AsyncIterator[AsyncSession]:
    """Request dependency: one session; commit on success, rollback on any exception."""
    maker: Any = request.app.state.sessionmaker
    async with maker() as db:
        try:
            yield db
            await db.commit()
        except BaseException:
            await db.rollback()
            raise


def autocommit(engine: AsyncEngine) -> AsyncEngine:
    """``engine`` (same pool) whose connections run each statement in its own transaction."""
    return engine.execution_options(isolation_level="AUTOCOMMIT")
