"""Unmapped "filler" markets: the part of a real response the canonical taxonomy ignores.

Real responses carry far more markets than the taxonomy maps (early-payout variants,
combos, bookings, player specials...). The renderers add these so payload sizes and the
unmapped counts are realistic. One catalogue serves all three bookmakers: each entry has
a SportyBet (UOF-like) id, a BetPawa market type id and a Bet9ja key code, none of which
is in the taxonomy. Filler is drawn from a per-match ``random.Random`` and never changes
during a match; it is never part of :meth:`World.truth`.

Units of "how much": SportyBet counts market lines, BetPawa market types, Bet9ja odds keys.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass

from streams.simulator.markets import Size, Sport

Out = tuple[tuple[str, str, str], ...]  # (SportyBet outcome id, Bet9ja code, label)
_1X2: Out = (("1", "1", "Home"), ("2", "X", "Draw"), ("3", "2", "Away"))
_YN: Out = (("74", "Y", "Yes"), ("76", "N", "No"))
_OU: Out = (("12", "O", "Over"), ("13", "U", "Under"))
_HA: Out = (("1714", "1", "Home"), ("1715", "2", "Away"))
_12: Out = (("4", "1", "Home"), ("5", "2", "Away"))
_OE: Out = (("70", "OD", "Odd"), ("72", "EV", "Even"))
_DC: Out = (("9", "1X", "Home or Draw"), ("10", "12", "Home or Away"), ("11", "X2", "Draw or Away"))


def _outs(first_id: int, step: int, pairs: list[tuple[str, str]]) -> Out:
    """Outcomes numbered ``first_id``, ``first_id + step``, ... from (Bet9ja code, label) pairs."""
    return tuple((str(first_id + i * step), code, label) for i, (code, label) in enumerate(pairs))


_COMBO = _outs(90, 2, [(a + b, f"{a} & {b}") for a in "1X2" for b in "YN"])
_OUGG = _outs(90, 2, [("OY", "Over & Yes"), ("UY", "Under & Yes"), ("ON", "Over & No"), ("UN", "Under & No")])
_DCOU = _outs(
    1800, 1, [(a + b, f"{a} & {'Over' if b == 'O' else 'Under'}") for a in ("1X", "12", "X2") for b in "OU"]
)
_GOALS = _outs(1336, 1, [(str(i), str(i)) for i in range(6)] + [("6+", "6+")])
_CS1T = _outs(462, 1, [(f"{h}:{a}", f"{h}:{a}") for h in range(3) for a in range(3)] + [("OTH", "Other")])
_MARGIN = _outs(
    1600, 1, [(f"M{i}", t) for i, t in enumerate(("Home by 1", "Home by 2", "Home by 3+", "Draw"))]
)
_QUARTERS: Out = tuple((str(1200 + i), f"Q{i + 1}", f"{i + 1}st quarter") for i in range(4))
_SETS: Out = (("1700", "20", "2:0"), ("1701", "21", "2:1"), ("1702", "12", "1:2"), ("1703", "02", "0:2"))


@dataclass(frozen=True, slots=True)
class Entry:
    name: str
    sporty_id: str
    pawa_id: str
    b9_code: str
    kind: str  # "", "total", "hcp", "variant", "setnr", "player"
    params: tuple[float | str, ...]
    outcomes: Out


def _e(
    name: str, sid: int, pid: int, code: str, kind: str, params: tuple[float | str, ...], out: Out
) -> Entry:
    return Entry(name, str(sid), str(pid), code, kind, params, out)


_T = "total"
SOCCER = (
    _e("1X2 - 2UP", 60100, 4100101, "1X2EP2", "", ("",), _1X2),
    _e("1X2 - 1UP", 60200, 4100102, "1X2EP1", "", ("",), _1X2),
    _e("Double Chance - 2UP", 60110, 4100103, "DCEP", "", ("",), _DC),
    _e("1X2 - Early Payout", 60180, 4100104, "1X2EP", "", ("",), _1X2),
    _e("Exact Goals", 21, 4100105, "EG", "variant", ("sr:exact_goals:6+",), _GOALS),
    _e("Over/Under & GG/NG", 36, 4100106, "GGNGOU", _T, (1.5, 2.5, 3.5, 4.5), _OUGG),
    _e("1st Half - Home Over/Under", 69, 4100107, "HOU1T", _T, (0.5, 1.5), _OU),
    _e("1st Half - Away Over/Under", 70, 4100108, "AOU1T", _T, (0.5, 1.5), _OU),
    _e("2nd Half - Over/Under", 90, 4100109, "OU2T", _T, (0.5, 1.5, 2.5, 3.5), _OU),
    _e("2nd Half - 1X2", 83, 4100110, "1X22T", "", ("",), _1X2),
    _e("1st Half - GG/NG", 75, 4100111, "GGNG1T", "", ("",), _YN),
    _e("2nd Half - GG/NG", 95, 4100112, "GGNG2T", "", ("",), _YN),
    _e("Total Bookings", 139, 4100113, "OUCARDS", _T, (2.5, 3.5, 4.5, 5.5, 6.5), _OU),
    _e("Corner 1X2", 162, 4100114, "1X2CORNERS", "", ("",), _1X2),
    _e("Corner Handicap", 165, 4100115, "AHCORNERS", "hcp", (-2.5, -1.5, -0.5, 0.5, 1.5, 2.5), _HA),
    _e("Booking 1X2", 136, 4100116, "1X2BOOK", "", ("",), _1X2),
    _e("1st Half - Correct Score", 81, 4100117, "CS1T", "variant", ("sr:correct_score:max:2",), _CS1T),
    _e("Winning Margin", 15, 4100118, "WM", "variant", ("sr:winning_margin:3+",), _MARGIN),
    _e("Home Clean Sheet", 31, 4100119, "CSH", "", ("",), _YN),
    _e("Away Clean Sheet", 32, 4100120, "CSA", "", ("",), _YN),
    _e("Home Win to Nil", 33, 4100121, "WTNH", "", ("",), _YN),
    _e("Away Win to Nil", 34, 4100122, "WTNA", "", ("",), _YN),
    _e("Double Chance & Over/Under", 547, 4100123, "DCOU", _T, (1.5, 2.5, 3.5), _DCOU),
    _e("1X2 & GG/NG", 35, 4100124, "1X2GG", "", ("",), _COMBO),
    _e("Highest Scoring Half", 52, 4100125, "HSH", "", ("",), _1X2),
    _e("1st Half - Draw No Bet", 64, 4100126, "DNB1T", "", ("",), _12),
    _e("1st Half - Double Chance", 63, 4100127, "DC1T", "", ("",), _DC),
    _e("1st Half - Asian Handicap", 66, 4100128, "AH1T", "hcp", (-1.5, -0.5, 0.5, 1.5), _HA),
    _e("2nd Half - Odd/Even", 94, 4100129, "OE2T", "", ("",), _OE),
)
BASKETBALL = (
    _e("Odd/Even (incl. overtime)", 229, 4200101, "OEN", "", ("",), _OE),
    _e("Home Total (incl. overtime)", 227, 4200102, "HOUN", _T, (76.5, 79.5, 82.5, 85.5), _OU),
    _e("Away Total (incl. overtime)", 228, 4200103, "AOUN", _T, (74.5, 77.5, 80.5, 83.5), _OU),
    _e("Highest Scoring Quarter", 234, 4200104, "HSQ", "", ("",), _QUARTERS),
    _e("1st Quarter - Total", 236, 4200105, "OUQ1", _T, (38.5, 40.5, 42.5, 44.5), _OU),
    _e("1st Quarter - 1X2", 235, 4200106, "1X2Q1", "", ("",), _1X2),
    _e("Winning Margin", 290, 4200107, "WMB", "variant", ("sr:winning_margin_no_draw:11+",), _MARGIN),
    _e("1st Half - Winner", 301, 4200108, "12HT", "", ("",), _12),
    _e("1st Half - Total", 302, 4200109, "OUHT", _T, (78.5, 80.5, 82.5, 84.5), _OU),
)
TENNIS = (
    _e("Set Handicap", 188, 4300101, "SH", "hcp", (-1.5, 1.5), _HA),
    _e("Home Total Games", 190, 4300102, "HOUG", _T, (10.5, 11.5, 12.5), _OU),
    _e("Away Total Games", 191, 4300103, "AOUG", _T, (10.5, 11.5, 12.5), _OU),
    _e("Correct Score (sets)", 199, 4300104, "CSS", "variant", ("sr:correct_score:bestof:3",), _SETS),
    _e("Set Winner", 202, 4300105, "SW", "setnr", (1, 2, 3), _12),
    _e("Odd/Even Games", 196, 4300106, "OEG", "", ("",), _OE),
    _e("Set 1 - Total Games", 204, 4300107, "S1OUG", _T, (8.5, 9.5, 10.5), _OU),
)
CATALOGUE: dict[Sport, tuple[Entry, ...]] = {"soccer": SOCCER, "basketball": BASKETBALL, "tennis": TENNIS}

# Filler tops a payload up to a drawn total of units (mapped + filler), per size.
TOTALS = {
    "normal": {"sportybet": (50, 60), "betpawa": (34, 44), "bet9ja": (550, 700)},
    "real": {"sportybet": (360, 1000), "betpawa": (80, 120), "bet9ja": (850, 950)},
}


@dataclass(frozen=True, slots=True)
class FillerLine:
    param: float | str  # "" when the market has no line
    prices: tuple[tuple[str, str, str, float], ...]  # (SportyBet id, Bet9ja code, label, price)


@dataclass(frozen=True, slots=True)
class FillerMarket:
    entry: Entry
    lines: tuple[FillerLine, ...]


def _prices(rng: random.Random, out: Out) -> tuple[tuple[str, str, str, float], ...]:
    weights = [rng.uniform(0.2, 1.0) for _ in out]
    total = sum(weights) / 1.08  # ~8% margin
    return tuple(
        (oid, code, label, min(500.0, max(1.02, round(total / w, 2))))
        for (oid, code, label), w in zip(out, weights, strict=True)
    )


def _player(k: int) -> Entry:
    pid = 700_000 + k * 37
    name = f"Player {k + 1} Anytime Goalscorer"
    return _e(name, 900_000 + k % 120, 9_000_000 + k, "PLSP", "player", (f"sr:player:{pid}",), _YN)


def _units(bookmaker: str, m: FillerMarket) -> int:
    if bookmaker == "betpawa":
        return 1
    if bookmaker == "sportybet":
        return len(m.lines)
    return sum(len(ln.prices) for ln in m.lines)


def _entries(rng: random.Random, sport: Sport) -> Iterator[Entry]:
    entries = list(CATALOGUE[sport])
    rng.shuffle(entries)
    yield from entries
    k = 0
    while True:
        yield _player(k)
        k += 1


def filler(rng: random.Random, bookmaker: str, sport: Sport, size: Size, mapped: int) -> list[FillerMarket]:
    """Filler markets for one payload; ``mapped`` is how many units the real markets already use."""
    want = rng.randint(*TOTALS[size][bookmaker]) - mapped
    out: list[FillerMarket] = []
    have = 0
    for entry in _entries(rng, sport):
        if have >= want:
            break
        lines = tuple(FillerLine(p, _prices(rng, entry.outcomes)) for p in entry.params)
        market = FillerMarket(entry, lines)
        have += _units(bookmaker, market)
        out.append(market)
    return out
