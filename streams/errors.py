"""Error classes shared by every stage.

Every failure has a *stage* (where it happened: ``decode``, ``normalize``, ``match``,
``sink``, ...) and a *kind* (what went wrong: ``not_json``, ``wrong_type``,
``unknown_bookmaker``, ``absurd_odds``, ``bad_timestamp``, ``oversize`` ...).

* :class:`DataError` — the input itself is bad. Never retried; the record goes to the
  dead-letter topic with its original bytes and ``stage``/``kind``/``message`` headers.
* :class:`TransientError` — the outside world hiccupped (broker, database). Retried with
  back-off; never sent to the dead-letter topic.
* Anything else is a bug and crashes loudly.
"""

from __future__ import annotations


class OddsflowError(Exception):
    """Base of every error oddsflow raises on purpose."""


class DataError(OddsflowError):
    """Bad input: dead-letter it with ``stage`` and ``kind``, never retry."""

    def __init__(self, stage: str, kind: str, message: str) -> None:
        super().__init__(message)
        self.stage = stage
        self.kind = kind
        self.message = message

    def __str__(self) -> str:
        return f"[{self.stage}/{self.kind}] {self.message}"


class TransientError(OddsflowError):
    """A dependency is temporarily unavailable: back off and retry."""


class SettingsError(OddsflowError):
    """A setting is missing or invalid; the message names the environment variable."""
