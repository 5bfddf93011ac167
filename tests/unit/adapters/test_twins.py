"""Objects built through streams.adapters._twins are the canonical dataclasses, indistinguishable."""

from __future__ import annotations

import dataclasses
import pickle

import pytest

from streams.adapters._twins import market_line, new_outcome
from streams.contracts.canonical import MarketLine, Outcome, canonical_to_dict


def test_a_twin_built_outcome_is_an_outcome() -> None:
    for fields in (("1", 2.5, True), ("sr:player:7", None, False)):
        made, expected = new_outcome(*fields), Outcome(*fields)
        assert type(made) is Outcome
        assert (made, hash(made), repr(made)) == (expected, hash(expected), repr(expected))
        assert dataclasses.astuple(made) == fields
        assert pickle.loads(pickle.dumps(made)) == expected


def test_a_twin_built_line_is_a_market_line() -> None:
    outcomes = (Outcome("12", 1.9, True), new_outcome("13", None, False))
    made = market_line("total_goals", 18, "total=2.5", outcomes)
    expected = MarketLine("total_goals", 18, "total=2.5", outcomes)
    assert type(made) is MarketLine
    assert (made, hash(made), repr(made), made.key) == (
        expected,
        hash(expected),
        repr(expected),
        "18|total=2.5",
    )
    assert dataclasses.asdict(made) == dataclasses.asdict(expected)


def test_twin_built_objects_stay_frozen() -> None:
    made = market_line("match_result", 1, "", ())
    with pytest.raises(dataclasses.FrozenInstanceError):
        made.line = "x"  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        new_outcome("1", 2.0, True).price = 3.0  # type: ignore[misc]


def test_canonical_encoding_does_not_tell_them_apart() -> None:
    from datetime import UTC, datetime

    from streams.contracts.canonical import CanonicalEventOddsV1

    at = datetime(2026, 5, 6, tzinfo=UTC)

    def event(line: MarketLine) -> CanonicalEventOddsV1:
        return CanonicalEventOddsV1("msport", "1", 1, "soccer", "A", "B", at, False, at, lines=(line,))

    outcomes = (new_outcome("1", 2.0, True),)
    twin = event(market_line("match_result", 1, "", outcomes))
    plain = event(MarketLine("match_result", 1, "", (Outcome("1", 2.0, True),)))
    assert twin == plain and canonical_to_dict(twin) == canonical_to_dict(plain)
