"""One snapshot through the signals state: the stage without faust (pure but for its tables).

:meth:`SignalStage.process` reads and writes two mappings of bytes — in the worker the faust
tables ``signal_boards`` and ``signal_events`` (:mod:`streams.stages.signals.state`), in tests plain
dicts — and returns what to publish. Rules, in order, for the ``odds.snapshots.v1`` record at
(partition, offset):

1. a snapshot without a Sportradar id is skipped (no other bookmaker quotes its event);
2. the record the event's entry names as its last → ``REPLAY``: its message is published
   again, byte for byte (the worker may have died after the table write, before the ack);
3. an older offset of the same partition → ``DUPLICATE``: skipped;
4. ``captured_at`` not after the bookmaker's last capture of the event → ``STALE``: skipped
   (the match stage published a capture again);
5. otherwise ``NEW``: at the event's first snapshot at or after kickoff every book's lines
   are emitted as closing prices (the boards hold only captures before it); the snapshot is
   applied to its bookmaker's board (opening prices for lines priced for the first time);
   then, for every line whose outcomes changed and that the cross-book agreement check
   does not flag: the bookmaker's margin and fair probabilities, the consensus and the
   deviations of every fresh book; and, for those lines and every open window, arbitrage.

*Fresh* books of a snapshot: the bookmakers whose last capture of the event is at most
``max_age_s`` before the snapshot's ``captured_at``, with the same live flag (capture time,
not wall time: a replay decides the same). Formulas: :mod:`streams.stages.signals.formulas`;
which lines count: :mod:`streams.stages.signals.outcomes`.
"""

from __future__ import annotations

import enum
from collections.abc import MutableMapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from streams.agreement import AgreementState
from streams.contracts.signals import (
    ArbLeg,
    ArbWindow,
    Deviation,
    LinePrice,
    Margin,
    SignalsV1,
    encode_signals,
)
from streams.contracts.snapshot import Outcomes, SnapshotV1, Source
from streams.settings import AgreementSettings, SignalsSettings
from streams.stages.signals import formulas
from streams.stages.signals.outcomes import complete_set, priced_complete
from streams.stages.signals.state import (
    BookBoard,
    Cached,
    EventEntry,
    LineKey,
    OpenArb,
    decode_board,
    decode_event,
    encode_board,
    encode_event,
    line_text,
    split_line,
    to_dt,
)

_FAIR_CACHE = 200_000
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_US = timedelta(microseconds=1)


class Verdict(enum.Enum):
    NEW = "new"
    REPLAY = "replay"
    DUPLICATE = "duplicate"
    STALE = "stale"
    SKIPPED = "skipped"


@dataclass(frozen=True, slots=True)
class Result:
    verdict: Verdict
    output: bytes | None = None  # the odds.signals.v1 value to publish
    signals: SignalsV1 | None = None  # decoded view of it (NEW only)


