"""``oddsflow dlq list|show|requeue``: browse the dead-letter topic and requeue records after a fix.

    oddsflow dlq list --stage normalize --kind unknown_market --since PT6H
    oddsflow dlq show 2:15
    oddsflow dlq requeue 2:15 2:16            # dry run: what would go where
    oddsflow dlq requeue --kind not_json --bookmaker betpawa --execute

Records are named ``PARTITION:OFFSET`` in the DLQ topic (``ODDS_TOPICS__DLQ``, or
``--topic``). Filters (every one given must hold; repeat a flag for "any of"): ``--stage``,
``--kind`` (``dlq.error.kind``), ``--error-class`` (``dlq.error.class``), ``--bookmaker``,
``--source-topic``, ``--since``/``--until`` (ISO date-time, no zone = UTC, or a duration back
from now such as ``PT6H``) on ``dlq.time``. ``requeue`` needs record ids or at least one
filter (``--all`` for the whole topic) and publishes only with ``--execute``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime
from functools import wraps
from typing import Any

import click
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from streams.deadletters.browse import read_dead_letters, requeue
from streams.deadletters.letters import (
    DeadRecord,
    DlqError,
    Selection,
    parse_ids,
    parse_when,
    pretty_value,
)
from streams.replay.plan import ReplayError, iso
from streams.settings import Settings


def _settings(topic: str | None) -> Settings:
    from streams.cli.root import settings_with

    return settings_with(topics__dlq=topic)


def _filters(fn: Callable[..., None]) -> Callable[..., None]:
    """The shared selection flags of ``list`` and ``requeue``."""
    options = [
        click.option("--topic", default=None, help="DLQ topic. Env: ODDS_TOPICS__DLQ"),
        click.option(
            "--stage", "stages", multiple=True, help="dlq.stage, e.g. decode, normalize, match, sink"
        ),
        click.option("--kind", "kinds", multiple=True, help="dlq.error.kind, e.g. not_json, unknown_market"),
        click.option("--error-class", "error_classes", multiple=True, help="dlq.error.class"),
        click.option("--bookmaker", "bookmakers", multiple=True),
        click.option("--source-topic", "source_topics", multiple=True, help="dlq.source.topic"),
        click.option("--since", default=None, help="ISO date-time (UTC if no zone) or duration, e.g. PT6H"),
        click.option("--until", default=None, help="ISO date-time (UTC if no zone) or duration"),
    ]
    for option in reversed(options):
        fn = option(fn)
    return fn


def _selection(ids: tuple[str, ...] = (), **flags: Any) -> Selection:
    now = datetime.now(UTC)
    return Selection(
        ids=tuple(parse_ids(ids)),
        stages=frozenset(flags["stages"]),
        kinds=frozenset(flags["kinds"]),
        error_classes=frozenset(flags["error_classes"]),
        bookmakers=frozenset(flags["bookmakers"]),
        source_topics=frozenset(flags["source_topics"]),
        since=parse_when(flags["since"], now) if flags["since"] else None,
        until=parse_when(flags["until"], now) if flags["until"] else None,
    )


def _friendly(fn: Callable[..., None]) -> Callable[..., None]:
    @wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> None:
        try:
            fn(*args, **kwargs)
        except ReplayError as exc:  # DlqError too
            raise click.ClickException(str(exc)) from None

    return wrapper


def records_table(records: list[DeadRecord], title: str) -> Table:
    table = Table(title=escape(title))
    for name in ("id", "dead-lettered", "stage", "kind", "class", "bookmaker", "source", "bytes", "message"):
        table.add_column(name, justify="right" if name == "bytes" else "left", overflow="fold")
    for r in records:
        cells = (r.stage, r.kind, r.error_class, r.bookmaker, r.source, str(len(r.value or b"")))
        table.add_row(r.id, iso(r.time), *map(escape, cells), escape(r.dlq.get("error.message", "")[:120]))
    return table


@click.group("dlq")
def dlq() -> None:
    """Browse the dead-letter topic and requeue records after a fix."""


@dlq.command("list")
@_filters
@click.option("--limit", type=int, default=None, help="Show at most N records (the oldest first).")
@_friendly
def list_command(topic: str | None, limit: int | None, **flags: Any) -> None:
    """List dead letters with their decoded dlq.* headers."""
    settings = _settings(topic)
    found = asyncio.run(read_dead_letters(settings.kafka, settings.topics.dlq, _selection(**flags)))
    shown = found[:limit] if limit is not None else found
    console = Console(width=200)
    console.print(records_table(shown, f"{settings.topics.dlq}: {len(found)} record(s) match"))


@dlq.command("show")
@click.argument("record_id")
@click.option("--topic", default=None, help="DLQ topic. Env: ODDS_TOPICS__DLQ")
@click.option("--max-bytes", type=int, default=65536, show_default=True, help="Cut the value after this.")
@_friendly
def show_command(record_id: str, topic: str | None, max_bytes: int) -> None:
    """Print one record: all headers, the key, the value (pretty JSON or a hexdump head)."""
    settings = _settings(topic)
    ids = parse_ids([record_id])
    if len(ids) != 1:
        raise DlqError("show takes one PARTITION:OFFSET")
    none = {k: () for k in ("stages", "kinds", "error_classes", "bookmakers", "source_topics")}
    selection = _selection((record_id,), **none, since=None, until=None)
    (record,) = asyncio.run(read_dead_letters(settings.kafka, settings.topics.dlq, selection))
    console = Console(width=200)
    headers = Table(title=escape(f"{settings.topics.dlq} {record.id} (dead-lettered {iso(record.time)})"))
    headers.add_column("header")
    headers.add_column("value", overflow="fold")
    for k, v in record.headers:
        headers.add_row(escape(k), escape(v.decode("utf-8", "replace")))
    console.print(headers)
    key = "(none)" if record.key is None else record.key.decode("utf-8", "replace")
    console.print(f"key: {key}", markup=False, highlight=False)
    fmt, text = pretty_value(record.value, max_bytes)
    console.print(f"value ({fmt}, {len(record.value or b'')} bytes):", markup=False)
    console.print(text, markup=False, highlight=False, soft_wrap=True)


@dlq.command("requeue")
@click.argument("ids", nargs=-1)
@_filters
@click.option("--all", "everything", is_flag=True, help="Every record of the topic (no filter given).")
@click.option("--execute", is_flag=True, help="Publish (default: dry run).")
@_friendly
def requeue_command(
    ids: tuple[str, ...], topic: str | None, everything: bool, execute: bool, **flags: Any
) -> None:
    """Republish chosen records to their dlq.source.topic with the original key, value and headers."""
    settings = _settings(topic)
    selection = _selection(ids, **flags)
    if selection.empty and not everything:
        raise DlqError("name records (PARTITION:OFFSET ...) or give a filter; --all requeues every record")
    records = asyncio.run(read_dead_letters(settings.kafka, settings.topics.dlq, selection))
    console = Console(width=200)
    if not records:
        console.print("nothing matches: nothing to requeue")
        return
    if not execute:
        console.print(records_table(records, f"would requeue {len(records)} record(s) (dry run)"))
        for r in records:
            r.requeue_target()  # refuse records without a source now, not at --execute
        console.print("dry run: nothing published; run again with --execute to publish")
        return
    done = asyncio.run(requeue(settings.kafka, records))
    table = Table(title=escape(f"requeued {len(done)} record(s)"))
    for name in ("id", "stage", "kind", "to topic", "partition", "offset"):
        table.add_column(name)
    for d in done:
        r = d.record
        table.add_row(r.id, escape(r.stage), escape(r.kind), escape(d.topic), str(d.partition), str(d.offset))
    console.print(table)
