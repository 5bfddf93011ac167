"""The pipeline's CPU per capture against the adapters' own work on the same payloads.

Used by :mod:`bench.e2e`'s drain phase (a). *Pipeline* CPU is what the ``oddsflow worker``
and ``oddsflow sink`` processes used during the drain (``/proc/<pid>/stat``, through
:class:`bench.measure.CpuMeter`) divided by the captures drained; the *adapters'* CPU is
``orjson.loads`` + :func:`streams.adapters.normalize` of the very payloads that phase
published, in the bench process after the drain (``time.process_time``), as
``bench/normalize.py`` and ``bench/stages.py`` time an adapter: with the interpreter's
default GC (the reference), and again under the workers' GC policy
(:mod:`streams.cli.gc_policy`, ``streams.gc_threshold``), which makes the adapters' own
work cheaper too. The ratio of the two says
how many times the adapter's work the whole pipeline spends on a capture (decoding and
encoding between the hops, faust, matching, the diff, signals, the sink). Target: ≤ 3.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import orjson

from bench.measure import Item
from streams import adapters
from streams.cli import gc_policy

TARGET = 3.0


def adapter_cpu_s(items: Sequence[Item], rounds: int = 1, gc_threshold: int = 0) -> float:
    """CPU seconds per capture of ``orjson.loads`` + :func:`streams.adapters.normalize` over
    ``items``; the lowest of ``rounds`` passes (the machine is shared: the least disturbed).
    With ``gc_threshold`` > 0, under the worker's GC policy (:mod:`streams.cli.gc_policy`),
    restored afterwards."""
    if not items:
        raise ValueError("no payloads to time")
    now = datetime.now(UTC)
    best = float("inf")
    before = gc.get_threshold()
    gc_policy.apply(gc_threshold)
    try:
        for _ in range(rounds):
            t0 = time.process_time()
            for it in items:
                adapters.normalize(it.bookmaker, orjson.loads(it.payload), now, now=now)
            best = min(best, time.process_time() - t0)
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)
    return best / len(items)


def efficiency(
    cpu_s: dict[str, float], captures: int, adapter_s: float, adapter_policy_s: float
) -> dict[str, Any]:
    """Per-capture CPU of the pipeline (``workers`` + ``sinks`` of ``cpu_s``, CPU seconds over
    the drain of ``captures``) and its ratio to ``adapter_s`` (CPU seconds per capture, the
    interpreter's default GC) and to ``adapter_policy_s`` (under the workers' GC policy)."""
    workers = cpu_s.get("workers", 0.0) / captures
    sinks = cpu_s.get("sinks", 0.0) / captures
    return {
        "adapter_ms": 1e3 * adapter_s,
        "adapter_policy_ms": 1e3 * adapter_policy_s,
        "workers_ms": 1e3 * workers,
        "sinks_ms": 1e3 * sinks,
        "pipeline_ms": 1e3 * (workers + sinks),
        "ratio": (workers + sinks) / adapter_s,
        "workers_ratio": workers / adapter_s,
        "ratio_policy": (workers + sinks) / adapter_policy_s,
    }


def show(e: dict[str, Any]) -> str:
    """One line: the CPU per capture of each part and the ratio against :data:`TARGET`."""
    ok = "OK" if e["ratio"] <= TARGET else "MISS"
    return (
        f"CPU per capture: pipeline {e['pipeline_ms']:.2f} ms (workers {e['workers_ms']:.2f}, "
        f"sink {e['sinks_ms']:.2f}), adapters alone {e['adapter_ms']:.2f} ms; "
        f"pipeline / adapters = {e['ratio']:.2f} (workers alone {e['workers_ratio']:.2f})   "
        f"target ≤ {TARGET:.0f}: {ok}; adapters under the workers' GC policy "
        f"{e['adapter_policy_ms']:.2f} ms, pipeline / those = {e['ratio_policy']:.2f}"
    )
