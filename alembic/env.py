"""Alembic environment (async template): URL from oddsflow settings, schema from sinks.store.schema.

The URL is ``config.attributes["url"]`` when a caller passes one (tests, ``oddsflow
migrate``), otherwise ``ODDS_POSTGRES__URL`` through :func:`streams.settings.load_settings`.
Child partitions (``<table>_pYYYY_MM_DD``, ``<table>_default``) are made at run time by
partition maintenance, so autogenerate ignores them.
"""

from __future__ import annotations

import asyncio
import re
from typing import Any

from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from alembic import context
from sinks.matching import tables as _matching_tables  # noqa: F401 - alias table and review queue
from sinks.signals import tables as _signal_tables  # noqa: F401 - the signal tables join the metadata
from sinks.store.schema import metadata
from streams.settings import load_settings

config = context.config
CHILD_PARTITION = re.compile(r"_(p\d{4}_\d{2}_\d{2}|default)$")


def include_name(name: str | None, type_: str, parent_names: dict[str, Any]) -> bool:
    """Skip child partitions (and their indexes): partition maintenance owns them."""
    if type_ == "table" and name is not None:
        return not CHILD_PARTITION.search(name)
    if type_ == "index" and parent_names.get("table_name"):
        return not CHILD_PARTITION.search(parent_names["table_name"])
    return True


def _url() -> str:
    url = config.attributes.get("url")
    return str(url) if url else load_settings().postgres.sqlalchemy_url()


def _configure(connection: Connection | None = None, **kwargs: Any) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        include_name=include_name,
        compare_type=True,
        **kwargs,
    )


def run_migrations_offline() -> None:
    _configure(url=_url(), literal_binds=True, dialect_opts={"paramstyle": "named"})
    with context.begin_transaction():
        context.run_migrations()


def _run_sync(connection: Connection) -> None:
    _configure(connection)
    with context.begin_transaction():
        context.run_migrations()


async def run_migrations_online() -> None:
    engine = create_async_engine(_url())
    async with engine.connect() as connection:
        await connection.run_sync(_run_sync)
    await engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    asyncio.run(run_migrations_online())
