"""What ``oddsflow demo`` prints from Postgres: the schema with its partitions, row counts,
the best prices of one matched event by market and outcome name, the home bookmaker's
largest deviations from consensus and the arbitrage windows found. Read-only."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from rich.console import Console
from rich.table import Table

from sinks.signals.tables import SIGNAL_TABLES
from streams.settings import Settings

console = Console()


async def show_schema(settings: Settings) -> None:
    from sinks.partitions import open_backend
    from sinks.store.db import connect

    conn = await connect(settings.postgres)
    try:
        backend = await open_backend(conn, settings.partitions)
        report = await backend.run(conn, datetime.now(UTC).date())
        rows = await conn.fetch(
            """SELECT c.relname, c.relkind = 'p' AS partitioned,
                      (SELECT count(*) FROM pg_inherits i WHERE i.inhparent = c.oid) AS children
                 FROM pg_class c
                WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p')
                  AND NOT c.relispartition AND c.relname <> 'alembic_version'
                ORDER BY 1"""
        )
        table = Table(title=f"schema in Postgres (partition back end: {report.backend})")
        for col in ("table", "partitioned by day", "child partitions"):
            table.add_column(col, overflow="fold")
        for row in rows:
            table.add_row(row["relname"], "yes" if row["partitioned"] else "", str(row["children"] or ""))
        console.print(table)
    finally:
        await conn.close()


SHOWN_MARKETS = (1, 18, 29)  # match result, total goals, both teams to score
#: the line the demo shows of a market with several (else its first line)
SHOWN_LINES = {18: "total=2.5"}


async def showcase_event(conn: Any) -> Any:
    """The matched event the demo shows: most bookmakers, with a current price in one of
    :data:`SHOWN_MARKETS` (a live event suspended whole, or a basketball or tennis match,
    would show an empty table); lowest id first. ``None`` if there is none."""
    return await conn.fetchrow(
        f"""SELECT e.id, e.home, e.away, e.sportradar_id, count(DISTINCT eb.bookmaker_id) AS books
              FROM events e JOIN event_bookmakers eb ON eb.event_id = e.id
             WHERE e.sportradar_id IS NOT NULL
               AND EXISTS (SELECT 1 FROM current_odds c CROSS JOIN LATERAL jsonb_each(c.outcomes) o(k, v)
                            WHERE c.event_id = e.id AND c.market_id IN {SHOWN_MARKETS}
                              AND jsonb_typeof(o.v) = 'number')
             GROUP BY e.id ORDER BY books DESC, e.id LIMIT 1"""
    )


async def best_prices(conn: Any, event_id: int) -> list[Any]:
    """The rows of the demo's price table: one line of each of :data:`SHOWN_MARKETS` (the
    :data:`SHOWN_LINES` one when quoted), every outcome with its best price, named."""
    rows = await conn.fetch(
        f"""SELECT market_id, line, market_name, outcome_name, price, bookmaker FROM best_current_odds
             WHERE event_id = $1 AND market_id IN {SHOWN_MARKETS}
             ORDER BY market_id, line, outcome""",
        event_id,
    )
    lines: dict[int, str] = {}
    for r in rows:
        lines.setdefault(r["market_id"], r["line"])
        if r["line"] == SHOWN_LINES.get(r["market_id"]):
            lines[r["market_id"]] = r["line"]
    return [r for r in rows if lines[r["market_id"]] == r["line"]]


async def summary(settings: Settings) -> None:
    """What reached Postgres: row counts and the best prices of one matched event."""
    from sinks.store.db import connect

    conn = await connect(settings.postgres)
    try:
        counts = Table(title="rows in Postgres")
        counts.add_column("table")
        counts.add_column("rows", justify="right")
        tables = ("events", "event_bookmakers", "snapshots", "odds_history", "current_odds", *SIGNAL_TABLES)
        for table in tables:
            counts.add_row(table, str(await conn.fetchval(f"SELECT count(*) FROM {table}")))
        console.print(counts)
        event = await showcase_event(conn)
        if event is None:
            return
        best = Table(
            title=f"best prices: {event['home']} v {event['away']} (sr:match:{event['sportradar_id']}, "
            f"{event['books']} bookmakers)"
        )
        for col in ("market", "outcome", "best price", "bookmaker"):
            best.add_column(col, justify="right" if col == "best price" else "left", overflow="fold")
        for r in await best_prices(conn, event["id"]):
            best.add_row(r["market_name"], r["outcome_name"], f"{r['price']:.2f}", r["bookmaker"])
        console.print(best)
    finally:
        await conn.close()


async def show_signals(settings: Settings) -> None:
    """The home bookmaker's largest deviations now and the arbitrage windows found."""
    from sinks.signals.reading import ARB_WINDOWS, legs, query, render
    from sinks.store.db import connect

    conn = await connect(settings.postgres)
    try:
        doc = await query(conn, settings.signals.home_bookmaker, limit=10)
        console.print(render(doc).renderables[0])
        arbs = Table(title="arbitrage windows found (newest first)")
        for col in ("event", "market", "open", "profit", "legs (best price per outcome)"):
            arbs.add_column(col)
        for a in await conn.fetch(ARB_WINDOWS, 10):
            text = "\n".join(f"{g['outcome_name']} @{g['price']:.2f} {g['bookmaker']}" for g in legs(a))
            closed = "now" if a["ended_at"] is None else a["ended_at"].strftime("%H:%M:%S")
            span = f"{a['captured_at'].strftime('%H:%M:%S')}–{closed}"
            profit = f"{100 * a['profit']:.2f}%" + ("\nsuspect" if a["suspect"] else "")
            event = f"{a['home']} v {a['away']}"
            arbs.add_row(event, a["market_name"], span, profit, text)
        console.print(arbs if arbs.row_count else "[yellow]no arbitrage window found[/]")
    finally:
        await conn.close()
