"""A board seen on two raw partitions is counted and logged once (streams.stages.match.split)."""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import timedelta

import pytest
from prometheus_client import REGISTRY

from streams.contracts.capture import CanonicalCaptureV1, encode_capture
from streams.contracts.snapshot import Source
from streams.observe.counters import StreamCounters
from streams.stages.match.board import decode_board
from streams.stages.match.logic import match_capture
from streams.stages.match.split import SplitBoards, moved_from
from tests.unit.streams.test_agents import Recorder, make_app, match
from tests.unit.streams.test_board import BASE, POLICY, T0, capture

TOPIC = "odds.raw.sportybet"
TRUST = ("sportybet", "betpawa", "bet9ja")


def split_count(bookmaker: str = "sportybet") -> float:
    return REGISTRY.get_sample_value("oddsflow_split_boards_total", {"bookmaker": bookmaker}) or 0.0


def cap(seconds: int, partition: int, offset: int, **event: object) -> CanonicalCaptureV1:
    ev = replace(capture(T0 + timedelta(seconds=seconds), *BASE), **event)  # type: ignore[arg-type]
    return CanonicalCaptureV1(ev, Source(TOPIC, partition, offset))


def run(captures: list[CanonicalCaptureV1]) -> list[int | None]:
    """match_capture over plain dicts; the ``moved_from`` of each capture."""
    boards: dict[str, bytes] = {}
    registry: dict[str, bytes] = {}
    out = []
    for c in captures:
        result = match_capture(c, boards, registry, policy=POLICY, trust=TRUST, counters=StreamCounters())
        out.append(result.moved_from)
    return out


def test_one_partition_is_never_a_split() -> None:
    assert run([cap(0, 2, 10), cap(10, 2, 11), cap(20, 2, 11), cap(5, 2, 9)]) == [None] * 4


def test_a_capture_on_another_partition_names_the_previous_one() -> None:
    # new on 2, new on 0 (moved from 2), stale on 2 (moved from 0: the last accepted capture)
    assert run([cap(0, 2, 10), cap(10, 0, 3), cap(5, 2, 11)]) == [None, 2, 0]


def test_other_topic_or_other_bookmaker_event_id_is_not_a_split() -> None:
    first = cap(0, 2, 10)
    boards: dict[str, bytes] = {}
    match_capture(first, boards, {}, policy=POLICY, trust=TRUST, counters=StreamCounters())
    state = decode_board(next(iter(boards.values())))
    other_topic = CanonicalCaptureV1(first.event, Source("elsewhere.raw.sportybet", 0, 1))
    assert moved_from(state, other_topic) is None
    # a second listing of the same match (same Sportradar id) has its own raw key
    assert moved_from(state, cap(10, 0, 1, bookmaker_event_id="sr:match:1")) is None
    assert moved_from(state, cap(10, 0, 1)) == 2
    assert moved_from(None, first) is None


def test_counted_and_logged_once_per_board(caplog: pytest.LogCaptureFixture) -> None:
    splits = SplitBoards(limit=10)
    before = split_count()
    with caplog.at_level(logging.WARNING, logger="streams.stages.match.split"):
        assert splits.seen("sr:1|sportybet", cap(10, 0, 3), 2)
        assert not splits.seen("sr:1|sportybet", cap(20, 2, 12), 0)
        assert splits.seen("sr:2|sportybet", cap(10, 1, 3), 2)
    assert split_count() - before == 2
    first, *others = [r.getMessage() for r in caplog.records]
    assert len(others) == 1
    assert (
        "raw key 'sportybet:sr:match:68995116' arrived on partitions 2 and 0 of odds.raw.sportybet" in first
    )
    assert "murmur2_random" in first


def test_memory_stays_bounded() -> None:
    splits = SplitBoards(limit=100)
    for i in range(10_000):
        splits.seen(f"sr:{i}|sportybet", cap(10, 0, i), 1)
    memo = splits._reported
    assert len(memo) + len(memo.old) <= 200


async def test_the_match_agent_counts_a_board_split_over_two_partitions(
    caplog: pytest.LogCaptureFixture,
) -> None:
    app = make_app(TOPIC, Recorder())
    before = split_count()
    values = [encode_capture(c) for c in (cap(0, 1, 5), cap(10, 1, 6), cap(20, 0, 2), cap(30, 1, 7))]
    with caplog.at_level(logging.WARNING, logger="streams.stages.match.split"):
        assert await match(app, values) == ["new"] * 4
    assert split_count() - before == 1  # one board, counted once however often it moves
    assert sum("arrived on partitions 1 and 0" in r.getMessage() for r in caplog.records) == 1
