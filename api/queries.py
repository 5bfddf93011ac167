"""The SQL of the read endpoints, as plain async functions over a SQLAlchemy session.

Each returns plain dicts shaped like the response models (``api.models``). Names of
markets and outcomes are rendered in SQL by ``render_name``/``market_label`` (migration
``0005_market_names``) for the event's own team names, as ``best_current_odds`` does.
Ids that do not exist come back as ``None`` (the routes turn that into 404).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

EVENT_COLUMNS = """
SELECT e.id, e.sportradar_id, s.key AS sport, t.category, t.name AS tournament,
       e.home, e.away, e.kickoff, l.live, l.captured_at AS last_captured_at,
       ARRAY(SELECT DISTINCT b.key FROM event_bookmakers eb JOIN bookmakers b ON b.id = eb.bookmaker_id
              WHERE eb.event_id = e.id ORDER BY b.key) AS bookmakers
  FROM events e
  JOIN sports s ON s.id = e.sport_id
  LEFT JOIN tournaments t ON t.id = e.tournament_id
  LEFT JOIN LATERAL (SELECT sn.live, sn.captured_at FROM snapshots sn
                      WHERE sn.event_id = e.id ORDER BY sn.captured_at DESC LIMIT 1) l ON true
"""


async def key_exists(db: AsyncSession, table: str, key: str) -> bool:
    """Whether ``sports``/``bookmakers`` has ``key``."""
    assert table in ("sports", "bookmakers")
    return (await db.execute(text(f"SELECT 1 FROM {table} WHERE key = :k"), {"k": key})).first() is not None


async def event_exists(db: AsyncSession, event_id: int) -> bool:
    return (await db.execute(text("SELECT 1 FROM events WHERE id = :e"), {"e": event_id})).first() is not None


async def bookmaker_id(db: AsyncSession | AsyncConnection, key: str) -> int | None:
    found = await db.scalar(text("SELECT id FROM bookmakers WHERE key = :k"), {"k": key})
    return None if found is None else int(found)


async def list_keys(db: AsyncSession, table: str) -> list[dict[str, Any]]:
    assert table in ("sports", "bookmakers")
    rows = await db.execute(text(f"SELECT id, key FROM {table} ORDER BY key"))
    return [dict(r) for r in rows.mappings()]


async def events(
    db: AsyncSession,
    *,
    sport: str | None,
    tournament: str | None,
    kickoff_from: datetime | None,
    kickoff_to: datetime | None,
    bookmaker: str | None,
    live: bool | None,
    after: tuple[datetime, int] | None,
    limit: int,
) -> list[dict[str, Any]]:
    """Events in kickoff order (then id), after the keyset ``after``; at most ``limit`` rows."""
    where: list[str] = []
    params: dict[str, Any] = {"limit": limit}
    if sport is not None:
        where.append("s.key = :sport")
        params["sport"] = sport
    if tournament is not None:
        where.append("t.name = :tournament")
        params["tournament"] = tournament
    if kickoff_from is not None:
        where.append("e.kickoff >= :kickoff_from")
        params["kickoff_from"] = kickoff_from
    if kickoff_to is not None:
        where.append("e.kickoff < :kickoff_to")
        params["kickoff_to"] = kickoff_to
    if bookmaker is not None:
        where.append(
            "EXISTS (SELECT 1 FROM event_bookmakers eb JOIN bookmakers b ON b.id = eb.bookmaker_id "
            "WHERE eb.event_id = e.id AND b.key = :bookmaker)"
        )
        params["bookmaker"] = bookmaker
    if live is not None:
        where.append("coalesce(l.live, false) = :live")
        params["live"] = live
    if after is not None:
        where.append("(e.kickoff, e.id) > (:after_kickoff, :after_id)")
        params["after_kickoff"], params["after_id"] = after
    sql = (
        EVENT_COLUMNS
        + (" WHERE " + " AND ".join(where) if where else "")
        + (" ORDER BY e.kickoff, e.id LIMIT :limit")
    )
    rows = await db.execute(text(sql), params)
    return [_event(r) for r in rows.mappings()]


async def event(db: AsyncSession, event_id: int) -> dict[str, Any] | None:
    """One event with its bookmakers (own ids, freshness, board size); ``None`` if unknown."""
    row = (await db.execute(text(EVENT_COLUMNS + " WHERE e.id = :e"), {"e": event_id})).mappings().first()
    if row is None:
        return None
    books = await db.execute(
        text(
            """SELECT b.key, eb.bookmaker_event_id, eb.first_seen, l.captured_at AS last_captured_at, l.live,
                      (SELECT count(*) FROM current_odds c
                        WHERE c.event_id = eb.event_id AND c.bookmaker_id = eb.bookmaker_id) AS lines
                 FROM event_bookmakers eb
                 JOIN bookmakers b ON b.id = eb.bookmaker_id
                 LEFT JOIN LATERAL (SELECT s.captured_at, s.live FROM snapshots s
                                     WHERE s.event_id = eb.event_id AND s.bookmaker_id = eb.bookmaker_id
                                     ORDER BY s.captured_at DESC LIMIT 1) l ON true
                WHERE eb.event_id = :e ORDER BY b.key, eb.bookmaker_event_id"""
        ),
        {"e": event_id},
    )
    return _event(row) | {"bookmakers_detail": [dict(b) for b in books.mappings()]}


def _named(source: str) -> str:
    """Name the lines of ``source`` (columns bookmaker, market_id, line, outcomes, captured_at)."""
    return f"""
