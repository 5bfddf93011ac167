"""The tansu switch and the timestamp search of :mod:`streams.kafka.workarounds.tansu_gaps` (no broker)."""

from __future__ import annotations

import asyncio
import os

import pytest

from streams.errors import SettingsError
from streams.kafka.workarounds import tansu_gaps
from streams.settings import load_settings


def test_the_switch_is_one_setting_and_kafka_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    for key in list(os.environ):
        if key.startswith("ODDS_"):
            monkeypatch.delenv(key)
    monkeypatch.chdir(os.path.dirname(__file__))  # no stray .env
    assert not tansu_gaps.enabled(load_settings().kafka)
    monkeypatch.setenv("ODDS_KAFKA__ENGINE", "tansu")
    assert tansu_gaps.enabled(load_settings().kafka)
    monkeypatch.setenv("ODDS_KAFKA__ENGINE", "redpanda")
    with pytest.raises(SettingsError, match="ODDS_KAFKA__ENGINE"):
        load_settings()


def search(timestamps: list[int], when_ms: int, earliest: int = 0) -> tuple[tuple[int, int] | None, int]:
    """:func:`tansu_gaps.first_at_or_after` over a log whose record at offset ``i`` (from
    ``earliest``) has ``timestamps[i]``, ``None`` entries being offsets without a record
    (compaction, transaction markers); returns the answer and the number of reads."""
    latest = earliest + len(timestamps)
    reads = []

    async def record_at(offset: int) -> tuple[int, int] | None:
        reads.append(offset)
        for o in range(offset, latest):
            ts = timestamps[o - earliest]
            if ts is not None:
                return o, ts
        return None

    found = asyncio.run(tansu_gaps.first_at_or_after(record_at, when_ms, earliest, latest))
    return found, len(reads)


def test_the_first_record_at_or_after_the_time_is_found() -> None:
    log = [1000 * i for i in range(30)]
    assert search(log, 12_500)[0] == (13, 13_000)
    assert search(log, 13_000)[0] == (13, 13_000)
    assert search(log, -5)[0] == (0, 0)
    assert search(log, 29_000)[0] == (29, 29_000)


def test_no_record_at_or_after_the_time_is_none() -> None:
    assert search([1000 * i for i in range(30)], 29_001)[0] is None
    assert search([], 0)[0] is None


def test_equal_timestamps_give_the_first_of_them_and_gaps_are_stepped_over() -> None:
    assert search([5, 7, 7, 7, 9], 7)[0] == (1, 7)
    assert search([5, None, None, 8, 9], 6)[0] == (3, 8)
    assert search([5, 6, 8], 7, earliest=100)[0] == (102, 8)


def test_the_search_reads_log2_n_records() -> None:
    found, reads = search([i for i in range(100_000)], 77_777)
    assert found == (77_777, 77_777)
    assert reads <= 2 + 17  # the last record, the binary search, the answer
