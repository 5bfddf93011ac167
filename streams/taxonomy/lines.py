"""Line keys and prices: the canonical text of specifier values, and the usable-price rule.

Contract
--------
* A line key is the normalized UOF specifier: ``k=v`` pairs sorted by key, joined by ``|``,
  ``""`` without a specifier. Values are canonical: decimals through
  :func:`canonical_decimal` (``"2.50"`` → ``"2.5"``), scores ``a:b`` without leading zeros,
  anything else (``variant=sr:exact_goals:6+``, ``type=prematch``) kept as sent.
  :func:`canonical_specifier` does this for a whole UOF specifier string.
* Handicaps are quoted from the home side. The three-way handicap uses ``hcp=a:b``
  (:func:`score_handicap`: home -1 → ``0:1``).
* :func:`format_line` writes one native line value in a :data:`LineFormat`;
  :func:`check_price` is the single rule for a usable price (finite, ``1.0 < p <= 10000``).

Everything here is pure; helpers on the adapters' hot path are memoized (line values repeat
across captures).
"""

from __future__ import annotations

import math
import re
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Literal

from streams.errors import DataError

STAGE = "normalize"
MIN_PRICE = 1.0  # exclusive
MAX_PRICE = 10000.0  # inclusive
_MAX_LINE = Decimal(1_000_000)  # no real line is this large; keeps canonical strings short
#: a longer specifier is not a line (and would not fit a B-tree index entry in Postgres)
MAX_SPECIFIER = 200

#: How a native line value becomes a specifier value: ``decimal`` (``total=2.5``), ``score``
#: (three-way handicap: whole home-side handicap or ``a:b`` → ``hcp=0:1``), ``integer``
#: (``goalnr=1``), ``next_goal`` (the current score ``a:b`` → goal number ``a+b+1``).
LineFormat = Literal["decimal", "score", "integer", "next_goal"]
LINE_FORMATS: tuple[LineFormat, ...] = ("decimal", "score", "integer", "next_goal")

_DECIMAL = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")
_SCORE = re.compile(r"[0-9]+:[0-9]+")


def _bad_line(value: object) -> DataError:
    return DataError(STAGE, "bad_value", f"{value!r} is not a usable line value (a finite decimal number)")


def _format_decimal(d: Decimal, original: object) -> str:
    if not d.is_finite() or abs(d) >= _MAX_LINE:
        raise _bad_line(original)
    if d == 0:
        return "0"  # also folds "-0", "0.00" and "0E-10"
    return format(d.normalize(), "f")


@lru_cache(maxsize=16384)
def _canonical_str(text: str) -> str:
    try:
        d = Decimal(text.strip())
    except InvalidOperation:
        raise _bad_line(text) from None
    return _format_decimal(d, text)


def canonical_decimal(value: object) -> str:
    """Canonical text of a decimal line value: ``"2.00"`` → ``"2"``, ``2.50`` → ``"2.5"``.

    Accepts ``int``, ``float``, ``Decimal`` and decimal strings (``"+1.5"`` is ``"1.5"``);
    never uses exponent notation. Raises ``DataError(kind="bad_value")`` for anything
    else (booleans, NaN, infinities, non-numeric text, absurdly large values).
    """
    if isinstance(value, bool):
        raise _bad_line(value)
    if isinstance(value, int):
        if abs(value) >= _MAX_LINE:
            raise _bad_line(value)
        return str(value)
    if isinstance(value, str):
        return _canonical_str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise _bad_line(value)
        # repr() is the shortest round-trip text, so 2.675 stays "2.675", not binary noise.
        return _format_decimal(Decimal(repr(value)), value)
    if isinstance(value, Decimal):
        return _format_decimal(value, value)
    raise _bad_line(value)


