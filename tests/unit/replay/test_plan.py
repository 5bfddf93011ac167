"""plan() and its parsers: every spec, clamping, refusals (no Kafka, no database)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from streams.cli.replay import spec_from_flags
from streams.replay.plan import (
    TP,
    ByDuration,
    Move,
    ReplayError,
    ShiftBy,
    ToDatetime,
    ToEarliest,
    ToLatest,
    ToOffset,
    notes,
    parse_datetime,
    parse_duration,
    parse_scope,
    plan,
    select,
    target_time,
)

A0, A1, B0 = TP("a", 0), TP("a", 1), TP("b", 0)
EARLIEST = {A0: 10, A1: 0, B0: 5}
LATEST = {A0: 100, A1: 50, B0: 5}  # b:0 is empty (retention removed everything)
CURRENT: dict[TP, int | None] = {A0: 40, A1: None, B0: 5}
NOW = datetime(2026, 11, 21, 18, 0, tzinfo=UTC)


def test_to_earliest_and_latest() -> None:
    assert plan(CURRENT, EARLIEST, LATEST, ToEarliest()) == {A0: (40, 10), A1: (None, 0), B0: (5, 5)}
    assert plan(CURRENT, EARLIEST, LATEST, ToLatest()) == {A0: (40, 100), A1: (None, 50), B0: (5, 5)}


def test_to_offset_is_clamped_like_kafka() -> None:
    moves = plan(CURRENT, EARLIEST, LATEST, ToOffset(60))
    assert moves == {A0: Move(40, 60), A1: Move(None, 50), B0: Move(5, 5)}
    assert notes(CURRENT, EARLIEST, LATEST, ToOffset(60)) == {
        A1: "clamped down from 60 to latest",
        B0: "clamped down from 60 to latest",
    }
    assert plan(CURRENT, EARLIEST, LATEST, ToOffset(0))[A0] == Move(40, 10)
    assert notes(CURRENT, EARLIEST, LATEST, ToOffset(0))[A0] == "clamped up from 0 to earliest"


def test_shift_by_both_ways_with_clamping() -> None:
    current: dict[TP, int | None] = {A0: 40, A1: 45}
    scope = {A0: 10, A1: 0}
    latest = {A0: 100, A1: 50}
    assert plan(current, scope, latest, ShiftBy(-35)) == {A0: (40, 10), A1: (45, 10)}
    assert plan(current, scope, latest, ShiftBy(+7)) == {A0: (40, 47), A1: (45, 50)}
    assert notes(current, scope, latest, ShiftBy(-35)) == {A0: "clamped up from 5 to earliest"}


def test_shift_without_committed_offset_is_refused() -> None:
    with pytest.raises(ReplayError, match=r"cannot shift a:1: nothing committed"):
        plan(CURRENT, EARLIEST, LATEST, ShiftBy(-1))


def test_time_specs_use_the_located_offsets() -> None:
    spec = ToDatetime(NOW - timedelta(hours=1))
    times: dict[TP, int | None] = {A0: 70, A1: 3}
    scope = {A0: 10, A1: 0}
    assert plan(CURRENT, scope, {A0: 100, A1: 50}, spec, times) == {A0: (40, 70), A1: (None, 3)}
    assert plan(CURRENT, scope, {A0: 100, A1: 50}, ByDuration(timedelta(hours=6)), times)[A0] == (40, 70)


def test_no_offset_for_the_time_is_refused_never_zero() -> None:
    spec = ToDatetime(NOW - timedelta(hours=1))
    times: dict[TP, int | None] = {A0: 70, A1: None, B0: None}
    with pytest.raises(ReplayError, match=r"no offset for the time asked in a:1:"):
        plan(CURRENT, EARLIEST, LATEST, spec, times)
    # asked for: Kafka's fallback to the log end; the empty b:0 has one offset only
    assert plan(CURRENT, EARLIEST, LATEST, spec, times, missing_to_latest=True) == {
        A0: (40, 70),
        A1: (None, 50),
        B0: (5, 5),
    }
    assert notes(CURRENT, EARLIEST, LATEST, spec, times) == {
        A1: "no record at or after the time: to latest",
        B0: "empty partition",
    }
    with pytest.raises(ValueError, match="times="):
        plan(CURRENT, EARLIEST, LATEST, spec)


def test_an_empty_partition_is_not_a_missing_offset() -> None:
    spec = ByDuration(timedelta(hours=1))
    assert plan(CURRENT, EARLIEST, LATEST, spec, {A0: 11, A1: 0, B0: None}) == {
        A0: (40, 11),
        A1: (None, 0),
        B0: (5, 5),
    }


def test_future_time_is_refused() -> None:
    with pytest.raises(ReplayError, match="in the future"):
        target_time(ToDatetime(NOW + timedelta(seconds=1)), NOW)
    assert target_time(ToDatetime(NOW), NOW) == NOW
    assert target_time(ByDuration(timedelta(hours=6)), NOW) == NOW - timedelta(hours=6)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("PT6H", timedelta(hours=6)),
        ("P1D", timedelta(days=1)),
        ("P1DT12H30M", timedelta(days=1, hours=12, minutes=30)),
        ("PT90M", timedelta(minutes=90)),
        ("PT1.5S", timedelta(seconds=1.5)),
        ("P2W", timedelta(weeks=2)),
        ("pt15m", timedelta(minutes=15)),
    ],
)
def test_parse_duration(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize(
    ("text", "hint"),
    [
        ("P1M", "months"),
        ("P1Y", "years"),
        ("PT", "ISO-8601"),
        ("6h", "ISO-8601"),
        ("PT0S", "longer than zero"),
    ],
)
def test_parse_duration_refuses(text: str, hint: str) -> None:
    with pytest.raises(ReplayError, match=hint):
        parse_duration(text)


def test_parse_datetime_defaults_to_utc() -> None:
    assert parse_datetime("2026-11-21T18:00:00") == NOW
    assert parse_datetime("2026-11-21T19:00:00+01:00") == NOW
    assert parse_datetime("2026-11-21T18:00:00Z") == NOW
    assert parse_datetime("2026-11-21") == NOW.replace(hour=0)
    with pytest.raises(ReplayError, match="ISO-8601"):
        parse_datetime("yesterday")


def test_scope_parsing_and_selection() -> None:
    scope = parse_scope(["a:1", "b", "a:0"])
    assert scope == {"a": frozenset({0, 1}), "b": None}
    assert parse_scope(["a:1", "a"]) == {"a": None}
    partitions = {"a": [0, 1, 2], "b": [0], "c": [0]}
    assert select(partitions, scope) == [A0, A1, B0]
    assert select(partitions, {}) == [TP("a", 0), TP("a", 1), TP("a", 2), B0, TP("c", 0)]
    with pytest.raises(ReplayError, match="no partition"):
        select(partitions, {"a": frozenset({7})})
    with pytest.raises(ReplayError, match="does not exist"):
        select(partitions, {"zz": None})
    for bad in ("a:", ":1", "a:x"):
        with pytest.raises(ReplayError):
            parse_scope([bad])


def test_exactly_one_spec_flag() -> None:
    assert spec_from_flags(False, False, None, -5, None, None) == ShiftBy(-5)
    assert spec_from_flags(False, False, None, None, None, "PT6H") == ByDuration(timedelta(hours=6))
    with pytest.raises(ReplayError, match="exactly one"):
        spec_from_flags(True, True, None, None, None, None)
    with pytest.raises(ReplayError, match="exactly one"):
        spec_from_flags(False, False, None, None, None, None)
