"""Mutable state of the simulated world: matches and each bookmaker's quoted book.

A :class:`Match` is the "true" match (teams, ids, clock, score). A :class:`BookState` is
what one bookmaker currently shows for it: one :class:`Quote` per modelled line, the filler
markets of the rest of its board, and an event-wide suspension flag. Renderers read these;
only :mod:`.world` and :mod:`.play` mutate them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from streams.simulator.markets import Bookmaker, Line, Sport

if TYPE_CHECKING:
    from streams.simulator.filler import FillerLine, FillerMarket


@dataclass(frozen=True, slots=True)
class Team:
    name: str
    competitor_id: int  # Sportradar competitor number (sr:competitor:N)
    pawa_id: int  # BetPawa participant id


@dataclass(frozen=True, slots=True)
class League:
    category_id: int  # sr:category:N
    country: str
    tournament_id: int  # sr:tournament:N
    name: str


@dataclass(slots=True)
class Match:
    uid: int  # serial number, unique over the world's lifetime (seeds per-match filler)
    sport: Sport
    league: League
    home: Team
    away: Team
    kickoff: datetime
    sr_id: int  # the true Sportradar match number
    sr_on: frozenset[str]  # bookmakers whose payload carries the Sportradar id
    pawa_id: str  # BetPawa event id (digits)
    sporty_game_id: str  # SportyBet gameId (digits)
    bet9ja_id: int  # Bet9ja D.ID
    # soccer (home xG, away xG, corners), basketball (home pts, away pts, -), tennis (set p, games/set, -)
    strength: tuple[float, float, float]
    lines: dict[str, tuple[Line, ...]]  # per bookmaker: every line it may offer
    elapsed: float = -1.0  # match minutes since kickoff (negative before kickoff)
    score: list[int] = field(default_factory=lambda: [0, 0])
    ht_score: tuple[int, int] | None = None
    corners: int = 0
    sets: list[int] = field(default_factory=lambda: [0, 0])  # tennis
    games: list[int] = field(default_factory=lambda: [0, 0, 0])  # tennis: total, current set, home-away
    ended: bool = False

    @property
    def live(self) -> bool:
        return self.elapsed >= 0 and not self.ended

    @property
    def minute(self) -> float:
        """Clock for the price model: soccer 0..90, basketball 0..48, tennis elapsed minutes."""
        e = max(0.0, self.elapsed)
        if self.sport == "soccer":
            return e if e < 45 else 45.0 if e < 60 else min(90.0, e - 15)
        if self.sport == "basketball":
            return min(48.0, e * 48 / 130)
        return e

    @property
    def status(self) -> str:
        """Short match status: "Not start", "H1", "HT", "H2", "Q1".."Q4", "S1".."S3", "Ended"."""
        if self.ended:
            return "Ended"
        if self.elapsed < 0:
            return "Not start"
        if self.sport == "soccer":
            return "H1" if self.elapsed < 45 else "HT" if self.elapsed < 60 else "H2"
        if self.sport == "basketball":
            return f"Q{min(4, int(self.minute // 12) + 1)}"
        return f"S{min(3, sum(self.sets) + 1)}"

    @property
    def played(self) -> str:
        """Played time as "mm:ss" (SportyBet ``playedSeconds`` style)."""
        seconds = int(self.minute * 60)
        return f"{seconds // 60}:{seconds % 60:02d}"

    @property
    def score_text(self) -> str:
        return (
            f"{self.sets[0]}:{self.sets[1]}" if self.sport == "tennis" else f"{self.score[0]}:{self.score[1]}"
        )

    def carries_sr(self, bookmaker: Bookmaker) -> bool:
        return bookmaker in self.sr_on


@dataclass(slots=True)
class Quote:
    prices: dict[str, float]  # UOF outcome id -> decimal price (2 dp)
    suspended: bool
    changed_ms: int  # epoch ms of the last price change


@dataclass(slots=True)
class BookState:
    bias: list[float]  # this bookmaker's private view of the match strengths (relative)
    quotes: dict[Line, Quote] = field(default_factory=dict)  # in Line order
    suspended: bool = False  # the whole event is suspended (live incidents)
    version: int = 1
    # the rest of a real board (streams.simulator.filler): drawn once, prices moved by the world
    extra: list[FillerMarket] = field(default_factory=list)
    extra_lines: list[FillerLine] = field(default_factory=list)  # every line of ``extra``, flat
