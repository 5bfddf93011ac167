"""``oddsflow matches list|accept|reject|alias``: the name matcher's review queue and alias table.

``accept`` hands the pair to :func:`sinks.matching.merge.request_merge` (the identity merge
of issue 19 carries it out); ``reject`` closes the row. Both refuse a row that is not
``pending`` (exit status 1). ``alias`` adds or replaces one alias (``--sport`` or every sport).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import click
import orjson
from rich.console import Console
from rich.table import Table

from sinks.matching import store
from sinks.matching.merge import request_merge
from streams.cli.root import settings_with

T = TypeVar("T")


def _run(action: Callable[[Any], Awaitable[T]]) -> T:
    async def go() -> T:
        from sinks.store.db import connect

        conn = await connect(settings_with().postgres)
        try:
            return await action(conn)
        finally:
            await conn.close()

    return asyncio.run(go())


@click.group("matches")
def matches_command() -> None:
    """Captures without Sportradar id waiting for a person: list, accept, reject; aliases."""


@matches_command.command("list")
@click.option(
    "--status", default="pending", show_default=True, help="pending, accepted, rejected, merged or all."
)
@click.option("--limit", type=int, default=50, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="One JSON array.")
def list_command(status: str, limit: int, as_json: bool) -> None:
    """Review rows, best score first."""
    rows = _run(lambda conn: store.list_reviews(conn, None if status == "all" else status, limit))
    if as_json:
        click.echo(orjson.dumps(rows, default=str, option=orjson.OPT_INDENT_2))
        return
    table = Table(title=f"match reviews ({status})")
    for col in ("id", "bookmaker", "capture", "candidate", "score", "swapped", "status"):
        table.add_column(col)
    for r in rows:
        table.add_row(
            str(r["id"]),
            f"{r['bookmaker']}:{r['bookmaker_event_id']}",
            f"{r['home']} – {r['away']}  {r['kickoff']:%Y-%m-%d %H:%M}",
            f"{r['candidate_home']} – {r['candidate_away']}  {r['candidate_kickoff']:%Y-%m-%d %H:%M}"
            f"  ({r['candidate_key']})",
            f"{r['score']:.1f}",
            "yes" if r["swapped"] else "",
            r["status"],
        )
    Console().print(table)


@matches_command.command("accept")
@click.argument("review_id", type=int)
def accept_command(review_id: int) -> None:
    """Accept one review: the identity merge attaches the capture's event to the candidate."""
    if not _run(lambda conn: request_merge(conn, review_id)):
        raise click.ClickException(f"review {review_id} is not pending")
    click.echo(f"review {review_id} accepted: queued for the identity merge")


@matches_command.command("reject")
@click.argument("review_id", type=int)
def reject_command(review_id: int) -> None:
    """Reject one review: the capture stays its own event."""
    if not _run(lambda conn: store.reject(conn, review_id)):
        raise click.ClickException(f"review {review_id} is not pending")
    click.echo(f"review {review_id} rejected")


@matches_command.command("alias")
@click.argument("alias")
@click.argument("canonical")
@click.option(
    "--sport", default="*", show_default=True, help="soccer, basketball, tennis or * (every sport)."
)
def alias_command(alias: str, canonical: str, sport: str) -> None:
    """Add or replace one alias: ALIAS is read as CANONICAL by the matcher."""
    _run(lambda conn: store.add_alias(conn, alias, canonical, sport))
    click.echo(f"alias {alias!r} → {canonical!r} ({sport})")
