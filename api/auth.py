"""Optional API keys (``ODDS_API__KEYS``, comma-separated): header ``X-API-Key`` or ``?api_key=``.

With no key configured every request passes. A key is compared with each configured key by
``hmac.compare_digest`` (constant time, all keys tried), never logged and never echoed in
an error. The query parameter exists for ``EventSource``, which cannot set headers.
"""

from __future__ import annotations

import hmac

from fastapi import Request

from api.errors import ApiError

HEADER = "x-api-key"


def key_matches(given: bytes, keys: list[bytes]) -> bool:
    """True when ``given`` equals one of ``keys``; every key is compared (no early exit)."""
    found = False
    for key in keys:
        found |= hmac.compare_digest(given, key)
    return found


async def require_key(request: Request) -> None:
    """Dependency of every data route: 401 unless the key matches (when keys are set)."""
    keys: list[bytes] = request.app.state.api_keys
    if not keys:
        return
    given = request.headers.get(HEADER) or request.query_params.get("api_key")
    if given is None or not key_matches(given.encode(), keys):
        raise ApiError(401, "unauthorized", "missing or wrong API key", {"WWW-Authenticate": "ApiKey"})
