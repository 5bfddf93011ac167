"""The sink's id cache drops a closed event's ids and keeps everything else."""

from __future__ import annotations

from datetime import UTC, datetime

from sinks.write.id_cache import Maps

KICKOFF = datetime(2026, 5, 6, 18, 0, tzinfo=UTC)


def _cache() -> Maps:
    cache = Maps()
    cache.sports["soccer"] = 1
    cache.bookmakers.update(betpawa=1, sportybet=2)
    meta = (1, 7, "A", "B", KICKOFF)
    # a matched event 10 (Sportradar 61) at two bookmakers, a bookmaker-only event 11
    cache.by_sportradar[61] = (10, meta)
    cache.meta.update({10: meta, 11: meta})
    cache.resolved[(61, "betpawa", "p1")] = (object(), 10, 1)  # type: ignore[assignment]
    cache.resolved[(61, "sportybet", "sr:match:61")] = (object(), 10, 2)  # type: ignore[assignment]
    cache.by_bookmaker_event[(1, "p2")] = 11
    cache.resolved[(None, "betpawa", "p2")] = (object(), 11, 1)  # type: ignore[assignment]
    return cache


def test_forget_a_matched_event_drops_its_ids_only() -> None:
    cache = _cache()
    dropped = cache.forget(61, {"betpawa": "p1", "sportybet": "sr:match:61"})
    assert dropped == 4  # by_sportradar, two resolved, meta
    assert 61 not in cache.by_sportradar and 10 not in cache.meta
    assert set(cache.resolved) == {(None, "betpawa", "p2")}
    assert cache.meta.keys() == {11} and cache.by_bookmaker_event == {(1, "p2"): 11}
    assert cache.sports == {"soccer": 1} and cache.bookmakers == {"betpawa": 1, "sportybet": 2}


def test_forget_a_bookmaker_only_event() -> None:
    cache = _cache()
    assert cache.forget(None, {"betpawa": "p2"}) == 3
    assert cache.by_bookmaker_event == {} and cache.meta.keys() == {10}
    assert (None, "betpawa", "p2") not in cache.resolved
    assert cache.sizes()["resolved"] == 2


def test_forget_an_unknown_event_is_a_no_op() -> None:
    cache = _cache()
    before = cache.sizes()
    assert cache.forget(99, {"betpawa": "nope", "unknown": "x"}) == 0
    assert cache.sizes() == before
