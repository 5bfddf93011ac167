"""One Sportradar id rule for all seven bookmakers (streams.adapters._sportradar)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from streams.adapters import BOOKMAKERS, extract_ids, normalize
from streams.adapters._sportradar import MAX_SR_ID, sportradar_match
from streams.errors import DataError
from tests.unit.adapters.helpers import NOW, load


def _pawa(d: Any, v: object) -> None:
    next(w for w in d["widgets"] if w["type"] == "SPORTRADAR")["id"] = v


def _sporty(d: Any, v: object) -> None:
    d["data"]["eventId"] = v


def _nine(d: Any, v: object) -> None:
    d["D"]["EXTID"] = v


def _betika(d: Any, v: object) -> None:
    d["data"][0]["parent_match_id"] = v


def _betway(d: Any, v: object) -> None:
    d["event"]["sportEvent"]["eventId"] = v
    for part in ("marketsInGroup",):
        for m in d["markets"][part]:
            m.pop("eventId", None)


def _sportpesa(d: Any, v: object) -> None:
    d["event"]["betradarId"] = v


#: where each bookmaker carries the Sportradar id (SportyBet and MSport: the URN event id)
SET: dict[str, Callable[[Any, object], None]] = {
    "betpawa": _pawa,
    "sportybet": _sporty,
    "bet9ja": _nine,
    "betika": _betika,
    "betway": _betway,
    "msport": _sporty,
    "sportpesa": _sportpesa,
}


def test_every_bookmaker_is_covered() -> None:
    assert set(SET) == set(BOOKMAKERS)


@pytest.mark.parametrize("bookmaker", BOOKMAKERS)
@pytest.mark.parametrize("value", ["sr:match:12x", "68995116a", "abc", "sr:match:", "-5", "６８９９"])
def test_an_unparsable_id_is_bad_value_everywhere(bookmaker: str, value: str) -> None:
    payload = load(bookmaker, "soccer_prematch")
    SET[bookmaker](payload, value)
    for call in (
        lambda: normalize(bookmaker, payload, NOW, now=NOW),
        lambda: extract_ids(bookmaker, payload),
    ):
        with pytest.raises(DataError) as err:
            call()
        assert (err.value.stage, err.value.kind) == ("normalize", "bad_value")


@pytest.mark.parametrize("bookmaker", [b for b in BOOKMAKERS if b != "betway"])
@pytest.mark.parametrize("value", ["sr:match:68995116", "68995116", " 68995116 "])
def test_every_form_gives_the_match_number(bookmaker: str, value: str) -> None:
    payload = load(bookmaker, "soccer_prematch")
    SET[bookmaker](payload, value)
    assert normalize(bookmaker, payload, NOW, now=NOW).sportradar_id == 68995116


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, None),
        ("", None),
        (0, None),
        ("0", None),
        (68995116, 68995116),
        ("68995116", 68995116),
        ("sr:match:68995116", 68995116),
        ("sr:simple_match:77001", None),
        ("sb:match:77001", None),
    ],
)
def test_table(value: object, expected: int | None) -> None:
    assert sportradar_match(value, "x") == expected


@pytest.mark.parametrize("value", [True, 12.5, [1], {"id": 1}, -1, MAX_SR_ID + 1, "sr:match:-1", "1 2"])
def test_other_values_are_bad_value(value: object) -> None:
    with pytest.raises(DataError) as err:
        sportradar_match(value, "x.y")
    assert err.value.kind == "bad_value" and "x.y" in err.value.message


@given(st.integers(min_value=1, max_value=MAX_SR_ID))
def test_the_three_forms_agree(number: int) -> None:
    assert sportradar_match(number, "x") == sportradar_match(str(number), "x") == number
    assert sportradar_match(f"sr:match:{number}", "x") == number


@given(st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=30)))
def test_never_raises_anything_but_data_error(value: object) -> None:
    try:
        result = sportradar_match(value, "x")
    except DataError as exc:
        assert exc.kind == "bad_value"
    else:
        assert result is None or 0 < result <= MAX_SR_ID
