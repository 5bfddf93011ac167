"""Canonical market taxonomy (Sportradar UOF ids) and line/price helpers.

Contract
--------
* :data:`MARKETS` is the canonical taxonomy of ``shared/docs/FORMATS.md``: 24 markets, each
  a :class:`MarketSpec` with its canonical key, sport, UOF market id, specifier name (or
  ``None``), the UOF outcome ids in canonical order and the bookmaker market ids that map
  onto it. Bookmaker *outcome labels* live in the adapter of each bookmaker; a unit test
  checks that every adapter covers every market here and only emits these outcome ids.
* A line key is the normalized UOF specifier: ``k=v`` pairs sorted by key, joined by
  ``|``, decimals canonical (:func:`canonical_decimal`), ``""`` without a specifier.
  Handicaps are quoted from the home side. The three-way handicap (UOF 14) uses
  ``hcp=a:b`` (:func:`score_handicap`).
* :func:`check_price` is the single rule for a usable price: finite and
  ``1.0 < price <= 10000``; anything else raises ``DataError("normalize", "absurd_odds")``.

Everything here is pure and import-time constant; helpers that sit on the adapters' hot
path are memoized (line values repeat across captures).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Literal

from streams.contracts.canonical import Sport
from streams.errors import DataError

STAGE = "normalize"
MIN_PRICE = 1.0  # exclusive
MAX_PRICE = 10000.0  # inclusive
_MAX_LINE = Decimal(1_000_000)  # no real line is this large; keeps canonical strings short

LineFormat = Literal["none", "decimal", "score", "integer"]


@dataclass(frozen=True, slots=True)
class MarketSpec:
    """One canonical market.

    ``line_format`` says how the specifier value is written: ``decimal`` (``total=2.5``,
    ``hcp=-0.25``), ``score`` (``hcp=0:1``, three-way handicap), ``integer``
    (``goalnr=1``) or ``none`` (no specifier, line key ``""``).
    """

    key: str
    sport: Sport
    market_id: int
    specifier: str | None
    line_format: LineFormat
    outcomes: tuple[str, ...]
    sportybet: str
    betpawa: str
    bet9ja: tuple[str, ...]
    rank: dict[str, int] = field(init=False, repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "rank", {oid: i for i, oid in enumerate(self.outcomes)})


# UOF 45: "h:a" -> outcome id; 274 + 2 * (home + 5 * away) for 0..4 goals each, 324 other.
CORRECT_SCORE_IDS: dict[str, str] = {
    f"{h}:{a}": str(274 + 2 * (h + 5 * a)) for a in range(5) for h in range(5)
} | {"other": "324"}
# UOF 47: "ht/ft" -> outcome id.
HT_FT_IDS: dict[str, str] = {
    f"{ht}/{ft}": str(418 + 2 * (3 * i + j)) for i, ht in enumerate("1X2") for j, ft in enumerate("1X2")
}
# UOF 37: (result, over/under) -> outcome id.
RESULT_TOTAL_IDS: dict[tuple[str, str], str] = {
    ("1", "U"): "794",
    ("1", "O"): "796",
    ("X", "U"): "798",
    ("X", "O"): "800",
    ("2", "U"): "802",
    ("2", "O"): "804",
}

_OU = ("12", "13")
_HA = ("4", "5")
_AH = ("1714", "1715")
_1X2 = ("1", "2", "3")


def _m(
    key: str,
    sport: Sport,
    market_id: int,
    specifier: str | None,
    line_format: LineFormat,
    outcomes: tuple[str, ...],
    sportybet: str,
    betpawa: str,
    *bet9ja: str,
) -> MarketSpec:
    return MarketSpec(key, sport, market_id, specifier, line_format, outcomes, sportybet, betpawa, bet9ja)


MARKETS: tuple[MarketSpec, ...] = (
    _m("match_result", "soccer", 1, None, "none", _1X2, "1", "3743", "S_1X2"),
    _m("double_chance", "soccer", 10, None, "none", ("9", "10", "11"), "10", "4693", "S_DC"),
    _m("draw_no_bet", "soccer", 11, None, "none", _HA, "11", "4703", "S_DNB"),
    _m("total_goals", "soccer", 18, "total", "decimal", _OU, "18", "5000", "S_OU", "S_OUA"),
    _m("asian_handicap", "soccer", 16, "hcp", "decimal", _AH, "16", "3774", "S_AH"),
    _m("handicap_3way", "soccer", 14, "hcp", "score", ("1711", "1712", "1713"), "14", "4724", "S_1X2HND"),
    _m("btts", "soccer", 29, None, "none", ("74", "76"), "29", "3795", "S_GGNG"),
    _m(
        "correct_score", "soccer", 45, None, "none", tuple(CORRECT_SCORE_IDS.values()), "45", "4429", "S_CSFT"
    ),
    _m("ht_ft", "soccer", 47, None, "none", tuple(HT_FT_IDS.values()), "47", "4706", "S_HTFT"),
    _m("h1_match_result", "soccer", 60, None, "none", _1X2, "60", "3668", "S_1X21T"),
    _m("h1_total_goals", "soccer", 68, "total", "decimal", _OU, "68", "4958", "S_OU1T"),
    _m("home_total_goals", "soccer", 19, "total", "decimal", _OU, "19", "5006", "S_HAOU"),
    _m("away_total_goals", "soccer", 20, "total", "decimal", _OU, "20", "5003", "S_HAOU"),
    _m("odd_even", "soccer", 26, None, "none", ("70", "72"), "26", "4833", "S_OE"),
    _m("next_goal", "soccer", 8, "goalnr", "integer", ("6", "7", "8"), "8", "28000224", "S_1STGOAL"),
    _m(
        "match_result_and_total",
        "soccer",
        37,
        "total",
        "decimal",
        ("794", "796", "798", "800", "802", "804"),
        "37",
        "1096755",
        "S_1X2OU",
    ),
    _m("corners_total", "soccer", 166, "total", "decimal", _OU, "166", "1096783", "S_OUCORNERS"),
    _m("bb_moneyline_incl_ot", "basketball", 219, None, "none", _HA, "219", "4791", "B_12"),
    _m("bb_handicap_incl_ot", "basketball", 223, "hcp", "decimal", _AH, "223", "3777", "B_H"),
    _m("bb_total_incl_ot", "basketball", 225, "total", "decimal", _OU, "225", "5009", "B_OUN"),
    _m("tennis_winner", "tennis", 186, None, "none", _HA, "186", "2043818", "T_12"),
    _m("tennis_game_handicap", "tennis", 187, "hcp", "decimal", _AH, "187", "3532590", "T_GH"),
    _m("tennis_total_games", "tennis", 189, "total", "decimal", _OU, "189", "4895", "T_OUG"),
    _m("tennis_total_sets", "tennis", 314, "total", "decimal", _OU, "314", "3597899", "T_TS"),
)

BY_KEY: dict[str, MarketSpec] = {m.key: m for m in MARKETS}
BY_MARKET_ID: dict[int, MarketSpec] = {m.market_id: m for m in MARKETS}


def _bad_line(value: object) -> DataError:
    return DataError(STAGE, "bad_value", f"{value!r} is not a usable line value (a finite decimal number)")


def _format_decimal(d: Decimal, original: object) -> str:
    if not d.is_finite() or abs(d) >= _MAX_LINE:
        raise _bad_line(original)
    if d == 0:
        return "0"  # also folds "-0", "0.00" and "0E-10"
    return format(d.normalize(), "f")


@lru_cache(maxsize=16384)
def _canonical_str(text: str) -> str:
    try:
        d = Decimal(text.strip())
    except InvalidOperation:
        raise _bad_line(text) from None
    return _format_decimal(d, text)


def canonical_decimal(value: object) -> str:
    """Canonical text of a decimal line value: ``"2.00"`` → ``"2"``, ``2.50`` → ``"2.5"``.

    Accepts ``int``, ``float``, ``Decimal`` and decimal strings (``"+1.5"`` is ``"1.5"``);
    never uses exponent notation. Raises ``DataError(kind="bad_value")`` for anything
    else (booleans, NaN, infinities, non-numeric text, absurdly large values).
    """
    if isinstance(value, bool):
        raise _bad_line(value)
    if isinstance(value, int):
        if abs(value) >= _MAX_LINE:
            raise _bad_line(value)
        return str(value)
    if isinstance(value, str):
        return _canonical_str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise _bad_line(value)
        # repr() is the shortest round-trip text, so 2.675 stays "2.675", not binary noise.
        return _format_decimal(Decimal(repr(value)), value)
    if isinstance(value, Decimal):
        return _format_decimal(value, value)
    raise _bad_line(value)


def quarter_line(times_four: int | float) -> str:
    """Exact canonical decimal of a BetPawa ``row.handicap`` (the line × 4).

    ``10`` → ``"2.5"``, ``-6`` → ``"-1.5"``, ``3`` → ``"0.75"``; computed in ``Decimal``
    so quarter lines never pick up binary-float noise.
    """
    if isinstance(times_four, bool) or not isinstance(times_four, int | float):
        raise _bad_line(times_four)
    if isinstance(times_four, float):
        if not math.isfinite(times_four):
            raise _bad_line(times_four)
        if not times_four.is_integer():
            return _format_decimal(Decimal(repr(times_four)) / 4, times_four)
        times_four = int(times_four)
    if times_four % 4 == 0:
        return canonical_decimal(times_four // 4)
    return _format_decimal(Decimal(times_four) / 4, times_four)


def score_handicap(home_line: int) -> str:
    """Three-way handicap line ``a:b`` from a whole-goal handicap quoted from the home side.

    The handicap is a head start expressed as a score: home ``+1`` → ``"1:0"`` (home
    starts one goal up), home ``-1`` → ``"0:1"`` (home starts one goal down), ``0`` →
    ``"0:0"``. This is UOF's ``hcp`` for market 14 (``hcp=0:1`` = home one goal down).
    """
    return f"{home_line}:0" if home_line >= 0 else f"0:{-home_line}"


def canonical_score(value: str) -> str:
    """Validate and normalize an ``a:b`` score handicap (``"01:0"`` → ``"1:0"``)."""
    home, sep, away = (part.strip() for part in value.partition(":"))
    if sep and home.isascii() and home.isdigit() and away.isascii() and away.isdigit():
        return f"{int(home)}:{int(away)}"
    raise DataError(STAGE, "bad_value", f"{value!r} is not a score handicap like '0:1'")


def line_key(**specifiers: object) -> str:
    """Line key from specifier values: ``line_key(total="2.50")`` → ``"total=2.5"``.

    Pairs are sorted by name and joined by ``|``; score values (``"0:1"``) are kept as
    scores, everything else goes through :func:`canonical_decimal`. No specifiers → ``""``.
    """
    parts = []
    for name in sorted(specifiers):
        value = specifiers[name]
        text = canonical_score(value) if isinstance(value, str) and ":" in value else canonical_decimal(value)
        parts.append(f"{name}={text}")
    return "|".join(parts)


def check_price(value: object) -> float:
    """Return ``value`` as a float price or raise ``DataError(kind="absurd_odds")``.

    A usable price is finite and ``1.0 < price <= 10000``. Numbers and decimal strings
    are accepted; booleans and other types are ``wrong_type``.
    """
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise DataError(STAGE, "wrong_type", f"odds must be a number or decimal string, got {value!r}")
    try:
        price = float(value)
    except ValueError:
        raise DataError(STAGE, "wrong_type", f"odds {value!r} is not a decimal number") from None
    except OverflowError:
        raise DataError(STAGE, "absurd_odds", f"odds {value!r} is out of range") from None
    # NaN fails both comparisons and infinity fails the upper bound, so this covers finiteness.
    if MIN_PRICE < price <= MAX_PRICE:
        return price
    raise DataError(STAGE, "absurd_odds", f"odds {value!r} outside (1.0, 10000]")
