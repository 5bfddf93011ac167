"""Renders a book as Bet9ja's ``GetEvent`` / ``GetLiveEvent`` response (``docs/FORMATS.md``).

``{"R": "OK", "D": {...}}`` with flat odds in ``D.O``: keys ``<SPORT>_<MARKET>[@<param>]_<OUTCOME>``
(``S_`` / ``B_`` / ``T_`` prematch, ``LIVES_`` / ``LIVEB_`` / ``LIVET_`` live), values a
decimal string prematch and ``{"v": number}`` live; ``"-"`` marks a suspended market and
``""`` every value of a wholesale-suspended live event. Half-goal totals use ``S_OU``,
whole/quarter ones ``S_OUA``; team totals share ``S_HAOU`` (OH/UH home, OA/UA away).
The Sportradar number is ``D.EXTID`` prematch and ``D.A.EXTID``/``D.A.BRMATCHID`` live;
``STARTDATE`` is UTC.
"""

from __future__ import annotations

from typing import Any

from streams.simulator.markets import (
    CS_OTHER,
    CS_SCORES,
    HTFT,
    RESULT_CHARS,
    RESULT_TOTAL,
    Line,
    Size,
    fmt_dec,
)
from streams.simulator.state import BookState, Match

PREFIX = {"soccer": "S_", "basketball": "B_", "tennis": "T_"}
SPORT = {"soccer": ("Soccer", 1), "basketball": ("Basketball", 2), "tennis": ("Tennis", 5)}
CODES = {
    1: "1X2", 10: "DC", 11: "DNB", 18: "OU", 16: "AH", 14: "1X2HND", 29: "GGNG", 45: "CSFT", 47: "HTFT",
    60: "1X21T", 68: "OU1T", 19: "HAOU", 20: "HAOU", 26: "OE", 8: "1STGOAL", 37: "1X2OU", 166: "OUCORNERS",
    219: "12", 223: "H", 225: "OUN", 186: "12", 187: "GH", 189: "OUG", 314: "TS",
}  # fmt: skip
LABELS = {
    "1X2": "1X2", "DC": "Double Chance", "DNB": "Draw No Bet", "OU": "Over/Under", "OUA": "Asian Over/Under",
    "AH": "Asian Handicap", "1X2HND": "Handicap 1X2", "GGNG": "GG/NG", "CSFT": "Correct Score",
    "HTFT": "HT/FT", "1X21T": "1X2 1st Half", "OU1T": "Over/Under 1st Half", "HAOU": "Home/Away Over/Under",
    "OE": "Odd/Even", "1STGOAL": "First Goal", "1X2OU": "1X2 & Over/Under", "OUCORNERS": "Corners Over/Under",
    "12": "Winner", "H": "Handicap", "OUN": "Over/Under (incl. OT)", "GH": "Game Handicap",
    "OUG": "Total Games", "TS": "Total Sets",
}  # fmt: skip
_OUT = {
    "1": "1", "2": "X", "3": "2", "4": "1", "5": "2", "9": "1X", "10": "12", "11": "X2", "12": "O",
    "13": "U", "1714": "1", "1715": "2", "1711": "1H", "1712": "XH", "1713": "2H", "74": "Y", "76": "N",
    "70": "OD", "72": "EV", "6": "1", "7": "X", "8": "2", CS_OTHER: "OTH",
}  # fmt: skip


def outcome_code(market_id: int, oid: str) -> str:
    if market_id == 45 and oid in CS_SCORES:
        return "{}:{}".format(*CS_SCORES[oid])
    if market_id == 47:
        i, j = HTFT[oid]
        return f"{RESULT_CHARS[i]}/{RESULT_CHARS[j]}"
    if market_id == 37:
        i, over = RESULT_TOTAL[oid]
        return RESULT_CHARS[i] + ("O" if over else "U")
    if market_id in (19, 20):
        return _OUT[oid] + ("H" if market_id == 19 else "A")
    return _OUT[oid]


def market_code(line: Line) -> str:
    """``OU@2.5`` style code of a canonical line, without the sport prefix."""
    mid, v = line.market_id, line.value
    code = CODES[mid]
    if mid == 18 and (v * 2) % 2 != 1:
        code = "OUA"  # Bet9ja keeps whole and quarter goal totals in a separate family
    if mid == 14:
        return f"{code}@{int(v)}"
    if line.key and mid != 8:
        return f"{code}@{fmt_dec(v)}"
    return code


