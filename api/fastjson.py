"""``FastJSON``: a response body rendered by orjson, for a hot route that skips re-validation.

A route returning its pydantic response model has FastAPI validate and serialize every
field again; a route whose body is built from typed SQL columns (``api.queries``) can
return ``FastJSON(body)`` instead, keeping ``response_model`` for the OpenAPI spec. The JSON
is the same as pydantic's: UTC datetimes end in ``Z`` (``OPT_UTC_Z``), microseconds only
when not zero, floats in their shortest form (``tests/unit/api/test_fastjson.py``).
"""

from __future__ import annotations

from typing import Any

import orjson
from fastapi.responses import Response


def dumps(content: Any) -> bytes:
    """The JSON :class:`FastJSON` sends for ``content`` (also for bodies cached as bytes)."""
    return orjson.dumps(content, option=orjson.OPT_UTC_Z)


class FastJSON(Response):
    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return dumps(content)
