"""The stream's parts without Kafka or Postgres: ids, the ring, slow readers, keys, logs."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest

from api import positions
from api.auth import key_matches
from api.cli import RedactKeys
from api.errors import ApiError
from api.ring import Ring
from api.sse import EventStreamResponse
from api.stream import Filter, Subscription
from streams.settings import load_settings


def test_positions_round_trip_and_reject_garbage() -> None:
    pos = {0: 120, 1: 0, 2: 98}
    assert positions.decode(positions.encode(pos)) == pos
    for bad in ("", "0:1,0:2", "a:1", "0:-1", "0:1;1:2", "0:" + "9" * 20):
        with pytest.raises(ApiError) as err:
            positions.decode(bad)
        assert err.value.status == 400


def test_ring_floor_rises_past_what_it_overwrites() -> None:
    ring = Ring(3, {0: 10, 1: 5})
    for offset in range(10, 14):
        ring.append(0, offset, "k", "soccer", "b", None, b"{}")
    assert ring.first_seq == 1 and ring.floor == {0: 11, 1: 5}
    assert [c.offset for c in ring.read(1, 10)] == [11, 12, 13]
    with pytest.raises(IndexError):
        ring.read(0, 10)


class FakeTail:
    def __init__(self, size: int) -> None:
        self.settings = load_settings(api={"heartbeat_s": 0.05})
        self.ring = Ring(size, {0: 0})
        self.topic = "t"

    def read(self, seq: int, limit: int = 256) -> list[Any]:
        return self.ring.read(seq, limit)

    async def wait(self, timeout_s: float) -> bool:
        await asyncio.sleep(timeout_s)
        return False


async def test_a_reader_the_ring_overtook_is_told_and_closed() -> None:
    tail = FakeTail(4)
    sub = Subscription(tail, {0: 0}, Filter(), resumed=False)  # type: ignore[arg-type]
    frames = sub.frames()
    assert b"event: ready" in await anext(frames)
    for offset in range(6):  # two more than the ring holds, before the reader reads
        tail.ring.append(0, offset, "sr:1", "soccer", "b", 1, b'{"n": %d}' % offset)
    rest = [f async for f in frames]
    assert len(rest) == 1 and b"event: error" in rest[0] and b"too_slow" in rest[0]


async def test_filtered_out_changes_advance_the_position_of_the_next_heartbeat() -> None:
    tail = FakeTail(10)
    sub = Subscription(tail, {0: 0}, Filter(sport="tennis"), resumed=False)  # type: ignore[arg-type]
    frames = sub.frames()
    await anext(frames)
    tail.ring.append(0, 0, "sr:1", "soccer", "b", 1, b"{}")
    tail.ring.append(0, 1, "sr:2", "tennis", "b", 2, b'{"x": 1}')
    change = await anext(frames)
    assert change.startswith(b"id: 0:2\nevent: change\n")
    beat = await anext(frames)
    assert beat.startswith(b"id: 0:2\nevent: heartbeat\n")


async def test_a_client_that_stops_reading_is_dropped_at_the_send_deadline() -> None:
    closed: list[bool] = []

    async def endless() -> Any:
        while True:
            yield b"data: x\n\n"

    sent: list[dict[str, Any]] = []

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)
        if message["type"] == "http.response.body":
            await asyncio.Event().wait()  # the socket's buffer is full: send never returns

    async def receive() -> dict[str, Any]:
        await asyncio.Event().wait()
        return {}

    response = EventStreamResponse(endless(), 0.2, lambda: closed.append(True))
    await asyncio.wait_for(response({}, receive, send), 5)
    assert closed == [True] and len(sent) == 2  # the start, one body that never drained


async def test_a_disconnect_ends_a_quiet_stream_at_once() -> None:
    closed: list[bool] = []

    async def quiet() -> Any:
        await asyncio.Event().wait()
        yield b""

    async def receive() -> dict[str, Any]:
        await asyncio.sleep(0.05)
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        return None

    response = EventStreamResponse(quiet(), 10, lambda: closed.append(True))
    await asyncio.wait_for(response({}, receive, send), 2)
    assert closed == [True]


def test_keys_compare_every_key() -> None:
    keys = [b"alpha", b"beta"]
    assert key_matches(b"beta", keys) and not key_matches(b"gamma", keys) and not key_matches(b"", keys)


def test_access_log_never_shows_a_key() -> None:
    record = logging.LogRecord(
        "uvicorn.access", logging.INFO, "", 0, '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:1", "GET", "/stream?sport=soccer&api_key=s3cret&x=1", "1.1", 200), None,
    )  # fmt: skip
    RedactKeys().filter(record)
    assert "s3cret" not in record.getMessage() and "api_key=***" in record.getMessage()
