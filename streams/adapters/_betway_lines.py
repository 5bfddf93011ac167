"""Betway's markets half read line by line: the hot path of :mod:`streams.adapters.betway`.

Contract
--------
:func:`entries_by_id` indexes ``marketsInGroup`` by ``marketId`` (an entry of another event is
``bad_value``), :func:`prices_by_outcome` indexes ``prices`` by ``outcomeId``, and
:func:`collect_lines` files every outcome under its canonical line, following the rules of
:mod:`streams.adapters.betway` (line id, UOF market from ``subscriptionId``, specifiers in the
line id, suspension flags, prices joined by ``outcomeId``). Only
:class:`~streams.errors.DataError` and the boundary errors its caller turns into one leave them.
"""

from __future__ import annotations

from typing import Any

from streams.adapters._common import as_object, fail, id_text, json_type, price_number
from streams.adapters._lines import BoundedCache, LineCollector, outcome
from streams.adapters._twins import OutcomeTwin
from streams.adapters._uof import betway_specifier, outcome_ids, remember_outcome_id, uof_outcome, uof_slot
from streams.contracts.canonical import Outcome
from streams.taxonomy import MAX_PRICE as _MAX_PRICE
from streams.taxonomy import MIN_PRICE as _MIN_PRICE

_UNFIT = (0, "")  # memo marker: the line id has no canonical home
_SLOTS = BoundedCache(50_000)  # (line id after the event id, subscriptionId) -> Slot | _UNFIT


def entries_by_id(items: list[Any], raw_id: object, event_id: str) -> dict[str, dict[str, Any]]:
    """``{marketId: entry}`` of ``marketsInGroup``; an entry of another event is ``bad_value``."""
    entries: dict[str, dict[str, Any]] = {}
    same = raw_id if type(raw_id) is int else None
    for i, entry in enumerate(items):
        if type(entry) is not dict:
            entry = as_object(entry, f"markets.marketsInGroup[{i}]")
        market_id = entry.get("marketId")
        if (
            type(market_id) is not str
            or not market_id
            or market_id != market_id.strip()
            or "\x00" in market_id
        ):
            market_id = id_text(market_id, f"markets.marketsInGroup[{i}].marketId")
        entries[market_id] = entry
        other = entry.get("eventId")
        if other is None or (type(other) is int and other == same):
            continue
        if str(other) != event_id:
            fail("bad_value", f"markets.marketsInGroup[{i}].eventId {other!r} is not event {event_id}:"
                 " the two halves are of different events")  # fmt: skip
    return entries


def prices_by_outcome(items: list[Any]) -> dict[str, object]:
    """``{outcomeId: priceDecimal}`` of ``prices`` (``outcomeId`` as sent when it is clean text)."""
    prices: dict[str, object] = {}
    for k, price in enumerate(items):
        try:
            outcome_id = price["outcomeId"]
            if type(outcome_id) is str and outcome_id and outcome_id == outcome_id.strip():
                prices[outcome_id] = price["priceDecimal"]
                continue
        except (KeyError, TypeError):
            pass
        price = as_object(price, f"markets.prices[{k}]")
        prices[id_text(price.get("outcomeId"), f"markets.prices[{k}].outcomeId")] = price.get("priceDecimal")
    return prices


_NONE = object()  # no line read yet
_NO_LINE: tuple[Any, ...] = (None, "", None, 0, {})
_OFF_LINE = Outcome("\x00off-line", None, False)  # marker: an outcome id not of its line


def collect_lines(
    items: list[Any],
    entries: dict[str, dict[str, Any]],
    prices: dict[str, object],
    event_id: str,
    collector: LineCollector,
) -> tuple[dict[str, str], dict[str, None]]:
    """File every outcome under its line; return ({line id: native market} sent, {mapped line ids}).

    The hot path: outcomes of one line are adjacent, so a line is worked out once per run of
    its outcomes (:func:`_line_state`, its slot memoized by line id). An active outcome is
    read afresh: its id is the line id followed by a tail whose canonical id comes from the
    memo of checked tails (:func:`~streams.adapters._uof.outcome_ids`), its price from
    ``prices``. Anything the fast path does not take (a tail not seen before, a price that is
    not a float in range, a missing one) goes through :func:`_outcome`, which checks it.
    :meth:`LineCollector.add` is inlined (same rule).
    """
    buckets = collector.buckets
    twin: Any = OutcomeTwin
    canonical_class = Outcome
    low, high = _MIN_PRICE, _MAX_PRICE
    sent: dict[str, str] = {}
    placed: dict[str, None] = {}
    original: object = _NONE
    parent: object = _NONE
    slot, line_id, entry, cut, ids = _NO_LINE
    bucket: dict[str, Outcome] = {}
    for item in items:
        try:
            if item["originalMarketId"] != original or item["marketId"] != parent:
                raise KeyError("line")
        except (KeyError, TypeError):
            slot, line_id, entry, cut, ids = _line_state(items, item, entries, event_id, sent)
            original, parent = item.get("originalMarketId", _NONE), item.get("marketId", _NONE)
            if (type(original) is not str and original is not None) or type(parent) is not str:
                original = parent = _NONE
            if slot is not None:
                bucket = buckets.setdefault(slot, {})
        if slot is None:
            continue
        made: Any = None  # an OutcomeTwin until its class becomes Outcome
        if entry is None or item.get("isTradingActive") is False:  # entry None: line suspended
            made = _outcome(items, item, line_id, slot[1], prices, False)
        else:
            try:  # streams.adapters._twins.new_outcome inlined (made: an OutcomeTwin, then an Outcome)
                text = item["outcomeId"]
                price = prices[text]
                if type(price) is float and low < price <= high and text.startswith(line_id):
                    made = twin()
                    made.outcome_id = ids[text[cut:]]
                    made.price = price
                    made.active = True
                    made.__class__ = canonical_class
                else:
                    made = None
            except (KeyError, TypeError, AttributeError):
                made = None
            if made is None:
                made = _outcome(items, item, line_id, slot[1], prices, True)
        if made is _OFF_LINE:  # the outcome id does not extend the line id: not read
            continue
        placed[line_id] = None
        outcome_id = made.outcome_id
        if outcome_id in bucket:
            previous = bucket[outcome_id]
            price = made.price
            if price is not None and (previous.price is None or price > previous.price):
                bucket[outcome_id] = made
        else:
            bucket[outcome_id] = made
    return sent, placed


