"""The control run: the campaign's raw topics through a fresh pipeline that nothing crashes.

:func:`control_pipeline` builds a :class:`~tests.integration.replay.pipeline.Pipeline` with
its own app id, canonical/snapshots/DLQ topics (created up front), sink group and database,
reading the campaign's raw topics from the start. :func:`natural_rows` reads a database's rows with
every surrogate id replaced by what identifies it (an event by its Sportradar id and its
bookmakers' own ids, a bookmaker by its key), so two databases filled by different runs
compare row for row.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from pathlib import Path
from typing import Any

from sinks.store import migrate
from streams.embedded.postgres import EmbeddedPostgres
from tests.conftest import create_database
from tests.integration.replay.pipeline import Pipeline
from tests.integration.streams.harness import Harness

_JOIN = "JOIN ({events}) ev ON ev.id = x.event_id JOIN bookmakers b ON b.id = x.bookmaker_id"
_EVENTS = """
    SELECT e.id, e.sportradar_id,
           string_agg(b.key || ':' || eb.bookmaker_event_id, ',' ORDER BY b.key, eb.bookmaker_event_id) AS ids
      FROM events e JOIN event_bookmakers eb ON eb.event_id = e.id JOIN bookmakers b ON b.id = eb.bookmaker_id
     GROUP BY e.id
"""
QUERIES = {
    "events": f"""
        SELECT ev.sportradar_id, ev.ids, s.key, e.home, e.away, e.kickoff, t.category, t.name
          FROM events e JOIN ({_EVENTS}) ev ON ev.id = e.id JOIN sports s ON s.id = e.sport_id
          LEFT JOIN tournaments t ON t.id = e.tournament_id""",
    "snapshots": f"""
        SELECT ev.sportradar_id, ev.ids, b.key, x.captured_at, x.live, x.keyframe, x.lines_total,
               x.lines_changed, x.lines_removed, x.source_topic, x.source_partition, x.source_offset,
               x.unmapped_lines
          FROM snapshots x {_JOIN.format(events=_EVENTS)}""",
    "odds_history": f"""
        SELECT ev.sportradar_id, ev.ids, b.key, x.captured_at, x.market_id, x.line, x.outcomes::text
          FROM odds_history x {_JOIN.format(events=_EVENTS)}""",
    "current_odds": f"""
        SELECT ev.sportradar_id, ev.ids, b.key, x.market_id, x.line, x.outcomes::text, x.captured_at
          FROM current_odds x {_JOIN.format(events=_EVENTS)}""",
}


async def natural_rows(conn: Any) -> dict[str, Counter[tuple[Any, ...]]]:
    """Every row of the sink's tables keyed by natural identities (a multiset per table)."""
    return {name: Counter(tuple(r) for r in await conn.fetch(sql)) for name, sql in QUERIES.items()}


#: leading columns that identify a row of each table (to show both versions of a row)
KEYS = {"events": 2, "snapshots": 4, "odds_history": 6, "current_odds": 5}


def differences(a: dict[str, Counter[tuple[Any, ...]]], b: dict[str, Counter[tuple[Any, ...]]]) -> list[str]:
    """One line per table whose rows differ: counts, and one row in both versions if any."""
    out = []
    for name in QUERIES:
        only_a, only_b = a[name] - b[name], b[name] - a[name]
        if not (only_a or only_b):
            continue
        n = KEYS[name]
        theirs = {row[:n]: row for row in only_b}
        pair = next(((row, theirs[row[:n]]) for row in only_a if row[:n] in theirs), None)
        example = (
            f"e.g. campaign {pair[0][n:]} vs control {pair[1][n:]} for {pair[0][:n]}"
            if pair
            else f"e.g. {next(iter(only_a or only_b))}"
        )
        out.append(
            f"{name}: {sum(only_a.values())} rows only in the campaign, "
            f"{sum(only_b.values())} only in the control; {example}"
        )
    return out


async def control_pipeline(campaign: Pipeline, postgres: EmbeddedPostgres, workdir: Path) -> Pipeline:
    """A fresh pipeline (topics, groups, database) reading the campaign's raw topics."""
    main = campaign.harness
    await asyncio.to_thread(workdir.mkdir, parents=True, exist_ok=True)
    env = main.extra_env | {"ODDS_TOPICS__RAW_PREFIX": main.settings.topics.raw_prefix}
    harness = Harness(main.bootstrap_servers, workdir, partitions=main.partitions, extra_env=env)
    # created before any process starts, as for the campaign: on Kafka (auto.create.topics.enable)
    # a sink subscribing first would auto-create the snapshots topic with one partition
    await harness.create_topics()
    db_url = await asyncio.to_thread(create_database, postgres.url, "oddsflow_control")
    await asyncio.to_thread(migrate.upgrade, db_url)
    return Pipeline(harness, db_url)