class SignalStage:
    """Signals of one worker; see the module docstring for the rules."""

    def __init__(
        self,
        settings: SignalsSettings,
        boards: MutableMapping[str, bytes],
        events: MutableMapping[str, bytes],
        agreement: AgreementSettings | None = None,
    ) -> None:
        self.settings = settings
        self.max_age = timedelta(seconds=settings.max_age_s)
        self.max_arb = settings.max_arb_pct / 100.0
        self.boards = Cached(boards, decode_board, encode_board)
        self.events = Cached(events, decode_event, encode_event)
        self.agreement = (
            AgreementState.from_settings(agreement) if agreement is not None and agreement.enabled else None
        )
        #: (board key, line) → (outcomes object the fair values were computed from, fair values)
        self._fair: dict[tuple[str, str], tuple[Outcomes, dict[str, float]]] = {}

    # -- the rules -----------------------------------------------------------------------

    def process(self, snap: SnapshotV1, partition: int, offset: int, topic: str = "") -> Result:
        if snap.event.sportradar_id is None:
            return Result(Verdict.SKIPPED)
        key = snap.key
        entry = self.events.get(key) or EventEntry()
        here = (partition, offset)
        if entry.last == here:
            return Result(Verdict.REPLAY, entry.output)
        if entry.last is not None and entry.last[0] == partition and offset < entry.last[1]:
            return Result(Verdict.DUPLICATE)
        bkey = f"{key}|{snap.bookmaker}"
        board = self.boards.get(bkey)
        now = snap.captured_at
        if board is not None and now <= board.captured_at:
            return Result(Verdict.STALE)

        prices: list[LinePrice] = []
        if not entry.closed and now >= snap.event.kickoff:
            prices.extend(self._closing(key, entry))
            entry.closed = True
        if board is None:
            board = BookBoard(now, snap.live)
        changed = _apply(board, snap)
        for line_key, text in changed:
            if text in board.opened or text not in board.lines:
                continue
            at, outs = board.lines[text]
            if any(p is not None for p in outs.values()):
                board.opened.add(text)
                prices.append(LinePrice("opening", snap.bookmaker, line_key[0], line_key[1], to_dt(at), outs))
        if snap.bookmaker not in entry.books:
            entry.books.append(snap.bookmaker)
        self.boards.put(bkey, board)
        flagged = self._flagged(key, snap, board)

        fresh = self._fresh(key, entry, now, snap.live)
        margins: list[Margin] = []
        deviations: list[Deviation] = []
        evaluated: list[LineKey] = []
        for line_key, text in changed:
            if line_key in flagged:
                continue
            evaluated.append(line_key)
            held = board.lines.get(text)
            if held is not None:
                m = self._margin(line_key, held[1])
                if m is not None:
                    margins.append(m)
            deviations.extend(self._deviations(key, line_key, text, fresh))
        lines = {line_key for line_key, _ in changed} | set(entry.arbs)
        arbs = self._arbitrage(entry, lines, flagged, fresh, now)

        signals = SignalsV1(
            event_key=key,
            sportradar_id=snap.event.sportradar_id,
            sport=snap.event.sport,
            kickoff=snap.event.kickoff,
            bookmaker=snap.bookmaker,
            captured_at=now,
            live=snap.live,
            source=Source(topic, partition, offset),
            margins=tuple(margins),
            deviations=tuple(deviations),
            arbitrages=tuple(arbs),
            prices=tuple(prices),
            evaluated=tuple(evaluated),
        )
        output = encode_signals(signals) if signals else None
        entry.last, entry.output = here, output
        self.events.put(key, entry)
        return Result(Verdict.NEW, output, signals if output is not None else None)

    def forget(self, key: str) -> int:
        """An event closed (its ``odds.event_lifecycle.v1`` record): delete its entries from
        both tables (tombstones in the changelogs) so that they hold the open events only;
        returns the entries deleted.

        The close record follows every snapshot of the event on its partition, so nothing of
        the event is pending. A snapshot redelivered after a crash between the deletes and the
        commit is processed anew and its signals published again: the signals sink stores
        them with ``ON CONFLICT DO NOTHING``. A reopened event starts from an empty state
        (the match stage rebuilds its board from a keyframe).
        """
        entry = self.events.get(key)
        if entry is None:
            return 0
        deleted = 1
        for book in entry.books:
            bkey = f"{key}|{book}"
            board = self.boards.get(bkey)
            if board is not None:
                for text in board.lines:  # the fair-value memo of its lines
                    self._fair.pop((bkey, text), None)
                self.boards.delete(bkey)
                deleted += 1
        self.events.delete(key)
        if self.agreement is not None:
            self.agreement.forget(key)
        return deleted

    # -- parts ---------------------------------------------------------------------------

    def _closing(self, key: str, entry: EventEntry) -> list[LinePrice]:
        out = []
        for book in entry.books:
            board = self.boards.get(f"{key}|{book}")
            if board is None:
                continue
            for text, (at, outs) in board.lines.items():
                if any(p is not None for p in outs.values()):
                    mid, line = split_line(text)
                    out.append(LinePrice("closing", book, mid, line, to_dt(at), outs))
        return out

    def _flagged(self, key: str, snap: SnapshotV1, board: BookBoard) -> set[LineKey]:
        state = self.agreement
        if state is None:
            return set()
        ev = snap.event
        args = (key, ev.sport, snap.bookmaker, snap.captured_at, snap.live)
        if snap.keyframe or not state.has_board(key, snap.bookmaker):
            lines = ((split_line(k), outs.items()) for k, (_, outs) in board.lines.items())
            state.observe(*args, lines)
        else:
            changed = ((k, outs.items()) for k, outs in snap.changed.items())
            state.observe(*args, changed, removed=snap.removed, full=False)
        return {(d.market_id, d.line) for d in state.flagged(key)}

    def _fresh(self, key: str, entry: EventEntry, now: datetime, live: bool) -> dict[str, BookBoard]:
        horizon = now - self.max_age
        out = {}
        for book in entry.books:
            board = self.boards.get(f"{key}|{book}")
            if board is not None and board.live == live and board.captured_at >= horizon:
                out[book] = board
        return out

    def _margin(self, line_key: LineKey, outs: Outcomes) -> Margin | None:
        prices = priced_complete(line_key[0], outs)
        if prices is None:
            return None
        ids = list(prices)
        values = [prices[i] for i in ids]
        mult = formulas.fair_multiplicative(values)
        shin = formulas.fair_shin(values)
        fair = {i: (mult[n], shin[n]) for n, i in enumerate(ids)}
        return Margin(line_key[0], line_key[1], formulas.margin(values), fair)

    def _fair_of(self, bkey: str, line_key: LineKey, text: str, outs: Outcomes) -> dict[str, float] | None:
        held = self._fair.get((bkey, text))
        if held is not None and held[0] is outs:
            return held[1]
        prices = priced_complete(line_key[0], outs)
        if prices is None:
            return None
        ids = list(prices)
        probs = formulas.fair([prices[i] for i in ids], self.settings.fair_method)
        fair = dict(zip(ids, probs, strict=True))
        if len(self._fair) >= _FAIR_CACHE:
            self._fair.clear()
        self._fair[(bkey, text)] = (outs, fair)
        return fair

    def _deviations(
        self, key: str, line_key: LineKey, text: str, fresh: dict[str, BookBoard]
    ) -> list[Deviation]:
        fair_by_book = {}
        for book, board in fresh.items():
            held = board.lines.get(text)
            if held is not None:
                fair = self._fair_of(f"{key}|{book}", line_key, text, held[1])
                if fair is not None:
                    fair_by_book[book] = fair
        books = len(fair_by_book)
        if books < self.settings.min_books:
            return []
        cons = formulas.consensus(fair_by_book)
        threshold = self.settings.deviation_min
        out = []
        for book in sorted(fresh):
            held = fresh[book].lines.get(text)
            if held is None:
                continue
            for outcome_id, price in held[1].items():
                p = cons.get(outcome_id)
                if price is None or price <= 1.0 or p is None:
                    continue
                dev = formulas.deviation(price, p)
                if abs(dev) >= threshold:
                    out.append(Deviation(book, line_key[0], line_key[1], outcome_id, price, p, dev, books))
        return out

    def _arbitrage(
        self,
        entry: EventEntry,
        lines: set[LineKey],
        flagged: set[LineKey],
        fresh: dict[str, BookBoard],
        now: datetime,
    ) -> list[ArbWindow]:
        out = []
        for line_key in sorted(lines):
            found = None
            full = complete_set(line_key[0])
            if full is not None and line_key not in flagged:
                quotes = {}
                text = line_text(line_key)
                for book, board in fresh.items():
                    held = board.lines.get(text)
                    prices = None if held is None else priced_complete(line_key[0], held[1])
                    if prices is not None:
                        quotes[book] = prices
                found = formulas.arbitrage(quotes, sorted(full))
            open_ = entry.arbs.get(line_key)
            if found is not None:
                legs = tuple(ArbLeg(g.outcome_id, g.bookmaker, g.price, g.stake) for g in found.legs)
                suspect = found.profit > self.max_arb
                if open_ is None:
                    entry.arbs[line_key] = OpenArb(now, found.profit, suspect, legs)
                    out.append(ArbWindow(line_key[0], line_key[1], now, None, found.profit, suspect, legs))
                elif found.profit > open_.profit:
                    open_.profit, open_.suspect = found.profit, open_.suspect or suspect
            elif open_ is not None:
                del entry.arbs[line_key]
                out.append(
                    ArbWindow(
                        line_key[0],
                        line_key[1],
                        open_.started_at,
                        now,
                        open_.profit,
                        open_.suspect,
                        open_.legs,
                    )
                )
        return out


def _apply(board: BookBoard, snap: SnapshotV1) -> list[tuple[LineKey, str]]:
    """Apply the snapshot to the board; returns the lines (key and text) whose outcomes changed
    or went away."""
    now = snap.captured_at
    us = (now - _EPOCH) // _US
    changed: list[tuple[LineKey, str]] = []
    listed = {}
    for line_key, outs in snap.changed.items():
        text = listed[line_key] = line_text(line_key)
        held = board.lines.get(text)
        if held is None or held[1] != outs:
            board.lines[text] = (us, outs)
            changed.append((line_key, text))
    if snap.keyframe:
        keep = set(listed.values())
        for text in [k for k in board.lines if k not in keep]:
            del board.lines[text]
            changed.append((split_line(text), text))
    for line_key in snap.removed:
        text = line_text(line_key)
        if text in board.lines and line_key not in listed:
            del board.lines[text]
            changed.append((line_key, text))
    board.captured_at, board.live = now, snap.live
    return changed
