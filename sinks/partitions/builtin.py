"""Built-in partition maintenance: plain ``CREATE TABLE … PARTITION OF`` and ``DROP TABLE``.

Used where pg_partman is not installed. Children are named and bounded exactly as
pg_partman names daily children, so a database can switch back ends.
"""

from __future__ import annotations

from datetime import date, timedelta

from sinks.partitions import window as w
from sinks.partitions.base import Connection, PartitionBackend


class BuiltinBackend(PartitionBackend):
    """Partition maintenance with nothing but core PostgreSQL DDL."""

    name = "builtin"

    async def setup(self, conn: Connection) -> None:
        """Nothing to register: the parents exist after ``alembic upgrade head``."""

    async def _create(self, conn: Connection, days: list[date]) -> list[str]:
        have = await self.existing(conn)
        created = []
        for table in self.tables:
            for day in days:
                if day in have[table]:
                    continue
                start, end = w.bounds(day)
                name = w.child_name(table, day)
                # identifiers and timestamps come from our own code, never from input
                await conn.execute(
                    f'CREATE TABLE IF NOT EXISTS "{name}" PARTITION OF "{table}" '
                    f"FOR VALUES FROM ('{start.isoformat()}') TO ('{end.isoformat()}')"
                )
                created.append(name)
        return created

    async def _premake(self, conn: Connection, today: date) -> list[str]:
        days = [today + timedelta(days=i) for i in range(self.premake_days + 1)]
        return await self._create(conn, days)

    async def _drop_old(self, conn: Connection, today: date) -> list[str]:
        dropped = []
        for table, days in (await self.existing(conn)).items():
            for day in w.to_drop(days, today, self.retention_days):
                name = w.child_name(table, day)
                await conn.execute(f'DROP TABLE IF EXISTS "{name}"')
                dropped.append(name)
        return dropped
