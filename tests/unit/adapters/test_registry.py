"""The public registry: bookmaker dispatch, captured_at checks, extract_ids."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from streams.adapters import BOOKMAKERS, extract_ids, normalize
from streams.errors import DataError
from tests.unit.adapters.helpers import NOW, load


def test_bookmakers() -> None:
    assert BOOKMAKERS == ("betpawa", "sportybet", "bet9ja", "betika", "betway", "msport", "sportpesa")


@pytest.mark.parametrize("bookmaker", BOOKMAKERS)
def test_dispatch(bookmaker: str) -> None:
    event = normalize(bookmaker, load(bookmaker, "soccer_prematch"), NOW, now=NOW)
    assert (event.bookmaker, event.sportradar_id) == (bookmaker, 68995116)
    assert extract_ids(bookmaker, load(bookmaker, "soccer_prematch"))[1] == 68995116


@pytest.mark.parametrize("bookmaker", ["bet365", "BETPAWA", "", None, 3])
def test_unknown_bookmaker(bookmaker: object) -> None:
    for call in (
        lambda: normalize(bookmaker, {}, NOW, now=NOW),  # type: ignore[arg-type]
        lambda: extract_ids(bookmaker, {}),  # type: ignore[arg-type]
    ):
        with pytest.raises(DataError) as err:
            call()
        assert (err.value.stage, err.value.kind) == ("normalize", "unknown_bookmaker")


@pytest.mark.parametrize(
    "captured_at",
    [
        NOW - timedelta(days=30, seconds=1),
        NOW + timedelta(minutes=5, seconds=1),
        NOW.replace(tzinfo=None),
        "2026-05-06T10:30:00Z",
    ],
)
def test_captured_at_outside_the_window(captured_at: object) -> None:
    with pytest.raises(DataError) as err:
        normalize("sportybet", load("sportybet", "soccer_prematch"), captured_at, now=NOW)  # type: ignore[arg-type]
    assert err.value.kind == "bad_timestamp"


@pytest.mark.parametrize("captured_at", [NOW - timedelta(days=30), NOW + timedelta(minutes=5), NOW])
def test_captured_at_window_bounds_are_inclusive(captured_at: datetime) -> None:
    assert (
        normalize("betpawa", load("betpawa", "soccer_prematch"), captured_at, now=NOW).captured_at
        == captured_at
    )


def test_window_is_configurable() -> None:
    old = NOW - timedelta(days=60)
    event = normalize("bet9ja", load("bet9ja", "soccer_prematch"), old, now=NOW, max_age=timedelta(days=90))
    assert event.captured_at == old


def test_captured_at_comes_back_in_utc() -> None:
    local = NOW.astimezone(timezone(timedelta(hours=1)))
    event = normalize("bet9ja", load("bet9ja", "soccer_prematch"), local, now=NOW)
    assert event.captured_at == NOW
    assert event.captured_at.tzinfo == UTC


def test_default_now_is_the_clock() -> None:
    with pytest.raises(DataError) as err:
        normalize("sportybet", load("sportybet", "soccer_prematch"), datetime(2000, 1, 1, tzinfo=UTC))
    assert err.value.kind == "bad_timestamp"
