"""Connections to PostgreSQL for the sink side (asyncpg; UTC sessions).

Every connection runs with ``TimeZone=UTC`` because partition boundaries are UTC days.
"""

from __future__ import annotations

from typing import Any

import asyncpg

from streams.settings import PostgresSettings

SERVER_SETTINGS = {"timezone": "UTC", "application_name": "oddsflow"}


async def connect(settings: PostgresSettings, **kwargs: Any) -> Any:
    """One asyncpg connection to the configured database."""
    return await asyncpg.connect(
        settings.dsn(), timeout=settings.connect_timeout_s, server_settings=SERVER_SETTINGS, **kwargs
    )


async def create_pool(settings: PostgresSettings, **kwargs: Any) -> Any:
    """An asyncpg pool of ``settings.pool_size`` connections."""
    return await asyncpg.create_pool(
        settings.dsn(),
        min_size=1,
        max_size=settings.pool_size,
        timeout=settings.connect_timeout_s,
        server_settings=SERVER_SETTINGS,
        **kwargs,
    )
