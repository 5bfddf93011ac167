"""The 24 markets docs/FORMATS.md names: readable keys for their UOF ids, and their native ids.

Contract
--------
* :data:`MARKETS` lists the canonical taxonomy table of ``docs/FORMATS.md``: each
  :class:`MarketSpec` with its key (``total_goals``), sport, UOF market id, specifier name
  (or ``None``), UOF outcome ids and the bookmaker market ids FORMATS.md pairs with it. The
  key is what :func:`streams.taxonomy.ids.market_key` returns for these ids; a unit test
  checks that the mapping tables place every native id listed here on this market.
* :data:`CORRECT_SCORE_IDS`, :data:`HT_FT_IDS`, :data:`RESULT_TOTAL_IDS`: UOF outcome ids
  of markets 45, 47 and 37 by their natural names.

These are import-time constants; the open taxonomy (every UOF, SportyBet and oddsflow
market) is :mod:`streams.taxonomy`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from streams.contracts.canonical import Sport

#: how a market's specifier value is written (``none``: no specifier, line key ``""``)
SpecFormat = Literal["none", "decimal", "score", "integer"]


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
    line_format: SpecFormat
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
    line_format: SpecFormat,
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
