"""A calendar-driven simulated feed: matches announced, played and ended over days of stream time.

:func:`streams.simulator.iter_captures` captures every slot of a :class:`~streams.simulator.World`
once per round and never says a match ended (a finished match is silently replaced). This
feed drives the same world on a calendar instead:

* the world has ``slots`` match slots; a finished match is replaced by a new one kicking
  off ``horizon_h / 2 … horizon_h`` hours later (:mod:`streams.simulator.spawn`), so
  kickoffs are spread evenly over the whole span and each match is quoted prematch from
  3–6 hours (default) before its kickoff;
* one *round* is ``live_every_s`` seconds of stream time: every match in play is captured
  at every bookmaker once per round, every prematch match once every ``prematch_every``
  rounds (staggered by slot); capture times are spread evenly over the round;
* when a match ends, SportyBet's final response (``matchStatus: "Ended"``) is captured at
  the start of the next round: the match stage closes the event on it
  (``reason="ended"``); the bookmaker-only events of BetPawa and Bet9ja (matches missing the
  Sportradar id there) have no such field and close when idle (``reason="idle"``).

Pure and deterministic (seeded world, no I/O): :func:`rounds` yields each round's captures
in capture-time order; the caller publishes them.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from streams.simulator import SimulatedCapture, World, WorldConfig, capture, sportybet
from streams.simulator.markets import Bookmaker
from streams.simulator.play import DURATION
from streams.simulator.state import BookState, Match

BOOKMAKERS: tuple[Bookmaker, ...] = ("betpawa", "sportybet", "bet9ja")


@dataclass(frozen=True)
class Calendar:
    """``events`` matches (about) over ``days`` of stream time, captured on the rules above."""

    events: int
    days: float = 7.0
    live_every_s: float = 1800.0
    prematch_every: int = 2
    horizon_h: float = 6.0
    seed: int = 7
    size: str = "small"
    bookmakers: tuple[Bookmaker, ...] = BOOKMAKERS

    @property
    def config(self) -> WorldConfig:
        return WorldConfig(
            size=self.size,  # type: ignore[arg-type]
            bookmakers=self.bookmakers,
            kickoff_horizon_s=self.horizon_h * 3600,
        )

    @property
    def lifetime_h(self) -> float:
        """Mean hours from a match's creation to its end: prematch wait (3/4 of the horizon)
        plus the sport mix's mean duration."""
        mix = self.config.sport_mix
        played_min = sum(w * DURATION[s] for s, w in mix) / sum(w for _, w in mix)
        return 0.75 * self.horizon_h + played_min / 60

    @property
    def slots(self) -> int:
        """Concurrent match slots so that about ``events`` matches are created in ``days``."""
        return max(1, math.ceil(self.events * self.lifetime_h / (self.days * 24)))

    @property
    def rounds(self) -> int:
        return math.ceil(self.days * 86400 / self.live_every_s)


@dataclass
class Round:
    """One round: its index, its start in stream time, its captures (capture-time order)."""

    index: int
    start: datetime
    captures: list[SimulatedCapture] = field(default_factory=list)
    ended: int = 0  # matches that ended (and got their final SportyBet capture) in this round
    live: int = 0  # matches in play during this round
    scheduled: int = 0  # matches not yet kicked off


def _ended_capture(world: World, match: Match, book: BookState, at: datetime) -> SimulatedCapture:
    """SportyBet's last response for a finished ``match`` (no longer in the world)."""
    carried = match.carries_sr("sportybet")
    event_id = f"sr:match:{match.sr_id}" if carried else f"sr:simple_match:{match.sr_id}"
    now_ms = int(at.timestamp() * 1000)
    size = world.config.size
    payload = sportybet.render(match, book, event_id=event_id, size=size, now_ms=now_ms, seed=world.seed)
    return SimulatedCapture("sportybet", event_id, match.sr_id if carried else None, at, payload, -1)


def rounds(cal: Calendar, start: datetime) -> Iterator[Round]:
    """Every round from ``start`` for ``cal.days``; the world is stepped between rounds."""
    world = World(cal.slots, seed=cal.seed, start=start, config=cal.config)
    step = timedelta(seconds=cal.live_every_s)
    ended: list[tuple[Match, BookState]] = []
    for k in range(cal.rounds):
        t0 = start + k * step
        out = Round(k, t0, ended=len(ended))
        picks: list[tuple[int, Bookmaker]] = []
        for i, m in enumerate(world.matches):
            out.live += m.live
            out.scheduled += m.elapsed < 0
            if m.live or (k + i) % cal.prematch_every == 0:
                picks += [(i, b) for b in world.bookmakers]
        n = len(picks) + len(ended)
        if "sportybet" in world.bookmakers:
            out.captures += [_ended_capture(world, m, b, t0 + j * step / n) for j, (m, b) in enumerate(ended)]
        for j, (i, b) in enumerate(picks, start=len(ended)):
            out.captures.append(capture(world, i, b, t0 + j * step / n))
        yield out
        sporty = "sportybet" in world.bookmakers
        before = [(m, world.books[i]["sportybet"] if sporty else None) for i, m in enumerate(world.matches)]
        world.step(cal.live_every_s)
        ended = [(m, b) for i, (m, b) in enumerate(before) if world.matches[i] is not m and b is not None]
