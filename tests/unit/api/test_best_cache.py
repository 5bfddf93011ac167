"""``BestCache`` without Postgres or Kafka, and the tail's releases driving it."""

from __future__ import annotations

import asyncio
import dataclasses
import time
from collections import deque
from types import SimpleNamespace
from typing import Any

import httpx

from api.app import best_cache, create_app
from api.best_cache import EPOCHS_KEPT, BestCache
from api.fastpath import BestFastPath
from api.ring import Ring
from api.tail import Tail
from streams.contracts.snapshot import encode_snapshot
from streams.settings import load_settings
from tests.unit.sink.feed import make_feed


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def _cache(**kw: Any) -> BestCache:
    return BestCache(**({"ttl_s": 5.0, "max_bytes": 1000} | kw))


def test_a_fill_is_served_until_its_event_is_released() -> None:
    cache = _cache()
    assert cache.get(1) is None
    assert cache.put(1, b"one", cache.token()) and cache.put(2, b"two", cache.token())
    assert cache.get(1) == b"one" and cache.get(2) == b"two"
    cache.released({1})
    assert cache.get(1) is None and cache.get(2) == b"two"
    assert (cache.hits, cache.misses) == (3, 2)


def test_a_read_that_began_before_a_release_of_its_event_is_not_stored() -> None:
    cache = _cache()
    slow, other = cache.token(), cache.token()
    cache.released({1})  # committed while the reads ran
    assert not cache.put(1, b"stale", slow)
    assert cache.get(1) is None
    assert cache.put(2, b"fine", other)  # another event's release does not matter
    later = cache.token()
    assert cache.put(1, b"fresh", later) and cache.get(1) == b"fresh"


def test_unattributed_records_and_clears_drop_everything_and_fills_in_flight() -> None:
    cache = _cache()
    cache.put(1, b"a", cache.token())
    cache.put(2, b"b", cache.token())
    token = cache.token()
    cache.released({2}, unattributed=True)  # e.g. a merge record: ids of other events change
    assert cache.get(1) is None and cache.get(2) is None and len(cache) == 0 and cache.size_bytes == 0
    assert not cache.put(3, b"c", token)
    token = cache.token()
    cache.clear()
    assert not cache.put(1, b"a", token)


def test_a_fill_older_than_the_remembered_releases_is_refused() -> None:
    cache = _cache()
    token = cache.token()
    for i in range(EPOCHS_KEPT - 1):
        cache.released({1000 + i})
    assert cache.put(1, b"kept", token)  # every release since is still known: none was event 1
    token = cache.token()
    for i in range(EPOCHS_KEPT + 1):
        cache.released({1000 + i})
    assert not cache.put(1, b"unknown", token)


def test_ttl_bounds_an_entry_and_not_live_serves_nothing() -> None:
    clock = Clock()
    live = [True]
    cache = _cache(clock=clock, live=lambda: live[0])
    cache.put(1, b"x", cache.token())
    clock.now += 4.9
    assert cache.get(1) == b"x"
    clock.now += 0.2
    assert cache.get(1) is None and len(cache) == 0
    cache.put(1, b"x", cache.token())
    live[0] = False
    assert cache.get(1) is None
    assert not cache.put(2, b"y", cache.token())
    assert cache.stats() == {"entries": 1, "bytes": 1, "hits": 1, "misses": 2, "live": False}


def test_least_recently_used_bodies_go_past_max_bytes() -> None:
    cache = _cache(max_bytes=10)
    cache.put(1, b"1234", cache.token())
    cache.put(2, b"1234", cache.token())
    assert cache.get(1) == b"1234"  # 2 is now the least recently used
    cache.put(3, b"1234", cache.token())
    assert cache.get(2) is None and cache.get(1) == b"1234" and cache.get(3) == b"1234"
    assert cache.size_bytes == 8
    cache.put(1, b"123456", cache.token())  # replacing counts the new size only
    assert cache.size_bytes == 10 and len(cache) == 2
    assert not cache.put(4, b"x" * 11, cache.token())


class Reads:
    """A fake Postgres read: each call waits for ``gate`` and returns the current ``value``."""

    def __init__(self, value: bytes | None = b"v1") -> None:
        self.value = value
        self.calls = 0
        self.gate = asyncio.Event()
        self.gate.set()
        self.fail: Exception | None = None
        self.started = asyncio.Event()

    async def __call__(self, event_id: int) -> bytes | None:
        self.calls += 1
        self.started.set()
        value = self.value  # what Postgres had when the read's snapshot was taken
        await self.gate.wait()
        if self.fail is not None:
            raise self.fail
        return value


