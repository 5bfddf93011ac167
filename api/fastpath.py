"""``BestFastPath``: ASGI middleware answering a cache hit of ``GET /events/{id}/best`` itself.

A hit of :class:`api.best_cache.BestCache` needs neither FastAPI's routing, its dependency
solving nor a ``Response`` object: the middleware sends the cached bytes with the headers
the route sends (``content-type: application/json``, ``content-length``). It answers only
requests whose outcome is certain without the framework; everything else goes on to the
app unchanged (which also reads the cache, and fills it on a miss):

* ``GET``, no ``root_path``, path ``/events/<id>/best`` with ``<id>`` a canonical event id
  (digits, 1 … 2**63-1), any query string (the route reads no query parameter);
* no API key configured, or an ``X-API-Key`` header (the first one, as the route reads it)
  matching a key (:func:`api.auth.key_matches`); a missing, empty or wrong header, or a key
  given only as ``?api_key=``, goes on to the app (which answers 401 or serves it);
* a live cache entry for the id.
"""

from __future__ import annotations

import re
from typing import Any

from api.auth import HEADER, key_matches
from api.best_cache import BestCache
from api.params import MAX_BIGINT

_PATH = re.compile(r"/events/([1-9][0-9]{0,18})/best")
_HEADER = HEADER.encode()


class BestFastPath:
    """Wraps the app: ``app.add_middleware(BestFastPath)`` (the cache is ``app.state.best_cache``)."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        body = self._hit(scope) if scope["type"] == "http" else None
        if body is None:
            await self.app(scope, receive, send)
            return
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [
                    (b"content-length", str(len(body)).encode()),
                    (b"content-type", b"application/json"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})

    @staticmethod
    def _hit(scope: dict[str, Any]) -> bytes | None:
        if scope["method"] != "GET" or scope.get("root_path"):
            return None
        found = _PATH.fullmatch(scope["path"])
        if found is None:
            return None
        event_id = int(found[1])
        state = scope["app"].state
        cache: BestCache | None = state.best_cache
        if cache is None or event_id > MAX_BIGINT:
            return None
        keys: list[bytes] = state.api_keys
        if keys:
            given = next((v for k, v in scope["headers"] if k == _HEADER), b"")
            if not given or not key_matches(given, keys):
                return None
        return cache.get(event_id)
