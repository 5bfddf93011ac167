"""Pure rules for daily partitions: names, the accepted window, what to drop.

A child of ``<table>`` for day ``D`` (UTC) is named ``<table>_pYYYY_MM_DD`` (pg_partman's
daily naming, so both back ends agree) and holds ``[D 00:00Z, D+1 00:00Z)``.

With ``retention_days = R`` and ``premake_days = N`` and ``today`` in UTC:

* a row of day ``D`` is accepted iff ``today - R <= D <= today + N`` (a partition is made
  on demand for it); anything else is a data error for the DLQ;
* maintenance keeps days ``today - R .. today + N`` made and drops children older than
  ``today - R``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

_CHILD = re.compile(r"^(?P<table>.+)_p(?P<y>\d{4})_(?P<m>\d{2})_(?P<d>\d{2})$")


@dataclass(frozen=True, slots=True)
class Window:
    """Inclusive range of days for which rows are accepted."""

    first: date
    last: date

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.first <= day <= self.last

    def days(self) -> list[date]:
        """Every day of the window, oldest first."""
        return [self.first + timedelta(days=i) for i in range((self.last - self.first).days + 1)]


def window(today: date, retention_days: int, premake_days: int) -> Window:
    """The accepted window for ``today`` (see module docstring)."""
    return Window(today - timedelta(days=retention_days), today + timedelta(days=premake_days))


def utc_day(ts: datetime) -> date:
    """Calendar day of ``ts`` in UTC (``ts`` must be tz-aware)."""
    if ts.tzinfo is None:
        raise ValueError("naive datetime")
    return ts.astimezone(UTC).date()


def child_name(table: str, day: date) -> str:
    """``odds_history`` + 2026-11-21 → ``odds_history_p2026_11_21``."""
    return f"{table}_p{day:%Y_%m_%d}"


def parse_child(name: str) -> tuple[str, date] | None:
    """Inverse of :func:`child_name`; ``None`` for names that are not daily children."""
    match = _CHILD.match(name)
    if not match:
        return None
    return match["table"], date(int(match["y"]), int(match["m"]), int(match["d"]))


def bounds(day: date) -> tuple[datetime, datetime]:
    """``[day 00:00Z, day+1 00:00Z)``."""
    start = datetime(day.year, day.month, day.day, tzinfo=UTC)
    return start, start + timedelta(days=1)


def to_drop(existing: list[date], today: date, retention_days: int) -> list[date]:
    """Days among ``existing`` older than the retention window."""
    oldest = today - timedelta(days=retention_days)
    return sorted(d for d in existing if d < oldest)