SELECT src.bookmaker, src.market_id, src.line, src.outcomes, src.captured_at,
       coalesce(render_name(m.name_template, src.line, e.home, e.away),
                market_label(src.market_id, src.line)) AS market_name,
       (SELECT jsonb_object_agg(o.key,
                                coalesce(render_name(mo.name_template, src.line, e.home, e.away), o.key))
          FROM jsonb_object_keys(src.outcomes) AS o(key)
          LEFT JOIN market_outcomes mo ON mo.market_id = src.market_id AND mo.outcome_id = o.key
       ) AS outcome_names
  FROM ({source}) AS src
  JOIN events e ON e.id = :e
  LEFT JOIN markets m ON m.market_id = src.market_id
 ORDER BY src.bookmaker, src.market_id, src.line
"""


async def current_odds(db: AsyncSession, event_id: int, bookmaker: str | None) -> list[dict[str, Any]]:
    """Current lines of an event per bookmaker (all bookmakers, or the one given), named."""
    source = (
        "SELECT b.key AS bookmaker, c.market_id, c.line, c.outcomes, c.captured_at FROM current_odds c "
        "JOIN bookmakers b ON b.id = c.bookmaker_id WHERE c.event_id = :e"
        + (" AND b.key = :bookmaker" if bookmaker is not None else "")
    )
    params: dict[str, Any] = {"e": event_id} | ({"bookmaker": bookmaker} if bookmaker else {})
    return _boards((await db.execute(text(_named(source)), params)).mappings())


async def board_at(
    db: AsyncSession, event_id: int, bookmaker: int, key: str, at: datetime
) -> list[dict[str, Any]]:
    """The board of one event at one bookmaker as it was at ``at`` (``odds_at``), named."""
    source = (
        "SELECT CAST(:bookmaker AS text) AS bookmaker, a.market_id, a.line, a.outcomes, a.captured_at "
        "FROM odds_at(:e, CAST(:b AS smallint), :at) a"
    )
    rows = await db.execute(text(_named(source)), {"e": event_id, "b": bookmaker, "bookmaker": key, "at": at})
    boards = _boards(rows.mappings())
    return boards[0]["lines"] if boards else []


BEST_COLUMNS = (
    "market_id",
    "line",
    "market_name",
    "outcome",
    "outcome_name",
    "price",
    "bookmaker",
    "captured_at",
)
BEST_SQL = text(
    "SELECT e.id, b.market_id, b.line, b.market_name, b.outcome, b.outcome_name, b.price, b.bookmaker,"
    " b.captured_at FROM events e LEFT JOIN best_current_odds b ON b.event_id = e.id"
    " WHERE e.id = :e ORDER BY b.market_id, b.line, b.outcome"
)


async def best_prices(db: AsyncConnection, event_id: int) -> list[dict[str, Any]] | None:
    """Best current price per (market, line, outcome) across bookmakers (``best_current_odds``);
    ``None`` if the event is unknown. One statement (the event's existence is the outer join)."""
    rows = (await db.execute(BEST_SQL, {"e": event_id})).all()
    if not rows:
        return None
    return [dict(zip(BEST_COLUMNS, r[1:], strict=True)) for r in rows if r[1] is not None]


async def history(
    db: AsyncSession,
    event_id: int,
    bookmaker: int,
    market_id: int,
    line: str,
    since: datetime | None,
    until: datetime | None,
    cap: int,
) -> tuple[list[dict[str, Any]], bool]:
    """Price changes of one line in ``[since, until)``, oldest first; the latest ``cap`` points
    when there are more (then ``truncated``). A keyframe repeating unchanged prices is no point."""
    where = ["event_id = :e", "bookmaker_id = CAST(:b AS smallint)", "market_id = :m", "line = :l"]
    params: dict[str, Any] = {"e": event_id, "b": bookmaker, "m": market_id, "l": line, "cap": cap + 1}
    if since is not None:
        where.append("captured_at >= :since")
        params["since"] = since
    if until is not None:
        where.append("captured_at < :until")
        params["until"] = until
    rows = await db.execute(
        text(
            f"SELECT captured_at, outcomes FROM odds_history WHERE {' AND '.join(where)} "
            "ORDER BY captured_at DESC LIMIT :cap"
        ),
        params,
    )
    got = [{"captured_at": r["captured_at"], "outcomes": _json(r["outcomes"])} for r in rows.mappings()]
    truncated = len(got) > cap
    points: list[dict[str, Any]] = []
    for point in reversed(got[:cap]):
        if points and points[-1]["outcomes"] == point["outcomes"]:
            continue
        points.append(point)
    return points, truncated


async def line_name(db: AsyncSession, event_id: int, market_id: int, line: str) -> str:
    name = await db.scalar(
        text(
            "SELECT coalesce(render_name(m.name_template, :l, e.home, e.away), market_label(:m, :l)) "
            "FROM events e LEFT JOIN markets m ON m.market_id = :m WHERE e.id = :e"
        ),
        {"e": event_id, "m": market_id, "l": line},
    )
    return str(name)


async def event_keys(db: AsyncSession, event_id: int) -> set[str] | None:
    """The snapshot keys of an event (``sr:<id>``, ``<bookmaker>:<own id>``); ``None`` if unknown."""
    row = (await db.execute(text("SELECT sportradar_id FROM events WHERE id = :e"), {"e": event_id})).first()
    if row is None:
        return None
    keys = {f"sr:{row[0]}"} if row[0] is not None else set()
    own = await db.execute(
        text(
            "SELECT b.key, eb.bookmaker_event_id FROM event_bookmakers eb "
            "JOIN bookmakers b ON b.id = eb.bookmaker_id WHERE eb.event_id = :e"
        ),
        {"e": event_id},
    )
    keys |= {f"{k}:{own_id}" for k, own_id in own}
    return keys


def _json(value: Any) -> Any:
    return orjson.loads(value) if isinstance(value, str | bytes) else value


def _event(row: Any) -> dict[str, Any]:
    out = dict(row)
    out["bookmakers"] = list(out["bookmakers"] or [])
    return out


def _boards(rows: Any) -> list[dict[str, Any]]:
    boards: dict[str, list[dict[str, Any]]] = {}
    for r in rows:
        outcomes = _json(r["outcomes"])
        names = _json(r["outcome_names"]) or {}
        boards.setdefault(r["bookmaker"], []).append(
            {
                "market_id": r["market_id"],
                "line": r["line"],
                "market_name": r["market_name"],
                "captured_at": r["captured_at"],
                "outcomes": [
                    {"outcome": k, "name": names.get(k, k), "price": None if v is None else float(v)}
                    for k, v in outcomes.items()
                ],
            }
        )
    return [{"bookmaker": k, "lines": lines} for k, lines in boards.items()]