def quarter_line(times_four: int | float) -> str:
    """Exact canonical decimal of a BetPawa ``row.handicap`` (the line × 4).

    ``10`` → ``"2.5"``, ``-6`` → ``"-1.5"``, ``3`` → ``"0.75"``; computed in ``Decimal``
    so quarter lines never pick up binary-float noise.
    """
    if isinstance(times_four, bool) or not isinstance(times_four, int | float):
        raise _bad_line(times_four)
    if isinstance(times_four, float):
        if not math.isfinite(times_four):
            raise _bad_line(times_four)
        if not times_four.is_integer():
            return _format_decimal(Decimal(repr(times_four)) / 4, times_four)
        times_four = int(times_four)
    if times_four % 4 == 0:
        return canonical_decimal(times_four // 4)
    return _format_decimal(Decimal(times_four) / 4, times_four)


def score_handicap(home_line: int) -> str:
    """Three-way handicap line ``a:b`` from a whole-goal handicap quoted from the home side.

    The handicap is a head start expressed as a score: home ``+1`` → ``"1:0"`` (home
    starts one goal up), home ``-1`` → ``"0:1"`` (home starts one goal down), ``0`` →
    ``"0:0"``. This is UOF's ``hcp`` for market 14 (``hcp=0:1`` = home one goal down).
    """
    return f"{home_line}:0" if home_line >= 0 else f"0:{-home_line}"


def canonical_score(value: str) -> str:
    """Validate and normalize an ``a:b`` score handicap (``"01:0"`` → ``"1:0"``)."""
    home, sep, away = (part.strip() for part in value.partition(":"))
    if sep and home.isascii() and home.isdigit() and away.isascii() and away.isdigit():
        return f"{int(home)}:{int(away)}"
    raise DataError(STAGE, "bad_value", f"{value!r} is not a score handicap like '0:1'")


def line_key(**specifiers: object) -> str:
    """Line key from specifier values: ``line_key(total="2.50")`` → ``"total=2.5"``.

    Pairs are sorted by name and joined by ``|``; score values (``"0:1"``) are kept as
    scores, everything else goes through :func:`canonical_decimal`. No specifiers → ``""``.
    """
    parts = []
    for name in sorted(specifiers):
        value = specifiers[name]
        text = canonical_score(value) if isinstance(value, str) and ":" in value else canonical_decimal(value)
        parts.append(f"{name}={text}")
    return "|".join(parts)


def check_price(value: object) -> float:
    """Return ``value`` as a float price or raise ``DataError(kind="absurd_odds")``.

    A usable price is finite and ``1.0 < price <= 10000``. Numbers and decimal strings
    are accepted; booleans and other types are ``wrong_type``.
    """
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise DataError(STAGE, "wrong_type", f"odds must be a number or decimal string, got {value!r}")
    try:
        price = float(value)
    except ValueError:
        raise DataError(STAGE, "wrong_type", f"odds {value!r} is not a decimal number") from None
    except OverflowError:
        raise DataError(STAGE, "absurd_odds", f"odds {value!r} is out of range") from None
    # NaN fails both comparisons and infinity fails the upper bound, so this covers finiteness.
    if MIN_PRICE < price <= MAX_PRICE:
        return price
    raise DataError(STAGE, "absurd_odds", f"odds {value!r} outside (1.0, 10000]")


@lru_cache(maxsize=16384)
def canonical_value(text: str) -> str:
    """Canonical text of one specifier value: a decimal (``"2.50"`` → ``"2.5"``), a score
    (``"01:0"`` → ``"1:0"``) or, for anything else (``sr:exact_goals:6+``), the stripped text."""
    text = text.strip()
    if _DECIMAL.fullmatch(text):
        return canonical_decimal(text)
    if _SCORE.fullmatch(text):
        return canonical_score(text)
    return text


def join_specifiers(pairs: dict[str, str]) -> str:
    """Line key of already canonical ``{name: value}`` pairs: sorted by name, joined by ``|``."""
    return "|".join(f"{name}={pairs[name]}" for name in sorted(pairs))


@lru_cache(maxsize=65536)
def canonical_specifier(specifier: str) -> str | None:
    """Line key of a UOF specifier string (``"total=2.50|quarternr=1"`` → ``"quarternr=1|total=2.5"``).

    None when the text is not a usable specifier: a part without ``=``, an empty or repeated
    name, a NUL character, or more than :data:`MAX_SPECIFIER` characters. Never raises.
    """
    if len(specifier) > MAX_SPECIFIER or "\x00" in specifier:
        return None
    pairs: dict[str, str] = {}
    for part in specifier.split("|"):
        if not part.strip():
            continue
        name, sep, value = part.partition("=")
        name = name.strip()
        if not sep or not name or name in pairs:
            return None
        try:
            pairs[name] = canonical_value(value)
        except DataError:  # a decimal beyond any real line
            return None
    return join_specifiers(pairs)


def _whole(text: str) -> int:
    if "." in text:
        raise DataError(STAGE, "bad_value", f"{text} is not a whole number")
    return int(text)


def format_line(fmt: LineFormat, value: str) -> str:
    """Canonical specifier value of one native line value written as text, in format ``fmt``.

    ``decimal``: ``"2.50"`` → ``"2.5"``; ``score``: ``"-1"`` → ``"0:1"``, ``"1"`` → ``"1:0"``,
    ``"0:1"`` kept; ``integer``: ``"4"``/``"4.0"`` → ``"4"``; ``next_goal``: ``"0:3"`` → ``"4"``.
    Raises ``DataError(kind="bad_value")`` when ``value`` does not fit the format.
    """
    if fmt == "decimal":
        return canonical_decimal(value)
    if fmt == "score":
        if ":" in value:
            return canonical_score(value)
        return score_handicap(_whole(canonical_decimal(value)))
    if fmt == "integer":
        return str(_whole(canonical_decimal(value)))
    if fmt == "next_goal":
        home, away = canonical_score(value).split(":")
        return str(int(home) + int(away) + 1)
    raise DataError(STAGE, "bad_value", f"unknown line format {fmt!r}")
