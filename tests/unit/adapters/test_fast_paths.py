"""The four UOF/split adapters' fast paths read what their checked paths would.

Betika, MSport, Betway and SportPesa read an outcome's canonical id from a memo of ids
already checked (``streams.adapters._uof.outcome_ids``) and parse its price afresh; anything
else goes through the checked path. An id or price that the checked path treats differently
from a remembered one (a bool or a float equal to a remembered int, padded or NUL text, a
number where text is due) must give the same result whether the memo is warm or cold.
"""

from __future__ import annotations

import copy
import sys
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from streams.adapters import betika, betway, msport, sportpesa
from streams.adapters._lines import BoundedCache
from streams.contracts.canonical import CanonicalEventOddsV1
from streams.errors import DataError
from tests.unit.adapters.helpers import NOW, load

ADAPTERS: dict[str, Callable[[object, Any], CanonicalEventOddsV1]] = {
    "betika": betika.normalize,
    "msport": msport.normalize,
    "betway": betway.normalize,
    "sportpesa": sportpesa.normalize,
}
FIXTURES = ("soccer_prematch", "soccer_live", "basketball", "tennis")
# values an outcome id, a price or a flag may take instead of the one sent
SWAPS: tuple[object, ...] = (True, False, 1, 1.0, 0, " 1", "1\x00", "", None, "nan", "1.00", 2.5, "2.50", [])
_MISSING = object()


def _outcome_fields(bookmaker: str, doc: Any) -> Iterator[tuple[dict[str, Any], str]]:
    """(object, field) of the outcome fields the fast paths read: first and last outcomes."""
    names: tuple[str, ...]
    if bookmaker == "betika":
        groups = [market["odds"] for market in doc["data"][0]["odds"]]
        names = ("outcome_id", "odd_value", "odd_active")
    elif bookmaker == "msport":
        groups = [market["outcomes"] for market in doc["data"]["markets"]]
        names = ("id", "odds", "isActive")
    elif bookmaker == "betway":
        groups = [doc["markets"]["outcomes"], doc["markets"]["prices"]]
        names = ("outcomeId", "priceDecimal", "isTradingActive")
    else:
        event_id = str(doc["event"]["id"])
        groups = [market["selections"] for market in doc["markets"][event_id]]
        names = ("shortName", "odds")
    items = [item for group in groups for item in group]
    for item in items[:3] + items[-2:]:
        for name in names:
            if name in item:
                yield item, name


def _result(bookmaker: str, payload: object) -> object:
    try:
        return ADAPTERS[bookmaker](payload, NOW)
    except DataError as exc:
        return (exc.kind, exc.message)


def _forget() -> None:
    """Empty every adapter memo (both generations): the next capture reads cold."""
    for name, module in list(sys.modules.items()):
        if name.startswith("streams.adapters"):
            for value in vars(module).values():
                if isinstance(value, BoundedCache):
                    for inner in [*value.values(), *value.old.values()]:
                        if isinstance(inner, BoundedCache):
                            inner.clear()
                            inner.old.clear()
                    value.clear()
                    value.old.clear()


def _cases() -> Iterator[Any]:
    for bookmaker in ADAPTERS:
        for fixture in FIXTURES:
            yield pytest.param(bookmaker, fixture, id=f"{bookmaker}-{fixture}")


@pytest.mark.parametrize(("bookmaker", "fixture"), list(_cases()))
def test_warm_and_cold_memos_give_the_same_result(bookmaker: str, fixture: str) -> None:
    original = load(bookmaker, fixture)
    checked = 0
    for k, (_, name) in enumerate(_outcome_fields(bookmaker, original)):
        for swap in (*SWAPS, _MISSING):
            doc = copy.deepcopy(original)
            item, _ = list(_outcome_fields(bookmaker, doc))[k]
            if swap is _MISSING:
                del item[name]
            else:
                item[name] = swap
            _forget()
            cold = _result(bookmaker, doc)
            _forget()
            _result(bookmaker, original)  # the memos now hold every id of the unchanged capture
            warm = _result(bookmaker, doc)
            assert warm == cold, f"{name} = {swap!r}"
            checked += 1
    assert checked > 0


def test_a_remembered_int_id_does_not_stand_for_a_bool() -> None:
    """Betika live sends int outcome ids; ``True == 1`` must still be a broken id."""
    doc = load("betika", "soccer_live")
    item = doc["data"][0]["odds"][0]["odds"][0]
    item["outcome_id"] = 1
    _forget()
    betika.normalize(doc, NOW)  # remembers "1"
    item["outcome_id"] = True
    with pytest.raises(DataError) as err:
        betika.normalize(doc, NOW)
    assert err.value.kind == "wrong_type"
