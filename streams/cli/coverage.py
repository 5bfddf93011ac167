"""``oddsflow coverage``: how much of each bookmaker maps to the taxonomy, and where books disagree.

    oddsflow coverage tests/fixtures/bookmakers/betpawa/ --bookmaker betpawa
    oddsflow coverage captures.ndjson --json
    oddsflow coverage --topic odds.raw.betpawa --topic odds.raw.sportybet --since PT1H

Inputs: files as ``oddsflow produce`` reads them (``odds.raw.v1`` envelopes are recognised;
bare responses need ``--bookmaker`` and are taken as captured at ``--captured-at``, default
now), or a range of raw topics (``--topic T[:P,P]``, repeatable; from the log start,
``--from-offset N`` or ``--since``; to the log end or ``--until``; nothing is committed).

Output per bookmaker × sport: captures, events, lines and market types mapped/unmapped,
the top unmapped market types, and the cross-book disagreements found when the captures
are replayed in capture-time order (:mod:`streams.agreement`). ``--json`` prints the
document of :meth:`streams.coverage.report.Analysis.as_dict` (plus the topic ranges read).

``--window-s``, ``--threshold``, ``--min-diff`` and ``--bootstrap-servers`` have environment
twins (``ODDS_AGREEMENT__…``, ``ODDS_KAFKA__BOOTSTRAP_SERVERS``); the other flags describe
one run. Exit codes: 0 report printed, 1 the topic range could not be read, 2 usage or
settings error.
"""

from __future__ import annotations

from datetime import UTC, datetime
from itertools import chain
from typing import Any

import click
import orjson
from aiokafka.errors import KafkaError
from rich.console import Console, Group
from rich.markup import escape
from rich.table import Table

from streams.agreement import AgreementState
from streams.coverage.report import Analysis, analyse
from streams.kafka.captures import TopicReader, from_files
from streams.replay.plan import TP, ReplayError, parse_datetime, parse_duration, parse_scope

DETAILS = 50  # disagreements listed in the table view (all in --json)


def parse_when(flag: str, text: str, now: datetime) -> datetime:
    """``--since``/``--until``: an ISO date-time (no zone = UTC) or a duration before ``now``."""
    try:
        if text.strip().upper().startswith("P"):
            return now - parse_duration(text)
        return parse_datetime(text)
    except ReplayError:
        raise click.BadParameter(
            f"{text!r}: give an ISO date-time (2026-11-21T18:00, no zone = UTC) or a duration (PT6H)",
            param_hint=flag,
        ) from None


def _pct(share: float | None) -> str:
    return "-" if share is None else f"{100 * share:.1f}"


def render(analysis: Analysis, top: int) -> Group:
    """Rich tables: coverage, top unmapped types, disagreements by market and the first ones."""
    cov = Table(title=f"coverage ({analysis.captures} inputs)")
    for col in ("bookmaker", "sport", "captures", "events", "lines mapped", "unmapped", "mapped %",
                "canonical lines", "types mapped", "unmapped"):  # fmt: skip
        cov.add_column(col, justify="left" if col in ("bookmaker", "sport") else "right")
    unmapped = Table(
        title=f"top {top} unmapped market types per bookmaker × sport (lines on the last boards)"
    )
    for col in ("bookmaker", "sport", "market", "name", "lines"):
        unmapped.add_column(col, justify="right" if col == "lines" else "left")
    for r in analysis.coverage.rows:
        cov.add_row(
            r.bookmaker, r.sport, str(r.captures), str(r.events), str(r.lines_mapped), str(r.lines_unmapped),
            _pct(r.mapped_share), str(r.canonical_lines), str(r.types_mapped), str(r.types_unmapped),
        )  # fmt: skip
        for m in r.top_unmapped[:top]:
            unmapped.add_row(r.bookmaker, r.sport, escape(m.market), escape(m.name), str(m.lines))
    state, rule = analysis.state, analysis.state.rule
    by_market = Table(
        title=f"cross-book disagreements: {len(analysis.disagreements)} in {state.comparisons} line "
        f"comparisons (window {state.window.total_seconds():g} s, > {100 * rule.threshold:g} % "
        f"relative and > {rule.min_diff:g} absolute no-vig gap)"
    )
    for col in ("bookmaker", "sport", "market id", "market", "disagreements"):
        by_market.add_column(col, justify="right" if col in ("market id", "disagreements") else "left")
    for bookmaker, sport, market_id, n in analysis.by_market():
        name = escape(analysis.market_names.get(market_id, "?"))
        by_market.add_row(bookmaker, sport, str(market_id), name, str(n))
    parts: list[Any] = [cov, unmapped if unmapped.row_count else "no unmapped market types"]
    parts.append(by_market if by_market.row_count else by_market.title)
    if analysis.disagreements:
        parts.append(_details(analysis))
    refused = analysis.refused_by_kind()
    if refused:
        table = Table(title="inputs refused (bookmaker/stage/kind)")
        table.add_column("reason")
        table.add_column("inputs", justify="right")
        for reason, n in refused.items():
            table.add_row(escape(reason), str(n))
        parts.append(table)
    return Group(*parts)


