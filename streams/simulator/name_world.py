"""A large invented world of clubs, players and fixtures for measuring the name matcher.

:func:`fixtures` makes ``n`` events (soccer, basketball, tennis) with kickoffs clustered on
the quarter hours of ``days`` days, each team playing at most once a day. The names are the
hard kind: cities with diacritics, two clubs of one city (``Ashford United`` and ``Ashford
City``), prefixes (``Dynamo``, ``Real``), women's, youth and reserve sides of the same clubs
playing the same day (about 8% of soccer fixtures have such a twin, up to 3 hours apart),
players sharing a surname. Names are invented (never a real fixture
list); :func:`streams.simulator.names.name_variant` then writes them each bookmaker's way.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

_SYLLABLES = [
    "ba",
    "ko",
    "ri",
    "ma",
    "te",
    "lo",
    "vi",
    "na",
    "zu",
    "de",
    "gra",
    "sto",
    "ne",
    "pol",
    "an",
    "ber",
    "ka",
    "li",
    "mo",
    "ru",
    "sa",
    "to",
    "ve",
    "za",
    "dor",
    "mir",
    "tal",
    "hel",
    "bro",
    "kir",
    "lan",
    "mar",
    "nor",
    "os",
    "pet",
    "ros",
    "sel",
    "tor",
    "ul",
    "var",
    "wes",
    "yor",
    "zel",
    "fen",
    "gar",
    "hol",
]
_ACCENTS = {"o": "ó", "a": "á", "e": "é", "l": "ł", "z": "ž", "c": "č", "u": "ü", "n": "ñ"}
_GENERIC = ("United", "City", "Rovers", "Athletic", "Wanderers", "Town", "County", "Rangers", "Stars")
_PREFIX = ("Dynamo", "Sporting", "Real", "Olympic", "Racing", "Inter", "Saint")
_MASCOTS = ("Owls", "Pines", "Comets", "Foxes", "Hawks", "Bears", "Lions", "Eagles", "Kings", "Suns")
_FIRST = [
    "Arthur",
    "Thiago",
    "Daniil",
    "Tomas",
    "Terence",
    "Karen",
    "Lorenzo",
    "Casper",
    "Jannik",
    "Alex",
    "Marta",
    "Elena",
    "Iga",
    "Coco",
    "Aryna",
    "Jelena",
    "Sofia",
    "Maria",
    "Anna",
    "Petra",
    "Nikola",
    "Luca",
    "Mateo",
    "Ivan",
    "Oleksandr",
    "Hugo",
    "Felix",
    "Leon",
]
_SURNAME_END = ("ov", "ic", "ez", "son", "er", "ski", "ova", "elli", "escu", "sen")


@dataclass(frozen=True)
class Side:
    """One participant: a club (``name``, ``marker``) or a player (surname ``name``, ``first``)."""

    name: str
    marker: str = ""
    first: str = ""


@dataclass(frozen=True)
class Fixture:
    uid: int
    sport: str
    home: Side
    away: Side
    kickoff: datetime


def _word(rng: random.Random, syllables: int) -> str:
    word = "".join(rng.choice(_SYLLABLES) for _ in range(syllables))
    if rng.random() < 0.12:
        i = rng.randrange(len(word))
        word = word[:i] + _ACCENTS.get(word[i], word[i]) + word[i + 1 :]
    return word.capitalize()


def _clubs(rng: random.Random, n: int) -> list[str]:
    out: set[str] = set()
    while len(out) < n:
        city = _word(rng, rng.choice((2, 2, 3)))
        roll = rng.random()
        if roll < 0.3:
            out.add(city)
        elif roll < 0.7:
            out.add(f"{city} {rng.choice(_GENERIC)}")
            if rng.random() < 0.25:  # a second club of the same city
                out.add(f"{city} {rng.choice(_GENERIC)}")
        elif roll < 0.9:
            out.add(f"{rng.choice(_PREFIX)} {city}")
        else:
            out.add(f"{city} {_word(rng, 2)}")
    return sorted(out)


def _players(rng: random.Random, n: int) -> list[Side]:
    out: dict[tuple[str, str], Side] = {}
    while len(out) < n:
        surname = _word(rng, 2) + rng.choice(_SURNAME_END)
        for _ in range(2 if rng.random() < 0.06 else 1):  # siblings share a surname
            first = rng.choice(_FIRST) + (f" {rng.choice(_FIRST)}" if rng.random() < 0.15 else "")
            out[surname, first] = Side(surname, first=first)
    return list(out.values())


def _marker(rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.08:
        return "women"
    if roll < 0.13:
        return rng.choice(("u19", "u21", "u23"))
    if roll < 0.16:
        return "reserves"
    return ""


def fixtures(n: int, *, seed: int = 23, days: int = 7, start: datetime | None = None) -> list[Fixture]:
    """``n`` events over ``days`` days (about 60% soccer, 20% basketball, 20% tennis)."""
    rng = random.Random(seed)
    start = start or datetime(2026, 5, 1, 10, 0, tzinfo=UTC)
    pools: dict[str, list[Side]] = {
        "soccer": [Side(c) for c in _clubs(rng, max(200, n // 3))],
        "basketball": [Side(f"{_word(rng, 2)} {rng.choice(_MASCOTS)}") for _ in range(max(60, n // 12))],
        "tennis": _players(rng, max(80, n // 6)),
    }
    busy: set[tuple[str, str, str, str, int]] = set()
    out: list[Fixture] = []
    while len(out) < n:
        sport = rng.choices(("soccer", "basketball", "tennis"), (0.6, 0.2, 0.2))[0]
        day = rng.randrange(days)
        slot = rng.choice((0, 0, 0, 4, 8, 12)) + rng.randrange(4) * (rng.random() < 0.3)
        kickoff = start + timedelta(days=day, minutes=15 * slot + 60 * rng.randrange(10))
        marker = _marker(rng) if sport == "soccer" else ""
        home, away = rng.sample(pools[sport], 2)
        keys = [(sport, s.name, s.first, marker, day) for s in (home, away)]
        if any(k in busy for k in keys):
            continue
        busy.update(keys)
        out.append(
            Fixture(
                len(out) + 1,
                sport,
                Side(home.name, marker, home.first),
                Side(away.name, marker, away.first),
                kickoff,
            )
        )
        if sport == "soccer" and rng.random() < 0.08:  # the same two clubs' other sides, same day
            twin = rng.choice([m for m in ("", "women", "u21", "reserves") if m != marker])
            twin_keys = [(sport, s.name, s.first, twin, day) for s in (home, away)]
            if not any(k in busy for k in twin_keys) and len(out) < n:
                busy.update(twin_keys)
                shift = timedelta(hours=rng.choice((-3, -2, 0, 2, 3)))
                if (kickoff + shift).date() != kickoff.date():
                    shift = -shift
                out.append(
                    Fixture(
                        len(out) + 1, sport, Side(home.name, twin), Side(away.name, twin), kickoff + shift
                    )
                )
    return out
