"""The simulated feed: captures of every event at every bookmaker, in round robin.

Pure and deterministic: :func:`iter_captures` neither sleeps nor publishes; it yields
:class:`SimulatedCapture` objects whose ``captured_at`` advances by ``1 / rate_per_s``
seconds each. The world is stepped once per round (one capture of every event at every
bookmaker), so ``WorldConfig.change_rate`` is the share of a live event's lines that
changed between two consecutive captures of it at the same bookmaker (× ``prematch_activity``
before kickoff). Right after a capture
is yielded, ``world.truth(capture.event_index, capture.bookmaker)`` describes it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import orjson

from streams.simulator import bet9ja, betika, betpawa, betway, msport, sportpesa, sportybet
from streams.simulator.markets import BOOKMAKERS, Bookmaker, Size
from streams.simulator.world import World, WorldConfig


@dataclass(frozen=True, slots=True)
class SimulatedCapture:
    """One bookmaker response for one event, as a scraper would have captured it."""

    bookmaker: Bookmaker
    bookmaker_event_id: str
    sportradar_id: int | None  # as carried by this bookmaker's payload (None: not carried)
    captured_at: datetime  # UTC
    payload: dict[str, Any]  # the bookmaker's JSON, parsed
    event_index: int  # world slot, for World.truth()


def render(world: World, event_index: int, bookmaker: Bookmaker) -> dict[str, Any]:
    """The current response of ``bookmaker`` for the event in slot ``event_index``."""
    match, book = world.matches[event_index], world.books[event_index][bookmaker]
    size = world.config.size
    if bookmaker == "betpawa":
        return betpawa.render(match, book, size=size, seed=world.seed)
    if bookmaker == "bet9ja":
        return bet9ja.render(match, book, size=size, seed=world.seed)
    event_id, sr = world.event_ids(event_index, bookmaker)
    if bookmaker == "msport":
        return msport.render(match, book, event_id=event_id)
    if bookmaker == "betika":
        return betika.render(match, book, event_id=event_id, sr=sr)
    if bookmaker == "betway":
        return betway.render(match, book, event_id=event_id)
    if bookmaker == "sportpesa":
        return sportpesa.render(match, book, event_id=event_id, sr=sr)
    return sportybet.render(match, book, event_id=event_id, size=size, now_ms=world.now_ms, seed=world.seed)


def capture(world: World, event_index: int, bookmaker: Bookmaker, captured_at: datetime) -> SimulatedCapture:
    event_id, sr = world.event_ids(event_index, bookmaker)
    payload = render(world, event_index, bookmaker)
    return SimulatedCapture(bookmaker, event_id, sr, captured_at, payload, event_index)


def iter_captures(
    world: World,
    *,
    rate_per_s: float,
    duration_s: float | None = None,
    count: int | None = None,
    clock: datetime | None = None,
) -> Iterator[SimulatedCapture]:
    """Captures round-robin over events x bookmakers, ``rate_per_s`` per simulated second.

    ``clock`` is the instant of the first capture (default: ``world.now``; a later instant
    first steps the world up to it). Stops after ``count`` captures or once ``duration_s``
    simulated seconds are covered, whichever comes first; runs forever with neither.
    Steps the world as it goes: the caller owns ``world`` while iterating.
    """
    if rate_per_s <= 0:
        raise ValueError("rate_per_s must be > 0")
    if clock is not None:
        if clock < world.now:
            raise ValueError("clock must not be before world.now")
        if clock > world.now:
            world.step((clock - world.now).total_seconds())
    if not len(world):
        return
    start = world.now
    books = world.bookmakers
    round_s = len(world) * len(books) / rate_per_s
    k = 0
    while True:
        if k:
            world.step(round_s)
        for i in range(len(world)):
            for b in books:
                offset = k / rate_per_s
                if (count is not None and k >= count) or (duration_s is not None and offset >= duration_s):
                    return
                yield capture(world, i, b, start + timedelta(seconds=offset))
                k += 1


def sample_payloads(bookmaker: Bookmaker, n: int, size: Size = "real", seed: int = 0) -> list[bytes]:
    """``n`` encoded responses of ``bookmaker`` (one per event of a fresh world), for benchmarks."""
    world = World(n, seed=seed, config=WorldConfig(size=size, bookmakers=BOOKMAKERS))
    return [orjson.dumps(render(world, i, bookmaker)) for i in range(n)]
