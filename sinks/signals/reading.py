"""The reading side of price signals: ``oddsflow signals`` and the queries behind it.

:func:`collect` reads the views of migration 0006 once: the home bookmaker's largest
current deviations (``signal_deviations_current``), open arbitrage windows
(``signal_arbitrage_open``) and margins per bookmaker and market over the last hour
(``signal_margins_by_book``). ``--json`` prints one collection; the default is a live rich
view refreshed every ``--interval`` seconds (``--once``: print one and stop).
"""

from __future__ import annotations

import asyncio
import contextlib
from datetime import UTC, datetime
from typing import Any

import click
import orjson
from rich.console import Group
from rich.live import Live
from rich.table import Table

from sinks.store import db
from streams.settings import Settings

Connection = Any

_DEVIATIONS = """
SELECT sportradar_id, home, away, kickoff, bookmaker, market_id, line, market_name, outcome_name,
       outcome_id, price, fair_price, deviation, books, captured_at
  FROM signal_deviations_current
 WHERE bookmaker = $1
 ORDER BY abs(deviation) DESC, sportradar_id, market_id, line, outcome_id
 LIMIT $2"""
#: the outcome names of an arbitrage row's legs (``a``: the row, with ``market_id``, ``line``,
#: ``legs``, ``home``, ``away``), in leg order; an outcome without a name keeps its id
_LEG_NAMES = """
(SELECT array_agg(coalesce(render_name(o.name_template, a.line, coalesce(a.home, 'Home'),
                                       coalesce(a.away, 'Away')), g.leg->>0) ORDER BY g.n)
   FROM jsonb_array_elements(a.legs) WITH ORDINALITY AS g(leg, n)
   LEFT JOIN market_outcomes o ON o.market_id = a.market_id AND o.outcome_id = g.leg->>0) AS outcome_names"""
_ARBS = f"""
SELECT sportradar_id, home, away, kickoff, market_id, line, market_name, started_at, profit, suspect, legs,
       {_LEG_NAMES}
  FROM signal_arbitrage_open a
 ORDER BY suspect, profit DESC
 LIMIT $1"""
#: the latest arbitrage windows, open or closed, with names (the demo's list)
ARB_WINDOWS = f"""
SELECT a.*, {_LEG_NAMES}
  FROM (SELECT w.sportradar_id, e.home, e.away, w.market_id, w.line,
               coalesce(render_name(m.name_template, w.line, coalesce(e.home, 'Home'),
                                    coalesce(e.away, 'Away')),
                        market_label(w.market_id, w.line)) AS market_name,
               w.captured_at, w.ended_at, w.profit, w.suspect, w.legs
          FROM signal_arbitrage w
          LEFT JOIN events e ON e.sportradar_id = w.sportradar_id
          LEFT JOIN markets m ON m.market_id = w.market_id
         ORDER BY w.captured_at DESC
         LIMIT $1) a
 ORDER BY a.captured_at DESC"""
_MARGINS = """
SELECT bookmaker, market_id, market_name, margin, lines, last_at
  FROM signal_margins_by_book
 ORDER BY market_id, bookmaker"""


def legs(row: Any) -> list[dict[str, Any]]:
    """An arbitrage row's legs (``legs`` JSONB, as text or decoded by the connection's codec;
    ``outcome_names`` in leg order) as dicts."""
    names = row["outcome_names"] or []
    raw = row["legs"]
    return [
        {"outcome_id": o, "outcome_name": names[n] if n < len(names) else o, "bookmaker": b, "price": p,
         "stake": s}
        for n, (o, b, p, s) in enumerate(orjson.loads(raw) if isinstance(raw, str | bytes) else raw)
    ]  # fmt: skip


def _plain(row: Any) -> dict[str, Any]:
    out = dict(row)
    for k, v in out.items():
        if isinstance(v, datetime):
            out[k] = v.astimezone(UTC).isoformat()
    if "outcome_names" in out:
        out["legs"] = legs(row)
        del out["outcome_names"]
    return out


