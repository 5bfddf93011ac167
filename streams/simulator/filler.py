"""Filler markets: the part of a real board beyond the simulator's own 24 markets.

Real boards carry far more markets than the 24 the simulator models and prices
(:mod:`streams.simulator.markets`): early-payout variants, combos, minutes, corners,
goalscorers... Every board gets the rest of a real board of its sport and bookmaker
(:mod:`streams.simulator.boards`: football prematch SportyBet 183 market types / ~360 lines,
BetPawa 79 / ~118, Bet9ja ~163 / ~221 with ~950 odds keys, modelled markets included), so a
simulated capture has a real capture's market, line and outcome counts (``size="normal"``).
``size="real"`` adds player specials on top, up to the sizes of big matches (SportyBet up
to ~1,000 lines; :data:`TOTALS`); ``size="small"`` has no filler (the modelled markets
alone, ~44 lines a board: a light feed for tests that need volume, not realism).

SportyBet filler keeps SportyBet's real UOF/own ids, specifiers and outcome ids, and
oddsflow reads every SportyBet market generically, so SportyBet filler *is* canonical:
:func:`sportybet_truth` is its canonical view, part of :meth:`World.canonical`. BetPawa and
Bet9ja filler ids are in no mapping table (see :mod:`streams.simulator.boards`): there,
filler is unmapped.

The markets of a board are drawn once per match (a per-match ``random.Random``, so the
same seed gives the same boards); their prices then move with the book: the world
re-prices and suspends filler lines at the same rates as its own lines and re-prices all
of them on goals and phase changes (:meth:`World.step`), and a suspended event shows
them suspended too. Filler prices are not a model of the match: each line has outcome
weights that a re-price jitters, priced at an ~8% margin.

Units of "how much" (:data:`TOTALS`): SportyBet counts market lines, BetPawa market types,
Bet9ja odds keys.
"""

from __future__ import annotations

import math
import random
import re
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

from streams.simulator.boards import Entry, Out, boards
from streams.simulator.markets import Size, Sport

__all__ = [
    "CATALOGUE",
    "TOTALS",
    "Entry",
    "FillerLine",
    "FillerMarket",
    "filler",
    "line_key",
    "make_market",
    "reprice",
    "sportybet_truth",
]

_YN: Out = (("74", "Y", "Yes"), ("76", "N", "No"))

#: every filler market type a board may carry, per sport (all three bookmakers; the player
#: specials of ``size="real"`` are made on demand, see :func:`_player`)
CATALOGUE: dict[Sport, tuple[Entry, ...]] = {
    sport: tuple(e for entries in per_bookmaker.values() for e in entries)
    for sport, per_bookmaker in boards().items()
}

#: ``size="real"``: player specials top a board up to a drawn total of units (modelled +
#: filler); a board never has fewer than its real markets, whatever the draw
TOTALS = {"sportybet": (360, 1000), "betpawa": (80, 120), "bet9ja": (850, 950)}
MARGIN = 1.08
MIN_PRICE, MAX_PRICE = 1.02, 500.0


@dataclass(slots=True)
class FillerLine:
    """One line of a filler market and its current quote (mutated by the world)."""

    param: str  # see Entry.kind; "" without a line
    key: str  # canonical line key (SportyBet: the specifier, keys sorted, values canonical)
    weights: list[float]  # per outcome of the entry: the odds move with these
    prices: list[float]  # per outcome of the entry, 2 decimals
    suspended: bool = False
    changed_ms: int = 0


@dataclass(frozen=True, slots=True)
class FillerMarket:
    entry: Entry
    lines: tuple[FillerLine, ...]


def _price(weights: list[float]) -> list[float]:
    total = sum(weights) / MARGIN
    return [min(MAX_PRICE, max(MIN_PRICE, round(total / w, 2))) for w in weights]


def reprice(rng: random.Random, line: FillerLine, now_ms: int) -> None:
    """Move a line's weights a little and re-price it; a re-price always changes a price."""
    old = line.prices
    line.weights = [w * math.exp(rng.gauss(0.0, 0.05)) for w in line.weights]
    prices = _price(line.weights)
    if prices == old:  # one tick, as the world does for its own lines
        prices[0] = round(prices[0] + (0.01 if prices[0] < MAX_PRICE else -0.01), 2)
    line.prices = prices
    line.suspended = False
    line.changed_ms = now_ms


