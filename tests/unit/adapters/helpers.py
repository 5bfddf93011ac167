"""Helpers for the adapter tests: fixture loading and a compact view of canonical lines."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from streams.contracts.canonical import CanonicalEventOddsV1

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "bookmakers"
# Every fixture is normalized "now" at this instant, so the captured_at window is fixed.
NOW = datetime(2026, 5, 6, 10, 30, tzinfo=UTC)

Table = dict[tuple[str, str], tuple[tuple[str, float | None, bool], ...]]


def load(bookmaker: str, name: str) -> Any:
    return json.loads((FIXTURES / bookmaker / f"{name}.json").read_text())


def table(event: CanonicalEventOddsV1) -> Table:
    """``{(market, line): ((outcome id, price, active), ...)}`` — the whole canonical content."""
    out: Table = {}
    for line in event.lines:
        assert (line.market, line.line) not in out, f"duplicate line {line.market} {line.line}"
        out[line.market, line.line] = tuple((o.outcome_id, o.price, o.active) for o in line.outcomes)
    return out


def priced(*pairs: tuple[str, float]) -> tuple[tuple[str, float | None, bool], ...]:
    """Expected outcomes that all carry a price (hence active)."""
    return tuple((oid, price, True) for oid, price in pairs)


def off(*outcome_ids: str) -> tuple[tuple[str, float | None, bool], ...]:
    """Expected outcomes that are inactive and unpriced."""
    return tuple((oid, None, False) for oid in outcome_ids)
