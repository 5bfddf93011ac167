"""An ASGI ``text/event-stream`` response that drops slow and gone clients.

Each frame is sent with a deadline (``api.send_timeout_s``): uvicorn's ``send`` waits while
the socket's write buffer is above its high-water mark, so a client that stops reading makes
the send time out and the response ends (the connection is closed) instead of buffering.
A disconnect is noticed while waiting for the next frame, not only at the next send, so a
gone subscriber releases its slot at once. ``on_close`` runs exactly once either way.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from typing import Any

from starlette.responses import Response

log = logging.getLogger(__name__)

HEADERS = [
    (b"content-type", b"text/event-stream; charset=utf-8"),
    (b"cache-control", b"no-cache"),
    (b"x-accel-buffering", b"no"),
]


class EventStreamResponse(Response):
    """A starlette ``Response`` (so FastAPI passes it through) with its own ``__call__``."""

    def __init__(
        self, frames: AsyncIterator[bytes], send_timeout_s: float, on_close: Callable[[], None]
    ) -> None:
        super().__init__(status_code=200, media_type="text/event-stream")
        self.frames = frames
        self.send_timeout_s = send_timeout_s
        self.on_close = on_close

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        async def gone() -> None:
            while (await receive())["type"] != "http.disconnect":
                pass

        watcher = asyncio.ensure_future(gone())
        nxt: asyncio.Future[bytes] | None = None
        try:
            await send({"type": "http.response.start", "status": 200, "headers": HEADERS})
            while True:
                nxt = asyncio.ensure_future(anext(self.frames))
                await asyncio.wait({nxt, watcher}, return_when=asyncio.FIRST_COMPLETED)
                if watcher.done() and not nxt.done():
                    return
                try:
                    chunk = nxt.result()
                except StopAsyncIteration:
                    break
                nxt = None
                try:
                    await asyncio.wait_for(
                        send({"type": "http.response.body", "body": chunk, "more_body": True}),
                        self.send_timeout_s,
                    )
                except TimeoutError:
                    log.info("stream: a subscriber read nothing for %.0fs: disconnected", self.send_timeout_s)
                    raise SlowClientError from None
            with contextlib.suppress(Exception):
                await send({"type": "http.response.body", "body": b"", "more_body": False})
        except (SlowClientError, OSError):
            pass  # the server closes the connection of a response that did not complete
        finally:
            watcher.cancel()
            if nxt is not None and not nxt.done():
                nxt.cancel()
                with contextlib.suppress(BaseException):
                    await nxt
            with contextlib.suppress(Exception):
                await self.frames.aclose()  # type: ignore[attr-defined]
            self.on_close()


class SlowClientError(Exception):
    """A subscriber did not read a frame within ``api.send_timeout_s``."""
