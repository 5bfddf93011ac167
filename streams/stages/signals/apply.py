"""Apply one snapshot to its event's market states: which lines changed, which were opened (pure).

:func:`apply_snapshot` updates the bookmaker's lines in the markets the snapshot names (and,
for a keyframe, marks every line it no longer lists as removed) and returns the changes in a
deterministic order: the snapshot's lines in its order, then removals by market id. A line
counts as changed when its outcomes differ from those held, or when it was written at this
very capture (``at`` equals it: a redelivered record whose first attempt wrote part of its
markets before the worker died). The caller writes back the markets in ``touched``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import NamedTuple

from streams.contracts.snapshot import SnapshotV1
from streams.stages.signals.state import (
    AT,
    OPENED,
    OUTS,
    Cached,
    EventEntry,
    Held,
    LineKey,
    MarketState,
    market_key,
)


class Change(NamedTuple):
    """One line of the snapshot's bookmaker that changed (``held[OUTS]`` None: removed)."""

    key: LineKey
    mkey: str
    market: MarketState
    held: Held


@dataclass(slots=True)
class Applied:
    changed: list[Change] = field(default_factory=list)
    #: lines whose opening price is due now
    opened: list[Change] = field(default_factory=list)
    #: market key → state, the markets to write back
    touched: dict[str, MarketState] = field(default_factory=dict)


def apply_snapshot(
    markets: Cached[MarketState],
    event_key: str,
    entry: EventEntry,
    market_ids: set[int],
    snap: SnapshotV1,
    us: int,
) -> Applied:
    """Apply ``snap`` (captured at ``us``) to the markets of ``event_key`` (whose ids are
    ``market_ids``: new ones are added); call it before recording the capture in
    ``entry.books``. See the module docstring."""
    book = snap.bookmaker
    first = book not in entry.books
    out = Applied()
    seen: dict[int, tuple[str, MarketState | None]] = {}

    def market(mid: int) -> tuple[str, MarketState | None]:
        found = seen.get(mid)
        if found is None:
            mkey = market_key(event_key, mid)
            found = seen[mid] = (mkey, markets.get(mkey))
        return found

    def changed(key: LineKey, mkey: str, m: MarketState, held: Held) -> None:
        out.changed.append(Change(key, mkey, m, held))
        out.touched[mkey] = m

    for key, outs in snap.changed.items():
        mkey, m = market(key[0])
        if m is None:
            m = MarketState()
            seen[key[0]] = (mkey, m)
            market_ids.add(key[0])
        lines = m.books.get(book)
        if lines is None:
            lines = m.books[book] = {}
        held = lines.get(key[1])
        if held is None:
            held = lines[key[1]] = [us, outs, None]
        elif held[OUTS] != outs or held[AT] == us:
            held[AT], held[OUTS] = us, outs
        else:
            continue
        changed(key, mkey, m, held)
        if (held[OPENED] is None or held[OPENED] == us) and _priced_any(outs.values()):
            held[OPENED] = us
            out.opened.append(out.changed[-1])

    if snap.keyframe and first:
        gone = []  # the bookmaker holds no line of the event but those this capture wrote
    elif snap.keyframe:
        gone = [
            (mid, line) for mid in sorted(market_ids) for line in _lines_of(market(mid)[1], book)
            if (mid, line) not in snap.changed
        ]  # fmt: skip
    else:
        gone = [key for key in snap.removed if key not in snap.changed]
    for key in gone:
        mkey, m = market(key[0])
        lines = None if m is None else m.books.get(book)
        held = None if lines is None else lines.get(key[1])
        if m is None or held is None:
            continue
        if held[OUTS] is not None:
            held[AT], held[OUTS] = us, None
        elif held[AT] != us:
            continue
        changed(key, mkey, m, held)
    return out


def _priced_any(prices: Iterable[float | None]) -> bool:
    # a loop: any() over a generator costs more for the few outcomes of a line
    for p in prices:  # noqa: SIM110
        if p is not None:
            return True
    return False


def _lines_of(m: MarketState | None, book: str) -> list[str]:
    lines = None if m is None else m.books.get(book)
    return [] if lines is None else list(lines)
