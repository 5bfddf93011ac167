"""Read endpoints: events, one event, its current odds, best prices, a board at a time, a line's history."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from api import models, queries
from api.best_cache import BestCache
from api.db import session
from api.errors import ApiError, not_found
from api.fastjson import dumps
from api.params import KEY_PATTERN, EventId, Time, decode_cursor, encode_cursor, utc

router = APIRouter(tags=["odds"])
Db = Annotated[AsyncSession, Depends(session)]
Key = Annotated[str | None, Query(pattern=KEY_PATTERN)]
ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": models.ErrorBody},
    404: {"model": models.ErrorBody},
    422: {"model": models.ErrorBody},
}


async def _known(db: AsyncSession, table: str, key: str | None, what: str) -> None:
    if key is not None and not await queries.key_exists(db, table, key):
        raise ApiError(400, f"unknown_{what}", f"no {what} {key!r}")


async def _event_exists(db: AsyncSession, event_id: int) -> None:
    if not await queries.event_exists(db, event_id):
        raise not_found(f"event {event_id}")


async def _bookmaker(db: AsyncSession, key: str) -> int:
    found = await queries.bookmaker_id(db, key)
    if found is None:
        raise ApiError(400, "unknown_bookmaker", f"no bookmaker {key!r}")
    return found


@router.get("/sports", response_model=list[models.Named], responses=ERRORS)
async def sports(db: Db) -> Any:
    """Every sport seen."""
    return await queries.list_keys(db, "sports")


@router.get("/bookmakers", response_model=list[models.Named], responses=ERRORS)
async def bookmakers(db: Db) -> Any:
    """Every bookmaker seen."""
    return await queries.list_keys(db, "bookmakers")


@router.get("/events", response_model=models.EventPage, responses=ERRORS)
async def events(
    request: Request,
    db: Db,
    sport: Key = None,
    tournament: Annotated[str | None, Query(min_length=1, max_length=200)] = None,
    kickoff_from: Time | None = None,
    kickoff_to: Time | None = None,
    bookmaker: Key = None,
    live: Annotated[bool | None, Query(description="true: in play now; false: prematch")] = None,
    limit: Annotated[int | None, Query(ge=1, description="page size, capped at api.page_size_max")] = None,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> Any:
    """Events by kickoff, filtered; ``next_cursor`` pages on (keyset: stable under inserts)."""
    api = request.app.state.settings.api
    size = min(limit or api.page_size_default, api.page_size_max)
    start, end = utc(kickoff_from, "kickoff_from"), utc(kickoff_to, "kickoff_to")
    if start is not None and end is not None and end < start:
        raise ApiError(400, "invalid_window", "kickoff_to is before kickoff_from")
    after = decode_cursor(cursor) if cursor is not None else None
    await _known(db, "sports", sport, "sport")
    await _known(db, "bookmakers", bookmaker, "bookmaker")
    rows = await queries.events(
        db,
        sport=sport,
        tournament=tournament,
        kickoff_from=start,
        kickoff_to=end,
        bookmaker=bookmaker,
        live=live,
        after=after,
        limit=size + 1,
    )
    more = len(rows) > size
    rows = rows[:size]
    nxt = encode_cursor(rows[-1]["kickoff"], rows[-1]["id"]) if more else None
    return {"items": rows, "next_cursor": nxt}


@router.get("/events/{event_id}", response_model=models.EventDetail, responses=ERRORS)
async def event(event_id: EventId, db: Db) -> Any:
    """One event with each bookmaker that lists it (own id, freshness, board size)."""
    found = await queries.event(db, event_id)
    if found is None:
        raise not_found(f"event {event_id}")
    return found


@router.get("/events/{event_id}/odds", response_model=models.CurrentOdds, responses=ERRORS)
async def current_odds(event_id: EventId, db: Db, bookmaker: Key = None) -> Any:
    """Current lines of the event per bookmaker, market and outcome names rendered."""
    await _event_exists(db, event_id)
    await _known(db, "bookmakers", bookmaker, "bookmaker")
    return {"event_id": event_id, "bookmakers": await queries.current_odds(db, event_id, bookmaker)}


@router.get("/events/{event_id}/best", response_model=models.BestPrices, responses=ERRORS)
async def best(event_id: EventId, request: Request) -> Any:
    """The best current price of every outcome across bookmakers, and who offers it."""
    state = request.app.state
    cache: BestCache | None = state.best_cache
    body = await (best_body(state.autocommit, event_id) if cache is None else cache.fetch(event_id))
    if body is None:
        raise not_found(f"event {event_id}")
    return Response(body, media_type="application/json")


async def best_body(engine: AsyncEngine, event_id: int) -> bytes | None:
    """The ``/best`` body of ``event_id`` from Postgres (one statement); ``None``: unknown event."""
    async with engine.connect() as conn:
        prices = await queries.best_prices(conn, event_id)
    return None if prices is None else dumps({"event_id": event_id, "prices": prices})


@router.get("/events/{event_id}/board", response_model=models.Board, responses=ERRORS)
async def board(
    event_id: EventId,
    db: Db,
    bookmaker: Annotated[str, Query(pattern=KEY_PATTERN)],
    at: Time | None = None,
) -> Any:
    """The board of the event at one bookmaker as it was at ``at`` (default now), via ``odds_at``."""
    when = utc(at, "at") or datetime.now(UTC)
    await _event_exists(db, event_id)
    book = await _bookmaker(db, bookmaker)
    lines = await queries.board_at(db, event_id, book, bookmaker, when)
    return {"event_id": event_id, "bookmaker": bookmaker, "at": when, "lines": lines}


@router.get("/events/{event_id}/history", response_model=models.History, responses=ERRORS)
async def history(
    request: Request,
    event_id: EventId,
    db: Db,
    bookmaker: Annotated[str, Query(pattern=KEY_PATTERN)],
    market_id: Annotated[int, Query(ge=0, le=2**31 - 1)],
    line: Annotated[str, Query(max_length=200)] = "",
    since: Annotated[Time | None, Query(alias="from")] = None,
    until: Annotated[Time | None, Query(alias="to")] = None,
) -> Any:
    """Price changes of one line at one bookmaker in ``[from, to)``, oldest first (latest
    ``api.history_max_rows`` when more: ``truncated``). ``outcomes`` null: the line was removed."""
    start, end = utc(since, "from"), utc(until, "to")
    if start is not None and end is not None and end < start:
        raise ApiError(400, "invalid_window", "to is before from")
    await _event_exists(db, event_id)
    book = await _bookmaker(db, bookmaker)
    cap = request.app.state.settings.api.history_max_rows
    points, truncated = await queries.history(db, event_id, book, market_id, line, start, end, cap)
    return {
        "event_id": event_id,
        "bookmaker": bookmaker,
        "market_id": market_id,
        "line": line,
        "market_name": await queries.line_name(db, event_id, market_id, line),
        "points": points,
        "truncated": truncated,
    }
