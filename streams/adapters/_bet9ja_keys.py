"""Bet9ja odds-key vocabulary: key grammar, market families, and a process-wide memo of keys.

An odds key is ``<SPORT>_<MARKET>[@<param>]_<OUTCOME>`` (``S_OU@2.5_O``). :func:`learn`
resolves keys once per process into :data:`MAPPED` (canonical place of a key) and
:data:`SEEN` (every resolved key → the id of its unmapped line, or None when it is not
counted as unmapped), so the adapter's hot path is C-level set and dict work. Both memos
are bounded: past :data:`LIMIT` keys they are cleared and rebuilt on demand.
"""

from __future__ import annotations

import re
from typing import Any

from streams.adapters._common import fail, json_type
from streams.adapters._lines import format_line
from streams.contracts.canonical import Outcome, Sport
from streams.taxonomy import BY_KEY, CORRECT_SCORE_IDS, HT_FT_IDS, RESULT_TOTAL_IDS, MarketSpec

# FORMATS.md grammar after the sport prefix: ^([A-Z0-9_\-]+?)(?:@([^_]+))?_(.+)$
_FAMILY = re.compile(r"([A-Z0-9_\-]+?)(?:@([^_]+))?_(.+)")
# Fast path for the known prefixes; a family without "_" gives the same split as the
# non-greedy grammar for every key it matches (others fall back to _FAMILY).
_KEY = re.compile(r"(LIVE[SBT]_|[SBT]_)([A-Z0-9\-]+)(?:@([^_]+))?_(.+)")

# Param rules: "line" = the canonical specifier's value, "none" = no param allowed,
# "first_goal" = no param, goalnr=1; "score_next" = param is the current score a:b.
_Outcomes = dict[str, tuple[MarketSpec, str]]


def _o(key: str, codes: dict[str, str]) -> _Outcomes:
    return {code: (BY_KEY[key], oid) for code, oid in codes.items()}


_RESULT = {"1": "1", "X": "2", "2": "3"}
_OU = {"O": "12", "U": "13"}
_HA = {"1": "4", "2": "5"}
_AH = {"1": "1714", "2": "1715"}
_NEXT_GOAL = _o("next_goal", {"1": "6", "X": "7", "2": "8"})
_SCORES = {("OTH" if score == "other" else score): oid for score, oid in CORRECT_SCORE_IDS.items()}
_RESULT_TOTAL = {result + over_under: oid for (result, over_under), oid in RESULT_TOTAL_IDS.items()}
_TEAM_TOTALS = _o("home_total_goals", {"OH": "12", "UH": "13"}) | _o(
    "away_total_goals", {"OA": "12", "UA": "13"}
)

# family (key without sport prefix, param and outcome) -> (outcome code map, param rule)
FAMILIES: dict[Sport, dict[str, tuple[_Outcomes, str]]] = {
    "soccer": {
        "1X2": (_o("match_result", _RESULT), "none"),
        "DC": (_o("double_chance", {"1X": "9", "12": "10", "X2": "11"}), "none"),
        "DNB": (_o("draw_no_bet", _HA), "none"),
        "OU": (_o("total_goals", _OU), "line"),
        "OUA": (_o("total_goals", _OU), "line"),
        "AH": (_o("asian_handicap", _AH), "line"),
        "1X2HND": (_o("handicap_3way", {"1H": "1711", "XH": "1712", "2H": "1713"}), "line"),
        "GGNG": (_o("btts", {"Y": "74", "N": "76"}), "none"),
        "CSFT": (_o("correct_score", _SCORES), "none"),
        "HTFT": (_o("ht_ft", HT_FT_IDS), "none"),
        "1X21T": (_o("h1_match_result", _RESULT), "none"),
        "OU1T": (_o("h1_total_goals", _OU), "line"),
        "HAOU": (
            _o("home_total_goals", {"OH": "12", "UH": "13"})
            | _o("away_total_goals", {"OA": "12", "UA": "13"}),
            "line",
        ),
        "OE": (_o("odd_even", {"OD": "70", "EV": "72"}), "none"),
        "1STGOAL": (_NEXT_GOAL, "first_goal"),
        "NEXTGOAL": (_NEXT_GOAL, "score_next"),
        "1X2OU": (
            _o("match_result_and_total", {r + ou: oid for (r, ou), oid in RESULT_TOTAL_IDS.items()}),
            "line",
        ),
        "OUCORNERS": (_o("corners_total", _OU), "line"),
    },
    "basketball": {
        "12": (_o("bb_moneyline_incl_ot", _HA), "none"),
        "H": (_o("bb_handicap_incl_ot", _AH), "line"),
        "OUN": (_o("bb_total_incl_ot", _OU), "line"),
    },
    "tennis": {
        "12": (_o("tennis_winner", _HA), "none"),
        "GH": (_o("tennis_game_handicap", _AH), "line"),
        "OUG": (_o("tennis_total_games", _OU), "line"),
        "TS": (_o("tennis_total_sets", _OU), "line"),
    },
}
_TABLES = {
    "S_": FAMILIES["soccer"],
    "LIVES_": FAMILIES["soccer"],
    "B_": FAMILIES["basketball"],
    "LIVEB_": FAMILIES["basketball"],
    "T_": FAMILIES["tennis"],
    "LIVET_": FAMILIES["tennis"],
}
_NO_FAMILIES: dict[str, tuple[_Outcomes, str]] = {}

