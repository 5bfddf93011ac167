"""``create_app(settings)``: the read API's one entry object (FastAPI).

Lifespan: the async engine and session factory (``api.db``) and the shared tail of the
snapshots topic (``api.tail``; ``stream=False`` leaves it out, e.g. for schema checks) are
created at start and closed at stop. OpenAPI is served at ``/openapi.json``, the docs UI at
``/docs``. Every data route needs the API key when ``api.keys`` is set; ``/``, ``/page.js``
and ``/healthz`` do not (the page asks for the key and sends it as ``?api_key=``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import Depends, FastAPI

from api import errors
from api.auth import require_key
from api.db import autocommit, make_engine, make_sessionmaker
from api.routes import events, page, stream
from api.tail import Tail
from streams.settings import Settings


def create_app(settings: Settings, *, stream_changes: bool = True) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = make_engine(settings)
        app.state.autocommit = autocommit(engine)
        app.state.sessionmaker = make_sessionmaker(engine)
        tail = Tail(settings, engine) if stream_changes else None
        app.state.tail = tail
        if tail is not None:
            await tail.start()
        try:
            yield
        finally:
            if tail is not None:
                await tail.stop()
            await engine.dispose()

    app = FastAPI(
        title="oddsflow read API",
        version="1",
        summary="Stored bookmaker odds and a resumable stream of their changes",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.api_keys = settings.api.key_list()
    app.state.subscribers = 0
    app.state.tail = None
    errors.install(app)
    guarded: list[Any] = [Depends(require_key)]
    app.include_router(events.router, dependencies=guarded)
    app.include_router(stream.router, dependencies=guarded)
    # signals (#15): app.include_router(signals.router, dependencies=guarded)
    app.include_router(page.router)

    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> dict[str, Any]:
        tail: Tail | None = app.state.tail
        return {
            "ok": True,
            "stream": None if tail is None else {"ready": tail.ready, "error": tail.error, "head": tail.head},
            "subscribers": app.state.subscribers,
        }

    return app
