"""A small SSE reader over httpx for the tests (events as dicts: event, id, data)."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from typing import Any

import httpx


class Events:
    def __init__(self, response: httpx.Response) -> None:
        self.response = response
        self._lines = response.aiter_lines()

    async def next(self, timeout_s: float = 20.0) -> dict[str, Any]:
        return await asyncio.wait_for(self._next(), timeout_s)

    async def _next(self) -> dict[str, Any]:
        event: dict[str, Any] = {}
        async for line in self._lines:
            if line == "":
                if "event" in event or "data" in event:
                    if "data" in event:
                        event["data"] = json.loads(event["data"])
                    return event
                continue
            if line.startswith(":"):
                continue
            name, _, value = line.partition(":")
            event[name] = value[1:] if value.startswith(" ") else value
        raise EOFError("stream ended")

    async def until(self, kind: str, timeout_s: float = 20.0) -> dict[str, Any]:
        """The next event of ``kind`` within ``timeout_s`` overall (others are skipped)."""

        async def find() -> dict[str, Any]:
            while True:
                ev = await self._next()
                if ev.get("event") == kind:
                    return ev

        return await asyncio.wait_for(find(), timeout_s)


@contextlib.asynccontextmanager
async def open_stream(
    client: httpx.AsyncClient, params: dict[str, Any] | None = None, last_id: str | None = None
) -> AsyncIterator[Events]:
    headers = {"Last-Event-ID": last_id} if last_id else {}
    async with client.stream("GET", "/stream", params=params or {}, headers=headers) as r:
        assert r.status_code == 200, (await r.aread()).decode()
        yield Events(r)