async def query(conn: Connection, home: str, limit: int = 20) -> dict[str, Any]:
    """One collection from an open connection (JSON-ready)."""
    return {
        "at": datetime.now(UTC).isoformat(),
        "home_bookmaker": home,
        "deviations": [_plain(r) for r in await conn.fetch(_DEVIATIONS, home, limit)],
        "arbitrages": [_plain(r) for r in await conn.fetch(_ARBS, limit)],
        "margins": [_plain(r) for r in await conn.fetch(_MARGINS)],
    }


async def collect(settings: Settings, limit: int = 20) -> dict[str, Any]:
    conn = await db.connect(settings.postgres)
    try:
        return await query(conn, settings.signals.home_bookmaker, limit)
    finally:
        await conn.close()


def _pct(x: float) -> str:
    return f"{100 * x:+.1f}%"


def render(doc: dict[str, Any]) -> Group:
    """Rich tables of one collection."""
    dev = Table(title=f"{doc['home_bookmaker']}: largest deviations from consensus now")
    for col in ("event", "market", "outcome", "price", "fair", "deviation", "books"):
        dev.add_column(col)
    for d in doc["deviations"]:
        event = f"{d['home']} – {d['away']}" if d["home"] else f"sr:{d['sportradar_id']}"
        dev.add_row(event, d["market_name"], d["outcome_name"], f"{d['price']:.2f}", f"{d['fair_price']:.2f}",
                    _pct(d["deviation"]), str(d["books"]))  # fmt: skip
    arb = Table(title="Open arbitrage windows")
    for col in ("event", "market", "since", "profit", "legs", "suspect"):
        arb.add_column(col)
    for a in doc["arbitrages"]:
        event = f"{a['home']} – {a['away']}" if a["home"] else f"sr:{a['sportradar_id']}"
        text = "\n".join(f"{g['outcome_name']} @{g['price']:.2f} {g['bookmaker']} ({100 * g['stake']:.0f}%)"
                         for g in a["legs"])  # fmt: skip
        arb.add_row(event, a["market_name"], a["started_at"][11:19], _pct(a["profit"]), text,
                    "suspect" if a["suspect"] else "")  # fmt: skip
    mar = Table(title="Margin per bookmaker and market (last hour)")
    for col in ("market", "bookmaker", "margin", "lines"):
        mar.add_column(col)
    for m in doc["margins"]:
        mar.add_row(m["market_name"], m["bookmaker"], f"{100 * m['margin']:.2f}%", str(m["lines"]))
    return Group(dev, arb, mar)


@click.command("signals")
@click.option("--json", "as_json", is_flag=True, help="Print one collection as JSON and exit.")
@click.option("--once", is_flag=True, help="Print the tables once and exit.")
@click.option("--interval", type=float, default=2.0, show_default=True, help="Refresh of the live view (s).")
@click.option("--limit", type=int, default=20, show_default=True, help="Rows per table.")
@click.option("--home", default=None, help="Home bookmaker. Env: ODDS_SIGNALS__HOME_BOOKMAKER")
def signals_command(as_json: bool, once: bool, interval: float, limit: int, home: str | None) -> None:
    """Home-bookmaker deviations, open arbitrage windows, margins per bookmaker and market."""
    from streams.cli.root import settings_with

    settings = settings_with(signals__home_bookmaker=home)
    if as_json:
        click.echo(orjson.dumps(asyncio.run(collect(settings, limit)), option=orjson.OPT_INDENT_2).decode())
        return
    if once:
        from rich.console import Console

        Console().print(render(asyncio.run(collect(settings, limit))))
        return

    async def live() -> None:
        with Live(render(await collect(settings, limit)), refresh_per_second=1) as view:
            while True:
                await asyncio.sleep(interval)
                view.update(render(await collect(settings, limit)))

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(live())
