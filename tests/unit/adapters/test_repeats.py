"""An outcome sent twice on one line, in the four UOF/split adapters' hot loops.

The hot loops file outcomes into their line themselves (no call per outcome): a repeat keeps
the active price over an inactive one and the higher of two prices, whatever the order of
the bookmaker's markets; a line id that recurs in another event maps to the same line.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from streams.adapters import betika, betway, msport, sportpesa
from tests.unit.adapters.helpers import NOW, Table, load, table


def _higher(text: str) -> str:
    return f"{float(text) + 1:.2f}"


def _only_change(before: Table, after: Table) -> tuple[str, float | None, float | None]:
    """(outcome id, price before, price after) of the one outcome whose price changed."""
    assert before.keys() == after.keys()
    changed = [
        (old[0], old[1], new[1])
        for key in before
        for old, new in zip(before[key], after[key], strict=True)
        if old != new
    ]
    assert len(changed) == 1, changed
    return changed[0]


def _markets(bookmaker: str, doc: Any) -> list[Any]:
    if bookmaker == "msport":
        return doc["data"]["markets"]  # type: ignore[no-any-return]
    if bookmaker == "betika":
        return doc["data"][0]["odds"]  # type: ignore[no-any-return]
    return doc["markets"][str(doc["event"]["id"])]  # type: ignore[no-any-return]


# (adapter, outcome list of a market, price field, how to switch an outcome off or lower it)
CASES = {
    "msport": (msport.normalize, "outcomes", "odds", lambda o: o.update(isActive=0)),
    "betika": (betika.normalize, "odds", "odd_value", lambda o: o.update(odd_active=0)),
    "sportpesa": (sportpesa.normalize, "selections", "odds", lambda o: o.update(odds="1.01")),
}


@pytest.mark.parametrize("bookmaker", sorted(CASES))
@pytest.mark.parametrize("copy_first", [False, True])
def test_a_repeated_market_keeps_the_best_price_in_any_order(bookmaker: str, copy_first: bool) -> None:
    adapter, outcomes, price, worse = CASES[bookmaker]
    original = load(bookmaker, "soccer_prematch")
    doc = copy.deepcopy(original)
    markets = _markets(bookmaker, doc)
    repeat = copy.deepcopy(markets[0])  # the 1X2 in every fixture: three priced outcomes
    first, second = repeat[outcomes][0], repeat[outcomes][1]
    first[price] = _higher(first[price])
    worse(second)
    markets.insert(0 if copy_first else len(markets), repeat)

    # the raised price is the only change: the worse repeat of the second outcome is dropped
    sent = markets[1 if copy_first else 0][outcomes][0][price]
    _, before, after = _only_change(table(adapter(original, NOW)), table(adapter(doc, NOW)))
    assert (before, after) == (float(sent), float(first[price]))


@pytest.mark.parametrize("copy_first", [False, True])
def test_betway_an_inactive_repeat_does_not_hide_the_active_outcome(copy_first: bool) -> None:
    original = load("betway", "soccer_prematch")
    doc = copy.deepcopy(original)
    items = doc["markets"]["outcomes"]
    repeat = dict(items[0], isTradingActive=False)
    items.insert(0 if copy_first else 1, repeat)
    assert table(betway.normalize(doc, NOW)) == table(betway.normalize(original, NOW))


def test_betway_lines_of_another_event_map_the_same() -> None:
    """The line memo is keyed by what follows the event id in a line id: one entry per market."""
    original = load("betway", "soccer_prematch")
    old_id = str(original["event"]["sportEvent"]["eventId"])
    new_id = str(int(old_id) + 1)

    def swap(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: swap(v) for k, v in value.items()}
        if isinstance(value, list):
            return [swap(v) for v in value]
        if isinstance(value, str) and value.startswith(old_id):
            return new_id + value[len(old_id) :]
        if value == int(old_id) and type(value) is int:
            return int(new_id)
        return value

    other = swap(original)
    first, second = betway.normalize(original, NOW), betway.normalize(other, NOW)
    assert second.bookmaker_event_id == new_id
    assert (table(second), second.unmapped, second.mapped_lines) == (
        table(first),
        first.unmapped,
        first.mapped_lines,
    )
