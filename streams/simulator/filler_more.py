"""Filler markets of the four more bookmakers' real-size boards (``size="real"`` only).

FORMATS-MORE.md's captures carry far more than the markets the simulator models: MSport's
football prematch board has 188 market objects (one per line, ~100 types), Betika's listing
counts ~85 further markets (``side_bets``), Betway's basketball board ~40 market types with up
to 27 lines each, SportPesa's ~20 market types with up to 21 lines. With ``size="real"`` each
board gets the rest of a real board, so that a capture has a real one's size:

* MSport and Betway: the whole UOF part of SportyBet's real board of the sport
  (:mod:`streams.simulator.boards`: the markets whose SportyBet id is a UOF id, football
  ~115 types / ~150 lines, so ~190 lines with the modelled ones), in the bookmaker's shape;
* Betika: UOF market types of that board up to a drawn total of types (:data:`TOTALS`);
* SportPesa: lines of that board up to a drawn total of lines, under SportPesa-own market ids
  ``SPORTPESA_OWN + UOF id``, which no mapping table knows: there the filler stays unmapped
  (as BetPawa's and Bet9ja's, :mod:`streams.simulator.filler`).

UOF filler is read generically by the adapters (UOF ids, specifiers and outcome ids), so it
is canonical: :func:`uof_truth` is its canonical view (:meth:`World.canonical`). Prices and
suspensions move with the world like every filler line. The renderers here emit the filler
objects in each bookmaker's shape; each bookmaker's renderer appends them to its own.
"""

from __future__ import annotations

import random
from typing import Any

from streams.simulator.boards import Entry, boards
from streams.simulator.filler import FillerLine, FillerMarket, make_market, sportybet_truth
from streams.simulator.markets import Sport

#: drawn total of market types (Betika) or lines (SportPesa) of a real board, modelled included
TOTALS = {"betika": (60, 90), "sportpesa": (60, 90)}
WHOLE = ("msport", "betway")  # these carry the whole UOF part of the real board
UOF_BOOKS = ("msport", "betway", "betika")
SPORTPESA_OWN = 90_000  # SportPesa filler market id = this + the UOF id (in no mapping table)
_VARIANT = "variant="


def uof_entries(sport: Sport) -> list[Entry]:
    """The markets of SportyBet's real board of ``sport`` whose ids are UOF ids."""
    return [e for e in boards()[sport]["sportybet"] if not e.genius and int(e.sporty_id) < 60_000]


def filler_more(
    rng: random.Random, bookmaker: str, sport: Sport, modelled: int, now_ms: int = 0
) -> list[FillerMarket]:
    """Filler markets of one real-size board of ``bookmaker`` (``modelled``: the types (Betika)
    or lines (SportPesa) its modelled markets already hold)."""
    entries = uof_entries(sport)
    rng.shuffle(entries)
    if bookmaker not in WHOLE:
        want = rng.randint(*TOTALS[bookmaker]) - modelled
        chosen, have = [], 0
        for entry in entries:
            if have >= want:
                break
            chosen.append(entry)
            have += 1 if bookmaker == "betika" else len(entry.params)
        entries = chosen
    return [make_market(rng, entry, now_ms) for entry in entries]


def uof_truth(
    markets: list[FillerMarket], event_suspended: bool
) -> dict[tuple[int, str], dict[str, float | None]]:
    """Canonical view of UOF filler (MSport, Betway, Betika): as SportyBet's."""
    return sportybet_truth(markets, event_suspended)


def _lines(markets: list[FillerMarket]) -> list[tuple[Entry, FillerLine]]:
    return [(m.entry, ln) for m in markets for ln in m.lines]


def msport_markets(book_extra: list[FillerMarket], live: bool, event_suspended: bool) -> list[dict[str, Any]]:
    """MSport market objects of the filler: one per line."""
    out = []
    for entry, ln in _lines(book_extra):
        active = not (ln.suspended or event_suspended)
        out.append(
            {
                "id": int(entry.sporty_id),
                "name": entry.name,
                "description": f"{entry.name} {ln.param}".strip(),
                "specifiers": ln.param,
                "group": "All",
                "product": 1 if live else 3,
                "status": 0,
                "title": "",
                "presentationType": 1,
                "priority": 0,
                "outcomes": [
                    {
                        "id": oid,
                        "description": label,
                        "odds": f"{p:.2f}",
                        "probability": f"{1 / p:.4f}" if active else "0.0000",
                        "isActive": 1 if active else 0,
                    }
                    for (oid, _, label), p in zip(entry.outcomes, ln.prices, strict=True)
                ],
            }
        )
    return out


