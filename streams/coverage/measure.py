"""Mapping coverage: how many of the lines a bookmaker sent found a canonical home.

Contract
--------
:func:`measure` is pure: bookmaker responses in, a :class:`CoverageReport` out, one
:class:`BookSportCoverage` row per bookmaker × sport (sorted). A *line* is the bookmaker's
own unit (the canonical contract's ``mapped_lines``/``unmapped``): a SportyBet market entry,
a BetPawa market type × row handicap, a Bet9ja market code × ``@`` param. Lines are summed
over all captures given; ``lines_mapped / (lines_mapped + lines_unmapped)`` is the mapped
share, the same unit for every bookmaker.

Each capture is normalized with its bookmaker's adapter (or its canonical event is taken as
given) and its payload is read once more for the bookmaker's market names and lines per
market type (:func:`native_lines`). A capture the adapter rejects is skipped (the caller
counts refusals). Market types: ``types_mapped`` have at least one mapped line over the
captures, ``types_unmapped`` none; ``top_unmapped`` lists every type with unmapped lines,
most lines first, with the bookmaker's name for it.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from streams import adapters
from streams.adapters import _bet9ja_keys as keys_memo
from streams.contracts.canonical import CanonicalEventOddsV1
from streams.errors import DataError

#: one capture: (bookmaker, parsed response) or (bookmaker, parsed response, its canonical event)
CaptureIn = tuple[str, object] | tuple[str, object, CanonicalEventOddsV1 | None]

_HASHABLE = (int, float, str, bool, type(None))
_AT = datetime(2000, 1, 1, tzinfo=UTC)  # normalize for analysis: any capture time will do


@dataclass(frozen=True, slots=True)
class MarketCount:
    """A bookmaker market type (its own id and name) and a number of its lines."""

    market: str
    name: str
    lines: int


@dataclass(frozen=True, slots=True)
class BookSportCoverage:
    """Coverage of one bookmaker × sport over the captures measured."""

    bookmaker: str
    sport: str
    captures: int
    events: int
    lines_mapped: int
    lines_unmapped: int
    canonical_lines: int
    types_mapped: int
    types_unmapped: int
    top_unmapped: tuple[MarketCount, ...] = ()

    @property
    def lines_total(self) -> int:
        return self.lines_mapped + self.lines_unmapped

    @property
    def mapped_share(self) -> float | None:
        """Mapped lines / all lines; None without lines."""
        return self.lines_mapped / self.lines_total if self.lines_total else None


@dataclass(frozen=True, slots=True)
class CoverageReport:
    """Rows sorted by bookmaker, then sport."""

    rows: tuple[BookSportCoverage, ...]

    def get(self, bookmaker: str, sport: str) -> BookSportCoverage | None:
        return next((r for r in self.rows if (r.bookmaker, r.sport) == (bookmaker, sport)), None)


def measure(captures: Iterable[CaptureIn]) -> CoverageReport:
    """Coverage of ``captures`` per bookmaker × sport (see the module docstring)."""
    counts: Counter[tuple[str, str]] = Counter()
    events: defaultdict[tuple[str, str], set[str]] = defaultdict(set)
    mapped: Counter[tuple[str, str]] = Counter()
    canonical: Counter[tuple[str, str]] = Counter()
    per_type: defaultdict[tuple[str, str], Counter[str]] = defaultdict(Counter)  # lines sent
    unmapped: defaultdict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    names: dict[tuple[str, str], str] = {}
    for item in captures:
        bookmaker, payload = item[0], item[1]
        event = item[2] if len(item) > 2 else None
        if event is None:
            try:
                event = adapters.normalize(bookmaker, payload, _AT, now=_AT)
            except DataError:
                continue
        group: tuple[str, str] = (bookmaker, event.sport)
        counts[group] += 1
        events[group].add(event.bookmaker_event_id)
        # an event decoded from a message older than ``mapped_lines`` counts its canonical lines
        mapped[group] += len(event.lines) if event.mapped_lines is None else event.mapped_lines
        canonical[group] += len(event.lines)
        unmapped[group].update(event.unmapped)
        for native, (name, lines) in native_lines(bookmaker, payload).items():
            per_type[group][native] += lines
            names.setdefault((bookmaker, native), name)
    rows = []
    for group in sorted(counts):
        sent, missing = per_type[group], unmapped[group]
        mapped_types = {t for t in sent if sent[t] > missing[t]}
        rows.append(
            BookSportCoverage(
                bookmaker=group[0],
                sport=group[1],
                captures=counts[group],
                events=len(events[group]),
                lines_mapped=mapped[group],
                lines_unmapped=sum(missing.values()),
                canonical_lines=canonical[group],
                types_mapped=len(mapped_types),
                types_unmapped=len(set(sent) | set(missing)) - len(mapped_types),
                top_unmapped=tuple(
                    MarketCount(t, names.get((group[0], t), t), n)
                    for t, n in sorted(missing.items(), key=lambda kv: (-kv[1], kv[0]))
                ),
            )
        )
    return CoverageReport(tuple(rows))


def native_lines(bookmaker: str, payload: object) -> dict[str, tuple[str, int]]:
    """``{native market id: (its name, lines sent)}`` of one response, counted as the adapters do.

    Meant for responses the adapter accepted; anything unreadable is skipped, never raised.
    """
    try:
        if bookmaker == "sportybet":
            return _sportybet(payload)
        if bookmaker == "betpawa":
            return _betpawa(payload)
        if bookmaker == "bet9ja":
            return _bet9ja(payload)
        counter = adapters.NATIVE_LINES.get(bookmaker)
        if counter is not None:
            return counter(payload)
    except (AttributeError, KeyError, TypeError, IndexError):
        return {}
    return {}


def _sportybet(payload: Any) -> dict[str, tuple[str, int]]:
    out: dict[str, tuple[str, int]] = {}
    for market in payload["data"]["markets"]:
        native = str(market["id"]).strip()
        name, lines = out.get(native, (str(market.get("name") or market.get("desc") or native), 0))
        out[native] = (name, lines + 1)
    return out


def _betpawa(payload: Any) -> dict[str, tuple[str, int]]:
    lines: defaultdict[str, set[object]] = defaultdict(set)
    names: dict[str, str] = {}
    for market in payload["markets"]:
        market_type = market["marketType"]
        native = str(market_type["id"]).strip()
        names.setdefault(native, str(market_type.get("name") or native))
        rows = market.get("row")
        if type(rows) is not list or not rows:
            lines[native].add(None)
            continue
        for row in rows:
            handicap = row.get("handicap") if type(row) is dict else None
            lines[native].add(handicap if type(handicap) in _HASHABLE else repr(handicap))
    return {native: (names[native], len(found)) for native, found in lines.items()}


def _bet9ja(payload: Any) -> dict[str, tuple[str, int]]:
    d = payload["D"]
    keys = d["O"].keys()
    if any(key not in keys_memo.SEEN for key in keys):
        keys_memo.learn(keys)
    lines: defaultdict[str, set[str]] = defaultdict(set)
    for key in keys:
        line_id = keys_memo.SEEN[key]
        lines[keys_memo.LINE_MARKET[line_id]].add(line_id)
    trans = d.get("TRANS") if isinstance(d.get("TRANS"), dict) else {}
    listed = {str(m.get("ID")): m.get("DS") for m in d.get("MK") or () if isinstance(m, dict)}
    out = {}
    for native, found in lines.items():
        entry = trans.get(f"M#{native}")
        name = entry.get("NAME") if isinstance(entry, dict) else None
        out[native] = (str(name or listed.get(native) or native), len(found))
    return out
