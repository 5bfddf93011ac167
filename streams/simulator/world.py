"""The "true" state of N simulated matches and what each bookmaker quotes for them.

Lifecycle: ``World(n_events, seed=..., start=...)`` creates the matches (some already
live) and quotes every line; each :meth:`World.step` advances the clock, plays the live
matches, drifts each bookmaker's view, re-quotes about ``change_rate`` of the lines,
suspends/reactivates markets and replaces finished matches with new prematch ones (the
slot index stays, the match and all its ids change). Everything is drawn from
``random.Random`` streams seeded from ``seed``: same seed, start and calls → same world,
byte for byte.

Prematch and in play: a live book moves with the clock and the score, so its lines are
re-priced (``change_rate``) and suspended (``suspend_rate``) at the full rates; a prematch
book moves on news and money, at ``prematch_activity`` of them. The default 0.2 re-prices a
prematch line about every 8 minutes at a 5-second step. Sportradar describes prematch odds
as "most events' odds are unchanged in any given minute" (Odds Comparison docs,
"Monitoring Odds Changes"); at these rates a 44-line board (the modelled markets alone)
still changes in ~40% of its captures, and a real-size board of ~350 lines in nearly every
one: the default is on the busy, conservative side. ``prematch_activity=1`` gives the
uniform feed (every line at ``change_rate``), the stress case
of :mod:`bench.storage`.

Boards: the world models and prices 24 markets (:mod:`.markets`, :mod:`.model`); every
book also carries the rest of a real board of its bookmaker and sport (:mod:`.filler`:
football prematch SportyBet 183 market types / ~360 lines, BetPawa 79 / ~118, Bet9ja 163 /
~221), whose lines are re-priced, suspended and revived at the same rates and re-priced
whole on goals and phase changes, on a random stream of their own (``extra_rng``): the
modelled part of a world is the same for a seed whatever the boards around it.

:meth:`World.truth` is the canonical view of one bookmaker's book — exactly what an
adapter should extract from the rendered payload, short of filler markets (and BetPawa's
correct-score "Other"); :meth:`World.canonical` is exactly that, SportyBet's filler included.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from streams.simulator.filler import filler, reprice, sportybet_truth
from streams.simulator.filler_more import UOF_BOOKS, filler_more, uof_truth
from streams.simulator.markets import CS_OTHER, FIRST_THREE, Bookmaker, Line, Size, Sport
from streams.simulator.model import Model, model_for, open_lines
from streams.simulator.play import Incidents, advance
from streams.simulator.spawn import new_match
from streams.simulator.state import BookState, Match, Quote

DEFAULT_START = datetime(2026, 5, 6, 12, 0, tzinfo=UTC)
MIN_PRICE, MAX_PRICE = 1.02, 500.0

Truth = dict[tuple[int, str], dict[str, float | None]]


@dataclass(frozen=True, slots=True)
class WorldConfig:
    """Knobs of the simulation; the defaults give a realistic, calm prematch-heavy feed."""

    sport_mix: tuple[tuple[Sport, float], ...] = (("soccer", 0.8), ("basketball", 0.12), ("tennis", 0.08))
    missing_sr_share: float = 0.10  # share of matches missing the Sportradar id somewhere
    missing_sr_bookmakers: tuple[Bookmaker, ...] = ("betpawa", "bet9ja")  # where it may be missing
    live_share: float = 0.25  # share of matches already in play at start
    kickoff_horizon_s: float = 4 * 3600.0  # prematch kickoffs lie up to this far ahead
    time_scale: float = 1.0  # match minutes per wall minute (60: a match lasts ~2 minutes)
    change_rate: float = 0.05  # share of a live event's lines re-priced per step (= per capture)
    suspend_rate: float = 0.01  # per step, chance an active line of a live event gets suspended
    # prematch books re-price and suspend lines at this fraction of the two rates above
    # (1.0: as often as in play); see "Prematch and in play" in the module docstring
    prematch_activity: float = 0.2
    reactivate_rate: float = 0.3  # per step, chance a suspended line comes back
    live_suspend_rate: float = 0.03  # per step, chance a live event is suspended wholesale
    live_resume_rate: float = 0.6  # per step, chance a suspended live event resumes
    # "normal": every board has a real board's markets (streams.simulator.filler); "real" adds
    # player specials up to big matches' sizes (SportyBet up to ~1,000 lines) and Bet9ja's
    # per-selection metadata (real response bytes); "small": the modelled markets alone
    size: Size = "normal"
    margins: tuple[tuple[Bookmaker, float], ...] = (
        ("betpawa", 0.055),
        ("sportybet", 0.05),
        ("bet9ja", 0.06),
        ("betika", 0.065),
        ("betway", 0.05),
        ("msport", 0.06),
        ("sportpesa", 0.07),
    )
    #: the bookmakers of the feed (round-robin order of :func:`streams.simulator.iter_captures`);
    #: the first three by default (the tests' and benches' feeds), all seven in ``oddsflow
    #: simulate`` and the demo
    bookmakers: tuple[Bookmaker, ...] = FIRST_THREE


class World:
    """N match slots, their true state and the three bookmakers' books (see module docstring)."""

    def __init__(
        self,
        n_events: int = 20,
        *,
        seed: int = 0,
        start: datetime = DEFAULT_START,
        config: WorldConfig | None = None,
    ) -> None:
        if start.tzinfo is None:
            raise ValueError("start must be timezone-aware")
        if n_events < 0:
            raise ValueError("n_events must be >= 0")
        self.config = config or WorldConfig()
        self.seed = seed
        self.now = start.astimezone(UTC)
        self.rng = random.Random(seed)
        # filler prices move on a stream of their own: the modelled world stays what it was
        self.extra_rng = random.Random(f"{seed}:filler")
        self.more_extra_rng = random.Random(f"{seed}:filler-more")  # the four others' filler
        # the books beyond FORMATS.md's three move on a stream of their own as well
        self.more_rng = random.Random(f"{seed}:more")
        self.bookmakers = self.config.bookmakers
        self._margin = dict(self.config.margins)
        self._uids = 0
        self.matches: list[Match] = []
        self.books: list[dict[Bookmaker, BookState]] = []
        for _ in range(n_events):
            match, book = self._spawn(initial=True)
            self.matches.append(match)
            self.books.append(book)

    def __len__(self) -> int:
        return len(self.matches)

    @property
    def now_ms(self) -> int:
        return int(self.now.timestamp() * 1000)

    def step(self, dt_seconds: float) -> None:
        """Advance the clock by ``dt_seconds`` and update every match and book once.

        One call is one tick for the rates in :class:`WorldConfig`: each open line is
        re-priced with probability ``change_rate`` (a re-price always moves a price),
        suspended with ``suspend_rate`` (both × ``prematch_activity`` before kickoff) or
        revived with ``reactivate_rate``. Goals, sets
        and phase changes (kickoff, half time, quarters) re-price every line of the match
        and goals/sets suspend the live event for at least this tick. ``dt_seconds`` only
        moves the clock (and so the live play and the bookmakers' drifting views).
        """
        if dt_seconds < 0:
            raise ValueError("dt_seconds must be >= 0")
        self.now += timedelta(seconds=dt_seconds)
        scale = self.config.time_scale
        for i, m in enumerate(self.matches):
            incidents = advance(m, self.rng, (self.now - m.kickoff).total_seconds() * scale / 60)
            if m.ended:
                self.matches[i], self.books[i] = self._spawn(initial=False)
                continue
            for b in self.bookmakers:
                self._update(m, b, self.books[i][b], incidents, dt_seconds)

    def truth(self, event_index: int, bookmaker: Bookmaker) -> Truth:
        """``{(UOF market id, line key): {UOF outcome id: price or None}}`` as currently shown.

        ``None`` marks a suspended outcome (market or whole event suspended).
        """
        book = self.books[event_index][bookmaker]
        return {
            (ln.market_id, ln.key): {
                oid: None if q.suspended or book.suspended else p for oid, p in q.prices.items()
            }
            for ln, q in book.quotes.items()
        }

    def canonical(self, event_index: int, bookmaker: Bookmaker) -> Truth:
        """What an adapter extracts from the rendered payload: :meth:`truth` plus SportyBet's
        filler (SportyBet is read generically, see :mod:`streams.simulator.filler`), less
        BetPawa's correct-score "Other", which covers whatever scores BetPawa does not list
        and so is not UOF's "other" (MARKETS.md pitfall 13)."""
        out = self.truth(event_index, bookmaker)
        if bookmaker == "betpawa" and (45, "") in out:
            out[45, ""] = {oid: p for oid, p in out[45, ""].items() if oid != CS_OTHER}
        if bookmaker == "sportybet":
            book = self.books[event_index][bookmaker]
            out.update(sportybet_truth(book.extra, book.suspended))
        if bookmaker in UOF_BOOKS:  # their filler (size "real") is UOF, read generically
            book = self.books[event_index][bookmaker]
            out.update(uof_truth(book.extra, book.suspended))
        if bookmaker == "betika" and not self.matches[event_index].live:  # no prematch flags
            out = {k: {o: p for o, p in v.items() if p is not None} for k, v in out.items()}
        if bookmaker == "sportpesa":  # no suspension flags: a suspended line is not sent;
            # its "OTHR" correct score is not UOF's "other" (left out of its table)
            out = {k: {o: p for o, p in v.items() if p is not None and (k != (45, "") or o != CS_OTHER)}
                   for k, v in out.items()}  # fmt: skip
        return {key: outcomes for key, outcomes in out.items() if outcomes}

    def event_ids(self, event_index: int, bookmaker: Bookmaker) -> tuple[str, int | None]:
        """``(bookmaker's own event id, Sportradar number in its payload or None)``."""
        m = self.matches[event_index]
        sr = m.sr_id if m.carries_sr(bookmaker) else None
        if bookmaker == "betpawa":
            return m.pawa_id, sr
        if bookmaker == "bet9ja":
            return str(m.bet9ja_id), sr
        if bookmaker == "betika":
            return str(10_800_000 + m.uid), sr
        if bookmaker == "betway":  # its event id is the Sportradar number
            return str(m.sr_id), m.sr_id
        if bookmaker == "sportpesa":
            return str(8_880_000 + m.uid), sr
        return (f"sr:match:{m.sr_id}" if sr else f"sr:simple_match:{m.sr_id}"), sr

    # -- internals -------------------------------------------------------------------------

    def _spawn(self, *, initial: bool) -> tuple[Match, dict[Bookmaker, BookState]]:
        self._uids += 1
        m, elapsed = new_match(self.rng, self._uids, self.now, self.config, initial=initial)
        advance(m, self.rng, elapsed)
        books: dict[Bookmaker, BookState] = {}
        for b in self.bookmakers:
            rng = self.rng if b in FIRST_THREE else self.more_rng
            book = books[b] = BookState(bias=[rng.gauss(0.0, 0.02) for _ in range(3)])
            self._update(m, b, book, Incidents(structural=True), 0.0)
            if b in FIRST_THREE:
                rng = random.Random(f"{self.seed}:{m.uid}:{b}")
                book.extra = filler(rng, b, m.sport, self.config.size, _units(b, book), self.now_ms)
            elif self.config.size == "real":  # the four others: their modelled markets below "real"
                rng = random.Random(f"{self.seed}:{m.uid}:{b}")
                book.extra = filler_more(rng, b, m.sport, _units(b, book), self.now_ms)
            book.extra_lines = [ln for market in book.extra for ln in market.lines]
        return m, books

    def _update(self, m: Match, b: Bookmaker, book: BookState, inc: Incidents, dt: float) -> None:
        cfg, rng = self.config, self.rng if b in FIRST_THREE else self.more_rng
        was_suspended = book.suspended
        if not m.live:
            book.suspended = False
        elif inc.score:
            book.suspended = True
        elif book.suspended:
            book.suspended = rng.random() >= cfg.live_resume_rate
        else:
            book.suspended = rng.random() < cfg.live_suspend_rate
        walk = 0.01 * math.sqrt(dt / 60)
        book.bias = [min(0.12, max(-0.12, x + rng.gauss(0.0, walk))) for x in book.bias]
        model: Model | None = None
        quotes: dict[Line, Quote] = {}
        changed = book.suspended != was_suspended
        pace = 1.0 if m.live else cfg.prematch_activity
        for line in open_lines(m, m.lines[b], first_goal_only=b == "bet9ja"):
            old = book.quotes.get(line)
            requote = old is None or inc.structural
            if old is not None and not requote:
                if old.suspended:
                    requote = rng.random() < cfg.reactivate_rate
                elif rng.random() < cfg.suspend_rate * pace:
                    old = Quote(old.prices, suspended=True, changed_ms=self.now_ms)
                    changed = True
                else:
                    requote = rng.random() < cfg.change_rate * pace
            if requote:
                model = model or model_for(m, book.bias)
                old = self._quote(model, line, b, old)
                changed = True
            if old is not None:
                quotes[line] = old
        changed = changed or quotes.keys() != book.quotes.keys()
        book.quotes = quotes
        extra_rng = self.extra_rng if b in FIRST_THREE else self.more_extra_rng
        if book.extra_lines and self._update_extra(book, inc.structural, pace, extra_rng):
            changed = True
        if changed:
            book.version += 1

    def _update_extra(self, book: BookState, structural: bool, pace: float, rng: random.Random) -> bool:
        """Filler lines, at the rates of :meth:`_update`: ``reactivate_rate`` for a suspended
        line, else ``suspend_rate`` and ``change_rate`` (× ``pace``); all re-priced when
        ``structural``. Lines are drawn by geometric skips: the cost follows the lines that
        move, not the board's size. True if any line changed."""
        cfg, now, lines = self.config, self.now_ms, book.extra_lines
        if structural:
            for ln in lines:
                reprice(rng, ln, now)
            return True
        every = range(len(lines))
        moved: set[int] = set()
        for i in _picks(rng, cfg.reactivate_rate, [k for k in every if lines[k].suspended]):
            reprice(rng, lines[i], now)
            moved.add(i)
        for i in _picks(rng, cfg.suspend_rate * pace, every):
            if i not in moved and not lines[i].suspended:
                lines[i].suspended, lines[i].changed_ms = True, now
                moved.add(i)
        for i in _picks(rng, cfg.change_rate * pace, every):
            if i not in moved and not lines[i].suspended:
                reprice(rng, lines[i], now)
                moved.add(i)
        return bool(moved)

    def _quote(self, model: Model, line: Line, b: Bookmaker, old: Quote | None) -> Quote | None:
        fair = model.odds(line)
        if len(fair) < 2:
            return None
        rng = self.rng if b in FIRST_THREE else self.more_rng
        n = len(line.spec.outcomes)
        margin = self._margin[b] * (1 + 0.1 * (n - 2))
        prices: dict[str, float] = {}
        for oid, o in fair.items():
            # Margin weighted by (1 - q): long shots carry it, near-certainties stay above 1.
            q = math.exp(rng.gauss(0.0, 0.015)) / o
            q *= 1 + margin * max(0.0, 1 - q) * n / (n - 1)
            prices[oid] = min(MAX_PRICE, max(MIN_PRICE, round(1 / q, 2)))
        if old is not None and prices == old.prices:  # a re-quote is a change: move one tick
            oid = next(iter(prices))
            prices[oid] = round(prices[oid] + (0.01 if prices[oid] < MAX_PRICE else -0.01), 2)
        return Quote(prices=prices, suspended=False, changed_ms=self.now_ms)


def _units(bookmaker: Bookmaker, book: BookState) -> int:
    """What the modelled lines of ``book`` count in :data:`streams.simulator.filler.TOTALS`."""
    if bookmaker == "sportybet":
        return len(book.quotes)
    if bookmaker in ("betpawa", "betika"):  # market types
        return len({line.market_id for line in book.quotes})
    if bookmaker == "sportpesa":
        return len(book.quotes)
    return sum(len(q.prices) for q in book.quotes.values())


def _picks(rng: random.Random, p: float, items: Sequence[int]) -> list[int]:
    """Each of ``items`` with probability ``p``, drawn by geometric skips: about
    ``p * len(items)`` draws instead of one per item."""
    if p <= 0 or not items:
        return []
    if p >= 1:
        return list(items)
    log_q = math.log1p(-p)
    out: list[int] = []
    i = -1
    while True:
        i += 1 + int(math.log(1.0 - rng.random()) / log_q)
        if i >= len(items):
            return out
        out.append(items[i])
