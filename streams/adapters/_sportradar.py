"""The Sportradar match number of every bookmaker's id field: one rule for all adapters.

Contract
--------
:func:`sportradar_match` is the only reader of a Sportradar id in :mod:`streams.adapters`;
all seven adapters (and their ``extract_ids``) call it, so one value means the same thing
at every bookmaker:

=================================  =================================================
value                              result
=================================  =================================================
absent, ``null``, ``""``, ``0``,   ``None`` (no Sportradar id: a bookmaker-only event)
``"0"``
int ``n > 0``                      ``n`` (Betway ``eventId``, SportPesa ``betradarId``,
                                   Betika live ``parent_match_id``)
ASCII digits ``"68995116"``        the number (BetPawa widget, Bet9ja ``EXTID``, Betika)
``"sr:match:68995116"``            the number (SportyBet and MSport ``eventId``)
another well-formed URN            ``None``: an event of another kind or id space, not a
(``sr:simple_match:7``,            Sportradar match (``<prefix>:<type>:<id>``, lower-case
``sb:match:77001``)                prefix and type)
anything else                      ``DataError(kind="bad_value")`` naming the field
=================================  =================================================

"Anything else" includes ``sr:match:`` with a non-number (``sr:match:12x``), signs,
non-ASCII digits, floats, booleans, text (``"abc"``) and numbers beyond 2**63 - 1: an id
field that holds such a value is a broken scraper or payload, so the capture is dead-lettered
rather than stored as an unmatched event.
"""

from __future__ import annotations

import re

from streams.errors import DataError

MAX_SR_ID = 2**63 - 1
MATCH_PREFIX = "sr:match:"
_URN = re.compile(r"[a-z][a-z0-9_]*:[a-z][a-z0-9_]*:[^\s:][^\s]*")


def _bad(value: object, path: str) -> DataError:
    return DataError(
        "normalize",
        "bad_value",
        f"{path} = {value!r} is not a Sportradar match id (a positive number, digits or 'sr:match:<n>')",
    )


def _number(digits: str, value: object, path: str) -> int | None:
    if not (digits.isascii() and digits.isdigit()):
        raise _bad(value, path)
    number = int(digits)
    if number > MAX_SR_ID:
        raise _bad(value, path)
    return number or None


def sportradar_match(value: object, path: str) -> int | None:
    """The Sportradar match number in ``value`` (the field at JSON path ``path``); see the table."""
    if value is None:
        return None
    if type(value) is int:
        if value == 0:
            return None
        if 0 < value <= MAX_SR_ID:
            return value
        raise _bad(value, path)
    if not isinstance(value, str):
        raise _bad(value, path)
    text = value.strip()
    if not text:
        return None
    if text.startswith(MATCH_PREFIX):
        return _number(text[len(MATCH_PREFIX) :], value, path)
    if text[0].isdigit():
        return _number(text, value, path)
    if _URN.fullmatch(text):
        return None
    raise _bad(value, path)
