"""Helpers shared by the bookmaker adapters: checked field access, ids, times and prices.

Every helper raises :class:`~streams.errors.DataError` (stage ``normalize``) whose message
names the JSON path of the offending field, e.g. ``data.markets[3].outcomes must be an
array, got string`` — written for the author of the scraper that produced the payload.
Building canonical lines from the checked values is :mod:`streams.adapters._lines`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any, NoReturn

from streams.errors import DataError
from streams.taxonomy import (
    MAX_PRICE,
    MIN_PRICE,
)

STAGE = "normalize"

# The adapter boundary converts these into DataError("malformed"). Explicit checks should
# make them unreachable; the property tests assert that no input ever gets this far.
BOUNDARY_ERRORS = (KeyError, TypeError, ValueError, AttributeError, IndexError, OverflowError)

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# Kickoffs outside 2000..2100 are a unit mistake (seconds vs ms) or garbage.
_MIN_KICKOFF_MS = 946_684_800_000
_MAX_KICKOFF_MS = 4_102_444_800_000


def fail(kind: str, message: str) -> NoReturn:
    raise DataError(STAGE, kind, message)


def malformed(bookmaker: str, exc: Exception) -> DataError:
    return DataError(STAGE, "malformed", f"{bookmaker} payload has an unexpected structure: {exc!r}")


def json_type(value: object) -> str:
    """JSON name of a Python value's type, for error messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__


def as_object(value: object, path: str) -> dict[str, Any]:
    if isinstance(value, dict):
        return value
    if value is None:
        fail("missing_field", f"{path} is missing")
    fail("wrong_type", f"{path} must be an object, got {json_type(value)}")


def as_list(value: object, path: str) -> list[Any]:
    if isinstance(value, list):
        return value
    if value is None:
        fail("missing_field", f"{path} is missing")
    fail("wrong_type", f"{path} must be an array, got {json_type(value)}")


def req_str(value: object, path: str) -> str:
    """A required non-empty string without NUL characters (PostgreSQL text cannot hold them)."""
    if isinstance(value, str):
        if "\x00" in value:
            fail("bad_value", f"{path} contains a NUL character")
        if value.strip():
            return value.strip()
        fail("bad_value", f"{path} is empty")
    if value is None:
        fail("missing_field", f"{path} is missing")
    fail("wrong_type", f"{path} must be a string, got {json_type(value)}")


def opt_str(value: object, path: str = "text") -> str | None:
    """Optional descriptive text (category, tournament): anything but a non-empty string is None;
    a NUL character is ``bad_value`` (as in :func:`req_str`)."""
    if not isinstance(value, str):
        return None
    if "\x00" in value:
        fail("bad_value", f"{path} contains a NUL character")
    return value.strip() or None


def id_text(value: object, path: str) -> str:
    """A bookmaker id given as a string or an integer, returned as text."""
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return req_str(value, path)


def kickoff_from_ms(value: object, path: str) -> datetime:
    if isinstance(value, bool) or not isinstance(value, int):
        if value is None:
            fail("missing_field", f"{path} is missing")
        fail("wrong_type", f"{path} must be epoch milliseconds (integer), got {json_type(value)}")
    if not _MIN_KICKOFF_MS <= value < _MAX_KICKOFF_MS:
        fail("bad_value", f"{path} = {value} is not epoch milliseconds between 2000 and 2100")
    return _EPOCH + timedelta(milliseconds=value)


def kickoff_from_text(value: object, path: str, naive_tz: tzinfo | None) -> datetime:
    """ISO-8601 (``2026-05-06T11:00:00Z``) or ``2026-05-06 11:00:00``, returned in UTC.

    A timestamp without offset is read in ``naive_tz``; with ``naive_tz=None`` it is an error.
    """
    text = req_str(value, path)
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        fail("bad_value", f"{path} = {text!r} is not an ISO-8601 date-time")
    if parsed.tzinfo is None:
        if naive_tz is None:
            fail("bad_value", f"{path} = {text!r} has no UTC offset")
        parsed = parsed.replace(tzinfo=naive_tz)
    if not 2000 <= parsed.year < 2100:
        fail("bad_value", f"{path} = {text!r} is not between 2000 and 2100")
    return parsed.astimezone(UTC)


def split_teams(value: object, path: str) -> tuple[str, str]:
    """``"Home - Away"`` → ``("Home", "Away")``, split at the first ``" - "``."""
    text = req_str(value, path)
    home, sep, away = text.partition(" - ")
    if not sep or not home.strip() or not away.strip():
        fail("bad_value", f"{path} = {text!r} is not 'Home - Away'")
    return home.strip(), away.strip()


def utc_captured_at(captured_at: object) -> datetime:
    if not isinstance(captured_at, datetime) or captured_at.utcoffset() is None:
        fail("bad_timestamp", f"captured_at must be a timezone-aware datetime, got {captured_at!r}")
    return captured_at.astimezone(UTC)


def price_text(text: str, path: str) -> float:
    """A decimal-string price that must be usable (see :func:`streams.taxonomy.check_price`)."""
    try:
        price = float(text)
    except ValueError:
        fail("wrong_type", f"{path} = {text!r} is not a decimal number")
    if MIN_PRICE < price <= MAX_PRICE:
        return price
    bad_price(text, path)


def price_number(value: object, path: str) -> float:
    """A JSON-number price that must be usable."""
    if isinstance(value, float):
        price = value
    elif isinstance(value, int) and not isinstance(value, bool):
        if not MIN_PRICE < value <= MAX_PRICE:
            bad_price(value, path)
        price = float(value)
    else:
        if value is None:
            fail("missing_field", f"{path} is missing")
        fail("wrong_type", f"{path} must be a number, got {json_type(value)}")
    if MIN_PRICE < price <= MAX_PRICE:
        return price
    bad_price(value, path)


def bad_price(value: object, path: str) -> NoReturn:
    fail("absurd_odds", f"{path} = {value!r}: an active price must be finite and in (1.0, 10000]")


def quoted_price(odds: object, where: Callable[[], str]) -> float:
    """:func:`price_text` of a decimal-string price, with the JSON path worked out only on failure."""
    if type(odds) is str:
        try:
            price = float(odds)
        except ValueError:
            price = math.nan
        if MIN_PRICE < price <= MAX_PRICE:
            return price
        return price_text(odds, where())
    return price_text(req_str(odds, where()), where())


def text_id(value: object, where: Callable[[], str]) -> str:
    """:func:`id_text` with the JSON path worked out only on failure."""
    if type(value) is str and value and "\x00" not in value and value == value.strip():
        return value
    if type(value) is int:
        return str(value)
    return id_text(value, where())
