"""streams/observe/heap.py: off by default; a report names the allocation site that grew."""

from __future__ import annotations

import tracemalloc
from pathlib import Path
from typing import Any

from streams.observe import heap
from streams.settings import load_settings

KEPT: list[bytes] = []


def grow() -> None:
    KEPT.extend(bytes(1000) + bytes([i % 256]) for i in range(2000))


class App:
    def __init__(self) -> None:
        self.timers: list[tuple[float, Any]] = []

    def timer(self, interval: float, name: str) -> Any:
        return lambda fn: self.timers.append((interval, fn)) or fn


def test_off_by_default() -> None:
    assert load_settings().streams.heap_trace_s == 0
    app = App()
    assert heap.install(app, 0.0) is None and app.timers == []


def test_a_report_names_what_grew_since_the_first(tmp_path: Path) -> None:
    was_tracing = tracemalloc.is_tracing()
    app = App()
    trace = heap.install(app, 60.0, tmp_path / "heap.txt")
    try:
        assert trace is not None and [t[0] for t in app.timers] == [60.0]
        first = trace.report()
        assert first.startswith("heap report 0: rss ") and "test_heap_trace.py" not in first
        grow()
        second = trace.report()
        assert "test_heap_trace.py" in second.split("\n", 2)[2]  # the top growth line
        assert (tmp_path / "heap.txt").read_text() == first + "\n" + second + "\n"
    finally:
        KEPT.clear()
        if not was_tracing:
            tracemalloc.stop()