def _group(family: str) -> str:
    if "1T" in family or "2T" in family or "HT" in family:
        return "Halves"
    return "Goals" if family.startswith(("OU", "GG", "EG")) else "Main"


def _value(price: float, live: bool) -> Any:
    return {"v": price} if live else f"{price:.2f}"


def _aux(odds: dict[str, Any], event_id: int) -> dict[str, Any]:
    """Per-selection metadata a real Bet9ja response carries next to ``O`` (~330 bytes a key).

    Real responses are ~340 KB for ~900 odds keys because of blocks like this one; the
    adapters ignore it, but parsing it is part of the real cost of a capture.
    """
    return {
        key: {
            "SID": event_id * 1000 + i,
            "MKID": 10_000 + i // 3,
            "DESC": key.replace("_", " ").lower(),
            "SHORT": key.rsplit("_", 1)[-1],
            "STAT": 0 if value not in ("-", "") else 1,
            "ORD": i,
            "GRP": key.split("_", 2)[1] if key.count("_") >= 2 else "",
            "LIMITS": {"MIN": 100, "MAX": 500_000, "MAXWIN": 50_000_000},
            "FLAGS": {"CASHOUT": 1, "BB": 1, "SGM": i % 2, "BOOST": 0},
            "TS": "2026-05-06T11:00:00.000Z",
        }
        for i, (key, value) in enumerate(odds.items())
    }


def render(match: Match, book: BookState, *, size: Size, seed: int) -> dict[str, Any]:
    """The Bet9ja event response for ``match`` as ``book`` shows it."""
    live = match.live
    prefix = ("LIVE" if live else "") + PREFIX[match.sport]
    odds: dict[str, Any] = {}
    families: dict[str, str] = {}
    outs: dict[str, set[str]] = {}
    for line, q in book.quotes.items():
        code = market_code(line)
        family = code.split("@")[0]
        families[family] = LABELS[family]
        for oid, price in q.prices.items():
            out = outcome_code(line.market_id, oid)
            outs.setdefault(family, set()).add(out)
            key = f"{prefix}{code}_{out}"
            odds[key] = "" if book.suspended else "-" if q.suspended else _value(price, live)
    for fm in book.extra:
        e = fm.entry
        families[e.b9_code] = e.name
        codes = [code for _, code, _ in e.outcomes]
        outs.setdefault(e.b9_code, set()).update(codes)
        for ln in fm.lines:
            text = ln.param.rsplit(":", 1)[-1] if e.kind == "player" else ln.param
            head = f"{prefix}{e.b9_code}@{text}" if text else f"{prefix}{e.b9_code}"
            for code, price in zip(codes, ln.prices, strict=True):
                value = "" if book.suspended else "-" if ln.suspended else _value(price, live)
                odds[f"{head}_{code}"] = value
    sport_name, sport_id = SPORT[match.sport]
    sr = str(match.sr_id) if match.carries_sr("bet9ja") else ""
    data: dict[str, Any] = {
        "ID": match.bet9ja_id,
        "DS": f"{match.home.name} - {match.away.name}",
        "STARTDATE": match.kickoff.strftime("%Y-%m-%d %H:%M:%S"),
        "GN": match.league.name,
        "SG": match.league.country,
        "GID": match.league.tournament_id + 30_000,
        "S": sport_name,
        "SID": sport_id,
        "O": odds,
        "MK": [
            {"ID": i + 1, "K": prefix + k, "N": n, "G": _group(k), "ORD": i + 1, "OUT": sorted(outs[k])}
            for i, (k, n) in enumerate(families.items())
        ],
        "TRANS": {
            f"{prefix}{k}_{code}": f"{n} - {code}" for k, n in families.items() for code in sorted(outs[k])
        },
    }
    if size == "real":
        data["AUX"] = _aux(odds, match.bet9ja_id)
    if live:
        anchor: dict[str, Any] = {"EXTID": sr, "SCORE": match.score_text.replace(":", "-")}
        if sr:
            anchor["BRMATCHID"] = match.sr_id
        anchor.update(TIME=match.played, STATUS=match.status)
        data["A"] = anchor
    else:
        data["EXTID"] = sr
    return {"R": "OK", "D": data}