def _line_state(
    items: list[Any], item: object, entries: dict[str, dict[str, Any]], event_id: str, sent: dict[str, str]
) -> tuple[Any, ...]:
    """(slot or None, line id, line entry or None when suspended, length of the line id, memo
    of the line's checked outcome id tails) of ``item``."""
    if type(item) is not dict:
        fail("wrong_type", f"{_path(items, item)} must be an object, got {json_type(item)}")
    parent_id = _text(item.get("marketId")) or id_text(item.get("marketId"), f"{_path(items, item)}.marketId")
    original = item.get("originalMarketId")
    if original is None or original == "":
        line_id = parent_id
    else:
        line_id = _text(original) or id_text(original, f"{_path(items, item)}.originalMarketId")
    entry = entries.get(line_id) or entries.get(parent_id)
    native = entry.get("subscriptionId") if entry is not None else None
    sent.setdefault(line_id, "?" if native is None else str(native))
    slot = _slot(event_id, line_id, native)
    if slot is None:
        return (None, line_id, None, 0, {})
    assert entry is not None  # a slot needs a subscriptionId
    off = entry.get("isActive") is False or entry.get("isSuspended") is True
    return (slot, line_id, None if off else entry, len(line_id), outcome_ids(slot[1]))


def _outcome(
    items: list[Any], item: dict[str, Any], line_id: str, line: str, prices: dict[str, object], active: bool
) -> Outcome:
    """The checked :class:`Outcome` of one outcome object (its id tail remembered as checked),
    or :data:`_OFF_LINE` when its ``outcomeId`` does not extend its line id. The JSON path is
    worked out only for an error message."""
    raw = item.get("outcomeId")
    outcome_text = _text(raw) or id_text(raw, f"{_path(items, item)}.outcomeId")
    if not outcome_text.startswith(line_id) or len(outcome_text) == len(line_id):
        found = _OFF_LINE
    else:
        outcome_id = uof_outcome(outcome_text[len(line_id) :], line)
        if not active:
            return outcome(outcome_id, None)
        if outcome_text not in prices:
            fail(
                "missing_field",
                f"{_path(items, item)} ({outcome_text}) is active but markets.prices has no price for it",
            )
        found = outcome(outcome_id, price_number(prices[outcome_text], f"price of {outcome_text}"))
    if raw == outcome_text and found is not _OFF_LINE:
        remember_outcome_id(line, outcome_text[len(line_id) :], found.outcome_id)
    return found


def _path(items: list[Any], item: object) -> str:
    """JSON path of outcome object ``item`` (for error messages only: a linear search)."""
    return f"markets.outcomes[{_index(items, item)}]"


def _text(value: object) -> str | None:
    """``value`` when it is clean id text (what :func:`id_text` would return unchanged), else None."""
    if type(value) is str and value and value == value.strip() and "\x00" not in value:
        return value
    return None


def _index(items: list[Any], item: object) -> int:
    """Position of ``item`` (by identity) in ``items``: the hot loops skip ``enumerate``."""
    return next(k for k, x in enumerate(items) if x is item)


def _slot(event_id: str, line_id: str, native: object) -> tuple[int, str] | None:
    """(canonical market, line key) of a Betway line id, or None when it does not parse."""
    if type(native) is not int or not line_id.startswith(event_id):
        return None
    # the slot depends on the tail after the event id only: one memo entry serves every event
    rest = line_id[len(event_id) :]
    key = (rest, native)
    found: tuple[int, str] | None = _SLOTS.get(key) or _SLOTS.lookup(key)
    if found is None:
        head = str(native)
        specifier = betway_specifier(rest[len(head) :]) if rest.startswith(head) else None
        found = (None if specifier is None else uof_slot(native, specifier)) or _UNFIT
        _SLOTS.put(key, found)
    return None if found is _UNFIT else found
