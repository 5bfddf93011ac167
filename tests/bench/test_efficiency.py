"""bench/efficiency.py: the arithmetic of the efficiency line, and the adapters' timing leaves
the bench process's GC as it found it. Needs nothing running."""

from __future__ import annotations

import gc
import re

import pytest

from bench.efficiency import TARGET, adapter_cpu_s, efficiency, show
from bench.measure import Item
from streams.simulator import sample_payloads
from tests.bench.test_smoke import EXPECT


def test_ratio_is_pipeline_cpu_per_capture_over_the_adapters() -> None:
    e = efficiency({"workers": 6.0, "sinks": 1.5, "broker": 9.0}, 1000, 0.002, 0.0015)
    assert e["pipeline_ms"] == pytest.approx(7.5)
    assert e["workers_ms"] == pytest.approx(6.0)
    assert e["ratio"] == pytest.approx(3.75)  # the broker is not the pipeline's
    assert e["workers_ratio"] == pytest.approx(3.0)
    assert e["ratio_policy"] == pytest.approx(5.0)


@pytest.mark.parametrize(("ratio_s", "verdict"), [(0.003, "OK"), (0.0031, "MISS")])
def test_the_line_says_met_or_not_and_the_smoke_test_reads_it(ratio_s: float, verdict: str) -> None:
    line = show(efficiency({"workers": ratio_s, "sinks": 0.0}, 1, 0.001, 0.001))
    assert f"target ≤ {TARGET:.0f}: {verdict}" in line
    assert any(re.search(p, line) for p in EXPECT["e2e"])


def test_adapter_timing_restores_the_gc_it_changed() -> None:
    items = [Item("betpawa", "1", None, p) for p in sample_payloads("betpawa", 2, size="normal", seed=1)]
    before, frozen = gc.get_threshold(), gc.get_freeze_count()
    assert adapter_cpu_s(items, gc_threshold=10_000) > 0
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == frozen


def test_no_payloads_is_an_error() -> None:
    with pytest.raises(ValueError):
        adapter_cpu_s([])
