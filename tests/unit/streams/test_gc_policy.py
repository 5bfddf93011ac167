"""The worker's GC policy (streams/cli/gc_policy.py): thresholds set, start-up objects frozen,
cycles still collected; 0 leaves the interpreter as it was."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator

import pytest

from streams.cli import gc_policy
from streams.settings import load_settings


@pytest.fixture
def restore_gc() -> Iterator[None]:
    before = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*before)


class Node:
    def __init__(self) -> None:
        self.me = self


def test_apply_sets_the_young_threshold_and_freezes_what_is_alive(restore_gc: None) -> None:
    alive = [object() for _ in range(10)]
    assert gc_policy.apply(10_000) == (10_000, *gc_policy.OLDER)
    assert gc.get_freeze_count() > len(alive)


def test_cycles_made_after_apply_are_still_collected(restore_gc: None) -> None:
    gc_policy.apply(10_000)
    ref = weakref.ref(Node())
    assert ref() is not None  # a cycle: reference counting alone does not free it
    gc.collect()
    assert ref() is None


def test_zero_leaves_the_interpreter_alone(restore_gc: None) -> None:
    gc.set_threshold(700, 10, 10)
    frozen = gc.get_freeze_count()
    assert gc_policy.apply(0) == (700, 10, 10)
    assert gc.get_freeze_count() == frozen


def test_the_worker_default_is_on_and_env_settable(monkeypatch: pytest.MonkeyPatch) -> None:
    assert load_settings().streams.gc_threshold == 10_000
    monkeypatch.setenv("ODDS_STREAMS__GC_THRESHOLD", "0")
    assert load_settings().streams.gc_threshold == 0
