"""``GET /signals``: what ``oddsflow signals --json`` prints, over HTTP.

One collection of :func:`sinks.signals.reading.query` (the views of migration 0006): the
largest current deviations of one bookmaker (``bookmaker``, default
``signals.home_bookmaker``), the open arbitrage windows and the margins per bookmaker and
market over the last hour, ``limit`` rows of the first two (capped at ``api.page_size_max``).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from sqlalchemy.ext.asyncio import AsyncEngine

from api import models, queries
from api.errors import ApiError
from api.params import KEY_PATTERN
from api.routes.events import ERRORS
from sinks.signals import reading

router = APIRouter(tags=["signals"])


@router.get("/signals", response_model=models.Signals, responses=ERRORS)
async def signals(
    request: Request,
    bookmaker: Annotated[str | None, Query(pattern=KEY_PATTERN, description="default: home book")] = None,
    limit: Annotated[int, Query(ge=1, description="rows of the first two, capped at page_size_max")] = 20,
) -> Any:
    """Deviations of one bookmaker from the consensus, open arbitrage windows, margins per book."""
    settings = request.app.state.settings
    engine: AsyncEngine = request.app.state.autocommit
    async with engine.connect() as conn:
        if bookmaker is not None and await queries.bookmaker_id(conn, bookmaker) is None:
            raise ApiError(400, "unknown_bookmaker", f"no bookmaker {bookmaker!r}")
        raw = await conn.get_raw_connection()
        home = bookmaker or settings.signals.home_bookmaker
        return await reading.query(raw.driver_connection, home, min(limit, settings.api.page_size_max))
