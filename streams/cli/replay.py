"""``oddsflow replay``: move a consumer group's offsets (Kafka group or the Postgres sink).

    oddsflow replay --target group --group oddsflow --shift-by -100 --topic odds.raw.betpawa:0,1
    oddsflow replay --target sink --to-datetime 2026-11-21T18:00 --execute

Exactly one of ``--to-earliest``, ``--to-latest``, ``--to-offset N``, ``--shift-by ±N``,
``--to-datetime ISO`` (no zone = UTC) or ``--by-duration PT6H``. Without ``--topic`` every
topic the group has offsets for is moved. A dry run by default (prints the table);
``--execute`` stores the offsets shown. ``--group`` defaults to the target's configured group:
``ODDS_STREAMS__APP_ID`` for ``group``, ``ODDS_SINK__GROUP_ID`` for ``sink``. The other flags
describe one operation and have no environment twin.

Exit codes: 0 done (or dry run shown), 1 refused or failed (one line on stderr saying why),
2 usage or settings error.
"""

from __future__ import annotations

import asyncio

import click
from rich.console import Console

from streams.replay.plan import (
    ByDuration,
    ReplayError,
    ShiftBy,
    Spec,
    ToDatetime,
    ToEarliest,
    ToLatest,
    ToOffset,
    parse_datetime,
    parse_duration,
    parse_scope,
)
from streams.replay.replayer import Replayer, render
from streams.replay.target import load_target
from streams.settings import Settings


def spec_from_flags(
    to_earliest: bool,
    to_latest: bool,
    to_offset: int | None,
    shift_by: int | None,
    to_datetime: str | None,
    by_duration: str | None,
) -> Spec:
    """The one spec the flags ask for; refuses none or several."""
    given: list[Spec] = []
    if to_earliest:
        given.append(ToEarliest())
    if to_latest:
        given.append(ToLatest())
    if to_offset is not None:
        if to_offset < 0:
            raise ReplayError("--to-offset must be >= 0")
        given.append(ToOffset(to_offset))
    if shift_by is not None:
        given.append(ShiftBy(shift_by))
    if to_datetime is not None:
        given.append(ToDatetime(parse_datetime(to_datetime)))
    if by_duration is not None:
        given.append(ByDuration(parse_duration(by_duration)))
    if len(given) != 1:
        raise ReplayError(
            "give exactly one of --to-earliest, --to-latest, --to-offset, --shift-by, "
            "--to-datetime, --by-duration"
        )
    return given[0]


async def run_replay(
    settings: Settings,
    kind: str,
    group: str | None,
    scope: dict[str, frozenset[int] | None],
    spec: Spec,
    execute: bool,
    console: Console,
    *,
    missing_to_latest: bool = False,
) -> int:
    """Plan (and with ``execute`` apply) one replay, printing the table; returns partitions changed."""
    target = load_target(kind, settings, group)
    async with Replayer(settings, target) as replayer:
        planned = await replayer.prepare(scope, spec, missing_to_latest=missing_to_latest)
        if execute:
            await replayer.execute(planned)
        console.print(render(planned, execute=execute))
    if execute:
        console.print(f"applied: {planned.changed} of {len(planned.moves)} partitions moved")
    else:
        console.print("dry run: nothing changed; run again with --execute to apply")
    return planned.changed


@click.command("replay")
@click.option(
    "--target",
    "kind",
    default="group",
    show_default=True,
    help="group: a Kafka consumer group; sink: the Postgres sink (offsets in sink_offsets).",
)
@click.option("--group", default=None, help="Group id. Env: ODDS_STREAMS__APP_ID / ODDS_SINK__GROUP_ID")
@click.option("--topic", "topics", multiple=True, metavar="T[:P,P]", help="Scope (repeatable).")
@click.option("--to-earliest", is_flag=True)
@click.option("--to-latest", is_flag=True)
@click.option("--to-offset", type=int, default=None, metavar="N")
@click.option("--shift-by", type=int, default=None, metavar="±N")
@click.option("--to-datetime", default=None, metavar="ISO", help="e.g. 2026-11-21T18:00 (no zone: UTC)")
@click.option("--by-duration", default=None, metavar="ISO8601", help="now minus this, e.g. PT6H, P1D")
@click.option(
    "--missing-to-latest",
    is_flag=True,
    help="Time specs: partitions whose records are all older go to their end (default: refuse).",
)
@click.option("--execute", is_flag=True, help="Apply (default: dry run).")
def replay_command(
    kind: str,
    group: str | None,
    topics: tuple[str, ...],
    to_earliest: bool,
    to_latest: bool,
    to_offset: int | None,
    shift_by: int | None,
    to_datetime: str | None,
    by_duration: str | None,
    missing_to_latest: bool,
    execute: bool,
) -> None:
    """Move a group's offsets like kafka-consumer-groups --reset-offsets (dry run by default)."""
    from streams.cli.root import settings_with

    settings = settings_with()
    try:
        spec = spec_from_flags(to_earliest, to_latest, to_offset, shift_by, to_datetime, by_duration)
        scope = parse_scope(topics)
        console = Console(width=160)
        run = run_replay(
            settings, kind, group, scope, spec, execute, console, missing_to_latest=missing_to_latest
        )
        asyncio.run(run)
    except ReplayError as exc:
        raise click.ClickException(str(exc)) from None
