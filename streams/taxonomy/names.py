"""Market and outcome names of the taxonomy: templates by market id, rendered for an event.

Contract
--------
* :data:`MARKET_NAMES` is ``data/names.json`` (built by :mod:`.generate_names`, loaded once at
  import; a malformed file raises :class:`~streams.taxonomy.tables.TableError`): per canonical
  market id its sport (``None``: several sports), its name template and its outcomes' name
  templates by outcome id. Placeholders and rendering: :mod:`.templates`.
* :func:`market_name` renders a market line's name for an event's team names; a market
  without a template is named by :func:`~.templates.market_label` (``uof:123 total=2.5``).
* :func:`outcome_name` renders an outcome's name; an outcome without a template is named by
  its id (player names of by-name markets, ``sr:player:…``).
* Postgres holds the same templates (tables ``markets`` and ``market_outcomes``, seeded from
  :data:`MARKET_NAMES`) and renders them in the ``best_current_odds`` view with the same rules.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from streams.contracts.canonical import Sport
from streams.taxonomy.ids import ODDSFLOW_END
from streams.taxonomy.tables import DATA, SPORTS, TableError
from streams.taxonomy.templates import market_label, render


@dataclass(frozen=True, slots=True)
class MarketName:
    """Name templates of one canonical market."""

    market_id: int
    sport: Sport | None
    template: str
    outcomes: dict[str, str]


def market_name(market_id: int, line: str, home: str, away: str) -> str:
    """Rendered name of one market line of an event (``Over/Under 2.5``, ``Lyon Over/Under 1.5``)."""
    ref = MARKET_NAMES.get(market_id)
    if ref is None:
        return market_label(market_id, line)
    return render(ref.template, line, home, away)


def outcome_name(market_id: int, outcome_id: str, line: str, home: str, away: str) -> str:
    """Rendered name of one outcome of a market line (``Over 2.5``, ``Lyon (-1.5)``); else its id."""
    ref = MARKET_NAMES.get(market_id)
    template = None if ref is None else ref.outcomes.get(outcome_id)
    if template is None:
        return outcome_id
    return render(template, line, home, away)


def _market(key: str, doc: Any) -> MarketName:
    where = f"names.json {key}"
    try:
        market_id = int(key)
    except ValueError:
        raise TableError(f"{where}: not a market id") from None
    if not 0 < market_id < ODDSFLOW_END:
        raise TableError(f"{where}: in no namespace")
    if not isinstance(doc, dict) or not isinstance(doc.get("name"), str) or not doc["name"]:
        raise TableError(f"{where}: needs a name")
    sport = doc.get("sport")
    if sport is not None and sport not in SPORTS:
        raise TableError(f"{where}: unknown sport {sport!r}")
    outcomes = doc.get("outcomes", {})
    if not isinstance(outcomes, dict) or not all(
        isinstance(k, str) and isinstance(v, str) and v for k, v in outcomes.items()
    ):
        raise TableError(f"{where}: outcomes must map ids to names")
    return MarketName(market_id, sport, doc["name"], dict(outcomes))


def load(text: str) -> dict[int, MarketName]:
    """Parse and check a ``names.json`` document."""
    doc = json.loads(text)
    if not isinstance(doc, dict) or not isinstance(doc.get("markets"), dict):
        raise TableError("names.json must hold {'markets': {...}}")
    return {m.market_id: m for m in (_market(k, v) for k, v in doc["markets"].items())}


MARKET_NAMES: dict[int, MarketName] = load((DATA / "names.json").read_text(encoding="utf-8"))
