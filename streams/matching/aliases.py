"""The alias table: alias name → canonical name, read through :mod:`streams.matching.normal`.

The seed (``data/aliases.csv``) is a short hand-written list of common abbreviations and
sponsor names; public-domain club lists (openfootball) were not reachable when it was
written. Postgres holds the editable copy (``team_aliases``, ``oddsflow matches alias``),
seeded from this file by migration 0010.
"""

from __future__ import annotations

import csv
from pathlib import Path

SEED = Path(__file__).resolve().parent / "data" / "aliases.csv"


def seed_aliases(path: Path = SEED) -> dict[str, str]:
    """``{alias: canonical}`` of a seed file (``#`` lines are comments; header ``alias,canonical``)."""
    lines = [
        ln for ln in path.read_text(encoding="utf-8").splitlines() if ln.strip() and not ln.startswith("#")
    ]
    out: dict[str, str] = {}
    for row in csv.DictReader(lines):
        alias, canonical = (row.get("alias") or "").strip(), (row.get("canonical") or "").strip()
        if alias and canonical:
            out[alias] = canonical
    return out
