"""The partition-maintenance interface shared by the pg_partman and built-in back ends.

Every method takes an open asyncpg connection and runs inside one transaction holding a
transaction-level advisory lock, so several sinks (or a sink and ``oddsflow partitions
run``) never race to create or drop the same child. Sessions are switched to UTC because
day boundaries are UTC days.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sinks.partitions import window as w
from sinks.store.schema import PARTITIONED_TABLES

LOCK_KEY = 0x0DD5F10  # advisory lock id for partition DDL

Connection = Any  # asyncpg.Connection (asyncpg ships no type stubs)


@dataclass(slots=True)
class MaintenanceReport:
    """What one maintenance run did."""

    backend: str
    created: list[str] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)


class PartitionBackend(ABC):
    """Makes daily children ahead and on demand, and drops them after retention."""

    name: str

    def __init__(self, retention_days: int, premake_days: int, tables: tuple[str, ...] = PARTITIONED_TABLES):
        self.retention_days = retention_days
        self.premake_days = premake_days
        self.tables = tables

    def window(self, today: date) -> w.Window:
        """Days accepted on ``today``."""
        return w.window(today, self.retention_days, self.premake_days)

    async def existing(self, conn: Connection) -> dict[str, list[date]]:
        """Daily children per parent table, oldest first."""
        rows = await conn.fetch(
            """SELECT p.relname AS parent, c.relname AS child
                 FROM pg_inherits i
                 JOIN pg_class c ON c.oid = i.inhrelid
                 JOIN pg_class p ON p.oid = i.inhparent
                 JOIN pg_namespace n ON n.oid = p.relnamespace
                WHERE n.nspname = current_schema() AND p.relname = ANY($1::text[])""",
            list(self.tables),
        )
        out: dict[str, list[date]] = {t: [] for t in self.tables}
        for row in rows:
            parsed = w.parse_child(row["child"])
            if parsed is not None:
                out[row["parent"]].append(parsed[1])
        return {t: sorted(days) for t, days in out.items()}

    async def _locked(self, conn: Connection) -> None:
        await conn.execute("SET LOCAL TIME ZONE 'UTC'")
        await conn.execute("SELECT pg_advisory_xact_lock($1)", LOCK_KEY)

    async def ensure_days(self, conn: Connection, days: set[date], today: date) -> list[str]:
        """Make children for ``days`` (all inside the window); returns the names created.

        Raises ``ValueError`` for a day outside the window: the caller routes such rows
        to the DLQ before writing.
        """
        win = self.window(today)
        outside = sorted(d for d in days if d not in win)
        if outside:
            raise ValueError(f"days outside the partition window {win.first}..{win.last}: {outside}")
        have = await self.existing(conn)
        missing = {d for t in self.tables for d in days if d not in have[t]}
        if not missing:
            return []
        async with conn.transaction():
            await self._locked(conn)
            return await self._create(conn, sorted(missing))

    async def run(self, conn: Connection, today: date) -> MaintenanceReport:
        """Premake ``today .. today + premake_days`` and drop children past retention."""
        report = MaintenanceReport(self.name)
        async with conn.transaction():
            await self._locked(conn)
            report.created = await self._premake(conn, today)
            report.dropped = await self._drop_old(conn, today)
        return report

    @abstractmethod
    async def setup(self, conn: Connection) -> None:
        """One-time registration of the parents (idempotent)."""

    @abstractmethod
    async def _create(self, conn: Connection, days: list[date]) -> list[str]: ...

    @abstractmethod
    async def _premake(self, conn: Connection, today: date) -> list[str]: ...

    @abstractmethod
    async def _drop_old(self, conn: Connection, today: date) -> list[str]: ...
