"""``oddsflow status`` fits 80 columns with the longest names a deployment uses, uncut."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from rich.console import Console

from sinks.status import Status, render

AT = datetime(2026, 12, 7, 8, 0, tzinfo=UTC)
GROUP = "oddsflow-production-eu-west-sink"
TOPIC = "odds.raw.sportybet-nigeria-live"


def status() -> Status:
    stage = {"group": GROUP, "topic": TOPIC, "partition": 11, "committed": 123_456_789,
             "highwater": 123_456_999, "lag": 210, "lag_seconds": 1.25, "in_per_s": 812.5,
             "out_per_s": 799.0}  # fmt: skip
    book = {"bookmaker": "sportybet-nigeria", "last_capture": AT.isoformat(), "freshness_s": 2.5,
            "captures": 12_345_678, "unmapped_lines": 5, "unmapped_share": 0.031}  # fmt: skip
    return Status(
        at=AT, stages=[stage], bookmakers=[book], dlq={"normalize/missing_field": 3},
        open_events=123_456, open_window_h=7.0,
    )  # fmt: skip


@pytest.mark.parametrize("width", [80, 100, 160])
def test_status_fits_the_terminal_and_cuts_no_name(width: int) -> None:
    console = Console(width=width, record=True, color_system=None)
    console.print(render(status(), width))
    text = console.export_text()
    lines = text.splitlines()
    assert max(len(line) for line in lines) <= width
    assert "…" not in text
    cells = [line.split("│")[1:-1] for line in lines if line.startswith("│")]
    columns = ["".join(row[i].strip() for row in cells if len(row) > i) for i in range(2)]
    assert GROUP in columns[0] and "raw.sportybet-nigeria-live" in columns[1]
    assert "sportybet-nigeria" in columns[0] and "normalize/missing_field" in columns[0]
    assert ("123456789" in text) == (width >= 100)
    assert "open events: 123456 (captured in the last 7 h)" in " ".join(text.split())
