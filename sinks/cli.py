"""Commands of the Postgres side, plugged into ``oddsflow`` (entry points ``oddsflow.commands``)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import click
from rich.console import Console
from rich.table import Table

from streams.cli.root import settings_with
from streams.settings import Settings


@click.command()
@click.option("--revision", default="head", show_default=True)
def migrate(revision: str) -> None:
    """Apply the Alembic migrations to ODDS_POSTGRES__URL, then re-seed the market names.

    The re-seed upserts the taxonomy's market and outcome name templates (``sinks.store.markets``),
    so names added since the last deploy reach Postgres without a new revision.
    """
    from sinks.store import migrate as migrations
    from sinks.store.markets import seed_database

    settings = settings_with()
    migrations.upgrade(settings.postgres.dsn(), revision)
    click.echo(f"migrated to {revision}")
    report = asyncio.run(seed_database(settings))
    if report is not None:
        click.echo(str(report))


async def _partitions(settings: Settings, action: str) -> None:
    from sinks.partitions import open_backend
    from sinks.store.db import connect

    conn = await connect(settings.postgres)
    try:
        backend = await open_backend(conn, settings.partitions)
        today = datetime.now(UTC).date()
        if action == "run":
            report = await backend.run(conn, today)
            click.echo(
                f"backend {report.backend}: created {len(report.created)}, dropped {len(report.dropped)}"
            )
            for name in report.created:
                click.echo(f"  + {name}")
            for name in report.dropped:
                click.echo(f"  - {name}")
        existing = await backend.existing(conn)
        win = backend.window(today)
        table = Table(title=f"partitions ({backend.name}; accepting {win.first} .. {win.last})")
        for col in ("table", "children", "oldest", "newest", "missing in window"):
            table.add_column(col)
        for name, days in existing.items():
            missing = [d for d in win.days() if d >= today and d not in days]
            table.add_row(
                name,
                str(len(days)),
                str(days[0]) if days else "-",
                str(days[-1]) if days else "-",
                ", ".join(map(str, missing)) or "none",
            )
        Console().print(table)
    finally:
        await conn.close()


@click.group()
def partitions() -> None:
    """Daily partitions: status, or run maintenance now."""


@partitions.command()
@click.option(
    "--backend",
    type=click.Choice(["auto", "partman", "builtin"]),
    default=None,
    help="Env: ODDS_PARTITIONS__BACKEND",
)
def status(backend: str | None) -> None:
    """Show the partitions of every time-series table."""
    asyncio.run(_partitions(settings_with(partitions__backend=backend), "status"))


@partitions.command()
@click.option(
    "--backend",
    type=click.Choice(["auto", "partman", "builtin"]),
    default=None,
    help="Env: ODDS_PARTITIONS__BACKEND",
)
def run(backend: str | None) -> None:
    """Create partitions ahead and drop those past retention."""
    asyncio.run(_partitions(settings_with(partitions__backend=backend), "run"))
