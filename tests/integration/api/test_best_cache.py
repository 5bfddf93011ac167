"""``GET /events/{id}/best`` through the per-event cache: a committed change is served as soon as
the shared tail releases it, and with the cache off the route reads Postgres as before.

The module's stack (``conftest.stack``) runs the API with the cache on (the default) and a
real sink; a second app over the same database and topic runs with ``api.best_cache`` off.
"""

from __future__ import annotations

import dataclasses
import time
from datetime import timedelta

import httpx
import pytest

from api.app import create_app
from api.best_cache import BestCache
from api.tail import Tail
from streams.contracts.snapshot import SnapshotV1
from tests.integration.api.conftest import Stack, serve, wait_for

pytestmark = pytest.mark.integration


def _repriced(stack: Stack, target: SnapshotV1, shift_s: int, price: float) -> SnapshotV1:
    """A delta of ``target``'s board making outcome ``1`` of market 1 the best at ``price``."""
    last = max(s.captured_at for s in stack.feed.snaps)
    return dataclasses.replace(
        target, captured_at=last + timedelta(seconds=shift_s), keyframe=False,
        changed={(1, ""): {"1": price, "2": 1.01, "3": 1.01}}, removed=(),
    )  # fmt: skip


def _price(body: dict, market_id: int, outcome: str) -> tuple[float, str]:
    p = next(p for p in body["prices"] if p["market_id"] == market_id and p["outcome"] == outcome)
    return p["price"], p["bookmaker"]


async def _event(stack: Stack, client: httpx.AsyncClient) -> tuple[SnapshotV1, int]:
    target = next(s for s in stack.feed.snaps if s.event.sportradar_id is not None)
    listing = (await client.get("/events", params={"limit": 200})).json()["items"]
    return target, next(e["id"] for e in listing if e["sportradar_id"] == target.event.sportradar_id)


async def test_a_committed_change_is_served_as_soon_as_the_tail_releases_it(
    stack: Stack, client: httpx.AsyncClient
) -> None:
    tail: Tail = stack.app.state.tail
    cache: BestCache = stack.app.state.best_cache
    assert cache is not None
    await wait_for(lambda: _true(tail.cache_live()), 30, "the tail to be in sync with the sink")
    target, eid = await _event(stack, client)
    for n, price in enumerate((50.0, 60.0, 70.0), 1):
        first = await client.get(f"/events/{eid}/best")
        hits = cache.hits
        again = await client.get(f"/events/{eid}/best")
        assert cache.hits == hits + 1 and again.content == first.content  # served from the cache
        assert (await client.get("/healthz")).json()["best_cache"]["live"] is True

        offsets = await stack.publish([_repriced(stack, target, 3600 * n, price)])  # sink committed
        await wait_for(
            lambda o=offsets: _true(all(tail.head.get(p, 0) >= x for p, x in o.items())), 10, "release"
        )
        # no request between the release and this one: it must not see the cached body
        body = (await client.get(f"/events/{eid}/best")).json()
        assert _price(body, 1, "1") == (price, target.bookmaker)
        assert body == first.json() | {"prices": body["prices"]}
        assert (await client.get(f"/events/{eid}/best")).json() == body


async def test_without_the_cache_best_reads_postgres_as_before(
    stack: Stack, client: httpx.AsyncClient
) -> None:
    settings = stack.settings.model_copy(
        update={"api": stack.settings.api.model_copy(update={"best_cache": False})}
    )
    app = create_app(settings)
    target, eid = await _event(stack, client)
    async with serve(app) as base, httpx.AsyncClient(base_url=base, timeout=30) as plain:
        assert app.state.best_cache is None
        assert (await plain.get("/healthz")).json()["best_cache"] is None
        cached, direct = await client.get(f"/events/{eid}/best"), await plain.get(f"/events/{eid}/best")
        assert direct.status_code == 200 and direct.headers["content-type"] == "application/json"
        assert direct.content == cached.content  # same bytes either way
        missing = await plain.get("/events/999999999/best")
        assert missing.status_code == 404 and missing.json()["error"] == "not_found"
        assert (await client.get("/events/999999999/best")).status_code == 404

        await stack.publish([_repriced(stack, target, 4 * 3600, 80.0)])
        # the sink's commit is enough: no tail in the path
        assert _price((await plain.get(f"/events/{eid}/best")).json(), 1, "1") == (80.0, target.bookmaker)
        started = time.monotonic()
        await wait_for(
            lambda: _best_is(client, eid, 80.0), 10, "the cached app to show the change after the release"
        )
        assert time.monotonic() - started < 5


async def _true(value: bool) -> bool:
    return value


async def _best_is(client: httpx.AsyncClient, eid: int, price: float) -> bool:
    return _price((await client.get(f"/events/{eid}/best")).json(), 1, "1")[0] == price
