"""The feed loop (round robin, clock, stopping rules, determinism) and benchmark samples."""

from __future__ import annotations

import statistics
from dataclasses import FrozenInstanceError
from datetime import timedelta

import orjson
import pytest

from streams.simulator import (
    BOOKMAKERS,
    DEFAULT_START,
    Bookmaker,
    World,
    WorldConfig,
    iter_captures,
    sample_payloads,
)
from streams.simulator.markets import FIRST_THREE
from tests.unit.simulator.reference import MAPPED_UOF, READERS


def test_round_robin_over_events_and_bookmakers_at_the_configured_rate() -> None:
    world = World(4, seed=31, config=WorldConfig(bookmakers=BOOKMAKERS))
    captures = list(iter_captures(world, rate_per_s=8, count=30))
    assert len(captures) == 30
    expected = [(i, b) for _ in range(3) for i in range(4) for b in BOOKMAKERS][:30]
    assert [(c.event_index, c.bookmaker) for c in captures] == expected
    assert [c.captured_at - DEFAULT_START for c in captures] == [timedelta(seconds=k / 8) for k in range(30)]
    assert all(c.captured_at.utcoffset() == timedelta(0) for c in captures)
    with pytest.raises(FrozenInstanceError):
        captures[0].bookmaker = "bet9ja"  # type: ignore[misc]


def test_the_world_is_stepped_once_per_round() -> None:
    world = World(2, seed=32, config=WorldConfig(bookmakers=FIRST_THREE))
    feed = iter_captures(world, rate_per_s=6)  # one round = 6 captures = 1 s
    for _ in range(6):
        next(feed)
    assert world.now == DEFAULT_START
    next(feed)
    assert world.now == DEFAULT_START + timedelta(seconds=1)


def test_duration_and_clock() -> None:
    world = World(3, seed=33)
    start = DEFAULT_START + timedelta(minutes=5)
    captures = list(iter_captures(world, rate_per_s=10, duration_s=2.0, clock=start))
    assert len(captures) == 20
    assert captures[0].captured_at == start and captures[-1].captured_at == start + timedelta(seconds=1.9)
    with pytest.raises(ValueError):
        next(iter_captures(world, rate_per_s=10, clock=DEFAULT_START))
    with pytest.raises(ValueError):
        next(iter_captures(world, rate_per_s=0, count=1))


def test_feed_is_deterministic_for_a_seed() -> None:
    def run(seed: int) -> list[bytes]:
        world = World(5, seed=seed, config=WorldConfig(time_scale=30, live_share=0.5))
        return [orjson.dumps(c.payload) for c in iter_captures(world, rate_per_s=5, count=120)]

    assert run(1) == run(1)
    assert run(1) != run(2)


def test_consecutive_captures_of_one_book_change_about_change_rate_of_lines() -> None:
    cfg = WorldConfig(
        live_share=0.0,
        kickoff_horizon_s=48 * 3600,
        suspend_rate=0.0,
        change_rate=0.05,
        prematch_activity=1.0,
        bookmakers=FIRST_THREE,  # the books the reference readers know
    )
    world = World(10, seed=34, config=cfg)
    last: dict[tuple[int, str], dict[tuple[int, str], dict[str, float | None]]] = {}
    changed = total = 0
    for c in iter_captures(world, rate_per_s=30, count=30 * 12):
        lines = READERS[c.bookmaker](c.payload)
        before = last.get((c.event_index, c.bookmaker))
        if before is not None and not world.matches[c.event_index].live:
            total += len(lines)
            changed += sum(before.get(k) != v for k, v in lines.items())
        last[(c.event_index, c.bookmaker)] = lines
    assert 0.04 < changed / total < 0.06


def test_real_size_samples() -> None:
    sporty = sample_payloads("sportybet", 12, size="real", seed=35)
    assert all(300_000 <= len(p) <= 2_000_000 for p in sporty)
    assert all(360 <= len(orjson.loads(p)["data"]["markets"]) <= 1000 for p in sporty)
    pawa = [orjson.loads(p) for p in sample_payloads("betpawa", 12, size="real", seed=35)]
    assert all(80 <= len(d["markets"]) <= 120 for d in pawa)
    nine = [orjson.loads(p) for p in sample_payloads("bet9ja", 12, size="real", seed=35)]
    assert all(850 <= len(d["D"]["O"]) <= 950 for d in nine)
    assert sample_payloads("bet9ja", 3, seed=35) == sample_payloads("bet9ja", 3, seed=35)


def test_normal_size_samples_and_sportybet_only_markets() -> None:
    expected: dict[Bookmaker, tuple[int, int]] = {
        "sportybet": (250_000, 600_000),
        "betpawa": (40_000, 120_000),
    }
    for bookmaker, (low, high) in expected.items():
        sizes = [len(p) for p in sample_payloads(bookmaker, 20, size="normal", seed=36)]
        assert low < statistics.median(sizes) < high, bookmaker
    nine = [len(p) for p in sample_payloads("bet9ja", 20, size="normal", seed=36)]
    real = [len(p) for p in sample_payloads("bet9ja", 20, size="real", seed=36)]
    assert 40_000 < statistics.median(nine) < 150_000 and statistics.median(real) > 2 * statistics.median(
        nine
    )
    docs = [orjson.loads(p) for p in sample_payloads("sportybet", 20, size="real", seed=36)]
    ids = {int(m["id"]) for d in docs for m in d["data"]["markets"]} - MAPPED_UOF
    assert {60100, 60200} <= ids and any(i >= 900_000 for i in ids)
