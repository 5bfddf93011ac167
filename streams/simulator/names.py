"""How each bookmaker writes a team or player name: :func:`name_variant` (pure, deterministic).

Real books write one team many ways; the name matcher (:mod:`streams.matching`) is measured
against these variations (``bench/matching.py``), so they are modelled on what books do:

* club affixes added or dropped (``FC``, ``SC``, ``AFC``), a generic word dropped
  (``Leeds United`` → ``Leeds``), abbreviations (``United`` → ``Utd``, ``Saint`` → ``St``,
  ``Manchester`` → ``Man``);
* sponsor names (``Red Bull Salzburg`` / ``Salzburg``: a sponsor word added in front);
* transliteration (accents kept or stripped, ``Dynamo``/``Dinamo``, ``Kyiv``/``Kiev``,
  ``-ov``/``-ow``);
* markers written differently: women (``W``, ``Women``, ``(W)``, ``Ladies``), youth
  (``U21``, ``U-21``, ``Under 21``), reserves (``II``, ``B``, ``Reserves``);
* players: ``First Last``, ``Last, First``, ``Last F.``, ``F. Last``.

A bookmaker always writes one name the same way (the choice is seeded by bookmaker and
name), as scrapers see. :data:`STYLES` gives each bookmaker its habits; ``sportybet`` keeps
names as they are (the reference spelling of the simulated world).
"""

from __future__ import annotations

import random
import unicodedata
import zlib
from dataclasses import dataclass


@dataclass(frozen=True)
class Style:
    """Probabilities of each habit, per name."""

    affix: float = 0.0  # add "FC"/"SC"/"AFC" (soccer) or "BC" (basketball)
    drop_generic: float = 0.0  # drop a trailing United/City/Rovers... word
    abbreviate: float = 0.0  # United -> Utd, Saint -> St, first long word -> 3 letters
    sponsor: float = 0.0  # a sponsor word in front
    strip_accents: float = 0.0
    transliterate: float = 0.0
    player: str = "first last"  # "first last" | "last, first" | "last f." | "f. last"
    women: str = "Women"
    youth: str = "U{age}"
    reserves: str = "II"


STYLES: dict[str, Style] = {
    "sportybet": Style(),
    "betpawa": Style(affix=0.3, player="last, first", women="(W)", reserves="II"),
    "bet9ja": Style(
        drop_generic=0.15, abbreviate=0.2, strip_accents=1.0, player="last, first", women="W", youth="U-{age}"
    ),
    "betika": Style(
        drop_generic=0.25, strip_accents=1.0, transliterate=0.2, player="last, first", women="W", reserves="B"
    ),
    "betway": Style(affix=0.2, sponsor=0.1, player="first last", women="Women", youth="U{age}"),
    "msport": Style(
        abbreviate=0.3, transliterate=0.3, player="last, first", women="Ladies", youth="Under {age}"
    ),
    "sportpesa": Style(drop_generic=0.2, strip_accents=1.0, player="last f.", women="W", reserves="Reserves"),
    "theoddsapi": Style(
        affix=0.1, sponsor=0.15, transliterate=0.3, strip_accents=0.5, player="first last", women="Women"
    ),
}
GENERIC = ("United", "City", "Rovers", "Athletic", "Wanderers", "Town", "County", "Rangers", "Stars")
ABBREVIATIONS = {
    "United": "Utd",
    "Saint": "St",
    "Athletic": "Ath",
    "Wanderers": "Wand",
    "Manchester": "Man",
    "Sporting": "Sp",
}
SPONSORS = ("Red Bull", "Bet365", "Etihad", "Emirates", "Jupiler")
TRANSLITERATIONS = (
    ("Dynamo", "Dinamo"),
    ("Kyiv", "Kiev"),
    ("ov ", "ow "),
    ("ou", "u"),
    ("ph", "f"),
    ("ck", "k"),
)


_PLAIN = str.maketrans({"ł": "l", "Ł": "L", "ø": "o", "Ø": "O", "đ": "d", "Đ": "D"})


def strip_accents(text: str) -> str:
    """What a scraper that drops diacritics writes (``Łódź`` → ``Lodz``)."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_PLAIN))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _rng(bookmaker: str, name: str) -> random.Random:
    return random.Random(zlib.crc32(f"{bookmaker}\x00{name}".encode()))


def _player(first: str, last: str, form: str) -> str:
    initials = " ".join(f"{p[0]}." for p in first.split())
    if form == "last, first":
        return f"{last}, {first}"
    if form == "last f.":
        return f"{last} {initials}"
    if form == "f. last":
        return f"{initials} {last}"
    return f"{first} {last}"


def name_variant(name: str, sport: str, bookmaker: str, *, marker: str = "", first: str = "") -> str:
    """How ``bookmaker`` writes ``name``.

    Teams: ``name`` is the club, ``marker`` one of ``""``, ``"women"``, ``"u21"`` (any
    ``u<NN>``), ``"reserves"``. Players (tennis): ``name`` is the surname and ``first`` the
    given names. Unknown bookmakers write names as they are.
    """
    style = STYLES.get(bookmaker, Style())
    rng = _rng(bookmaker, f"{name}|{marker}|{first}")
    if sport == "tennis":
        text = _player(first, name, style.player) if first else name
    else:
        words = name.split()
        if len(words) > 1 and words[-1] in GENERIC and rng.random() < style.drop_generic:
            words = words[:-1]
        if rng.random() < style.abbreviate:
            words = [ABBREVIATIONS.get(w, w) for w in words]
        text = " ".join(words)
        if rng.random() < style.sponsor:
            text = f"{rng.choice(SPONSORS)} {text}"
        if rng.random() < style.affix:
            text = f"{text} {'BC' if sport == 'basketball' else rng.choice(('FC', 'SC', 'AFC'))}"
        if marker == "women":
            text = f"{text} {style.women}"
        elif marker.startswith("u"):
            text = f"{text} {style.youth.format(age=marker[1:])}"
        elif marker == "reserves":
            text = f"{text} {style.reserves}"
    if rng.random() < style.transliterate:
        for a, b in TRANSLITERATIONS:
            if a in text:
                text = text.replace(a, b, 1)
                break
    if rng.random() < style.strip_accents:
        text = strip_accents(text)
    return text
