"""Market and outcome names in Postgres: the view renders what the Python renderer renders."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime

import asyncpg
import orjson
import pytest

from sinks.demo_report import best_prices
from sinks.store import markets
from sinks.store.reading import best_current_odds
from streams.taxonomy.names import MarketName, market_name, outcome_name
from streams.taxonomy.templates import market_label, render

pytestmark = pytest.mark.integration

NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
HOME, AWAY = "Brighton & Hove Albion", "Borussia M'gladbach"

#: (market id, line, {outcome: price}) of one stored event: every namespace, signs, ordinals
LINES: list[tuple[int, str, dict[str, float | None]]] = [
    (1, "", {"1": 2.1, "2": 3.3, "3": 3.6}),
    (18, "total=2.5", {"12": 1.9, "13": 1.95}),
    (18, "total=3", {"12": 2.4, "13": None}),
    (16, "hcp=-0.75", {"1714": 1.8, "1715": 2.05}),
    (16, "hcp=0", {"1714": 1.6, "1715": 2.4}),
    (14, "hcp=0:1", {"1711": 4.5, "1712": 3.9, "1713": 1.7}),
    (29, "", {"74": 1.7, "76": 2.1}),
    (62, "goalnr=1", {"6": 2.9, "7": 2.5, "8": 3.1}),
    (68, "total=0.5", {"12": 1.3, "13": 3.4}),
    (236, "quarternr=2|total=38.5", {"12": 1.87, "13": 1.87}),
    (10_060_200, "", {"1": 2.0, "2": 3.4, "3": 3.5}),
    (10_900_069, "minute=15", {"1": 5.5, "2": 1.3, "3": 6.0}),
    (20_000_001, "goals=1-2", {"1": 6.0, "X": 7.5, "2": 9.0}),
    (20_000_030, "", {"Danny Welbeck": 3.2}),
    (40, "type=prematch", {"1716": 11.0, "sr:player:1234": 2.6}),
    (999_999, "total=1.5", {"12": 2.2}),
]


async def _stored_event(conn: asyncpg.Connection) -> int:
    await conn.execute("INSERT INTO sports (id, key) VALUES (1, 'soccer')")
    books = [await conn.fetchval("INSERT INTO bookmakers (key) VALUES ($1) RETURNING id", k) for k in "ab"]
    eid = await conn.fetchval(
        "INSERT INTO events (sportradar_id, sport_id, home, away, kickoff) "
        "VALUES (7, 1, $1, $2, $3) RETURNING id",
        HOME,
        AWAY,
        NOW,
    )
    for book, (market_id, line, outcomes) in itertools.product(books, LINES):
        await conn.execute(
            "INSERT INTO event_bookmakers (event_id, bookmaker_id, bookmaker_event_id) VALUES ($1, $2, $3) "
            "ON CONFLICT DO NOTHING",
            eid,
            book,
            f"7-{book}",
        )
        await conn.execute(
            "INSERT INTO current_odds (event_id, bookmaker_id, market_id, line, outcomes, captured_at) "
            "VALUES ($1, $2, $3, $4, $5::jsonb, $6)",
            eid,
            book,
            market_id,
            line,
            orjson.dumps(outcomes).decode(),
            NOW,
        )
    return int(eid)


async def test_the_view_names_lines_as_the_python_renderer(pg: asyncpg.Connection) -> None:
    eid = await _stored_event(pg)
    got = await best_current_odds(pg, eid)
    priced = {(m, line, o) for m, line, outs in LINES for o, p in outs.items() if p is not None}
    assert {(b.market_id, b.line, b.outcome) for b in got} == priced
    for b in got:
        assert b.market_name == market_name(b.market_id, b.line, HOME, AWAY), b
        assert b.outcome_name == outcome_name(b.market_id, b.outcome, b.line, HOME, AWAY), b
    named = {(b.market_name, b.outcome_name) for b in got}
    assert {
        ("1X2", HOME),
        ("Over/Under 2.5", "Under 2.5"),
        ("Asian Handicap -0.75", f"{AWAY} (+0.75)"),
        ("Handicap 0:1", "Draw (0:1)"),
        ("GG/NG", "Yes"),
        ("1st Half - 1st Goal", "None"),
        ("2nd quarter - Over/Under 38.5", "Over 38.5"),
        ("1X2 - 1UP", AWAY),
        ("1X2 from 1 to 15 minute", "Draw"),
        ("1X2 & total goals in range 1-2", "Draw"),
        ("Anytime goalscorer (player by name)", "Danny Welbeck"),
        ("Anytime Goalscorer", "sr:player:1234"),
        ("uof:999999 total=1.5", "12"),
    } <= named
    shown = await best_prices(pg, eid)  # the demo's table: one line per market, named
    assert [(r["market_name"], r["outcome_name"]) for r in shown] == [
        ("1X2", HOME), ("1X2", "Draw"), ("1X2", AWAY),
        ("Over/Under 2.5", "Over 2.5"), ("Over/Under 2.5", "Under 2.5"),
        ("GG/NG", "Yes"), ("GG/NG", "No"),
    ]  # fmt: skip


TEMPLATES = [
    "{total} {+total} {-total} {!total}",
    "{$competitor1} ({+hcp}) v {$competitor2} ({-hcp}) {hcp}",
    "{!setnr} set, {!quarternr} quarter, {!goalnr} goal",
    "{score} {+score} {goals} {variant} {missing}",
]
LINE_KEYS = [
    "",
    "hcp=-1.5",
    "hcp=0.25|setnr=1",
    "hcp=0|total=0",
    "goalnr=11|quarternr=22|setnr=3",
    "goalnr=112|setnr=007|total=2",
    "score=0:1|variant=sr:exact_goals:6+",
    "goals=1-2|total=157.5",
    "odd|x==y",
]


async def test_render_name_in_sql_mirrors_python(pg: asyncpg.Connection) -> None:
    for template, line in itertools.product(TEMPLATES, LINE_KEYS):
        sql = await pg.fetchval("SELECT render_name($1, $2, $3, $4)", template, line, HOME, "{total}")
        assert sql == render(template, line, HOME, "{total}"), (template, line)
    for market_id, line in itertools.product(
        (-1, 0, 1, 9_999_999, 10_000_000, 20_000_000, 30_000_000), LINE_KEYS
    ):
        assert await pg.fetchval("SELECT market_label($1, $2)", market_id, line) == market_label(
            market_id, line
        )


async def test_reseeding_is_idempotent_and_applies_later_additions(
    pg: asyncpg.Connection, monkeypatch: pytest.MonkeyPatch
) -> None:
    total = await pg.fetchval("SELECT count(*) FROM market_outcomes")
    first = await markets.seed(pg)  # the migration seeded already
    assert (first.markets_written, first.outcomes_written) == (0, 0) and first.outcomes == total
    await pg.execute("UPDATE markets SET name_template = 'stale' WHERE market_id = 18")
    await pg.execute("DELETE FROM market_outcomes WHERE market_id = 1 AND outcome_id = '2'")
    added = MarketName(20_000_099, "soccer", "Test market {total}", {"O": "More than {total}"})
    monkeypatch.setitem(markets.MARKET_NAMES, added.market_id, added)
    again = await markets.seed(pg)
    assert (again.markets_written, again.outcomes_written) == (2, 2)  # 18 restored + new; 1/2 + new
    assert await pg.fetchval("SELECT name_template FROM markets WHERE market_id = 18") == "Over/Under {total}"
    assert (
        await pg.fetchval(
            "SELECT render_name(name_template, 'total=9.5', 'h', 'a') FROM market_outcomes "
            "WHERE market_id = $1",
            added.market_id,
        )
        == "More than 9.5"
    )
    assert (await markets.seed(pg)).markets_written == 0
