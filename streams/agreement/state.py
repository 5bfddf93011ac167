"""Latest comparable quotes per event × bookmaker and the flagged lines (see :mod:`streams.agreement`)."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from streams.agreement.rule import Disagreement, LineKey, Quote, Rule, Shared, compare, quote, same_outcomes
from streams.settings import AgreementSettings

_keys: Shared[LineKey] = Shared(65_536)


@dataclass(slots=True)
class _Board:
    captured_at: datetime
    live: bool
    quotes: dict[LineKey, Quote] = field(default_factory=dict)


@dataclass(slots=True)
class _Event:
    sport: str
    last: datetime
    boards: dict[str, _Board] = field(default_factory=dict)
    #: (line, bookmaker, bookmaker) with the bookmakers sorted → the disagreement found
    flagged: dict[tuple[LineKey, str, str], Disagreement] = field(default_factory=dict)
    #: bookmaker pairs (sorted) whose current quotes have all been compared
    synced: set[tuple[str, str]] = field(default_factory=set)


class AgreementState:
    """Latest comparable quotes per event × bookmaker, and the flagged lines (module docstring)."""

    def __init__(
        self, *, window: timedelta = timedelta(seconds=60), rule: Rule | None = None, max_events: int = 5_000
    ) -> None:
        self.window = window
        self.rule = rule or Rule()
        self.max_events = max_events
        #: line comparisons made (two bookmakers' comparable quotes of a line, same outcome ids)
        self.comparisons = 0
        self._events: OrderedDict[str, _Event] = OrderedDict()
        self._clock: datetime | None = None

    @classmethod
    def from_settings(cls, settings: AgreementSettings) -> AgreementState:
        """A state with the window, rule and bound of ``settings`` (``ODDS_AGREEMENT__*``)."""
        rule = Rule(settings.threshold, settings.min_diff)
        return cls(window=timedelta(seconds=settings.window_s), rule=rule, max_events=settings.max_events)

    def __len__(self) -> int:
        return len(self._events)

    def forget(self, event: str) -> bool:
        """Drop ``event`` (it closed): the state then holds the open events, not the last
        ``max_events`` seen. True if it was held."""
        return self._events.pop(event, None) is not None

    def has_board(self, event: str, bookmaker: str) -> bool:
        """Whether a capture of ``bookmaker`` for ``event`` is held (diffs can be applied)."""
        held = self._events.get(event)
        return held is not None and bookmaker in held.boards

    def flagged(self, event: str) -> list[Disagreement]:
        """The disagreements of ``event`` that are flagged now."""
        held = self._events.get(event)
        return [] if held is None else list(held.flagged.values())

    def observe(
        self,
        event: str,
        sport: str,
        bookmaker: str,
        captured_at: datetime,
        live: bool,
        lines: Iterable[tuple[LineKey, Iterable[tuple[str, float | None]]]],
        *,
        removed: Iterable[LineKey] = (),
        full: bool = True,
    ) -> list[Disagreement]:
        """Record one capture of ``bookmaker`` and return the disagreements it starts.

        ``lines``: ``(line, ((outcome id, price or None), …))`` pairs. ``full``: they are the
        bookmaker's whole board for the event (lines absent are gone); otherwise they are
        the lines that changed and ``removed`` those that went away since the previous
        capture, which must be held (:meth:`has_board`; without it this is a full board).
        """
        held = self._touch(event, sport, captured_at)
        board = held.boards.get(bookmaker)
        before: dict[LineKey, Quote] = {} if board is None else board.quotes
        if board is None or full:
            board = held.boards[bookmaker] = _Board(captured_at, live)
        board.captured_at, board.live = captured_at, live
        for key in removed:
            board.quotes.pop(key, None)
        changed: list[LineKey] = []  # comparable lines whose quote is new or moved
        for key, outcomes in lines:
            q = quote(outcomes)
            if q is None:
                board.quotes.pop(key, None)
                continue
            key = _keys(key)
            if before.get(key) != q:
                changed.append(key)
            board.quotes[key] = q
        found: list[Disagreement] = []
        for other, theirs in held.boards.items():
            if other == bookmaker:
                continue
            pair = (bookmaker, other) if bookmaker < other else (other, bookmaker)
            if theirs.live != live or abs(theirs.captured_at - captured_at) > self.window:
                held.synced.discard(pair)
                continue
            keys: Iterable[LineKey] = changed if pair in held.synced else board.quotes
            held.synced.add(pair)
            for key in keys:
                new = self._compare(held, event, key, bookmaker, board, other, theirs, pair)
                if new is not None:
                    found.append(new)
        self._prune()
        return found

    def _compare(
        self,
        held: _Event,
        event: str,
        key: LineKey,
        bookmaker: str,
        board: _Board,
        other: str,
        theirs: _Board,
        pair: tuple[str, str],
    ) -> Disagreement | None:
        mine, their = board.quotes.get(key), theirs.quotes.get(key)
        if mine is None or their is None or not same_outcomes(mine, their):
            return None
        self.comparisons += 1
        worst = compare(mine, their, self.rule)
        flag = (key, *pair)
        if worst is None:
            held.flagged.pop(flag, None)
            return None
        if flag in held.flagged:
            return None
        outcome_id, pa, pb = worst
        found = Disagreement(
            event, held.sport, key[0], key[1], (bookmaker, other), outcome_id, (pa, pb),
            (board.captured_at, theirs.captured_at),
        )  # fmt: skip
        held.flagged[flag] = found
        return found

    def _touch(self, event: str, sport: str, captured_at: datetime) -> _Event:
        if self._clock is None or captured_at > self._clock:
            self._clock = captured_at
        held = self._events.get(event)
        if held is None:
            held = self._events[event] = _Event(sport, captured_at)
        else:
            self._events.move_to_end(event)
            held.last = max(held.last, captured_at)
        return held

    def _prune(self) -> None:
        assert self._clock is not None
        horizon = self._clock - self.window
        while self._events:
            oldest = next(iter(self._events.values()))
            if len(self._events) <= self.max_events and oldest.last >= horizon:
                break
            self._events.popitem(last=False)
