"""One team or player name → :class:`Name`: the folded, comparable form of it (pure).

Rules, in order:

1. Fold: Unicode NFKD without combining marks (``Atlético`` → ``atletico``), letters NFKD
   leaves alone spelled out (``ø`` → ``o``, ``ß`` → ``ss``), case-folded; every character
   that is not a letter or digit becomes a space. Tennis ``Last, First`` is turned round
   to ``First Last`` first.
2. Markers — ``women``, ``u<NN>`` (``U21``, ``U-21``, ``Under 21``), ``youth``,
   ``reserves`` (``II``, a trailing ``B``, ``Reserves``, ``Jong``) — are taken out of the
   tokens into :attr:`Name.markers`: two names with different markers never match.
3. Club affixes (``FC``, ``SC``, ``AFC``, ``CF``, ``FK``, ``BC`` …) and founding years are
   dropped; abbreviations and transliterations are spelled one way (``Utd`` → ``united``,
   ``St`` → ``saint``, ``Dynamo`` → ``dinamo``, ``3`` → ``three``).
4. The alias table maps the remaining key (tokens joined by one space) to its canonical
   key (``man united`` → ``manchester united``), both sides alike.

:attr:`Name.core` holds the *meaningful* tokens: three letters or more and not a generic
club word (``united``, ``city``, ``real``, ``saint`` …) — a match needs one of them shared.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass

_LETTERS = str.maketrans(
    {
        "ø": "o",
        "Ø": "o",
        "ß": "ss",
        "æ": "ae",
        "Æ": "ae",
        "œ": "oe",
        "Œ": "oe",
        "đ": "d",
        "Đ": "d",
        "ł": "l",
        "Ł": "l",
        "ı": "i",
        "þ": "th",
        "ð": "d",
    }
)
_NOT_ALNUM = re.compile(r"[^0-9a-z]+")
_YEAR = re.compile(r"^(18|19|20)\d\d$")
_AGE = re.compile(r"^u(\d{2})$")

AFFIXES = frozenset(
    [
        "fc",
        "sc",
        "afc",
        "cf",
        "ac",
        "as",
        "cd",
        "sd",
        "ud",
        "fk",
        "sk",
        "bk",
        "bc",
        "if",
        "ik",
        "ssc",
        "sv",
        "tsv",
        "vfb",
        "vfl",
        "tsg",
        "bsc",
        "rc",
        "ca",
        "cp",
        "sad",
        "kv",
        "kaa",
        "rsc",
        "pfc",
        "pofc",
        "nk",
        "hnk",
        "gnk",
        "ofk",
        "jk",
        "ks",
        "fbc",
        "sfc",
        "cfc",
        "fcsb",
        "ff",
        "aif",
        "bv",
        "cs",
        "csd",
        "club",
        "football",
        "futbol",
        "calcio",
        "basket",
        "basketball",
        "bbc",
        "kk",
    ]
)
WOMEN = frozenset(
    [
        "women",
        "womens",
        "woman",
        "w",
        "ladies",
        "fem",
        "femenino",
        "feminino",
        "femenina",
        "femminile",
        "frauen",
        "dames",
        "wfc",
    ]
)
RESERVES = frozenset(["ii", "reserves", "reserve", "res", "jong"])
YOUTH = frozenset(["youth", "juniors", "junior", "jun", "academy"])
SPELLING: dict[str, str] = {
    "utd": "united",
    "st": "saint",
    "ste": "sainte",
    "sta": "santa",
    "intl": "international",
    "int": "international",
    "ath": "athletic",
    "atl": "atletico",
    "dep": "deportivo",
    "spt": "sporting",
    "sp": "sporting",
    "wand": "wanderers",
    "rov": "rovers",
    "man": "manchester",
    "dynamo": "dinamo",
    "dinamo": "dinamo",
    "kiev": "kyiv",
    "olympique": "olympic",
    "olimpia": "olympic",
    "olimpija": "olympic",
    "munchen": "munich",
    "muenchen": "munich",
    "koln": "cologne",
    "koeln": "cologne",
    "1": "one",
    "2": "two",
    "3": "three",
    "4": "four",
    "5": "five",
}
GENERIC = frozenset(
    [
        "de",
        "del",
        "la",
        "le",
        "los",
        "las",
        "el",
        "the",
        "and",
        "of",
        "da",
        "do",
        "di",
        "al",
        "san",
        "santa",
        "saint",
        "sainte",
        "real",
        "city",
        "united",
        "town",
        "county",
        "athletic",
        "atletico",
        "rovers",
        "wanderers",
        "rangers",
        "stars",
        "sporting",
        "deportivo",
        "inter",
        "dinamo",
        "olympic",
        "racing",
        "union",
        "young",
        "boys",
        "national",
        "international",
        "new",
        "north",
        "south",
        "east",
        "west",
        "royal",
        "borough",
        "one",
        "two",
        "three",
        "four",
        "five",
        "sport",
        "sports",
        "club",
        "team",
    ]
)


@dataclass(frozen=True, slots=True)
class Name:
    """A folded name: ``key`` (tokens joined by spaces), its tokens, meaningful tokens, markers."""

    key: str
    tokens: tuple[str, ...]
    core: frozenset[str]
    markers: frozenset[str]


def fold(text: str) -> str:
    """Accents, case and punctuation folded away; tokens separated by one space."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_LETTERS))
    plain = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
    return _NOT_ALNUM.sub(" ", plain).strip()


