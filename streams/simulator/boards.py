"""The real boards behind the simulator's filler markets (``data/boards.json``).

Each bookmaker's board of one real match per sport, as ``docs/markets.json`` describes the
captures of ``docs/MARKETS.md`` §1 (football prematch: SportyBet 183 market types / 360
lines, BetPawa 79 / 118, Bet9ja 163 / 221 with ~920 odds keys; tennis; basketball): every
market type with its lines, outcomes and labels, less the markets the simulator models
itself (:data:`streams.simulator.markets.MARKETS` and their BetPawa/Bet9ja codes), which
the world prices. The renderers add these markets to every board so a simulated capture
has the market count, line count and outcome count of a real one.

Ids: SportyBet keeps its real ids, specifiers and outcome ids (SportyBet is read
generically: this filler is canonical, see :mod:`streams.simulator.filler`). BetPawa market
type ids become ``800,000,000 + id`` and Bet9ja codes get a ``ZR`` suffix, so that no
mapping table knows them: there the filler stays unmapped, and the simulator stays the
independent reference the adapters are checked against (it never restates the taxonomy's
BetPawa/Bet9ja pairings). Goalscorer outcome lists, summarised in the reference, are
expanded to 49 made-up players.

Regenerate after ``docs/markets.json`` or the modelled markets change (a unit test checks
the file is current)::

    .venv/bin/python -m streams.simulator.generate_boards
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from streams.simulator.markets import Sport

DATA = Path(__file__).with_name("data") / "boards.json"
REFERENCE = Path(__file__).resolve().parents[2] / "docs" / "markets.json"
CAPTURES: dict[Sport, str] = {"soccer": "prematch", "basketball": "basketball", "tennis": "tennis"}
PAWA_OFFSET = 800_000_000  # BetPawa filler type id = this + the real id
B9_SUFFIX = "ZR"  # Bet9ja filler code = the real code + this
PLAYERS = 49

Out = tuple[tuple[str, str, str], ...]  # (SportyBet outcome id, Bet9ja code / BetPawa name, label)


@dataclass(frozen=True, slots=True)
class Entry:
    """One filler market type, for one bookmaker (board entries) or all three (extras).

    ``kind``: ``spec`` (SportyBet: each param is the line's whole specifier), ``pawa``
    (BetPawa: each param is the line value as text, ``""`` without a line), ``b9`` (Bet9ja:
    each param is the text after ``@``, ``""`` without one), ``player`` (the extras shared by
    the three bookmakers, one player per line) or ``""`` (no line).
    """

    name: str
    sporty_id: str
    pawa_id: str
    b9_code: str
    kind: str
    params: tuple[str, ...]
    outcomes: Out
    genius: bool = False  # SportyBet sourceType BET_GENIUS
    htype: str = ""  # BetPawa handicapType
    rows: int = 1  # BetPawa rows per line


def _entries(sport_boards: dict[str, Any]) -> dict[str, tuple[Entry, ...]]:
    sporty = tuple(
        Entry(name, mid, "", "", "spec", tuple(specs), tuple((oid, "", label) for oid, label in outs), genius)
        for mid, name, genius, specs, outs in sport_boards["sportybet"]
    )
    pawa = tuple(
        Entry(
            name,
            "",
            tid,
            "",
            "pawa",
            tuple(values),
            tuple(("", n, t) for n, t in outs),
            htype=htype,
            rows=rows,
        )
        for tid, name, htype, values, rows, outs in sport_boards["betpawa"]
    )
    nine = tuple(
        Entry(name, "", "", code, "b9", tuple(params), tuple(("", key, label) for key, label in outs))
        for code, name, params, outs in sport_boards["bet9ja"]
    )
    return {"sportybet": sporty, "betpawa": pawa, "bet9ja": nine}


@cache
def boards() -> dict[Sport, dict[str, tuple[Entry, ...]]]:
    """``{sport: {bookmaker: filler entries of its real board}}`` from ``data/boards.json``."""
    doc = json.loads(DATA.read_text())
    return {sport: _entries(doc[sport]) for sport in CAPTURES}
