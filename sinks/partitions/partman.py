"""pg_partman (4.x/5.x) back end: parents registered with ``partman.create_parent``.

* :meth:`setup` registers each parent once (native, daily, premake N, no FK copying —
  native partitions inherit foreign keys), drops the ``_default`` child pg_partman makes
  (a row outside every partition must fail loudly, not hide in a default partition), and
  sets ``retention = '<R> days'``, ``retention_keep_table = false``,
  ``infinite_time_partitions = true``.
* On-demand children use ``partman.create_partition_time``; maintenance is
  ``partman.run_maintenance(parent)``, which premakes and applies retention.
"""

from __future__ import annotations

from datetime import date

from sinks.partitions import window as w
from sinks.partitions.base import Connection, MaintenanceReport, PartitionBackend


async def partman_schema(conn: Connection) -> str | None:
    """Schema pg_partman is installed in for this database, or ``None``."""
    row = await conn.fetchrow(
        "SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace "
        "WHERE e.extname = 'pg_partman'"
    )
    return None if row is None else str(row["nspname"])


async def partman_available(conn: Connection) -> bool:
    """True when the server has the pg_partman package (``CREATE EXTENSION`` would work)."""
    return bool(await conn.fetchval("SELECT count(*) FROM pg_available_extensions WHERE name = 'pg_partman'"))


class PartmanBackend(PartitionBackend):
    """Partition maintenance delegated to pg_partman."""

    name = "partman"
    schema = "partman"

    def _parent(self, table: str) -> str:
        return f"public.{table}"

    async def setup(self, conn: Connection) -> None:
        async with conn.transaction():
            await self._locked(conn)
            schema = await partman_schema(conn)
            if schema is None:
                await conn.execute("CREATE SCHEMA IF NOT EXISTS partman")
                await conn.execute("CREATE EXTENSION IF NOT EXISTS pg_partman SCHEMA partman")
                schema = "partman"
            self.schema = schema
            for table in self.tables:
                registered = await conn.fetchval(
                    f"SELECT count(*) FROM {schema}.part_config WHERE parent_table = $1", self._parent(table)
                )
                if not registered:
                    await self._register(conn, table)
                await conn.execute(
                    f"UPDATE {schema}.part_config SET retention = $2, retention_keep_table = false, "
                    "infinite_time_partitions = true, premake = $3 WHERE parent_table = $1",
                    self._parent(table),
                    f"{self.retention_days} days",
                    self.premake_days,
                )

    async def _register(self, conn: Connection, table: str) -> None:
        await conn.execute(
            f"SELECT {self.schema}.create_parent(p_parent_table := $1, p_control := 'captured_at', "
            "p_type := 'native', p_interval := 'daily', p_premake := $2, p_inherit_fk := false, "
            "p_jobmon := false)",
            self._parent(table),
            self.premake_days,
        )
        await conn.execute(f'DROP TABLE IF EXISTS "{table}_default"')

    async def _create(self, conn: Connection, days: list[date]) -> list[str]:
        before = await self.existing(conn)
        times = [w.bounds(d)[0] for d in days]
        for table in self.tables:
            await conn.execute(
                f"SELECT {self.schema}.create_partition_time($1, $2::timestamptz[])",
                self._parent(table),
                times,
            )
        after = await self.existing(conn)
        return _diff(after, before)

    async def run(self, conn: Connection, today: date) -> MaintenanceReport:
        """pg_partman premakes relative to now() and applies retention itself."""
        before = await self.existing(conn)
        async with conn.transaction():
            await self._locked(conn)
            for table in self.tables:
                await conn.execute(
                    f"SELECT {self.schema}.run_maintenance($1, p_jobmon := false)", self._parent(table)
                )
        after = await self.existing(conn)
        return MaintenanceReport(self.name, created=_diff(after, before), dropped=_diff(before, after))

    async def _premake(
        self, conn: Connection, today: date
    ) -> list[str]:  # pragma: no cover - run() overrides
        raise NotImplementedError

    async def _drop_old(self, conn: Connection, today: date) -> list[str]:  # pragma: no cover
        raise NotImplementedError


def _diff(a: dict[str, list[date]], b: dict[str, list[date]]) -> list[str]:
    return sorted(w.child_name(t, d) for t, days in a.items() for d in days if d not in b.get(t, []))
