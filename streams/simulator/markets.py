"""The simulator's own copy of the canonical market table and the lines each bookmaker quotes.

Kept independent of :mod:`streams.taxonomy` on purpose: the simulator is the reference the
adapters are checked against, so it must not share their tables. Ids are Sportradar UOF
market/outcome ids (see ``docs/FORMATS.md``).

A :class:`Line` is one canonical market line. ``value`` holds the line number: the total for
``total=`` markets, the home-side handicap for ``hcp=`` (three-way handicaps store the whole
home handicap, ``-1`` ↔ ``hcp=0:1``), the goal number for ``goalnr=``, 0 otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Sport = Literal["soccer", "basketball", "tennis"]
Size = Literal["small", "normal", "real"]  # see WorldConfig.size
Bookmaker = Literal["betpawa", "sportybet", "bet9ja", "betika", "betway", "msport", "sportpesa"]
Spec = Literal["", "total", "hcp", "hcp3", "goalnr"]

BOOKMAKERS: tuple[Bookmaker, ...] = (
    "betpawa",
    "sportybet",
    "bet9ja",
    "betika",
    "betway",
    "msport",
    "sportpesa",
)
#: the books of docs/FORMATS.md; the four of FORMATS-MORE.md draw their randomness from a
#: stream of their own (World), so a seed gives these three the same feed as before
FIRST_THREE: tuple[Bookmaker, ...] = ("betpawa", "sportybet", "bet9ja")
#: UOF markets SportPesa has no market for (its mapping table, streams/taxonomy/data/sportpesa.json)
SPORTPESA_LACKS = frozenset({8, 166, 314})

# Correct score (UOF 45): 274 + 2 * (away * 5 + home) for 0..4 goals each, 324 "other".
CS_SCORES: dict[str, tuple[int, int]] = {
    str(274 + 2 * (a * 5 + h)): (h, a) for a in range(5) for h in range(5)
}
CS_OTHER = "324"
# HT/FT (UOF 47): 418 + 2 * (ht * 3 + ft), result index 0 home, 1 draw, 2 away.
HTFT: dict[str, tuple[int, int]] = {str(418 + 2 * (i * 3 + j)): (i, j) for i in range(3) for j in range(3)}
# 1X2 & total (UOF 37): 794 + 2 * (result * 2 + over).
RESULT_TOTAL: dict[str, tuple[int, bool]] = {
    str(794 + 2 * (i * 2 + over)): (i, bool(over)) for i in range(3) for over in range(2)
}
RESULT_CHARS = ("1", "X", "2")


@dataclass(frozen=True, slots=True)
class MarketSpec:
    market_id: int
    key: str
    sport: Sport
    spec: Spec
    outcomes: tuple[str, ...]


def _m(mid: int, key: str, sport: Sport, spec: Spec, outcomes: tuple[str, ...]) -> MarketSpec:
    return MarketSpec(mid, key, sport, spec, outcomes)


_OU = ("12", "13")
_HA = ("1714", "1715")
MARKETS: dict[int, MarketSpec] = {
    m.market_id: m
    for m in (
        _m(1, "match_result", "soccer", "", ("1", "2", "3")),
        _m(10, "double_chance", "soccer", "", ("9", "10", "11")),
        _m(11, "draw_no_bet", "soccer", "", ("4", "5")),
        _m(18, "total_goals", "soccer", "total", _OU),
        _m(16, "asian_handicap", "soccer", "hcp", _HA),
        _m(14, "handicap_3way", "soccer", "hcp3", ("1711", "1712", "1713")),
        _m(29, "btts", "soccer", "", ("74", "76")),
        _m(45, "correct_score", "soccer", "", (*CS_SCORES, CS_OTHER)),
        _m(47, "ht_ft", "soccer", "", tuple(HTFT)),
        _m(60, "h1_match_result", "soccer", "", ("1", "2", "3")),
        _m(68, "h1_total_goals", "soccer", "total", _OU),
        _m(19, "home_total_goals", "soccer", "total", _OU),
        _m(20, "away_total_goals", "soccer", "total", _OU),
        _m(26, "odd_even", "soccer", "", ("70", "72")),
        _m(8, "next_goal", "soccer", "goalnr", ("6", "7", "8")),
        _m(37, "match_result_and_total", "soccer", "total", tuple(RESULT_TOTAL)),
        _m(166, "corners_total", "soccer", "total", _OU),
        _m(219, "bb_moneyline_incl_ot", "basketball", "", ("4", "5")),
        _m(223, "bb_handicap_incl_ot", "basketball", "hcp", _HA),
        _m(225, "bb_total_incl_ot", "basketball", "total", _OU),
        _m(186, "tennis_winner", "tennis", "", ("4", "5")),
        _m(187, "tennis_game_handicap", "tennis", "hcp", _HA),
        _m(189, "tennis_total_games", "tennis", "total", _OU),
        _m(314, "tennis_total_sets", "tennis", "total", _OU),
    )
}


def fmt_dec(value: float) -> str:
    """Canonical decimal text: 2.0 → "2", 2.50 → "2.5", -0.25 → "-0.25" (no "+" sign)."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


