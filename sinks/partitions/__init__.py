"""Daily partitions of the time-series tables: choose a back end, then run it.

``open_backend`` picks pg_partman when the setting says ``partman``, or says ``auto`` and
the server has the extension (it is created in schema ``partman`` if needed and allowed);
otherwise the built-in back end. Both honour :mod:`sinks.partitions.window`.
"""

from __future__ import annotations

import logging

import asyncpg

from sinks.partitions.base import Connection, MaintenanceReport, PartitionBackend
from sinks.partitions.builtin import BuiltinBackend
from sinks.partitions.partman import PartmanBackend, partman_available, partman_schema
from streams.errors import SettingsError
from streams.settings import PartitionSettings

__all__ = ["BuiltinBackend", "MaintenanceReport", "PartitionBackend", "PartmanBackend", "open_backend"]

log = logging.getLogger(__name__)


async def open_backend(conn: Connection, settings: PartitionSettings) -> PartitionBackend:
    """Choose and set up the back end for this database (idempotent)."""
    args = (settings.retention_days, settings.premake_days)
    use_partman = settings.backend == "partman"
    if settings.backend == "auto":
        use_partman = await partman_schema(conn) is not None or await partman_available(conn)
    if use_partman and not (await partman_schema(conn) or await partman_available(conn)):
        raise SettingsError("ODDS_PARTITIONS__BACKEND: partman requested but pg_partman is not installed")
    backend: PartitionBackend = PartmanBackend(*args) if use_partman else BuiltinBackend(*args)
    try:
        await backend.setup(conn)
    except asyncpg.PostgresError as exc:
        if settings.backend != "auto" or not use_partman:
            raise
        log.warning("pg_partman setup failed (%s); using built-in partition maintenance", exc)
        backend = BuiltinBackend(*args)
        await backend.setup(conn)
    return backend
