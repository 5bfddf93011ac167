"""Test payloads for the stream processors: fixture captures and small edits of them."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

from streams.contracts.raw import encode_raw

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "bookmakers"


def load(bookmaker: str, name: str = "soccer_prematch") -> dict[str, Any]:
    doc: dict[str, Any] = orjson.loads((FIXTURES / bookmaker / f"{name}.json").read_bytes())
    return doc


def _sportybet_market(doc: dict[str, Any], market_id: str, specifier: str | None) -> dict[str, Any]:
    for market in doc["data"]["markets"]:
        if market["id"] == market_id and market.get("specifier") == specifier:
            return market  # type: ignore[no-any-return]
    raise KeyError((market_id, specifier))


def sportybet_with_odds(
    doc: dict[str, Any], changes: dict[tuple[str, str | None, str], str]
) -> dict[str, Any]:
    """A copy of a SportyBet payload with ``{(market id, specifier, outcome id): odds}`` applied."""
    out = copy.deepcopy(doc)
    for (market_id, specifier, outcome_id), odds in changes.items():
        market = _sportybet_market(out, market_id, specifier)
        next(o for o in market["outcomes"] if o["id"] == outcome_id)["odds"] = odds
    return out


def sportybet_without(doc: dict[str, Any], market_id: str, specifier: str | None) -> dict[str, Any]:
    """A copy of a SportyBet payload without one market line."""
    out = copy.deepcopy(doc)
    out["data"]["markets"].remove(_sportybet_market(out, market_id, specifier))
    return out


def envelope(bookmaker: str, payload: dict[str, Any] | bytes, captured_at: datetime | None = None) -> bytes:
    """An ``odds.raw.v1`` envelope as the producer would publish it."""
    raw = payload if isinstance(payload, bytes) else orjson.dumps(payload)
    return encode_raw(
        bookmaker=bookmaker, payload=raw, captured_at=captured_at or datetime.now(UTC), source="unit-test"
    )
