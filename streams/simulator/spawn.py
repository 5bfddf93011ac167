"""Creates matches: sport, league, (fictional) teams, kickoff, strengths and every id.

Names are invented so the simulator never reproduces a real fixture list; Sportradar
category/tournament numbers are plausible but not authoritative.
"""

from __future__ import annotations

import math
import random
import zlib
from datetime import datetime, timedelta
from typing import Protocol

from streams.simulator.markets import BOOKMAKERS, Bookmaker, Sport, catalogue
from streams.simulator.play import DURATION
from streams.simulator.state import League, Match, Team


class SpawnConfig(Protocol):
    """The knobs of :class:`~streams.simulator.world.WorldConfig` a new match depends on."""

    @property
    def sport_mix(self) -> tuple[tuple[Sport, float], ...]: ...
    @property
    def live_share(self) -> float: ...
    @property
    def kickoff_horizon_s(self) -> float: ...
    @property
    def time_scale(self) -> float: ...
    @property
    def missing_sr_share(self) -> float: ...
    @property
    def missing_sr_bookmakers(self) -> tuple[Bookmaker, ...]: ...


_SUFFIX = ("United", "City", "FC", "Rovers", "Athletic", "Stars", "Wanderers", "Rangers")
_SOCCER: tuple[tuple[League, tuple[str, ...]], ...] = (
    (League(1, "England", 17, "Premier League"), ("Ashford", "Brackley", "Crowhurst", "Dunmore", "Elstow")),
    (League(1, "England", 18, "Championship"), ("Fenwick", "Garston", "Harlow", "Ilkley", "Jarrow")),
    (League(32, "Spain", 8, "LaLiga"), ("Alcora", "Benamar", "Cazorla", "Doriga", "Estepa")),
    (League(31, "Italy", 23, "Serie A"), ("Arsoli", "Bardi", "Cascia", "Dronero", "Esine")),
    (League(30, "Germany", 35, "Bundesliga"), ("Aschau", "Bexbach", "Calw", "Dorsten", "Eutin")),
    (League(7, "France", 34, "Ligue 1"), ("Albi", "Bastia", "Cahors", "Dole", "Evian")),
    (League(1612, "Nigeria", 2431, "NPFL"), ("Abeokuta", "Bauchi", "Calabar", "Damaturu", "Enugu")),
    (League(1610, "Ghana", 2413, "Premier League"), ("Aflao", "Bawku", "Cape Coast", "Dambai", "Ejura")),
)
_BASKET: tuple[tuple[League, tuple[str, ...]], ...] = (
    (
        League(15, "USA", 132, "NBA"),
        ("Ashland Owls", "Bristol Pines", "Clayton Comets", "Denton Foxes", "Elgin Hawks", "Fulton Bears"),
    ),
    (
        League(393, "International", 138, "Euroleague"),
        ("Ardea Basket", "Bilecik BK", "Cesis BC", "Drama BC", "Eilat Lions", "Forli Basket"),
    ),
)
_TENNIS: tuple[tuple[League, tuple[str, ...]], ...] = (
    (
        League(3, "ATP", 2781, "ATP Madrid, Spain Men Singles"),
        ("Arnaud L.", "Brenner T.", "Castell M.", "Dvorak P.", "Eklund S.", "Ferrari G."),
    ),
    (
        League(6, "WTA", 2793, "WTA Rome, Italy Women Singles"),
        ("Abbott K.", "Bianchi L.", "Czerny A.", "Dumas E.", "Ezra N.", "Flores M."),
    ),
)
_TABLES: dict[Sport, tuple[tuple[League, tuple[str, ...]], ...]] = {
    "soccer": _SOCCER,
    "basketball": _BASKET,
    "tennis": _TENNIS,
}


def _team(name: str) -> Team:
    crc = zlib.crc32(name.encode())
    return Team(name, 100_000 + crc % 900_000, 1_000_000 + zlib.crc32(b"pawa" + name.encode()) % 9_000_000)


def _teams(rng: random.Random, sport: Sport, names: tuple[str, ...]) -> tuple[Team, Team]:
    if sport == "soccer":
        names = tuple(f"{c} {s}" for c in names for s in _SUFFIX[:3])
    home, away = rng.sample(names, 2)
    return _team(home), _team(away)


def _strength(rng: random.Random, sport: Sport) -> tuple[float, float, float]:
    if sport == "soccer":
        return (rng.uniform(0.8, 2.3), rng.uniform(0.6, 1.8), rng.uniform(8.5, 11.5))
    if sport == "basketball":
        return (rng.uniform(74.0, 92.0), rng.uniform(72.0, 90.0), 0.0)
    return (rng.uniform(0.2, 0.8), rng.uniform(9.3, 10.4), 0.0)


def _centers(sport: Sport, st: tuple[float, float, float]) -> tuple[float, float]:
    if sport == "soccer":
        return -(st[0] - st[1]), 0.0
    if sport == "basketball":
        return math.floor(st[0] + st[1]) + 0.5, math.floor(st[1] - st[0]) + 0.5
    sets = 2 + 2 * st[0] * (1 - st[0])
    return math.floor(st[1] * sets) + 0.5, math.floor(-(st[0] - 0.5) * 9 * sets) + 0.5


def new_match(
    rng: random.Random, uid: int, now: datetime, cfg: SpawnConfig, *, initial: bool
) -> tuple[Match, float]:
    """A fresh match and the match minutes it has already been played (negative: prematch).

    At start-up a ``cfg.live_share`` of matches is already in play; later (recycled slots)
    every new match kicks off between half and all of ``cfg.kickoff_horizon_s`` ahead.
    """
    sports, weights = zip(*cfg.sport_mix, strict=True)
    sport: Sport = rng.choices(sports, weights)[0]
    league, names = rng.choice(_TABLES[sport])
    home, away = _teams(rng, sport, names)
    if initial and rng.random() < cfg.live_share:
        elapsed = rng.uniform(0.0, DURATION[sport] * 0.9)
        kickoff = (now - timedelta(seconds=elapsed * 60 / cfg.time_scale)).replace(second=0, microsecond=0)
    else:
        lo = 300.0 if initial else cfg.kickoff_horizon_s / 2
        ahead = rng.uniform(lo, max(lo, cfg.kickoff_horizon_s))
        kickoff = now + timedelta(seconds=math.ceil(ahead / 300) * 300)
        kickoff = kickoff.replace(second=0, microsecond=0)
    strength = _strength(rng, sport)
    c1, c2 = _centers(sport, strength)
    sr_on = set(BOOKMAKERS)
    candidates = sorted(cfg.missing_sr_bookmakers)
    if candidates and rng.random() < cfg.missing_sr_share:
        sr_on -= set(rng.sample(candidates, rng.randint(1, len(candidates))))
    match = Match(
        uid=uid,
        sport=sport,
        league=league,
        home=home,
        away=away,
        kickoff=kickoff,
        sr_id=61_000_000 + uid * 53 + rng.randrange(53),
        sr_on=frozenset(sr_on),
        pawa_id=str(21_000_000 + uid * 31 + rng.randrange(31)),
        sporty_game_id=str(10_000 + uid * 7 + rng.randrange(7)),
        bet9ja_id=180_000_000 + uid * 41 + rng.randrange(41),
        strength=strength,
        lines={b: catalogue(sport, b, c1, c2) for b in BOOKMAKERS},
    )
    return match, (now - kickoff).total_seconds() * cfg.time_scale / 60
