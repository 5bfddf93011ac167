"""The stuck-consumer watch (sinks.write.stuck): which consumer states it reports, and when."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from aiokafka import TopicPartition

from sinks.write import stuck
from sinks.write.stuck import StuckWatch


@dataclass
class Subscription:
    reassignment_in_progress: bool = False


@dataclass
class Consumer:
    """The two things the watch reads of an aiokafka consumer."""

    partitions: set[int] = field(default_factory=set)
    _subscription: Subscription = field(default_factory=Subscription)

    def assignment(self) -> set[TopicPartition]:
        return {TopicPartition("t", p) for p in self.partitions}


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    now = [1000.0]
    monkeypatch.setattr(stuck.time, "monotonic", lambda: now[0])
    return now


def test_partitions_assigned_without_a_callback_are_reported_after_the_limit(clock: list[float]) -> None:
    watch, consumer = StuckWatch(10), Consumer({0, 1})
    assert not watch.stuck(consumer, {0}, "w")  # partition 1 unannounced: the clock starts
    clock[0] += 9.9
    assert not watch.stuck(consumer, {0}, "w")
    clock[0] += 0.2
    assert watch.stuck(consumer, {0}, "w")
    assert not watch.stuck(consumer, {0, 1}, "w")  # announced now: fine again


def test_a_rejoin_is_reported_only_once_it_lasts_twice_the_limit(clock: list[float]) -> None:
    watch, consumer = StuckWatch(10), Consumer({0, 1})
    consumer._subscription.reassignment_in_progress = True
    assert not watch.stuck(consumer, set(), "w")
    clock[0] += 19.9
    assert not watch.stuck(consumer, set(), "w")  # waiting for the group's other members
    clock[0] += 0.2
    assert watch.stuck(consumer, set(), "w")  # the join keeps failing


def test_a_finished_rejoin_restarts_the_rejoin_clock(clock: list[float]) -> None:
    watch, consumer = StuckWatch(10), Consumer({0})
    consumer._subscription.reassignment_in_progress = True
    assert not watch.stuck(consumer, set(), "w")
    clock[0] += 15
    consumer._subscription.reassignment_in_progress = False
    assert not watch.stuck(consumer, {0}, "w")
    consumer._subscription.reassignment_in_progress = True
    clock[0] += 15
    assert not watch.stuck(consumer, set(), "w")  # a new rejoin, 0 s old
    watch.reset()
    clock[0] += 19
    assert not watch.stuck(consumer, set(), "w")