async def test_concurrent_misses_share_one_read() -> None:
    reads = Reads()
    cache = _cache(read=reads)
    reads.gate.clear()
    waiting = [asyncio.create_task(cache.fetch(1)) for _ in range(5)]
    await asyncio.sleep(0)
    reads.gate.set()
    assert await asyncio.gather(*waiting) == [b"v1"] * 5 and reads.calls == 1
    assert await cache.fetch(1) == b"v1" and reads.calls == 1
    reads.value = None
    assert await cache.fetch(2) is None and await cache.fetch(2) is None and reads.calls == 3  # 404s not kept


async def test_a_miss_after_a_release_does_not_join_an_older_read() -> None:
    reads = Reads()
    cache = _cache(read=reads)
    reads.gate.clear()
    early = asyncio.create_task(cache.fetch(1))
    await reads.started.wait()  # the first read has taken its snapshot
    reads.value = b"v2"
    cache.released({1})  # v2 committed and released while the first read runs
    late = asyncio.create_task(cache.fetch(1))
    await asyncio.sleep(0)
    reads.gate.set()
    assert await early == b"v1" and await late == b"v2" and reads.calls == 2
    assert cache.get(1) == b"v2"


async def test_a_hot_entry_is_refreshed_ahead_and_never_all_miss() -> None:
    clock = Clock()
    reads = Reads()
    cache = _cache(read=reads, clock=clock)
    assert await cache.fetch(1) == b"v1"
    reads.value = b"v2"  # written behind the tail's back (e.g. oddsflow reprocess)
    clock.now += 0.5 * cache.ttl_s
    assert cache.get(1) == b"v1" and reads.calls == 1
    clock.now += 0.2 * cache.ttl_s  # past REFRESH_AT: one background read, the entry serves meanwhile
    assert cache.get(1) == b"v1" and cache.get(1) == b"v1"
    await asyncio.sleep(0)
    await asyncio.sleep(0)
    assert reads.calls == 2 and cache.get(1) == b"v2"
    clock.now += 0.9 * cache.ttl_s  # the refreshed entry's own lifetime
    assert cache.get(1) == b"v2"


async def test_a_failed_read_reaches_its_requests_and_stores_nothing() -> None:
    reads = Reads()
    cache = _cache(read=reads)
    reads.fail = OSError("postgres away")
    for _ in range(2):
        try:
            await cache.fetch(1)
        except OSError:
            pass
        else:
            raise AssertionError("the read's error was swallowed")
    assert len(cache) == 0 and reads.calls == 2
    reads.fail = None
    reads.gate.clear()
    first = asyncio.create_task(cache.fetch(1))
    second = asyncio.create_task(cache.fetch(1))
    await asyncio.sleep(0)
    first.cancel()  # a client went away: the read others wait for goes on
    reads.gate.set()
    assert await second == b"v1" and reads.calls == 3 and cache.get(1) == b"v1"


def test_the_app_builds_no_cache_when_disabled_or_released_before_the_commit() -> None:
    on = load_settings(api={"best_cache": True})
    tail = Tail(on, None)
    assert best_cache(on, tail, Reads()) is tail.best_cache is not None
    assert best_cache(on, None, Reads()) is None
    for off in ({"best_cache": False}, {"after_sink": False}):
        settings = load_settings(api=off)
        tail = Tail(settings, None)
        assert best_cache(settings, tail, Reads()) is None and tail.best_cache is None


def _tail_with(records: list[tuple[int, bytes]]) -> tuple[Tail, BestCache]:
    tail = Tail(load_settings(api={"after_sink": False}), None)  # released at once, no Postgres
    cache = _cache(max_bytes=10_000)
    tail.best_cache = cache
    tail.ring = Ring(100, {0: 0})
    tail._pending = {0: deque(SimpleNamespace(partition=0, offset=o, value=v) for o, v in records)}
    return tail, cache


