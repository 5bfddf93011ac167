"""``oddsflow reprocess``: re-run the stream stage over retained raw history and replace its rows.

    oddsflow reprocess --from 2026-11-21T00:00 --bookmaker betpawa          # dry run
    oddsflow reprocess --from 2026-11-21T00:00 --bookmaker betpawa --execute

The dry run prints the raw range and the names the run would use. ``--execute``:

1. refuses while a sink of ``ODDS_SINK__GROUP_ID`` runs (its advisory lock is held);
2. runs the stream stage over the range with fresh state (:mod:`sinks.reprocess.stream`);
3. replaces the range's rows in one transaction (:mod:`sinks.reprocess.swap`);
4. prints what changed and the topics/group the run leaves behind (delete them when done).

Run it with the fixed build; stop the sinks first, the live workers may keep running.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import click
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from sinks.reprocess.plan import (
    Names,
    RawRange,
    describe,
    new_run_id,
    raw_range,
    raw_topics_in_scope,
    run_names,
)
from sinks.reprocess.stream import run_stream_stage
from sinks.reprocess.swap import SwapResult, swap
from sinks.store.db import connect
from sinks.write import lease
from streams.replay.log_offsets import LogOffsets
from streams.replay.plan import TP, ReplayError, ToDatetime, parse_datetime, parse_duration, target_time
from streams.settings import Settings


async def plan_range(
    settings: Settings, since: datetime | None, bookmakers: tuple[str, ...]
) -> tuple[RawRange, dict[TP, int]]:
    """The range in scope, and the end offsets of the raw partitions outside it."""
    async with LogOffsets(settings.kafka) as log:
        available = await log.topics()
        topics = raw_topics_in_scope(available, settings, bookmakers)
        tps = [TP(t, p) for t in topics for p in available[t]]
        rng = await raw_range(log, tps, since)
        others = [TP(t, p) for t in available if t.startswith(settings.topics.raw_prefix) and t not in topics
                  for p in available[t]]  # fmt: skip
        _, ends = await log.bounds(others)
    return rng, ends


def range_table(rng: RawRange, names: Names, title: str) -> Table:
    table = Table(title=escape(title))
    for col in ("raw topic", "partition", "from offset", "to offset", "records"):
        table.add_column(col, justify="left" if col == "raw topic" else "right")
    for tp, (start, end) in sorted(rng.items()):
        table.add_row(escape(tp.topic), str(tp.partition), str(start), str(end), str(end - start))
    return table


async def _sink_running(settings: Settings) -> list[str]:
    conn = await connect(settings.postgres)
    try:
        return [h.describe() for h in await lease.holders(conn, settings.sink.group_id) if h.granted]
    finally:
        await conn.close()


async def run_reprocess(
    settings: Settings,
    since: datetime | None,
    bookmakers: tuple[str, ...],
    execute: bool,
    console: Console,
    *,
    run_id: str | None = None,
    workdir: Path = Path("."),
    timeout_s: float = 3600.0,
) -> SwapResult | None:
    """Dry run, or the whole procedure of the module docstring; returns the swap's counts."""
    names = run_names(settings, run_id or new_run_id())
    rng, others = await plan_range(settings, since, bookmakers)
    records = sum(end - start for start, end in rng.values())
    console.print(range_table(rng, names, f"reprocess {describe(since)}: {records} raw record(s)"))
    console.print(f"fresh stream state: app id {names.app_id}, topics {names.canonical}, {names.snapshots}")
    if not execute:
        console.print("dry run: nothing changed; run again with --execute")
        return None
    running = await _sink_running(settings)
    if running:
        raise ReplayError(
            f"a sink of group {settings.sink.group_id!r} is running ({'; '.join(running)}): stop it"
        )
    console.print(f"running the stream stage (log {workdir / f'reprocess-{names.run_id}.log'}) …")
    await run_stream_stage(settings, names, rng, others, workdir, timeout_s)
    console.print("replacing the range's rows in Postgres (one transaction) …")
    result = await swap(settings, names, rng)
    table = Table(title="reprocess applied")
    table.add_column("what")
    table.add_column("rows", justify="right")
    for label, value in (
        ("snapshots deleted", result.deleted_snapshots),
        ("odds_history deleted", result.deleted_history),
        ("current_odds deleted (rebuilt below)", result.deleted_current),
        ("snapshots written", result.captures),
        ("odds_history written", result.history_rows),
        ("captures already stored (skipped)", result.duplicates),
        ("dead letters", result.dead_letters),
        ("snapshots past the range end (ignored)", result.outside_range),
    ):
        table.add_row(label, str(value))
    console.print(table)
    console.print(
        f"left behind (delete when done): consumer group {names.app_id}, topics {names.canonical}, "
        f"{names.snapshots}, {names.app_id}-*-changelog"
    )
    return result


@click.command("reprocess")
@click.option(
    "--from", "since_text", default=None, metavar="ISO", help="Raw records from this time (UTC if no zone)."
)
@click.option("--by-duration", default=None, metavar="ISO8601", help="From now minus this, e.g. P1D.")
@click.option("--from-earliest", is_flag=True, help="Every retained raw record.")
@click.option(
    "--bookmaker", "bookmakers", multiple=True, help="Only these bookmakers' raw topics (repeatable)."
)
@click.option("--run-id", default=None, help="Names the run's app id and topics (default: UTC time).")
@click.option("--workdir", type=click.Path(path_type=Path), default=Path("."), show_default=True)
@click.option("--timeout", "timeout_s", type=float, default=3600.0, show_default=True)
@click.option("--execute", is_flag=True, help="Run it (default: dry run).")
def reprocess_command(
    since_text: str | None,
    by_duration: str | None,
    from_earliest: bool,
    bookmakers: tuple[str, ...],
    run_id: str | None,
    workdir: Path,
    timeout_s: float,
    execute: bool,
) -> None:
    """Re-run the stream stage over raw history with fresh state and replace that range's rows."""
    from streams.cli.root import settings_with

    settings = settings_with()
    try:
        if [since_text is not None, by_duration is not None, from_earliest].count(True) != 1:
            raise ReplayError("give exactly one of --from, --by-duration, --from-earliest")
        now = datetime.now(UTC)
        since: datetime | None = None
        if since_text is not None:
            since = target_time(ToDatetime(parse_datetime(since_text)), now)
        elif by_duration is not None:
            since = now - parse_duration(by_duration)
        console = Console(width=160)
        run = run_reprocess(
            settings, since, bookmakers, execute, console, run_id=run_id, workdir=workdir, timeout_s=timeout_s
        )
        asyncio.run(run)
    except ReplayError as exc:
        raise click.ClickException(str(exc)) from None
