"""``create_app(settings)``: the read API's one entry object (FastAPI).

Lifespan: the async engine and session factory (``api.db``) and the shared tail of the
snapshots topic (``api.tail``; ``stream=False`` leaves it out, e.g. for schema checks) are
created at start and closed at stop, with the ``/best`` cache the tail invalidates
(``api.best_cache``, :func:`best_cache`; its hits are answered by
:class:`api.fastpath.BestFastPath` before FastAPI's routing). OpenAPI is served at
``/openapi.json``, the docs UI at ``/docs``. Every data route needs the API key when
``api.keys`` is set; ``/``, ``/page.js`` and ``/healthz`` do not (the page asks for the key
and sends it as ``?api_key=``).
"""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import partial
from typing import Any

from fastapi import Depends, FastAPI

from api import errors
from api.auth import require_key
from api.best_cache import BestCache, Reader
from api.db import autocommit, make_engine, make_sessionmaker
from api.fastpath import BestFastPath
from api.routes import events, page, signals, stream
from api.tail import Tail
from streams.settings import Settings


def best_cache(settings: Settings, tail: Tail | None, read: Reader) -> BestCache | None:
    """The ``/best`` cache fed by ``tail``, filled by ``read`` (None: disabled, no tail, or
    ``after_sink`` off)."""
    api = settings.api
    if tail is None or not api.best_cache or not api.after_sink:
        return None
    cache = BestCache(
        ttl_s=api.best_cache_ttl_s,
        max_bytes=int(api.best_cache_max_mb * 2**20),
        read=read,
        live=tail.cache_live,
    )
    tail.best_cache = cache
    return cache


def create_app(settings: Settings, *, stream_changes: bool = True) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = make_engine(settings)
        app.state.autocommit = autocommit(engine)
        app.state.sessionmaker = make_sessionmaker(engine)
        tail = Tail(settings, engine) if stream_changes else None
        app.state.tail = tail
        app.state.best_cache = best_cache(settings, tail, partial(events.best_body, app.state.autocommit))
        if tail is not None:
            await tail.start()
        # what start made lives as long as the process: out of the collector's generations,
        # so a full collection under load does not walk it again (a pause per request burst)
        gc.collect()
        gc.freeze()
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
    app.state.best_cache = None
    errors.install(app)
    app.add_middleware(BestFastPath)
    guarded: list[Any] = [Depends(require_key)]
    app.include_router(events.router, dependencies=guarded)
    app.include_router(stream.router, dependencies=guarded)
    app.include_router(signals.router, dependencies=guarded)
    app.include_router(page.router)

    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> dict[str, Any]:
        tail: Tail | None = app.state.tail
        cache: BestCache | None = app.state.best_cache
        return {
            "ok": True,
            "stream": None if tail is None else {"ready": tail.ready, "error": tail.error, "head": tail.head},
            "subscribers": app.state.subscribers,
            "best_cache": None if cache is None else cache.stats(),
        }

    return app
