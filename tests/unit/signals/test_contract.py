"""odds.signals.v1 round-trips through its one encoder/decoder; bad bytes are data errors."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from streams.contracts.signals import (
    ArbLeg,
    ArbWindow,
    Deviation,
    LinePrice,
    Margin,
    SignalsV1,
    decode_signals,
    encode_signals,
)
from streams.contracts.snapshot import Source
from streams.errors import DataError

T = datetime(2026, 6, 1, 16, 0, 1, 250_000, tzinfo=UTC)


def test_round_trip() -> None:
    sig = SignalsV1(
        event_key="sr:7", sportradar_id=7, sport="soccer", kickoff=T, bookmaker="betpawa", captured_at=T,
        live=False, source=Source("odds.snapshots.v1", 3, 99),
        margins=(Margin(18, "total=2.5", 0.0526, {"12": (0.5, 0.5), "13": (0.5, 0.5)}),),
        deviations=(Deviation("betpawa", 18, "total=2.5", "12", 2.2, 0.5, 0.1, 3),),
        arbitrages=(ArbWindow(18, "total=2.5", T, None, 0.03, False,
                              (ArbLeg("12", "a", 2.1, 0.49), ArbLeg("13", "b", 2.05, 0.51))),),
        prices=(LinePrice("opening", "betpawa", 18, "total=2.5", T, {"12": 2.2, "13": None}),),
        evaluated=((18, "total=2.5"),),
    )  # fmt: skip
    assert decode_signals(encode_signals(sig)) == sig


@pytest.mark.parametrize(
    "data", [None, b"{", b"[]", b'{"schema": "odds.snapshots.v1"}', b'{"schema": "odds.signals.v1"}']
)
def test_bad_records_are_data_errors(data: bytes | None) -> None:
    with pytest.raises(DataError):
        decode_signals(data)
