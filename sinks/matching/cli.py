"""``oddsflow matches list|accept|reject|alias``: the name matcher's review queue and alias table.

``accept`` publishes the identity merge request (:func:`sinks.matching.merge.request_merge`:
the workers merge the bookmaker-only event into the candidate, the sink moves its rows and
sets the row ``merged``); ``reject`` closes the row, and the sink never files that pair
again. Both refuse a row that is not ``pending`` (exit status 1); ``accept`` also refuses a
swapped pair. ``alias`` adds or replaces one alias (``--sport`` or every sport).
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
from sinks.matching.merge import ReviewRefusedError, request_merge
from streams.cli.root import settings_with
from streams.kafka.delivery import OutRecord
from streams.settings import Settings

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


async def _accept(settings: Settings, conn: Any, review_id: int) -> tuple[str, str]:
    from aiokafka import AIOKafkaProducer

    from streams.kafka.workarounds.idempotence import start_producer

    kafka = settings.kafka

    def make(idempotent: bool) -> AIOKafkaProducer:
        return AIOKafkaProducer(**kafka.client_kwargs(), acks="all", enable_idempotence=idempotent)

    producer, _ = await start_producer(make, kafka.idempotence, name="matches accept")

    async def send(record: OutRecord) -> Any:
        return await producer.send(record.topic, record.value, key=record.key)

    try:
        return await request_merge(conn, send, settings.topics.canonical, review_id)
    finally:
        await producer.stop()


@matches_command.command("accept")
@click.argument("review_id", type=int)
def accept_command(review_id: int) -> None:
    """Accept one review: the workers merge the capture's event into the candidate."""
    settings = settings_with()
    try:
        from_key, into_key = _run(lambda conn: _accept(settings, conn, review_id))
    except ReviewRefusedError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"review {review_id} accepted: merge of {from_key} into {into_key} requested")


@matches_command.command("reject")
@click.argument("review_id", type=int)
def reject_command(review_id: int) -> None:
    """Reject one review: the capture stays its own event; the pair is not proposed again."""
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
