"""Bet9ja odds-key vocabulary: key grammar, the mapping table, and a process-wide memo of keys.

An odds key is ``<SPORT>_<MARKET>[@<param>]_<OUTCOME>`` (``S_OU@2.5_O``); one bookmaker
line is one market code with one param (``S_OU@2.5``). :func:`learn` resolves keys once per
process into :data:`SEEN` (every key → the id of its bookmaker line) and :data:`MAPPED`
(keys with a canonical place), so the adapter's hot path is C-level set and dict work.
Codes are looked up in :data:`streams.taxonomy.tables.BET9JA`; a live code without an entry
of its own (``LIVES_DC``) is read like its prematch code (``S_DC``). Both memos are
bounded: past :data:`LIMIT` keys they are cleared and rebuilt on demand.
"""

from __future__ import annotations

import re
from typing import Any

from streams.adapters._common import fail, json_type
from streams.contracts.canonical import Outcome, Sport
from streams.taxonomy.tables import BET9JA, NativeMarket

# FORMATS.md grammar after the sport prefix: ^([A-Z0-9_\-]+?)(?:@([^_]+))?_(.+)$
_FAMILY = re.compile(r"([A-Z0-9_\-]+?)(?:@([^_]+))?_(.+)")
# Fast path for the known prefixes; a family without "_" gives the same split as the
# non-greedy grammar for every key it matches (others fall back to _FAMILY).
_KEY = re.compile(r"(LIVE[SBT]_|[SBT]_)([A-Z0-9\-]+)(?:@([^_]+))?_(.+)")

_LIVE_PREFIXES = {"LIVES_": "S_", "LIVEB_": "B_", "LIVET_": "T_"}

# key -> (sport, slot, outcome id, line id, {raw value: Outcome}) for keys with a canonical
# place; the per-key memo spares parsing and checking a value seen before.
MAPPED: dict[str, tuple[Sport, tuple[int, str], str, str, dict[object, Outcome]]] = {}
# every resolved key -> the id of its bookmaker line
SEEN: dict[Any, str] = {}
# line id ("<market code>\x00<param>") -> Bet9ja market code
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


def entry(code: str) -> NativeMarket | None:
    """The table entry of a market code (a live code falls back to its prematch code)."""
    found = BET9JA.get(code)
    if found is None:
        for live, prematch in _LIVE_PREFIXES.items():
            if code.startswith(live):
                return BET9JA.get(prematch + code[len(live) :])
    return found


def _resolve(key: object) -> str:
    """Record ``key`` in :data:`MAPPED` when it has a canonical place; return its line id."""
    if not isinstance(key, str):
        fail("wrong_type", f"D.O keys must be strings, got {json_type(key)}")
    parsed = _KEY.fullmatch(key)
    if parsed is None:
        fallback = _FAMILY.fullmatch(key, key.find("_") + 1) if "_" in key else None
        if fallback is None:
            return _line_id(key, None)
        return _line_id(key[: key.find("_") + 1] + fallback.group(1), fallback.group(2))
    prefix, family, param, code = parsed.groups()
    line_id = _line_id(prefix + family, param)
    spec = entry(prefix + family)
    target = None if spec is None else spec.outcomes.get(code)
    line = None if spec is None or target is None else spec.line(param)
    if spec is not None and target is not None and line is not None:
        MAPPED[key] = (spec.sport, (target[0], line), target[1], line_id, {})
    return line_id
