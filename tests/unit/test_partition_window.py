"""Pure partition rules: names, window, retention."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from sinks.partitions import window as w

TODAY = date(2026, 11, 21)


def test_child_name_round_trip() -> None:
    assert w.child_name("odds_history", TODAY) == "odds_history_p2026_11_21"
    assert w.parse_child("odds_history_p2026_11_21") == ("odds_history", TODAY)
    assert w.parse_child("odds_history_default") is None


def test_window_bounds_inclusive() -> None:
    win = w.window(TODAY, retention_days=30, premake_days=7)
    assert TODAY - timedelta(days=30) in win
    assert TODAY - timedelta(days=31) not in win
    assert TODAY + timedelta(days=7) in win
    assert TODAY + timedelta(days=8) not in win
    assert len(win.days()) == 38


def test_utc_day_uses_utc() -> None:
    late_evening_west = datetime(2026, 11, 21, 22, 0, tzinfo=timezone(timedelta(hours=-5)))
    assert w.utc_day(late_evening_west) == date(2026, 11, 22)
    with pytest.raises(ValueError):
        w.utc_day(datetime(2026, 11, 21))


def test_bounds_are_utc_midnights() -> None:
    start, end = w.bounds(TODAY)
    assert start == datetime(2026, 11, 21, tzinfo=UTC)
    assert end - start == timedelta(days=1)


def test_to_drop_only_older_than_retention() -> None:
    days = [TODAY - timedelta(days=n) for n in (0, 5, 30, 31, 45)]
    assert w.to_drop(days, TODAY, 30) == [TODAY - timedelta(days=45), TODAY - timedelta(days=31)]