async def test_the_tail_drops_the_events_it_releases_and_clears_on_what_it_cannot_name() -> None:
    snaps = make_feed(40).snaps
    a = snaps[0]
    b = next(s for s in snaps if s.key != a.key)
    tail, cache = _tail_with([(0, encode_snapshot(a))])
    tail._ids = {a.key: 1, b.key: 2}
    for eid in (1, 2):
        cache.put(eid, b"body", cache.token())
    await tail._release()
    assert cache.get(1) is None and cache.get(2) == b"body"
    assert tail.ring is not None and tail.ring.next_seq == 1 and tail.released == 1

    unknown = dataclasses.replace(a, event=dataclasses.replace(a.event, sportradar_id=999_999))
    for offset, value in enumerate((b'{"schema": "odds.event_merge.v1"}', encode_snapshot(unknown)), 1):
        tail._pending[0].append(SimpleNamespace(partition=0, offset=offset, value=value))
        cache.put(2, b"body", cache.token())
        await tail._release()
        assert cache.get(2) is None and len(cache) == 0


def test_cache_live_needs_the_tail_in_sync_and_fetching() -> None:
    tail = Tail(load_settings(), None)
    tail.ring = Ring(10, {0: 0})
    tail.fetched_at = time.monotonic()
    assert not tail.cache_live()
    tail.in_sync = True
    assert tail.cache_live()
    tail.fetched_at -= 5
    assert not tail.cache_live()


BODY = b'{"event_id":7,"prices":[]}'


def _app_with_hit(keys: str | None = None) -> tuple[Any, BestCache]:
    settings = load_settings(api={"keys": keys} if keys else {})
    app = create_app(settings, stream_changes=False)
    cache = _cache()
    cache.put(7, BODY, cache.token())
    app.state.best_cache = cache
    return app, cache


class Inner:
    def __init__(self) -> None:
        self.calls: list[str] = []

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        self.calls.append(scope["path"])


async def _through(path: str, *, method: str = "GET", headers: list[tuple[bytes, bytes]] | None = None,
                   keys: str | None = None) -> tuple[list[dict[str, Any]], Inner]:  # fmt: skip
    app, _ = _app_with_hit(keys)
    inner = Inner()
    sent: list[dict[str, Any]] = []

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "method": method,
        "path": path,
        "root_path": "",
        "headers": headers or [],
        "app": app,
    }
    await BestFastPath(inner)(scope, None, send)
    return sent, inner


async def test_the_fast_path_answers_only_hits_it_is_sure_of() -> None:
    sent, inner = await _through("/events/7/best")
    assert not inner.calls and sent[1]["body"] == BODY and sent[0]["status"] == 200
    for path, kw in [
        ("/events/8/best", {}),  # a miss: the route fills the cache
        ("/events/07/best", {}),
        ("/events/7/best/", {}),
        ("/events/99999999999999999999/best", {}),
        ("/events/7/odds", {}),
        ("/events/7/best", {"method": "HEAD"}),
        ("/events/7/best", {"keys": "k1"}),  # no header: the app answers 401 (or ?api_key=)
        ("/events/7/best", {"keys": "k1", "headers": [(b"x-api-key", b"k2")]}),
        ("/events/7/best", {"keys": "k1", "headers": [(b"x-api-key", b"")]}),
    ]:
        sent, inner = await _through(path, **kw)
        assert inner.calls == [path] and not sent, (path, kw)
    sent, inner = await _through("/events/7/best", keys="k1,k2", headers=[(b"x-api-key", b"k2")])
    assert not inner.calls and sent[1]["body"] == BODY


async def test_the_fast_path_and_the_route_send_the_same_response() -> None:
    app, cache = _app_with_hit("k1")
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        fast = await client.get("/events/7/best", headers={"X-API-Key": "k1"})
        hits = cache.hits
        routed = await client.get("/events/7/best", params={"api_key": "k1"})  # the route, from the cache
        assert cache.hits == hits + 1
        assert fast.status_code == routed.status_code == 200 and fast.content == routed.content == BODY
        assert dict(fast.headers) == dict(routed.headers)
        denied = await client.get("/events/7/best", headers={"X-API-Key": "nope"})
        assert denied.status_code == 401 and denied.json()["error"] == "unauthorized"


async def test_without_a_live_tail_every_miss_reads_for_itself() -> None:
    reads = Reads()
    live = [False]
    cache = _cache(read=reads, live=lambda: live[0])
    reads.gate.clear()
    both = [asyncio.create_task(cache.fetch(1)) for _ in range(2)]
    await asyncio.sleep(0)
    reads.gate.set()
    assert await asyncio.gather(*both) == [b"v1", b"v1"] and reads.calls == 2 and len(cache) == 0
