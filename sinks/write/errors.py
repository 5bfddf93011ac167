"""What a failure in the sink is, and how long to wait before trying again.

:func:`classify` is the one place that decides what an exception is:

* ``transient`` — Postgres or the broker unreachable, a serialization failure or deadlock,
  a lock not available: retry the same batch after a :class:`Backoff` delay; never
  dead-lettered;
* ``data`` — the records are bad (a :class:`DataError`, or Postgres refusing a value or a
  constraint): isolate them and send them to the DLQ (:func:`data_error` says why);
* ``bug`` — anything else: crash loudly.
"""

from __future__ import annotations

import random
from typing import Literal

import asyncpg

from sinks.write.records import STAGE
from streams.errors import DataError, TransientError

ErrorClass = Literal["transient", "data", "bug"]

# SQLSTATE classes/codes worth a retry: connection (08), resources (53), operator
# intervention/shutdown (57), system (58), serialization/deadlock, lock not available.
_TRANSIENT_CLASSES = ("08", "53", "57", "58")
_TRANSIENT_STATES = ("40001", "40P01", "55P03", "55006")
# program_limit_exceeded: a value too large for an index entry (a 3,000-character id)
_DATA_STATES = ("54000",)


def classify(exc: BaseException) -> ErrorClass:
    """The one place that decides what a failure is (see module docstring)."""
    from aiokafka.errors import KafkaConnectionError, KafkaError, KafkaTimeoutError

    if isinstance(exc, DataError):
        return "data"
    if isinstance(exc, TransientError | asyncpg.PostgresConnectionError | KafkaConnectionError):
        return "transient"
    if isinstance(exc, asyncpg.PostgresError):
        state = exc.sqlstate or ""
        if state[:2] in _TRANSIENT_CLASSES or state in _TRANSIENT_STATES:
            return "transient"
        if state[:2] in ("22", "23") or state in _DATA_STATES:  # data exception, integrity
            return "data"
        return "bug"
    if isinstance(exc, asyncpg.exceptions.ConnectionDoesNotExistError):
        return "transient"
    if isinstance(exc, asyncpg.InterfaceError) and "closed" in str(exc):
        return "transient"  # "connection is closed": the server went away under us
    # asyncpg's client-side DataError: a value its codec refuses (e.g. out of range)
    if isinstance(exc, asyncpg.exceptions._base.DataError | OverflowError):
        return "data"
    if isinstance(exc, OSError | TimeoutError | KafkaTimeoutError):
        return "transient"
    if isinstance(exc, KafkaError) and getattr(exc, "retriable", False):
        return "transient"
    return "bug"


def data_error(exc: BaseException) -> DataError:
    """A :class:`DataError` (stage ``sink``) describing why Postgres refused a record."""
    if isinstance(exc, DataError):
        return exc
    if isinstance(exc, asyncpg.PostgresError):
        state = exc.sqlstate or ""
        kind = "constraint_violation" if state.startswith("23") else "invalid_value"
        return DataError(STAGE, kind, f"{type(exc).__name__} (SQLSTATE {state}): {exc}")
    return DataError(STAGE, "invalid_value", f"{type(exc).__name__}: {exc}")


class Backoff:
    """Exponential back-off with jitter: ``d/2 + uniform(0, d/2)``, ``d`` doubling to ``cap_s``."""

    def __init__(self, base_s: float = 0.2, cap_s: float = 10.0) -> None:
        self.base_s, self.cap_s, self.tries = base_s, cap_s, 0

    def next(self) -> float:
        d = min(self.cap_s, self.base_s * 2**self.tries)
        self.tries += 1
        return float(d / 2 + random.uniform(0, d / 2))
