"""The line-info memo of the signals stage holds the open events' lines only (closed ones dropped)."""

from __future__ import annotations

import dataclasses

from streams.stages.signals.quotes import InfoCache
from tests.unit.signals.test_process import OU, Stage, at, snap


def test_forget_drops_a_market_and_the_bound_counts_lines() -> None:
    infos = InfoCache("shin", limit=3)
    a, b = {"12": 1.9, "13": 1.9}, {"12": 1.8, "13": 2.0}
    first = infos.get("sr:1|18", "betpawa", "total=2.5", 18, a)
    assert first is not None and infos.get("sr:1|18", "betpawa", "total=2.5", 18, a) is first
    infos.get("sr:1|18", "sportybet", "total=2.5", 18, b)
    infos.get("sr:2|18", "betpawa", "total=2.5", 18, a)
    assert len(infos) == 3
    assert infos.forget("sr:1|18") == 2 and len(infos) == 1
    assert infos.forget("sr:1|18") == 0
    infos.get("sr:3|18", "betpawa", "total=2.5", 18, a)
    infos.get("sr:4|18", "betpawa", "total=2.5", 18, a)
    assert len(infos) == 3
    infos.get("sr:5|18", "betpawa", "total=2.5", 18, a)  # full: cleared first
    assert len(infos) == 1


def test_closed_events_leave_no_line_info_behind() -> None:
    st = Stage()
    for n in range(20):  # events open, are priced by two books, and close one after the other
        event = dataclasses.replace(snap("betpawa", at(0), {}).event, sportradar_id=2000 + n)
        for i, book in enumerate(("betpawa", "sportybet")):
            s = snap(book, at(10 * n + i), {OU: {"12": 1.9 + i / 10, "13": 1.9}})
            st.put(dataclasses.replace(s, event=event))
        if n < 19:
            st.stage.forget(f"sr:{2000 + n}")
    assert len(st.stage.infos) == 2  # the one open event's two books' lines