def fmt_signed(value: float) -> str:
    """Like :func:`fmt_dec` but positive values carry "+": "+1.5", "-1.5", "0"."""
    return "+" + fmt_dec(value) if value > 0 else fmt_dec(value)


def hcp3(home_handicap: int) -> str:
    """Three-way handicap as goals given: -1 (home one down) → "0:1", +2 → "2:0"."""
    return f"0:{-home_handicap}" if home_handicap < 0 else f"{home_handicap}:0"


@dataclass(frozen=True, slots=True, order=True)
class Line:
    market_id: int
    value: float = 0.0

    @property
    def spec(self) -> MarketSpec:
        return MARKETS[self.market_id]

    @property
    def key(self) -> str:
        """Canonical line key: "", "total=2.5", "hcp=-0.25", "hcp=0:1", "goalnr=2"."""
        kind = MARKETS[self.market_id].spec
        if kind == "":
            return ""
        if kind == "hcp3":
            return "hcp=" + hcp3(int(self.value))
        if kind == "goalnr":
            return f"goalnr={int(self.value)}"
        return f"{kind}={fmt_dec(self.value)}"


def _around(center: float, step: float, span: int) -> list[float]:
    base = round(center / step) * step
    return [base + k * step for k in range(-span, span + 1)]


def catalogue(sport: Sport, bookmaker: Bookmaker, c1: float, c2: float) -> tuple[Line, ...]:
    """Every line ``bookmaker`` offers for a match before live play closes any of them.

    ``c1``/``c2`` are the match's main lines: soccer (Asian handicap, unused), basketball
    (total, handicap), tennis (total games, game handicap). The next-goal line is a
    placeholder (``goalnr=1``); the world re-numbers it during live play.
    """
    pawa, nine = bookmaker == "betpawa", bookmaker == "bet9ja"
    if sport == "soccer":
        lines = [Line(m) for m in (1, 10, 11, 29, 45, 47, 60, 26)] + [Line(8, 1)]
        totals = [0.5 + i for i in range(7 if pawa else 6)]
        if nine:  # Bet9ja's whole/quarter totals (its S_OUA family)
            totals += [1.75, 2.0, 2.25, 2.75, 3.0, 3.25]
        lines += [Line(18, v) for v in totals]
        lines += [Line(16, v) for v in _around(c1, 0.5, 3) if abs(v) <= 3.5] if pawa else []
        lines += [] if pawa else [Line(16, v) for v in _around(c1, 0.25, 3 if nine else 4)]
        lines += [Line(14, k) for k in (-2, -1, 1, 2)]
        lines += [Line(m, v) for m in (68, 19, 20) for v in (0.5, 1.5, 2.5)]
        lines += [Line(37, v) for v in ((1.5, 2.5, 3.5) if pawa else (1.5, 2.5, 3.5, 4.5))]
        lines += [Line(166, v) for v in ((8.5, 9.5, 10.5) if pawa else (7.5, 8.5, 9.5, 10.5, 11.5))]
    elif sport == "basketball":
        span = 2 if pawa else 3
        lines = [Line(219)] + [Line(223, c2 + k) for k in range(-span, span + 1)]
        lines += [Line(225, c1 + k) for k in range(-span, span + 1)]
    else:
        lines = [Line(186), Line(314, 2.5)] + [Line(187, c2 + k) for k in range(-2, 3)]
        lines += [Line(189, c1 + k) for k in range(-2, 3)]
    if bookmaker == "sportpesa":
        lines = [line for line in lines if line.market_id not in SPORTPESA_LACKS]
    return tuple(sorted(lines))