def _details(analysis: Analysis) -> Table:
    shown = analysis.disagreements[:DETAILS]
    more = len(analysis.disagreements) - len(shown)
    table = Table(title="disagreements" + (f" (first {DETAILS}; {more} more in --json)" if more else ""))
    for col in ("event", "market", "line", "bookmakers", "outcome", "no-vig", "gap %"):
        table.add_column(col)
    for d in shown:
        table.add_row(
            d.event, escape(analysis.market_names.get(d.market_id, str(d.market_id))), escape(d.line),
            " vs ".join(d.bookmakers), escape(d.outcome_id),
            " vs ".join(f"{p:.3f}" for p in d.probabilities), f"{100 * d.relative_gap:.0f}",
        )  # fmt: skip
    return table


@click.command("coverage")
@click.argument("paths", nargs=-1)
@click.option("--bookmaker", "-b", default=None, help="Bookmaker of bare responses (not envelopes).")
@click.option(
    "--captured-at", type=click.DateTime(), default=None, help="Time of bare responses (default now, UTC)."
)
@click.option(
    "--topic", "topics", multiple=True, metavar="T[:P,P]", help="Raw topic range to read (repeatable)."
)
@click.option(
    "--from-offset", type=click.IntRange(min=0), default=None, metavar="N", help="Topics: start offset."
)
@click.option("--since", default=None, metavar="ISO|PT…", help="Topics: first record at/after this time.")
@click.option(
    "--until",
    default=None,
    metavar="ISO|PT…",
    help="Topics: stop before this time (default: the log end now).",
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document.")
@click.option(
    "--top", type=click.IntRange(min=1), default=10, show_default=True, help="Unmapped types shown per row."
)
@click.option("--window-s", type=float, default=None, help="Agreement window. Env: ODDS_AGREEMENT__WINDOW_S")
@click.option("--threshold", type=float, default=None, help="Relative gap. Env: ODDS_AGREEMENT__THRESHOLD")
@click.option("--min-diff", type=float, default=None, help="Absolute gap. Env: ODDS_AGREEMENT__MIN_DIFF")
@click.option("--bootstrap-servers", default=None, help="Env: ODDS_KAFKA__BOOTSTRAP_SERVERS")
def coverage_command(
    paths: tuple[str, ...],
    bookmaker: str | None,
    captured_at: datetime | None,
    topics: tuple[str, ...],
    from_offset: int | None,
    since: str | None,
    until: str | None,
    as_json: bool,
    top: int,
    window_s: float | None,
    threshold: float | None,
    min_diff: float | None,
    bootstrap_servers: str | None,
) -> None:
    """Mapping coverage per bookmaker and sport, and cross-book disagreements, of captures."""
    from streams.cli.root import settings_with

    settings = settings_with(
        agreement__window_s=window_s, agreement__threshold=threshold, agreement__min_diff=min_diff,
        kafka__bootstrap_servers=bootstrap_servers,
    )  # fmt: skip
    if not topics and (from_offset is not None or since or until):
        raise click.UsageError("--from-offset, --since and --until select a topic range: give --topic")
    if from_offset is not None and since:
        raise click.UsageError("give --from-offset or --since, not both")
    now = datetime.now(UTC)
    at = now if captured_at is None else captured_at.replace(tzinfo=captured_at.tzinfo or UTC)
    start = None if since is None else parse_when("--since", since, now)
    end = None if until is None else parse_when("--until", until, now)
    state = AgreementState.from_settings(settings.agreement)
    # no paths: stdin, as for oddsflow produce, unless a topic range is read
    files = from_files(paths, bookmaker=bookmaker, captured_at=at, max_bytes=settings.kafka.max_message_bytes)
    ranges: dict[TP, tuple[int, int]] = {}
    try:
        scope = parse_scope(topics)
        if not topics:
            analysis = analyse(files, state)
        else:
            with TopicReader(settings) as reader:
                ranges = reader.plan(scope, from_offset=from_offset, since=start, until=end)
                analysis = analyse(chain(files if paths else (), reader.reads(ranges)), state)
    except (ReplayError, KafkaError) as exc:
        raise click.ClickException(f"reading the topic range: {exc}") from None
    if as_json:
        doc = analysis.as_dict(top) | {
            "ranges": [{"topic": tp.topic, "partition": tp.partition, "from": a, "to": b}
                       for tp, (a, b) in sorted(ranges.items())],
        }  # fmt: skip
        click.echo(orjson.dumps(doc, option=orjson.OPT_INDENT_2).decode())
        return
    console = Console(width=160)
    for tp, (a, b) in sorted(ranges.items()):
        console.print(f"read {escape(tp.topic)}:{tp.partition} offsets [{a}, {b}): {b - a} record(s)")
    console.print(render(analysis, top))
