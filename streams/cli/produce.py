"""``oddsflow produce``: publish raw payloads from files, directories, NDJSON or stdin.

Inputs
------
* a ``.json`` file: one bookmaker response (one capture);
* a ``.ndjson``/``.jsonl`` file, or stdin (``-`` or no path): one response per line;
* a directory: every ``*.json``, ``*.ndjson`` and ``*.jsonl`` in it, sorted by name.

With ``--envelope`` each input is already an ``odds.raw.v1`` envelope (for example lines
read back from a raw topic) and is republished as is, to its bookmaker's topic.
"""

from __future__ import annotations

import asyncio
import sys
from datetime import datetime

import click
from rich.progress import Progress

from streams.contracts.raw import decode_raw, raw_key
from streams.errors import DataError
from streams.kafka.captures import iter_inputs
from streams.settings import Settings


async def produce(
    settings: Settings,
    paths: tuple[str, ...],
    *,
    bookmaker: str | None,
    source: str,
    envelope: bool,
    captured_at: datetime | None,
) -> tuple[int, int]:
    """Publish every input; returns (published, refused). Refusals are reported, not fatal."""
    from streams.kafka.producer import OddsProducer

    published = refused = 0
    async with OddsProducer.from_settings(settings, source=source) as producer:
        with Progress(transient=True, console=None) as progress:
            task = progress.add_task("publishing", total=None)
            pending: list[asyncio.Task[object]] = []
            for origin, doc in iter_inputs(paths):
                try:
                    if envelope:
                        env = decode_raw(doc, settings.kafka.max_message_bytes)
                        item = (
                            settings.topics.raw(env.bookmaker),
                            raw_key(env.bookmaker, env.bookmaker_event_id),
                            doc.strip(),
                        )
                    else:
                        assert bookmaker is not None
                        item = producer.envelope(bookmaker, doc.strip(), captured_at=captured_at)
                except DataError as exc:
                    refused += 1
                    click.echo(f"refused {origin}: {exc}", err=True)
                    continue
                pending.append(asyncio.ensure_future(producer.send_raw(*item)))
                if len(pending) >= 256:
                    await asyncio.gather(*pending)
                    progress.advance(task, len(pending))
                    published += len(pending)
                    pending.clear()
            await asyncio.gather(*pending)
            published += len(pending)
            progress.advance(task, len(pending))
    return published, refused


@click.command("produce")
@click.argument("paths", nargs=-1)
@click.option(
    "--bookmaker",
    "-b",
    help="Bookmaker of the payloads (betpawa, sportybet, bet9ja, betika, betway, msport, sportpesa;"
    " Betway and SportPesa payloads are split-event envelopes, docs/WIRE.md).",
)
@click.option(
    "--source", default="oddsflow-produce", show_default=True, help="Scraper/source id in the envelope."
)
@click.option(
    "--envelope", is_flag=True, help="Inputs are odds.raw.v1 envelopes; republish them as they are."
)
@click.option("--captured-at", type=click.DateTime(), default=None, help="Capture time (default: now, UTC).")
@click.option("--bootstrap-servers", default=None, help="Env: ODDS_KAFKA__BOOTSTRAP_SERVERS")
def produce_command(
    paths: tuple[str, ...],
    bookmaker: str | None,
    source: str,
    envelope: bool,
    captured_at: datetime | None,
    bootstrap_servers: str | None,
) -> None:
    """Publish raw payloads from files, directories, NDJSON or stdin."""
    from datetime import UTC

    from streams.cli.root import settings_with

    if not envelope and not bookmaker:
        raise click.UsageError("--bookmaker is required unless --envelope is given")
    if captured_at is not None and captured_at.tzinfo is None:
        captured_at = captured_at.replace(tzinfo=UTC)
    settings = settings_with(kafka__bootstrap_servers=bootstrap_servers)
    published, refused = asyncio.run(
        produce(
            settings, paths, bookmaker=bookmaker, source=source, envelope=envelope, captured_at=captured_at
        )
    )
    click.echo(f"published {published}, refused {refused}")
    if refused:
        sys.exit(1)