def betika_markets(book_extra: list[FillerMarket], live: bool) -> list[dict[str, Any]]:
    """Betika market objects of the filler: one per market type, every line in it; a
    suspended prematch line is left out (prematch has no flags)."""
    out = []
    for market in book_extra:
        entry = market.entry
        items = []
        for ln in market.lines:
            if ln.suspended and not live:
                continue
            pairs = dict(part.split("=", 1) for part in ln.param.split("|")) if ln.param else {"": ""}
            for (oid, _, label), p in zip(entry.outcomes, ln.prices, strict=True):
                item: dict[str, Any] = {
                    "outcome_id": int(oid) if live and oid.isdigit() else oid,
                    "display": label.upper(),
                    "odd_key": label.lower(),
                    "odd_def": label.lower(),
                    "odd_value": f"{p:.2f}",
                    "special_bet_value": ln.param,
                    "parsed_special_bet_value": pairs,
                }
                if live:
                    item.update(
                        odd_active=0 if ln.suspended else 1, sequence_no=ln.changed_ms, event_odd_id=None
                    )
                items.append(item)
        if not items:
            continue
        obj: dict[str, Any] = {
            "sub_type_id": int(entry.sporty_id) if live else entry.sporty_id,
            "name": entry.name.upper(),
            "odds": items,
        }
        if live:
            obj["market_active"] = 1
        out.append(obj)
    return out


def _betway_suffix(oid: str, param: str) -> str:
    """Betway's outcome suffix: the numeric tail of a variant outcome id, else the id."""
    for pair in param.split("|"):
        if pair.startswith(_VARIANT) and oid.startswith(pair[len(_VARIANT) :] + ":"):
            tail = oid[len(pair) - len(_VARIANT) + 1 :]
            if tail.isdigit():
                return tail
    return oid


def betway_parts(
    book_extra: list[FillerMarket], event_id: str, event_suspended: bool, producer: dict[str, str]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
    """(marketsInGroup entries, outcomes, prices) of the filler: a squashed parent and one
    child per line for a market with several lines, as the modelled markets."""
    eid = int(event_id)
    entries: list[dict[str, Any]] = []
    outcomes: list[dict[str, Any]] = []
    prices: list[dict[str, Any]] = []
    for market in book_extra:
        entry = market.entry
        parent = f"{event_id}{entry.sporty_id}"
        squashed = len(market.lines) > 1
        ids = [
            parent + "".join(f"{pair}~" for pair in ln.param.split("|") if ln.param) for ln in market.lines
        ]
        base = {
            "subscriptionId": int(entry.sporty_id),
            "name": f"[{entry.name}]",
            "eventId": eid,
            "marketTypeCName": "standard",
            "isActive": True,
            "isSuspended": False,
            "shouldDisplay": True,
            "additionalInfo": producer,
        }
        if squashed:
            entries.append(
                {
                    **base,
                    "marketId": parent,
                    "displayName": entry.name,
                    "handicap": 0,
                    "isSquashedParent": True,
                    "defaultLine": ids[0],
                    "squashedMarketIds": ids,
                }
            )
        for ln, line_id in zip(market.lines, ids, strict=True):
            entries.append(
                {
                    **base,
                    "marketId": line_id,
                    "displayName": f"{entry.name} {ln.param}".strip(),
                    "handicap": 0,
                    "isSquashedMarket": squashed,
                }
            )
            trading = not (ln.suspended or event_suspended)
            for (oid, _, label), p in zip(entry.outcomes, ln.prices, strict=True):
                outcome_id = line_id + _betway_suffix(oid, ln.param)
                outcomes.append(
                    {
                        "outcomeId": outcome_id,
                        "marketId": parent if squashed else line_id,
                        "originalMarketId": line_id,
                        "eventId": eid,
                        "name": label,
                        "displayName": label,
                        "sbv": "",
                        "handicap": 0,
                        "isTradingActive": trading,
                        "shouldDisplay": True,
                    }
                )
                cents = round((p - 1) * 100)
                prices.append(
                    {
                        "outcomeId": outcome_id,
                        "priceDecimal": int(p) if p == int(p) else p,
                        "numerator": cents,
                        "denominator": 100,
                    }
                )
    return entries, outcomes, prices


def _spec_value(param: str, k: int) -> int | float:
    """SportPesa's ``specValue`` of a filler line: the number of a one-number specifier, else
    the line's position (distinct lines stay distinct)."""
    _, _, value = param.partition("=")
    if "|" not in param and value:
        try:
            number = float(value)
        except ValueError:
            return k
        return int(number) if number == int(number) else number
    return 0 if not param else k


def sportpesa_markets(
    book_extra: list[FillerMarket], event_id: str, event_suspended: bool
) -> list[dict[str, Any]]:
    """SportPesa market objects of the filler: one per line, under SportPesa-own ids; a
    suspended line is left out (SportPesa has no flags)."""
    if event_suspended:
        return []
    out = []
    selection = int(event_id) * 1000 + 500
    for market in book_extra:
        entry = market.entry
        for k, ln in enumerate(market.lines):
            if ln.suspended:
                continue
            spec = _spec_value(ln.param, k + 1)
            selections = []
            for (_, _, label), p in zip(entry.outcomes, ln.prices, strict=True):
                selection += 1
                selections.append(
                    {
                        "id": 2_670_000_000 + selection % 100_000_000,
                        "name": label.upper(),
                        "shortName": label,
                        "odds": f"{p:.2f}",
                        "specValue": spec,
                    }
                )
            out.append(
                {
                    "id": SPORTPESA_OWN + int(entry.sporty_id),
                    "name": entry.name,
                    "specValue": spec,
                    "order": 0,
                    "columns": len(selections),
                    "columnsApp": min(3, len(selections)),
                    "selections": selections,
                }
            )
    return out
