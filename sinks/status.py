"""``oddsflow status``: is odds flowing, how far behind is each stage, what is rejected.

One :func:`collect` builds a :class:`Status` from the outside (no cooperation needed from
the running processes): committed offsets (the workers' Kafka group via ``committed()``;
the sink's from ``sink_offsets`` in Postgres) against fetch high watermarks
(:mod:`streams.kafka.lag`), captures per bookmaker from Postgres, and the dead-letter topic
read from the beginning and counted by stage and kind. The unmapped share per bookmaker
comes from ``snapshots.unmapped_lines`` and ``mapped_lines`` (see :func:`bookmaker_view`).
Open events come from Postgres too (:func:`open_events`), not from the workers' metric:
status needs no worker's ``/metrics`` port, and counts the events a user can query.
``--json`` prints it once for scripts; the default is a live rich view refreshed every
``--interval`` seconds.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import click
import orjson
from aiokafka import AIOKafkaConsumer, TopicPartition
from rich.console import Group
from rich.live import Live
from rich.table import Table

from streams.cli.root import settings_with
from streams.deadletters.contract import dlq_headers
from streams.kafka import lag
from streams.settings import Settings


@dataclass
class Status:
    """A point-in-time view of the pipeline."""

    at: datetime
    stages: list[dict[str, Any]] = field(default_factory=list)
    bookmakers: list[dict[str, Any]] = field(default_factory=list)
    dlq: dict[str, int] = field(default_factory=dict)
    unmatched_events: int = 0
    #: event listings (event × bookmaker) by how they were matched: ``by_id``, ``by_name``
    #: (listings of the id-less feeds, :data:`streams.adapters.FEEDS`, on a Sportradar event),
    #: ``unmatched``, and ``review`` (pending rows of ``match_reviews``); see :func:`matching_view`
    matching: dict[str, int] = field(default_factory=dict)
    open_events: int | None = None  # see open_events(); None: nothing stored yet
    open_window_h: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "at": self.at.isoformat(),
            "stages": self.stages,
            "bookmakers": self.bookmakers,
            "dlq": self.dlq,
            "unmatched_events": self.unmatched_events,
            "matching": self.matching,
            "open_events": self.open_events,
            "open_window_h": self.open_window_h,
        }


async def _raw_topics(settings: Settings) -> list[str]:
    consumer = AIOKafkaConsumer(**settings.kafka.client_kwargs(), enable_auto_commit=False)
    await consumer.start()
    try:
        topics = await consumer.topics()
    finally:
        await consumer.stop()
    return sorted(t for t in topics if t.startswith(settings.topics.raw_prefix))


async def _sink_offsets(settings: Settings, conn: Any) -> dict[TopicPartition, int | None]:
    rows = await conn.fetch(
        "SELECT topic, partition, next_offset FROM sink_offsets WHERE consumer_group = $1",
        settings.sink.group_id,
    )
    stored = {TopicPartition(r["topic"], r["partition"]): int(r["next_offset"]) for r in rows}
    tps = await lag.partitions_of(settings.kafka.client_kwargs(), [settings.topics.snapshots])
    return {tp: stored.get(tp) for tp in tps}


async def _dlq_counts(settings: Settings, timeout_s: float = 2.0) -> dict[str, int]:
    kwargs = settings.kafka.client_kwargs()
    tps = await lag.partitions_of(kwargs, [settings.topics.dlq])
    consumer = AIOKafkaConsumer(**kwargs, enable_auto_commit=False, fetch_max_wait_ms=100)
    await consumer.start()
    counts: Counter[str] = Counter()
    try:
        consumer.assign(tps)
        await consumer.seek_to_beginning(*tps)
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            batch = await consumer.getmany(timeout_ms=200, max_records=5000)
            for records in batch.values():
                for rec in records:
                    h = dlq_headers(rec.headers)
                    counts[f"{h.get('stage', '?')}/{h.get('error.kind', '?')}"] += 1
            positions = {tp: await consumer.position(tp) for tp in tps}
            highs = {tp: consumer.highwater(tp) for tp in tps}
            if all(h is not None and positions[tp] >= h for tp, h in highs.items()):
                break
    finally:
        await consumer.stop()
    return dict(sorted(counts.items()))


def with_rates(now: Status, before: Status | None) -> Status:
    """Add ``in_per_s`` (high-watermark growth) and ``out_per_s`` (committed growth) per partition."""
    if before is None:
        return now
    dt = max((now.at - before.at).total_seconds(), 1e-6)
    prev = {(s["group"], s["topic"], s["partition"]): s for s in before.stages}
    for s in now.stages:
        p = prev.get((s["group"], s["topic"], s["partition"]))
        if p is not None:
            s["in_per_s"] = round((s["highwater"] - p["highwater"]) / dt, 2)
            s["out_per_s"] = round(((s["committed"] or 0) - (p["committed"] or 0)) / dt, 2)
    return now


async def sampled(settings: Settings, interval_s: float) -> Status:
    """Two samples ``interval_s`` apart, so that rates are known."""
    first = await collect(settings)
    await asyncio.sleep(interval_s)
    return with_rates(await collect(settings), first)


async def collect(settings: Settings) -> Status:
    """Gather one :class:`Status` (see module docstring)."""
    from sinks.store.db import connect

    kwargs = settings.kafka.client_kwargs()
    status = Status(at=datetime.now(UTC))
    conn = await connect(settings.postgres)
    try:
        worker_tps = await lag.partitions_of(kwargs, await _raw_topics(settings))
        worker_committed = await lag.committed_offsets(kwargs, settings.streams.app_id, worker_tps)
        stages = await lag.probe(kwargs, settings.streams.app_id, worker_committed)
        stages += await lag.probe(kwargs, settings.sink.group_id, await _sink_offsets(settings, conn))
        status.stages = [s.as_dict() for s in stages]
        status.bookmakers = await bookmaker_view(conn, status.at)
        status.unmatched_events = int(
            await conn.fetchval("SELECT count(*) FROM events WHERE sportradar_id IS NULL")
        )
        status.matching = await matching_view(conn)
        lc = settings.streams
        status.open_window_h = lc.event_idle_hours + lc.event_grace_hours
        if status.bookmakers:
            newest = max(datetime.fromisoformat(b["last_capture"]) for b in status.bookmakers)
            status.open_events = await open_events(conn, newest - timedelta(hours=status.open_window_h))
    finally:
        await conn.close()
    status.dlq = await _dlq_counts(settings)
    return status


async def matching_view(conn: Any) -> dict[str, int]:
    """Listings matched by id, by name (id-less feeds), unmatched; reviews pending (0 before 0010)."""
    from streams.adapters import FEEDS

    feeds = [f"{feed}.%" for feed in FEEDS]
    row = await conn.fetchrow(
        """SELECT count(*) FILTER (WHERE e.sportradar_id IS NOT NULL AND NOT b.key LIKE ANY($1)) AS by_id,
                  count(*) FILTER (WHERE e.sportradar_id IS NOT NULL AND b.key LIKE ANY($1)) AS by_name,
                  count(*) FILTER (WHERE e.sportradar_id IS NULL) AS unmatched
             FROM event_bookmakers eb JOIN events e ON e.id = eb.event_id
             JOIN bookmakers b ON b.id = eb.bookmaker_id""",
        feeds,
    )
    review = 0
    if await conn.fetchval("SELECT to_regclass('match_reviews') IS NOT NULL"):
        review = int(await conn.fetchval("SELECT count(*) FROM match_reviews WHERE status = 'pending'"))
    return {
        "by_id": int(row["by_id"]),
        "by_name": int(row["by_name"]),
        "unmatched": int(row["unmatched"]),
        "review": review,
    }


async def open_events(conn: Any, since: datetime) -> int:
    """Events not closed (``closed_at IS NULL``) with a capture stored at or after ``since``.

    :func:`collect` passes the newest capture stored (stream time, as the match stage sees
    it, so a replay of old captures counts too) minus idle + grace hours: an event without
    a capture for that long is closed by the match stage; the window leaves out events that
    will never be closed in Postgres (stored before the lifecycle existed). One index probe
    (``snapshots (event_id, captured_at)``) per event not closed.
    """
    return int(
        await conn.fetchval(
            """SELECT count(*) FROM events e
                WHERE e.closed_at IS NULL
                  AND EXISTS (SELECT 1 FROM snapshots s WHERE s.event_id = e.id AND s.captured_at >= $1)""",
            since,
        )
    )


#: the unmapped share is taken over each bookmaker's captures of this long before its last one
UNMAPPED_WINDOW = timedelta(minutes=15)


async def bookmaker_view(
    conn: Any, at: datetime, window: timedelta = UNMAPPED_WINDOW
) -> list[dict[str, Any]]:
    """Per bookmaker: last capture stored, freshness at ``at``, captures stored, unmapped share.

    ``unmapped_share`` = unmapped lines / all lines the bookmaker sent, summed over its
    captures in ``window`` before its last one: ``snapshots.unmapped_lines / (unmapped_lines
    + mapped_lines)``, one unit for every bookmaker (a native market with its line value).
    Rows written before ``mapped_lines`` existed count their canonical ``lines_total``
    instead. ``None`` when those captures carry no line at all.
    """
    rows = await conn.fetch(
        """WITH last AS (
               SELECT bookmaker_id, max(captured_at) AS at, count(*) AS captures
                 FROM snapshots GROUP BY bookmaker_id)
           SELECT b.key, l.at, l.captures,
                  sum(s.unmapped_lines) AS unmapped,
                  sum(coalesce(s.mapped_lines, s.lines_total)) AS mapped
             FROM last l
             JOIN bookmakers b ON b.id = l.bookmaker_id
             JOIN snapshots s ON s.bookmaker_id = l.bookmaker_id AND s.captured_at > l.at - $1::interval
            GROUP BY b.key, l.at, l.captures
            ORDER BY b.key""",
        window,
    )
    out = []
    for r in rows:
        lines = int(r["unmapped"]) + int(r["mapped"])
        out.append(
            {
                "bookmaker": r["key"],
                "last_capture": r["at"].isoformat(),
                "freshness_s": round((at - r["at"]).total_seconds(), 3),
                "captures": int(r["captures"]),
                "unmapped_lines": int(r["unmapped"]),
                "unmapped_share": round(int(r["unmapped"]) / lines, 4) if lines else None,
            }
        )
    return out


def short_topic(topic: str) -> str:
    """``odds.raw.betpawa`` → ``raw.betpawa``: the shared ``odds.`` prefix says nothing."""
    return topic.removeprefix("odds.")


def render(status: Status, width: int = 80) -> Group:
    """Rich renderables of a :class:`Status` that fit ``width`` columns: below 100 columns
    the committed offset and high watermark are left out (lag says the same); a name that
    does not fit wraps, it is never cut."""
    wide = width >= 100
    stages = Table(title=f"stages at {status.at:%H:%M:%S}Z", expand=False)
    stages.add_column("group", overflow="fold")
    stages.add_column("topic", overflow="fold")
    for col in ("p", *(("committed", "high wm") if wide else ()), "lag", "lag s", "in/s", "out/s"):
        stages.add_column(col, justify="right", no_wrap=True)
    for s in status.stages:
        offsets = (
            ("-" if s["committed"] is None else str(s["committed"]), str(s["highwater"])) if wide else ()
        )
        stages.add_row(
            s["group"], short_topic(s["topic"]), str(s["partition"]), *offsets,
            str(s["lag"]), f"{s['lag_seconds']:.1f}",
            str(s.get("in_per_s", "-")), str(s.get("out_per_s", "-")),
        )  # fmt: skip
    caption = None
    if status.open_events is not None:
        caption = f"open events: {status.open_events} (captured in the last {status.open_window_h:g} h)"
    books = Table(title="bookmakers", caption=caption)
    books.add_column("bookmaker", overflow="fold")
    for col in ("last capture", "fresh s", "captures", "unmapped %"):
        books.add_column(col, justify="right", no_wrap=True)
    for b in status.bookmakers:
        share = b["unmapped_share"]
        last = datetime.fromisoformat(b["last_capture"])
        books.add_row(
            b["bookmaker"], f"{last:%H:%M:%S}Z", f"{b['freshness_s']:.1f}", str(b["captures"]),
            "-" if share is None else f"{100 * share:.1f}",
        )  # fmt: skip
    m = status.matching
    caption = f"unmatched events: {status.unmatched_events}"
    if m:
        caption += (
            f"; listings matched by id {m['by_id']}, by name {m['by_name']},"
            f" unmatched {m['unmatched']}; waiting for review {m['review']}"
        )
    dlq = Table(title="dead letters", caption=caption)
    dlq.add_column("stage/kind", overflow="fold")
    dlq.add_column("records", justify="right", no_wrap=True)
    for reason, n in status.dlq.items():
        dlq.add_row(reason, str(n))
    return Group(stages, books, dlq)


@click.command("status")
@click.option("--once", is_flag=True, help="Print one view and exit.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document and exit.")
@click.option("--interval", type=float, default=3.0, show_default=True, help="Seconds between refreshes.")
def status_command(once: bool, as_json: bool, interval: float) -> None:
    """Live view of lag per stage and partition, freshness per bookmaker, dead letters."""
    settings = settings_with()
    if as_json:
        status = asyncio.run(sampled(settings, min(interval, 1.0)))
        click.echo(orjson.dumps(status.as_dict(), option=orjson.OPT_INDENT_2))
        return
    if once:
        from rich.console import Console

        console = Console()
        console.print(render(asyncio.run(sampled(settings, min(interval, 1.0))), console.width))
        return

    async def loop() -> None:
        last = await collect(settings)
        with Live(render(last), refresh_per_second=1) as live:
            while True:
                await asyncio.sleep(interval)
                last = with_rates(await collect(settings), last)
                live.update(render(last, live.console.width))

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(loop())