# key -> (sport, slot, outcome rank, outcome id, unmapped line id, {raw value: Outcome}) for keys
# with a canonical place; the per-key memo spares parsing and checking a value seen before.
MAPPED: dict[str, tuple[Sport, tuple[int, str], int, str, str, dict[object, Outcome]]] = {}
# every resolved key -> its unmapped line id, or NOT_COUNTED (a mapped key, or an unknown outcome
# of a mapped market)
SEEN: dict[Any, str] = {}
NOT_COUNTED = ""
# unmapped line id ("<market id>\x00<param>") -> Bet9ja market id
LINE_MARKET: dict[str, str] = {}
LIMIT = 200_000


def learn(keys: Any) -> None:
    """Resolve the keys of ``keys`` (a dict keys view) not yet in :data:`SEEN`."""
    fresh = keys - SEEN.keys()
    if len(SEEN) + len(fresh) > LIMIT:
        SEEN.clear()
        MAPPED.clear()
        LINE_MARKET.clear()
        fresh = set(keys)
    for key in fresh:
        SEEN[key] = _resolve(key)


def _line_id(market_id: str, param: str | None) -> str:
    line_id = f"{market_id}\x00{param or ''}"
    LINE_MARKET[line_id] = market_id
    return line_id


def _resolve(key: object) -> str:
    """Record ``key`` in :data:`MAPPED` when it has a canonical place; return its unmapped line id."""
    if not isinstance(key, str):
        fail("wrong_type", f"D.O keys must be strings, got {json_type(key)}")
    parsed = _KEY.fullmatch(key)
    if parsed is None:
        fallback = _FAMILY.fullmatch(key, key.find("_") + 1) if "_" in key else None
        if fallback is None:
            return _line_id(key, None)
        return _line_id(key[: key.find("_") + 1] + fallback.group(1), fallback.group(2))
    prefix, family, param, code = parsed.groups()
    entry = _TABLES.get(prefix, _NO_FAMILIES).get(family)
    if entry is None:
        return _line_id(prefix + family, param)
    outcomes, rule = entry
    target = outcomes.get(code)
    if target is None:
        return NOT_COUNTED  # an outcome the canonical market does not have (e.g. S_CSFT_5:0)
    spec, outcome_id = target
    line = _line(spec, rule, param, key)
    if line is None:
        return _line_id(prefix + family, param)
    MAPPED[key] = (
        spec.sport,
        (spec.market_id, line),
        spec.rank[outcome_id],
        outcome_id,
        _line_id(prefix + family, line),
        {},
    )
    return NOT_COUNTED


def _line(spec: MarketSpec, rule: str, param: str | None, key: str) -> str | None:
    """Line key for a mapped family, or None when the param does not fit (another market)."""
    if rule == "none":
        return "" if param is None else None
    if rule == "first_goal":
        return "goalnr=1" if param is None else format_line(spec, param, f"D.O[{key!r}]")
    if param is None:
        return None
    if rule == "score_next":
        home, sep, away = param.partition(":")
        if not (sep and home.isascii() and home.isdigit() and away.isascii() and away.isdigit()):
            fail("bad_value", f"D.O[{key!r}]: next-goal param {param!r} is not the current score a:b")
        return f"goalnr={int(home) + int(away) + 1}"
    return format_line(spec, param, f"D.O[{key!r}]")
