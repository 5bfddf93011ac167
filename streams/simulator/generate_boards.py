"""Generates ``data/boards.json`` (:mod:`streams.simulator.boards`) from ``docs/markets.json``.

Run after ``docs/markets.json`` or the modelled markets change (a unit test checks the file
is current)::

    .venv/bin/python -m streams.simulator.generate_boards
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from streams.simulator import bet9ja, betpawa
from streams.simulator.boards import B9_SUFFIX, CAPTURES, DATA, PAWA_OFFSET, PLAYERS, REFERENCE
from streams.simulator.markets import MARKETS


def _sportybet(m: dict[str, Any]) -> list[Any]:
    outcomes: list[list[str]] = []
    for o in m["outcomes"]:
        if o["id"] == "sr:player:<n>":
            outcomes += [
                [f"sr:player:{9_000_001 + k}", f"Player{k + 1}, Sim ({1 + k % 2})"] for k in range(PLAYERS)
            ]
        else:
            outcomes.append([o["id"], o["label"]])
    return [m["id"], m["name"], m["source"] == "BET_GENIUS", m["specifiers"] or [""], outcomes]


def _betpawa(m: dict[str, Any]) -> list[Any]:
    outcomes: list[list[str]] = []
    for o in m["outcomes"]:
        if o["typeId"] == "<per player>":
            outcomes += [
                [f"Sim Player{k + 1}", str(PAWA_OFFSET + int(m["id"]) * 100 + k)] for k in range(PLAYERS)
            ]
        else:
            outcomes.append([o["name"], str(PAWA_OFFSET + int(o["typeId"]))])
    lines = max(1, m["lines"])
    rows = max(1, m["rows"] // lines)
    type_id = str(PAWA_OFFSET + int(m["id"]))
    return [type_id, m["name"], m["handicap_type"] or "", m["line_values"] or [""], rows, outcomes]


def _bet9ja(m: dict[str, Any]) -> list[Any]:
    skip = set(m.get("outcomes_not_sent", ()))
    outcomes = [[o["key"], o["label"]] for o in m["outcomes"] if o["key"] not in skip]
    code = m["id"].split("_", 1)[1] + B9_SUFFIX
    return [code, m["name"], m["line_values"] or [""], outcomes]


def generate(reference: Path = REFERENCE) -> dict[str, Any]:
    """The boards of ``reference`` (``docs/markets.json``) less the modelled markets."""
    doc = json.loads(reference.read_text())
    prefix = {"soccer": "S_", "basketball": "B_", "tennis": "T_"}
    out: dict[str, Any] = {"source": "docs/markets.json, see streams/simulator/generate_boards.py"}
    for sport, capture in CAPTURES.items():
        modelled = [mid for mid, spec in MARKETS.items() if spec.sport == sport]
        sporty = {str(mid) for mid in modelled}
        pawa = {betpawa.TYPES[mid][0] for mid in modelled}
        nine = {prefix[sport] + bet9ja.CODES[mid] for mid in modelled}
        if sport == "soccer":
            nine.add("S_OUA")  # Bet9ja's whole/quarter goal totals: market 18 too
        books = doc["bookmakers"]
        out[sport] = {
            "sportybet": [
                _sportybet(m) for m in books["sportybet"][capture]["markets"] if m["id"] not in sporty
            ],
            "betpawa": [_betpawa(m) for m in books["betpawa"][capture]["markets"] if m["id"] not in pawa],
            "bet9ja": [_bet9ja(m) for m in books["bet9ja"][capture]["markets"] if m["id"] not in nine],
        }
    return out


def main() -> None:
    DATA.parent.mkdir(exist_ok=True)
    DATA.write_text(json.dumps(generate(), ensure_ascii=False, indent=1) + "\n")
    print(f"wrote {DATA} ({DATA.stat().st_size:,} bytes)")


if __name__ == "__main__":
    main()
