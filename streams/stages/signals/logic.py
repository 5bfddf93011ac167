"""One snapshot through the signals state: the stage without faust (pure but for its tables).

:meth:`SignalStage.process` reads and writes two mappings of bytes — in the worker the faust
tables ``signal_markets`` and ``signal_events`` (:mod:`streams.stages.signals.state`), in tests
plain dicts — and returns what to publish. A snapshot writes the markets whose lines it changed
and then the event's entry (its commit point: verdicts and freshness come from the entry
alone); a line written at this capture counts as changed, so a record redelivered after a
partial write decides the same. Rules, in order, for the ``odds.snapshots.v1`` record at
(partition, offset):

1. a snapshot without a Sportradar id is skipped (no other bookmaker quotes its event);
2. the record the event's entry names as its last → ``REPLAY``: its message is published
   again, byte for byte (the worker may have died after the table write, before the ack);
3. an older offset of the same partition → ``DUPLICATE``: skipped;
4. ``captured_at`` not after the bookmaker's last capture of the event → ``STALE``: skipped
   (the match stage published a capture again);
5. otherwise ``NEW``: at the event's first snapshot at or after kickoff every book's lines
   are emitted as closing prices (the state holds only captures before it); the snapshot is
   applied to its bookmaker's lines (opening prices for lines priced for the first time);
   then, for every line whose outcomes changed and that the cross-book agreement check
   does not flag: the bookmaker's margin and fair probabilities, the consensus and the
   deviations of every fresh book; and, for those lines and every open window, arbitrage
   (an open window whose line did not change is evaluated again only when the fresh books or
   the flagged lines differ from the event's previous snapshot: otherwise its quotes are
   those of the last evaluation). A window ends at the capture time of the snapshot that
   closes it, or at its start when that capture is older (another bookmaker's, processed
   later).

*Fresh* books of a snapshot: the bookmakers whose last capture of the event is at most
``max_age_s`` before the snapshot's ``captured_at``, with the same live flag (capture time,
not wall time: a replay decides the same). Formulas: :mod:`streams.stages.signals.formulas`;
which lines count: :mod:`streams.stages.signals.outcomes`; each bookmaker's line is priced once
per change (:mod:`streams.stages.signals.quotes`).
"""

from __future__ import annotations

import enum
from collections.abc import Iterator, MutableMapping
from dataclasses import dataclass
from datetime import datetime

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
from streams.stages.signals.apply import apply_snapshot
from streams.stages.signals.outcomes import complete_set
from streams.stages.signals.quotes import InfoCache
from streams.stages.signals.state import (
    AT,
    OUTS,
    Cached,
    EventEntry,
    LineKey,
    MarketState,
    OpenArb,
    decode_event,
    decode_index,
    decode_market,
    encode_event,
    encode_index,
    encode_market,
    index_key,
    market_key,
    to_dt,
    to_us,
)

