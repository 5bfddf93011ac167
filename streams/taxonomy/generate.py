"""Build the BetPawa and Bet9ja mapping tables from ``docs/markets.json`` and the curation file.

The same run writes ``data/names.json``, the market and outcome name templates
(:mod:`streams.taxonomy.generate_names`).

    python -m streams.taxonomy.generate [--reference docs/markets.json] [--check]

:func:`build` is pure: the reference document (MARKETS.md's machine-readable twin: per
bookmaker and capture, each native market with its pairing to a SportyBet market) plus
``data/oddsflow.json`` (oddsflow markets, exclusions, dropped outcomes) → the two tables
written to ``data/betpawa.json`` and ``data/bet9ja.json``. The tables are committed; a unit
test rebuilds them and checks they equal the files (``--check`` does the same here).

Rules
-----
* A pairing is kept when its confidence is ``exact`` or ``likely`` and the curation does not
  exclude it; ``unsure`` pairings are left out (and listed by :func:`left_out`).
* The target is the SportyBet market's canonical id (:func:`~streams.taxonomy.ids.sportybet_market_id`):
  the UOF id, or the SportyBet namespace for its own ids. Outcome ids are SportyBet's;
  ``"20:13"`` in an outcome map sends that outcome to another market (``S_HAOU``: 19 + 20).
* ``line_to_specifier`` becomes fixed specifiers plus at most one native line value:
  ``total=<line>`` (decimal), ``goalnr=<line>`` (integer), the three-way rule (``score``),
  ``goalnr=<home+away+1>`` (``next_goal``).
* BetPawa's live capture reuses prematch ids: both land in one ``soccer`` table.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path
from typing import Any

from streams.taxonomy import generate_names
from streams.taxonomy.ids import sportybet_market_id
from streams.taxonomy.lines import canonical_value

ROOT = Path(__file__).resolve().parents[2]
DATA = Path(__file__).resolve().parent / "data"
REFERENCE = ROOT / "docs" / "markets.json"
KEPT = ("exact", "likely")
BETPAWA_SPORTS = {"prematch": "soccer", "live": "soccer", "tennis": "tennis", "basketball": "basketball"}
_SPLIT = re.compile(r"([0-9]+):(.+)")
_THREE_WAY = "hcp=0:<n> for line -n, hcp=<n>:0 for line +n"

Table = dict[str, dict[str, dict[str, Any]]]  # sport -> native id -> entry


def bet9ja_sport(code: str) -> str:
    """Sport of a Bet9ja market code by its prefix (``S_``/``LIVES_`` soccer, ``B_``, ``T_``)."""
    prefix = code.split("_", 1)[0]
    return {"S": "soccer", "LIVES": "soccer", "B": "basketball", "LIVEB": "basketball"}.get(prefix, "tennis")


def _target(sportybet_id: str) -> int:
    market = sportybet_market_id(int(sportybet_id))
    if market is None:
        raise ValueError(f"SportyBet market {sportybet_id!r} has no canonical id")
    return market


def line_template(text: str | None) -> tuple[dict[str, str], list[str] | None]:
    """(fixed specifiers, [line specifier, format] or None) of a ``line_to_specifier`` text."""
    if not text:
        return {}, None
    if text == _THREE_WAY:
        return {}, ["hcp", "score"]
    fixed: dict[str, str] = {}
    line = None
    for part in text.split("|"):
        name, _, value = part.partition("=")
        if value == "<line>":
            line = [name, "integer" if name == "goalnr" else "decimal"]
        elif value == "<home+away+1>":
            line = [name, "next_goal"]
        else:
            fixed[name] = canonical_value(value)
    return fixed, line


def _outcomes(outcome_map: dict[str, str], main: int, dropped: dict[str, str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for native in sorted(outcome_map):
        if native in dropped:
            continue
        target = outcome_map[native]
        split = _SPLIT.fullmatch(target)
        out[native] = [_target(split.group(1)), split.group(2)] if split else target
        if split and out[native][0] == main:
            out[native] = split.group(2)
    return out


def _entry(
    name: str, native_outcomes: list[str], pairing: dict[str, Any] | None, special: dict[str, Any] | None,
    dropped: dict[str, str],
) -> dict[str, Any] | None:  # fmt: skip
    if special is not None:
        entry: dict[str, Any] = {"name": name, "market": special["market"], "confidence": "oddsflow"}
        if special.get("specifiers"):
            entry["specifiers"] = dict(special["specifiers"])
        if special.get("line"):
            entry["line"] = list(special["line"])
        if special.get("by_name"):
            entry["by_name"] = True
            entry["outcomes"] = {}
        else:
            entry["outcomes"] = {o: o for o in sorted(native_outcomes)}
        return entry
    if not pairing or pairing.get("confidence") not in KEPT or not pairing.get("sportybet_market"):
        return None
    main = _target(pairing["sportybet_market"])
    fixed, line = line_template(pairing.get("line_to_specifier"))
    entry = {"name": name, "market": main, "confidence": pairing["confidence"]}
    if fixed:
        entry["specifiers"] = fixed
    if line:
        entry["line"] = line
    entry["outcomes"] = _outcomes(pairing.get("outcome_map") or {}, main, dropped)
    return entry


def _put(table: Table, sport: str, native: str, entry: dict[str, Any]) -> None:
    known = table.setdefault(sport, {}).get(native)
    if known is None:
        table[sport][native] = entry
        return
    same = ("market", "specifiers", "line", "by_name")
    if any(known.get(k) != entry.get(k) for k in same):
        raise ValueError(f"{sport} {native}: two captures pair it differently: {known} vs {entry}")
    for outcome, target in entry["outcomes"].items():
        if known["outcomes"].setdefault(outcome, target) != target:
            raise ValueError(f"{sport} {native} outcome {outcome}: {known['outcomes'][outcome]} vs {target}")
    known["outcomes"] = dict(sorted(known["outcomes"].items()))


def _sorted(table: Table) -> Table:
    return {sport: dict(sorted(table[sport].items())) for sport in sorted(table)}


def build(reference: dict[str, Any], curation: dict[str, Any]) -> dict[str, Table]:
    """``{"betpawa": table, "bet9ja": table}`` from the reference document and the curation."""
    books = reference["bookmakers"]
    excluded = curation.get("exclude", {})
    sources = curation.get("sources", {})
    drops = curation.get("drop_outcomes", {})
    betpawa: Table = {}
    for state, sport in BETPAWA_SPORTS.items():
        for m in books["betpawa"][state]["markets"]:
            native = m["id"]
            special = sources.get("betpawa", {}).get(sport, {}).get(native)
            if special is None and native in excluded.get("betpawa", {}).get(sport, {}):
                continue
            dropped = drops.get("betpawa", {}).get(sport, {}).get(native, {})
            names = [o["name"] for o in m.get("outcomes", [])]
            entry = _entry(m["name"], names, m.get("pairing"), special, dropped)
            if entry is not None:
                _put(betpawa, sport, native, entry)
    bet9ja: Table = {}
    for state in ("prematch", "live", "tennis", "basketball"):
        for m in books["bet9ja"][state]["markets"]:
            code = m.get("id") or m["code"]
            special = sources.get("bet9ja", {}).get(code)
            if special is None and code in excluded.get("bet9ja", {}):
                continue
            keys = [o["key"] if isinstance(o, dict) else o for o in m.get("outcomes", [])]
            dropped = drops.get("bet9ja", {}).get(code, {})
            entry = _entry(m.get("name", code), keys, m.get("pairing"), special, dropped)
            if entry is not None:
                _put(bet9ja, bet9ja_sport(code), code, entry)
    return {"betpawa": _sorted(betpawa), "bet9ja": _sorted(bet9ja)}


def left_out(
    reference: dict[str, Any], tables: dict[str, Table], curation: dict[str, Any]
) -> list[tuple[str, str, str, str]]:
    """``(bookmaker, capture, native id, why)`` of every reference pairing the tables do not use:
    excluded or untrusted pairings (kept as an oddsflow market when the curation gives one)
    and native markets without any canonical home."""
    out = []
    for bookmaker, states in reference["bookmakers"].items():
        if bookmaker == "sportybet":
            continue
        excluded = curation.get("exclude", {}).get(bookmaker, {})
        for state, capture in states.items():
            for m in capture["markets"]:
                native = m.get("id") or m["code"]
                sport = BETPAWA_SPORTS[state] if bookmaker == "betpawa" else bet9ja_sport(native)
                scope = excluded.get(sport, {}) if bookmaker == "betpawa" else excluded
                pairing = m.get("pairing") or {}
                note = pairing.get("note") or m.get("pairing_note") or "unpaired"
                why = scope.get(native) or f"{pairing.get('confidence') or 'no pairing'}: {note}"
                entry = tables[bookmaker].get(sport, {}).get(native)
                if entry is None:
                    out.append((bookmaker, state, native, f"{why}; unmapped"))
                elif entry["confidence"] == "oddsflow" and pairing.get("sportybet_market"):
                    out.append((bookmaker, state, native, f"{why}; oddsflow market {entry['market']}"))
    return out


def render(table: Table, bookmaker: str) -> str:
    doc = {
        "about": f"{bookmaker} native market -> canonical market, by sport. Generated from docs/markets.json "
        "and data/oddsflow.json by `python -m streams.taxonomy.generate`: do not edit by hand.",
        "markets": table,
    }
    return json.dumps(doc, indent=1, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reference", type=Path, default=REFERENCE)
    parser.add_argument("--check", action="store_true", help="fail if the committed tables differ")
    args = parser.parse_args(argv)
    reference = json.loads(args.reference.read_text())
    curation = json.loads((DATA / "oddsflow.json").read_text())
    tables = build(reference, curation)
    files = {f"{bookmaker}.json": render(table, bookmaker) for bookmaker, table in tables.items()}
    files["names.json"] = generate_names.render_file(generate_names.build(reference, curation))
    stale = []
    for name, text in files.items():
        path = DATA / name
        if args.check:
            if not path.exists() or path.read_text() != text:
                stale.append(name)
        else:
            path.write_text(text)
    for bookmaker, state, native, why in left_out(reference, tables, curation):
        print(f"left out: {bookmaker} {state} {native} ({why})")
    if stale:
        print(f"stale: {', '.join(stale)}; run python -m streams.taxonomy.generate", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
