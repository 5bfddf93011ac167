"""Renders a book as BetPawa's ``/api/sportsbook/v4/events/{id}`` response (``docs/FORMATS.md``).

One market object per market type, one row per line (``handicap`` = line x 4, numbers),
except: HT/FT is 3 rows x 3 prices, 1X2-and-total has an Over row and an Under row with
the same ``handicap``, correct score is chunked into rows of 3. Asian handicap prices
carry "-1.5" (home) / "+1.5" (away). A suspended price shows the placeholder ``100.0``.
"""

from __future__ import annotations

from typing import Any

from streams.simulator.filler import FillerMarket
from streams.simulator.markets import (
    CS_OTHER,
    CS_SCORES,
    HTFT,
    MARKETS,
    RESULT_CHARS,
    RESULT_TOTAL,
    Line,
    Size,
    fmt_dec,
    fmt_signed,
)
from streams.simulator.state import BookState, Match, Quote

SUSPENDED_PRICE = 100.0
CATEGORY = {"soccer": ("2", "Football"), "basketball": ("3", "Basketball"), "tennis": ("452", "Tennis")}
# market id -> (marketType.id, name, handicapType, priceColumnCount)
TYPES: dict[int, tuple[str, str, str, int]] = {
    1: ("3743", "1X2", "", 3), 10: ("4693", "Double Chance", "", 3), 11: ("4703", "Draw No Bet", "", 2),
    18: ("5000", "Over/Under", "NORMAL", 2), 16: ("3774", "Asian Handicap", "ASIAN", 2),
    14: ("4724", "Handicap", "EUROPEAN", 3), 29: ("3795", "Both Teams To Score", "", 2),
    45: ("4429", "Correct Score", "", 3), 47: ("4706", "Half Time/Full Time", "", 3),
    60: ("3668", "1X2 | 1st Half", "", 3), 68: ("4958", "Over/Under | 1st Half", "NORMAL", 2),
    19: ("5006", "Home Team Over/Under", "NORMAL", 2), 20: ("5003", "Away Team Over/Under", "NORMAL", 2),
    26: ("4833", "Odd/Even", "", 2), 8: ("28000224", "Next Goal", "NUMBER_SPECIFIER", 3),
    37: ("1096755", "1X2 and Over/Under", "NORMAL", 3), 166: ("1096783", "Corners Over/Under", "NORMAL", 2),
    219: ("4791", "Winner (incl. OT)", "", 2), 223: ("3777", "Handicap (incl. OT)", "ASIAN", 2),
    225: ("5009", "Over/Under (incl. OT)", "NORMAL", 2), 186: ("2043818", "Match Winner", "", 2),
    187: ("3532590", "Game Handicap", "ASIAN", 2), 189: ("4895", "Total Games", "NORMAL", 2),
    314: ("3597899", "Total Sets", "NORMAL", 2),
}  # fmt: skip
_NAMES = {
    "1": "1", "2": "X", "3": "2", "4": "1", "5": "2", "9": "1X", "10": "12", "11": "X2", "12": "Over",
    "13": "Under", "1714": "1", "1715": "2", "1711": "1", "1712": "X", "1713": "2", "74": "Yes", "76": "No",
    "70": "Odd", "72": "Even", "6": "1", "7": "None", "8": "2", CS_OTHER: "Other",
}  # fmt: skip


def price_name(market_id: int, oid: str) -> str:
    if market_id == 45 and oid in CS_SCORES:
        return "{}-{}".format(*CS_SCORES[oid])
    if market_id == 47:
        i, j = HTFT[oid]
        return f"{RESULT_CHARS[i]}/{RESULT_CHARS[j]}"
    if market_id == 37:
        i, over = RESULT_TOTAL[oid]
        return f"{RESULT_CHARS[i]} - {'Over' if over else 'Under'}"
    return _NAMES[oid]


def _market_type(type_id: str, name: str, handicap_type: str, columns: int) -> dict[str, Any]:
    return {
        "id": type_id,
        "name": name,
        "displayName": name if "|" in name else f"{name} | Full Time",
        "handicapType": handicap_type,
        "priceColumnCount": columns,
    }


def _price(name: str, price: float, suspended: bool, handicap: str | None, type_id: str) -> dict[str, Any]:
    return {
        "name": name,
        "price": SUSPENDED_PRICE if suspended else price,
        "suspended": suspended,
        "handicap": handicap,
        "typeId": type_id,
    }


def _row(handicap: int | None, formatted: str | None, prices: list[dict[str, Any]]) -> dict[str, Any]:
    return {"handicap": handicap, "formattedHandicap": formatted, "prices": prices}


