"""Where a worker's memory grows: periodic ``tracemalloc`` reports (a diagnostic, off by default).

With ``streams.heap_trace_s`` > 0 (``ODDS_STREAMS__HEAP_TRACE_S``) the worker starts
``tracemalloc`` (:data:`FRAMES` frames) and, every that many seconds, writes one report: its
RSS, the bytes Python's allocators hold for live objects (traced), and the :data:`TOP`
allocation sites that grew most since the first report. RSS growing while traced bytes stay
flat is the allocator's (fragmentation, freed memory not returned); traced bytes growing
name the code that keeps the objects. Reports go to the log (INFO) and, when
``streams.heap_trace_file`` is set, are appended to that file. Tracing slows the worker
several fold: for diagnosis runs only.
"""

from __future__ import annotations

import logging
import os
import tracemalloc
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

FRAMES = 3
TOP = 15


def rss_bytes() -> int:
    """This process's resident set size (Linux ``/proc``; 0 elsewhere)."""
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


class HeapTrace:
    """Reports growth against the snapshot taken at the first :meth:`report`."""

    def __init__(self, path: Path | None = None, frames: int = FRAMES, top: int = TOP) -> None:
        self.path = path
        self.frames = frames
        self.top = top
        self.base: tracemalloc.Snapshot | None = None
        self.reports = 0

    def start(self) -> None:
        if not tracemalloc.is_tracing():
            tracemalloc.start(self.frames)

    def report(self) -> str:
        """One report (also logged and appended to :attr:`path`)."""
        keep = (tracemalloc.Filter(False, tracemalloc.__file__),)
        snap = tracemalloc.take_snapshot().filter_traces(keep)
        traced, _ = tracemalloc.get_traced_memory()
        lines = [f"heap report {self.reports}: rss {rss_bytes() / 1e6:.1f} MB, traced {traced / 1e6:.1f} MB"]
        if self.base is None:
            self.base = snap
        else:
            for stat in snap.compare_to(self.base, "traceback")[: self.top]:
                lines.append(f"  {stat.size_diff / 1e3:+10.1f} kB {stat.count_diff:+8d} blocks")
                lines += [f"      {line.strip()}" for line in stat.traceback.format() if line.strip()]
        self.reports += 1
        text = "\n".join(lines)
        log.info("%s", text)
        if self.path is not None:
            with open(self.path, "a") as out:
                out.write(text + "\n")
        return text


def install(app: Any, interval_s: float, path: Path | None = None) -> HeapTrace | None:
    """Start tracing and report every ``interval_s`` seconds on ``app``'s timer (0: nothing)."""
    if interval_s <= 0:
        return None
    trace = HeapTrace(path)
    trace.start()

    async def heap_report() -> None:
        trace.report()

    app.timer(interval_s, name="heap_report")(heap_report)
    return trace
