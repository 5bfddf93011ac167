"""``GET /stream``: committed price changes as Server-Sent Events, resumable by ``Last-Event-ID``.

Checks happen before the response starts, so each failure is a status with a JSON body:
400 bad filter or position, 404 unknown event, 410 position no longer retained by the
topic, 503 tail not ready or too many subscribers. Events: ``ready``, ``change``,
``heartbeat``, ``error`` (see :mod:`api.stream`; docs/api.md).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Request
from sqlalchemy.ext.asyncio import AsyncSession

from api import models, positions, queries
from api.errors import ApiError
from api.params import KEY_PATTERN, MAX_BIGINT
from api.sse import EventStreamResponse
from api.stream import Filter, Subscription
from api.tail import Tail
from streams.replay.log_offsets import LogOffsets
from streams.replay.plan import TP

router = APIRouter(tags=["stream"])

STREAM_DOC: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "text/event-stream: events ready, change, heartbeat, error",
        "content": {"text/event-stream": {"schema": {"type": "string"}}},
    },
    **{code: {"model": models.ErrorBody} for code in (400, 404, 410, 422, 503)},
}


async def _filter(request: Request, event: int | None, sport: str | None, bookmaker: str | None) -> Filter:
    keys = None
    db: AsyncSession
    async with request.app.state.sessionmaker() as db:
        if event is not None:
            found = await queries.event_keys(db, event)
            if found is None:
                raise ApiError(404, "not_found", f"event {event} not found")
            keys = frozenset(found)
        for table, key, what in (("sports", sport, "sport"), ("bookmakers", bookmaker, "bookmaker")):
            if key is not None and not await queries.key_exists(db, table, key):
                raise ApiError(400, f"unknown_{what}", f"no {what} {key!r}")
    return Filter(keys, sport, bookmaker)


async def _check_position(tail: Tail, position: positions.Position) -> None:
    assert tail.ring is not None
    if set(position) != set(tail.head):
        raise ApiError(400, "invalid_position", f"the topic has partitions {tail.partitions}")
    ahead = [p for p, o in position.items() if o > tail.head[p]]
    if ahead:
        raise ApiError(400, "invalid_position", f"position beyond the stream's head on partitions {ahead}")
    behind = [p for p, o in position.items() if o < tail.ring.floor.get(p, 0)]
    if not behind:
        return
    async with LogOffsets(tail.settings.kafka) as log:
        earliest, _ = await log.bounds([TP(tail.topic, p) for p in behind])
    lost = [p for p in behind if earliest[TP(tail.topic, p)] > position[p]]
    if lost:
        raise ApiError(
            410,
            "position_not_retained",
            f"the snapshots topic no longer holds that position on partitions {lost}; reconnect without it",
        )


@router.get("/stream", responses=STREAM_DOC, response_model=None)
async def stream(
    request: Request,
    event: Annotated[int | None, Query(ge=1, le=MAX_BIGINT, description="one event id")] = None,
    sport: Annotated[str | None, Query(pattern=KEY_PATTERN)] = None,
    bookmaker: Annotated[str | None, Query(pattern=KEY_PATTERN)] = None,
    last_event_id: Annotated[
        str | None,
        Query(max_length=20_000, description="as the Last-Event-ID header (EventSource cannot set it)"),
    ] = None,
    last_event_id_header: Annotated[str | None, Header(alias="Last-Event-ID", max_length=20_000)] = None,
) -> Any:
    """Price changes as the sink commits them, filtered; each id is a position in the snapshots
    topic, and reconnecting with it as ``Last-Event-ID`` resumes exactly after it."""
    state = request.app.state
    tail: Tail | None = state.tail
    if tail is None or not tail.ready:
        raise ApiError(503, "stream_unavailable", tail.error if tail and tail.error else "stream not started")
    wanted = await _filter(request, event, sport, bookmaker)
    given = last_event_id_header or last_event_id
    position = positions.decode(given) if given else tail.position()
    if given:
        await _check_position(tail, position)
    if state.subscribers >= state.settings.api.max_subscribers:
        raise ApiError(503, "too_many_subscribers", "the stream is full; retry later", {"Retry-After": "5"})
    state.subscribers += 1

    def closed() -> None:
        state.subscribers -= 1

    sub = Subscription(tail, position, wanted, resumed=bool(given))
    return EventStreamResponse(sub.frames(), state.settings.api.send_timeout_s, closed)