_NUMBER = re.compile(r"[+-]?[0-9]+(?:\.[0-9]+)?")


def _dec(text: str) -> str:
    if not _NUMBER.fullmatch(text):
        return text
    value = format(Decimal(text).normalize(), "f")
    return "0" if value in ("-0", "0") else value


def line_key(specifier: str) -> str:
    """Canonical line key of a SportyBet specifier: parts sorted by name, decimals canonical
    (``total=36.50|quarternr=2`` → ``quarternr=2|total=36.5``); other values as they are."""
    if not specifier:
        return ""
    parts = (part.partition("=") for part in specifier.split("|"))
    return "|".join(sorted(f"{name}={_dec(value)}" for name, _, value in parts))


def _specifier(entry: Entry, param: str) -> str:
    if entry.kind == "spec":
        return param
    return f"{entry.kind}={param}" if entry.kind and param else ""


def _player(k: int) -> Entry:
    pid = 700_000 + k * 37
    name = f"Player {k + 1} Anytime Goalscorer"
    return Entry(
        name, str(800_000 + k % 120), str(9_000_000 + k), "PLSP", "player", (f"sr:player:{pid}",), _YN
    )


def _units(bookmaker: str, m: FillerMarket) -> int:
    if bookmaker == "betpawa":
        return 1
    if bookmaker == "sportybet":
        return len(m.lines)
    return len(m.lines) * len(m.entry.outcomes)


def _market(rng: random.Random, entry: Entry, now_ms: int) -> FillerMarket:
    lines = []
    for param in entry.params:
        weights = [rng.uniform(0.2, 1.0) for _ in entry.outcomes]
        key = line_key(_specifier(entry, param))
        lines.append(FillerLine(param, key, weights, _price(weights), changed_ms=now_ms))
    return FillerMarket(entry, tuple(lines))


make_market = _market  # the four more bookmakers' filler (streams.simulator.filler_more)


def _extras() -> Iterator[Entry]:
    k = 0
    while True:
        yield _player(k)
        k += 1


def filler(
    rng: random.Random, bookmaker: str, sport: Sport, size: Size, modelled: int, now_ms: int = 0
) -> list[FillerMarket]:
    """The filler markets of one board: the rest of the real board of ``sport`` at
    ``bookmaker``, in a per-match order, and with ``size="real"`` player specials up to a
    drawn total of units (:data:`TOTALS`; ``modelled``: the units the modelled markets use);
    none with ``size="small"``."""
    if size == "small":
        return []
    entries = list(boards()[sport][bookmaker])
    rng.shuffle(entries)
    out = [_market(rng, e, now_ms) for e in entries]
    if size == "real":
        want = rng.randint(*TOTALS[bookmaker]) - modelled
        have = sum(_units(bookmaker, m) for m in out)
        extras = _extras()
        while have < want:
            market = _market(rng, next(extras), now_ms)
            have += _units(bookmaker, market)
            out.append(market)
    return out


#: oddsflow's SportyBet namespace: SportyBet's own ids (>= 60000) and Genius ids are
#: 10,000,000 + id (``streams/taxonomy/ids.py``; restated here so the simulator stays
#: independent of it)
SPORTYBET_OWN = 10_000_000


def sportybet_truth(
    markets: list[FillerMarket], event_suspended: bool = False
) -> dict[tuple[int, str], dict[str, float | None]]:
    """Canonical view of SportyBet filler: ``{(market id, line key): {outcome id: price}}``,
    ``None`` for the outcomes of a suspended line or event."""
    out: dict[tuple[int, str], dict[str, float | None]] = {}
    for market in markets:
        entry = market.entry
        native = int(entry.sporty_id)
        market_id = SPORTYBET_OWN + native if entry.genius or native >= 60_000 else native
        ids = [oid for oid, _, _ in entry.outcomes]
        for ln in market.lines:
            off = ln.suspended or event_suspended
            out[market_id, ln.key] = {oid: None if off else p for oid, p in zip(ids, ln.prices, strict=True)}
    return out