_CONTEXTS = 100_000


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
        markets: MutableMapping[str, bytes],
        events: MutableMapping[str, bytes],
        agreement: AgreementSettings | None = None,
    ) -> None:
        self.settings = settings
        self.max_age_us = round(settings.max_age_s * 1e6)
        self.max_arb = settings.max_arb_pct / 100.0
        self.markets = Cached(markets, decode_market, encode_market)
        self.index = Cached(markets, decode_index, encode_index)
        self.events = Cached(events, decode_event, encode_event)
        self.agreement = (
            AgreementState.from_settings(agreement) if agreement is not None and agreement.enabled else None
        )
        self.infos = InfoCache(settings.fair_method)
        #: event key → (fresh books, flagged lines) of its last snapshot processed here
        self._context: dict[str, tuple[frozenset[str], frozenset[LineKey]]] = {}

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
        book, now = snap.bookmaker, snap.captured_at
        us = to_us(now)
        seen = entry.books.get(book)
        if seen is not None and us <= seen[0]:
            return Result(Verdict.STALE)

        prices: list[LinePrice] = []
        market_ids = self.index.get(index_key(key)) or set()
        known = len(market_ids)
        if not entry.closed and now >= snap.event.kickoff:
            prices.extend(self._closing(key, market_ids))
            entry.closed = True
        applied = apply_snapshot(self.markets, key, entry, market_ids, snap, us)
        for c in applied.opened:
            held = c.held
            prices.append(LinePrice("opening", book, c.key[0], c.key[1], to_dt(held[AT]), held[OUTS]))
        entry.books[book] = [us, snap.live]
        for mkey, m in applied.touched.items():
            self.markets.put(mkey, m)
        if len(market_ids) > known:
            self.index.put(index_key(key), market_ids)
        flagged = self._flagged(key, market_ids, snap)

        horizon = us - self.max_age_us
        fresh = {b for b, (at, live) in entry.books.items() if live == snap.live and at >= horizon}
        margins: list[Margin] = []
        deviations: list[Deviation] = []
        evaluated: list[LineKey] = []
        for c in applied.changed:
            if c.key in flagged:
                continue
            evaluated.append(c.key)
            outs = c.held[OUTS]
            if outs is not None:
                info = self.infos.get(c.mkey, book, c.key[1], c.key[0], outs)
                if info is not None:
                    margins.append(Margin(c.key[0], c.key[1], info.margin, info.both))
            deviations.extend(self._deviations(c.mkey, c.market, c.key, fresh))
        lines = {c.key for c in applied.changed}
        context = (frozenset(fresh), frozenset(flagged))
        if self._context.get(key) != context:  # an open window's quotes may differ
            lines.update(entry.arbs)
        if len(self._context) >= _CONTEXTS:
            self._context.clear()
        self._context[key] = context
        arbs = self._arbitrage(key, entry, lines, flagged, fresh, now)

        signals = SignalsV1(
            event_key=key,
            sportradar_id=snap.event.sportradar_id,
            sport=snap.event.sport,
            kickoff=snap.event.kickoff,
            bookmaker=book,
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
        both tables (its markets, their index and its event entry; tombstones in the
        changelogs) so that they hold the open events only, and its memory-only state (line
        info memo, agreement state); returns the table entries deleted.

        The close record follows every snapshot of the event on its partition, so nothing of
        the event is pending. A snapshot redelivered after a crash between the deletes and the
        commit is processed anew and its signals published again: the signals sink stores
        them with ``ON CONFLICT DO NOTHING``. A reopened event starts from an empty state
        (the match stage rebuilds its board from a keyframe).
        """
        entry = self.events.get(key)
        market_ids = self.index.get(index_key(key)) or set()
        deleted = 0
        for market_id in market_ids:
            mkey = market_key(key, market_id)
            self.infos.forget(mkey)
            if self.markets.get(mkey) is not None:
                self.markets.delete(mkey)
                deleted += 1
        if market_ids:
            self.index.delete(index_key(key))
            deleted += 1
        if entry is not None:
            self.events.delete(key)
            deleted += 1
        self._context.pop(key, None)
        if self.agreement is not None:
            self.agreement.forget(key)
        return deleted

    # -- parts ---------------------------------------------------------------------------

    def _lines(self, key: str, market_ids: set[int]) -> Iterator[tuple[int, str, MarketState]]:
        for mid in sorted(market_ids):
            mkey = market_key(key, mid)
            m = self.markets.get(mkey)
            if m is not None:
                yield mid, mkey, m

    def _closing(self, key: str, market_ids: set[int]) -> list[LinePrice]:
        out = []
        for mid, _, m in self._lines(key, market_ids):
            for book, lines in m.books.items():
                for line, (at, outs, _) in lines.items():
                    if outs is not None and any(p is not None for p in outs.values()):
                        out.append(LinePrice("closing", book, mid, line, to_dt(at), outs))
        return out

    def _flagged(self, key: str, market_ids: set[int], snap: SnapshotV1) -> set[LineKey]:
        state = self.agreement
        if state is None:
            return set()
        ev, book = snap.event, snap.bookmaker
        args = (key, ev.sport, book, snap.captured_at, snap.live)
        if snap.keyframe:  # lists every current line
            state.observe(*args, ((k, outs.items()) for k, outs in snap.changed.items()))
        elif not state.has_board(key, book):
            board = [
                ((mid, line), held[OUTS].items())
                for mid, _, m in self._lines(key, market_ids)
                for line, held in m.books.get(book, {}).items()
                if held[OUTS] is not None
            ]
            state.observe(*args, board)
        else:
            changed = ((k, outs.items()) for k, outs in snap.changed.items())
            state.observe(*args, changed, removed=snap.removed, full=False)
        return {(d.market_id, d.line) for d in state.flagged(key)}

    def _quotes(self, m: MarketState, line: str, fresh: set[str]) -> list[tuple[str, Outcomes]]:
        """The fresh books' current outcomes of the line."""
        out = []
        for book, lines in m.books.items():
            if book in fresh:
                held = lines.get(line)
                if held is not None and held[OUTS] is not None:
                    out.append((book, held[OUTS]))
        return out

    def _deviations(self, mkey: str, m: MarketState, line_key: LineKey, fresh: set[str]) -> list[Deviation]:
        quoted = self._quotes(m, line_key[1], fresh)
        if len(quoted) < self.settings.min_books:
            return []
        fair_by_book = {}
        for book, outs in quoted:
            info = self.infos.get(mkey, book, line_key[1], line_key[0], outs)
            if info is not None:
                fair_by_book[book] = info.fair
        books = len(fair_by_book)
        if books < self.settings.min_books:
            return []
        cons = formulas.consensus(fair_by_book)
        threshold = self.settings.deviation_min
        out = []
        for book, outs in sorted(quoted, key=lambda q: q[0]):
            for outcome_id, price in outs.items():
                p = cons.get(outcome_id)
                if price is None or price <= 1.0 or p is None:
                    continue
                dev = formulas.deviation(price, p)
                if abs(dev) >= threshold:
                    out.append(Deviation(book, line_key[0], line_key[1], outcome_id, price, p, dev, books))
        return out

    def _arbitrage(
        self,
        key: str,
        entry: EventEntry,
        lines: set[LineKey],
        flagged: set[LineKey],
        fresh: set[str],
        now: datetime,
    ) -> list[ArbWindow]:
        out = []
        for line_key in sorted(lines):
            found = None
            full = complete_set(line_key[0])
            if full is not None and line_key not in flagged:
                mkey = market_key(key, line_key[0])
                m = self.markets.get(mkey)
                quotes = {}
                below = False  # some book's own margin is negative (Σ 1/o < 1)
                for book, outs in [] if m is None else self._quotes(m, line_key[1], fresh):
                    info = self.infos.get(mkey, book, line_key[1], line_key[0], outs)
                    if info is not None:
                        quotes[book] = info.prices
                        below = below or info.margin < 0
                # one book alone is an arbitrage only below a zero margin
                if len(quotes) > 1 or below:
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
                        max(now, open_.started_at),  # bookmakers' captures interleave
                        open_.profit,
                        open_.suspect,
                        open_.legs,
                    )
                )
        return out