def _rows(line: Line, q: Quote, suspended: bool) -> list[dict[str, Any]]:
    mid, v = line.market_id, line.value
    type_id, _, htype, _ = TYPES[mid]
    order = MARKETS[mid].outcomes

    def price(oid: str, handicap: str | None) -> dict[str, Any]:
        tid = str(int(type_id) + 1 + order.index(oid))
        return _price(price_name(mid, oid), q.prices[oid], suspended, handicap, tid)

    oids = list(q.prices)
    if mid == 47:
        return [_row(None, None, [price(o, None) for o in oids if HTFT[o][0] == i]) for i in range(3)]
    if mid == 45:
        return [_row(None, None, [price(o, None) for o in oids[k : k + 3]]) for k in range(0, len(oids), 3)]
    if not line.key:
        return [_row(None, None, [price(o, None) for o in oids])]
    hcp = round(v * 4)
    if mid == 37:
        text = fmt_dec(v)
        return [
            _row(hcp, text, [price(o, text) for o in oids if RESULT_TOTAL[o][1] is over])
            for over in (True, False)
        ]
    if htype == "ASIAN":
        sides = {"1714": fmt_signed(v), "1715": fmt_signed(-v)}
        return [_row(hcp, fmt_signed(v), [price(o, sides[o]) for o in oids])]
    if htype == "EUROPEAN":
        text = fmt_signed(v)
        return [_row(hcp, text, [price(o, f"Home {text}") for o in oids])]
    text = str(int(v)) if htype == "NUMBER_SPECIFIER" else fmt_dec(v)
    return [_row(hcp, text, [price(o, text) for o in oids])]


def _filler(fm: FillerMarket, event_suspended: bool) -> dict[str, Any]:
    """A filler market: a real board's (``pawa``: rows laid out as the real ones, ``rows``
    per line) or a player special (``player``)."""
    e = fm.entry
    htype = e.htype if e.kind == "pawa" else ""
    if e.kind == "pawa":  # (price name, typeId)
        names = [(name, type_id) for _, name, type_id in e.outcomes]
    else:
        names = [(label, f"{e.pawa_id}{i}") for i, (_, _, label) in enumerate(e.outcomes)]
    rows = []
    for ln in fm.lines:
        value = ln.param if e.kind == "pawa" else ""
        hcp = round(float(value) * 4) if value else None
        formatted = value if value and htype in ("EUROPEAN", "NUMBER_SPECIFIER") else None
        off = ln.suspended or event_suspended
        prices = [
            _price(name, p, off, value or None, type_id)
            for (name, type_id), p in zip(names, ln.prices, strict=True)
        ]
        per_row = -(-len(prices) // max(1, e.rows))
        rows += [_row(hcp, formatted, prices[k : k + per_row]) for k in range(0, len(prices), per_row)]
    return {"marketType": _market_type(e.pawa_id, e.name, htype, min(3, len(e.outcomes))), "row": rows}


def render(match: Match, book: BookState, *, size: Size, seed: int) -> dict[str, Any]:
    """The BetPawa event response for ``match`` as ``book`` shows it."""
    by_type: dict[int, list[dict[str, Any]]] = {}
    for line, q in book.quotes.items():
        by_type.setdefault(line.market_id, []).extend(_rows(line, q, q.suspended or book.suspended))
    markets = [{"marketType": _market_type(*TYPES[mid]), "row": rows} for mid, rows in by_type.items()]
    markets += [_filler(fm, book.suspended) for fm in book.extra]
    retention = "LIVE" if match.live else "PREMATCH"
    widgets = [{"id": f"{match.sr_id + 7_000_000}", "type": "GENIUSSPORTS", "retention": retention}]
    if match.carries_sr("betpawa"):
        widgets.insert(0, {"id": str(match.sr_id), "type": "SPORTRADAR", "retention": retention})
    cat_id, cat_name = CATEGORY[match.sport]
    return {
        "id": match.pawa_id,
        "name": f"{match.home.name} - {match.away.name}",
        "startTime": match.kickoff.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "participants": [
            {"id": match.home.pawa_id, "name": match.home.name, "position": 1},
            {"id": match.away.pawa_id, "name": match.away.name, "position": 2},
        ],
        "widgets": widgets,
        "category": {"id": cat_id, "name": cat_name},
        "region": {"id": str(match.league.category_id + 10_000), "name": match.league.country},
        "competition": {"id": str(match.league.tournament_id + 20_000), "name": match.league.name},
        "markets": markets,
        "additionalInfo": {"live": match.live},
        "version": book.version,
    }