def normalize_name(name: str, sport: str, aliases: Mapping[str, str] | None = None) -> Name:
    """``name`` of a team (soccer, basketball) or player (tennis) as a :class:`Name`."""
    if sport == "tennis" and "," in name:
        last, _, first = name.partition(",")
        name = f"{first} {last}"
    raw = fold(name).split()
    markers: set[str] = set()
    tokens: list[str] = []
    n = len(raw)
    i = 0
    while i < n:
        tok = raw[i]
        nxt = raw[i + 1] if i + 1 < n else ""
        age = _AGE.match(tok)
        if age:
            markers.add(f"u{age.group(1)}")
        elif tok in ("u", "under", "sub") and nxt.isdigit() and len(nxt) == 2:
            markers.add(f"u{nxt}")
            i += 1
        elif sport != "tennis" and tok in WOMEN:
            markers.add("women")
        elif sport != "tennis" and (tok in RESERVES or (tok == "b" and i == n - 1 and n > 1)):
            markers.add("reserves")
        elif sport != "tennis" and tok in YOUTH:
            markers.add("youth")
        elif sport != "tennis" and (tok in AFFIXES or _YEAR.match(tok)):
            pass
        else:
            tokens.append(SPELLING.get(tok, tok))
        i += 1
    if not tokens:  # a name made only of affixes ("FC"): keep what it said
        tokens = [SPELLING.get(t, t) for t in raw]
    key = " ".join(tokens)
    if aliases:
        canonical = aliases.get(key)
        if canonical is not None:
            key = canonical
            tokens = key.split()
    core = frozenset(t for t in tokens if len(t) >= 3 and t not in GENERIC)
    return Name(key, tuple(tokens), core, frozenset(markers))


def _key(text: str) -> str:
    """The key an alias is written in: :func:`normalize_name` without aliases."""
    return normalize_name(text, "soccer").key


class Normalizer:
    """:func:`normalize_name` with an alias table and a memo (names repeat: one entry per
    distinct (name, sport), cleared when it holds ``limit`` entries)."""

    __slots__ = ("aliases", "limit", "memo")

    def __init__(self, aliases: Mapping[str, str] | None = None, limit: int = 200_000) -> None:
        self.aliases = {_key(k): _key(v) for k, v in (aliases or {}).items()}
        self.limit = limit
        self.memo: dict[tuple[str, str], Name] = {}

    def __call__(self, name: str, sport: str) -> Name:
        found = self.memo.get((name, sport))
        if found is None:
            if len(self.memo) >= self.limit:
                self.memo.clear()
            found = self.memo[name, sport] = normalize_name(name, sport, self.aliases)
        return found
