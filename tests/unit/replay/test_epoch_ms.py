"""``epoch_ms_at_or_after``: the millisecond a time-based replay asks Kafka for."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from streams.replay.plan import epoch_ms_at_or_after

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def test_whole_milliseconds_stay_and_any_fraction_rounds_up() -> None:
    ms = 1_795_000_000_123
    exact = EPOCH + timedelta(milliseconds=ms)
    assert epoch_ms_at_or_after(exact) == ms
    assert epoch_ms_at_or_after(exact + timedelta(microseconds=1)) == ms + 1
    assert epoch_ms_at_or_after(exact + timedelta(microseconds=999)) == ms + 1
    assert epoch_ms_at_or_after(exact - timedelta(microseconds=1)) == ms
    assert epoch_ms_at_or_after(exact.astimezone(timezone(timedelta(hours=-5)))) == ms


def test_every_millisecond_of_a_second_round_trips() -> None:
    start = datetime(2026, 11, 21, 18, 0, tzinfo=UTC)
    base = (start - EPOCH) // timedelta(milliseconds=1)
    for i in range(1000):
        assert epoch_ms_at_or_after(start + timedelta(milliseconds=i)) == base + i
        assert epoch_ms_at_or_after(start + timedelta(milliseconds=i, microseconds=500)) == base + i + 1
