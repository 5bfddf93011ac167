"""The mapping tables as typed, validated data: loaded once at import from ``data/*.json``.

Contract
--------
* :data:`BETPAWA` maps ``(sport, marketType.id)`` and :data:`BET9JA` maps a Bet9ja market
  code (``S_OU``, ``LIVES_NEXTGOAL``, ``B_1QOU``: prefix included) to a :class:`NativeMarket`:
  the canonical market, fixed specifiers, the specifier its native line value fills (and
  in which :data:`~streams.taxonomy.lines.LineFormat`), and native outcome → (canonical
  market, outcome id). One native market may feed several canonical markets (Bet9ja
  ``S_HAOU``: home total 19, away total 20).
* :data:`SPORTPESA` maps ``(sport, market id)`` (hand-written ``data/sportpesa.json``: SportPesa
  reuses its ids across sports) like :data:`BETPAWA`.
* :data:`ODDSFLOW_MARKETS` is the registry of oddsflow's own markets (``data/oddsflow.json``).
* A malformed table is a bug: importing this module raises :class:`TableError` and the
  process does not start.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from streams.contracts.canonical import Sport
from streams.errors import DataError
from streams.taxonomy.ids import namespace
from streams.taxonomy.lines import LINE_FORMATS, LineFormat, canonical_value, format_line, join_specifiers

DATA = Path(__file__).resolve().parent / "data"
SPORTS: tuple[Sport, ...] = ("soccer", "basketball", "tennis")


class TableError(RuntimeError):
    """A mapping table that does not hold together (a bug in ``data/``, not in the input)."""


@dataclass(frozen=True, slots=True)
class OddsflowMarket:
    """One market of oddsflow's namespace."""

    market_id: int
    name: str
    sport: Sport
    specifiers: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class NativeMarket:
    """How one native market type becomes canonical lines."""

    native_id: str
    name: str
    sport: Sport
    market_id: int
    fixed: tuple[tuple[str, str], ...]
    line_name: str | None
    line_format: LineFormat | None
    #: native outcome (BetPawa price name, Bet9ja outcome key) → (canonical market, outcome id)
    outcomes: dict[str, tuple[int, str]]
    #: outcome ids are the native names themselves (player markets)
    by_name: bool
    confidence: str

    def line(self, value: str | None) -> str | None:
        """Line key for a native line value (``None``: the native line has no value).

        None when the value does not fit: a value for a market without a line, no value for
        one that needs it, or text the line format cannot read. Never raises.
        """
        pairs = dict(self.fixed)
        if self.line_name is None or self.line_format is None:
            return join_specifiers(pairs) if value is None else None
        if value is None:
            return None
        try:
            pairs[self.line_name] = format_line(self.line_format, value)
        except DataError:
            return None
        return join_specifiers(pairs)


def _sport(value: object, where: str) -> Sport:
    for sport in SPORTS:
        if value == sport:
            return sport
    raise TableError(f"{where}: unknown sport {value!r}")


def _market_id(value: object, where: str, registry: dict[int, OddsflowMarket], sport: Sport) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise TableError(f"{where}: market id {value!r} is not an integer")
    try:
        space = namespace(value)
    except ValueError:
        raise TableError(f"{where}: {value} is in no namespace") from None
    if space == "oddsflow" and (value not in registry or registry[value].sport != sport):
        raise TableError(f"{where}: oddsflow market {value} is not registered for {sport}")
    return value


def _native(
    native_id: str, doc: dict[str, Any], sport: Sport, registry: dict[int, OddsflowMarket]
) -> NativeMarket:
    where = f"{sport} {native_id}"
    main = _market_id(doc.get("market"), where, registry, sport)
    fixed = doc.get("specifiers") or {}
    if any(not isinstance(v, str) or canonical_value(v) != v for v in fixed.values()):
        raise TableError(f"{where}: specifier values must be canonical text: {fixed}")
    line = doc.get("line")
    if line is not None and (len(line) != 2 or line[1] not in LINE_FORMATS or line[0] in fixed):
        raise TableError(f"{where}: bad line rule {line!r}")
    outcomes: dict[str, tuple[int, str]] = {}
    for name, target in (doc.get("outcomes") or {}).items():
        if isinstance(target, str) and target:
            outcomes[name] = (main, target)
        elif isinstance(target, list) and len(target) == 2 and isinstance(target[1], str):
            outcomes[name] = (_market_id(target[0], f"{where} {name}", registry, sport), target[1])
        else:
            raise TableError(f"{where}: bad outcome target {name!r}: {target!r}")
    by_name = doc.get("by_name") is True
    if not outcomes and not by_name:
        raise TableError(f"{where}: maps no outcome")
    return NativeMarket(
        native_id=native_id,
        name=str(doc.get("name") or native_id),
        sport=sport,
        market_id=main,
        fixed=tuple(sorted(fixed.items())),
        line_name=None if line is None else str(line[0]),
        line_format=None if line is None else cast(LineFormat, line[1]),
        outcomes=outcomes,
        by_name=by_name,
        confidence=str(doc.get("confidence", "")),
    )


def _read(name: str) -> dict[str, Any]:
    doc = json.loads((DATA / name).read_text(encoding="utf-8"))
    if not isinstance(doc, dict):
        raise TableError(f"{name} must hold a JSON object")
    return doc


def _registry(doc: dict[str, Any]) -> dict[int, OddsflowMarket]:
    out = {}
    for key, m in doc["markets"].items():
        market_id = int(key)
        if namespace(market_id) != "oddsflow":
            raise TableError(f"oddsflow.json: {market_id} is outside the oddsflow namespace")
        specifiers = tuple(m.get("specifiers", ()))
        out[market_id] = OddsflowMarket(market_id, m["name"], _sport(m["sport"], key), specifiers)
    return out


def _table(name: str, registry: dict[int, OddsflowMarket]) -> dict[tuple[Sport, str], NativeMarket]:
    doc = _read(name)["markets"]
    return {
        (sport, native_id): _native(native_id, entry, sport, registry)
        for sport_name, entries in doc.items()
        for sport in (_sport(sport_name, name),)
        for native_id, entry in entries.items()
    }


ODDSFLOW_MARKETS: dict[int, OddsflowMarket] = _registry(_read("oddsflow.json"))
BETPAWA: dict[tuple[Sport, str], NativeMarket] = _table("betpawa.json", ODDSFLOW_MARKETS)
BET9JA: dict[str, NativeMarket] = {
    code: m for (_, code), m in _table("bet9ja.json", ODDSFLOW_MARKETS).items()
}
SPORTPESA: dict[tuple[Sport, str], NativeMarket] = _table("sportpesa.json", ODDSFLOW_MARKETS)
