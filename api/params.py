"""Shared parameter checks: keys, times (UTC), cursors. Bad input → :class:`ApiError` 400."""

from __future__ import annotations

import base64
import binascii
import re
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import Path
from pydantic import BeforeValidator

from api.errors import ApiError

KEY_PATTERN = r"^[A-Za-z0-9_.-]{1,64}$"
MAX_BIGINT = 2**63 - 1
_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}([T ]|$)")


def _iso_only(value: Any) -> Any:
    """Times are ISO 8601 (what the schema says), not the Unix numbers pydantic also takes."""
    if isinstance(value, str) and not _ISO.match(value):
        raise ValueError("expected an ISO 8601 date-time, e.g. 2026-12-08T18:00:00Z")
    return value


Time = Annotated[datetime, BeforeValidator(_iso_only)]
EventId = Annotated[int, Path(ge=1, le=MAX_BIGINT, description="oddsflow's canonical event id")]


def utc(value: datetime | None, name: str) -> datetime | None:
    """A timezone-aware UTC time; naive input is read as UTC."""
    if value is None:
        return None
    try:
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    except OverflowError:
        raise ApiError(400, "invalid_time", f"{name} is out of range") from None


def encode_cursor(kickoff: datetime, event_id: int) -> str:
    return base64.urlsafe_b64encode(f"{kickoff.isoformat()}|{event_id}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, int]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        when, _, eid = raw.partition("|")
        kickoff = datetime.fromisoformat(when)
        if kickoff.tzinfo is None or not 0 < int(eid) <= MAX_BIGINT:
            raise ValueError(raw)
        return kickoff, int(eid)
    except (ValueError, UnicodeDecodeError, binascii.Error):
        raise ApiError(400, "invalid_cursor", "cursor is not one this API returned") from None
