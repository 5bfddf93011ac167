"""Entries of the directory of known events every normalize worker shares (pure encode/decode).

The directory is a faust GlobalTable (:mod:`streams.stages.normalize.directory`): key
:func:`entry_key` (``"<event key>|<listing>"``, one bookmaker's spelling of one event with a
Sportradar id), value :func:`encode_entry` — a JSON object of schema
``odds.known_listing.v1`` with ``event_key``, ``sportradar_id``, ``sport``, ``home``, ``away``,
``kickoff`` (UTC) and ``listing``. A worker writes an entry when one of its captures with a
Sportradar id shows a listing it had not indexed (new, or other teams or kickoff); every
worker folds every entry into its :class:`~streams.matching.NameIndex`, so a capture without
id is matched against events whose captures other workers read. :func:`decode_entry` is the
one decoder; a value that is not an entry raises :class:`~streams.errors.DataError`.
"""

from __future__ import annotations

from datetime import UTC, datetime

import orjson

from streams.errors import DataError
from streams.matching.matcher import Known

SCHEMA = "odds.known_listing.v1"


def entry_key(known: Known, listing: str) -> str:
    return f"{known.event_key}|{listing}"


def encode_entry(known: Known, listing: str) -> bytes:
    return orjson.dumps(
        {
            "schema": SCHEMA,
            "event_key": known.event_key,
            "sportradar_id": known.sportradar_id,
            "sport": known.sport,
            "home": known.home,
            "away": known.away,
            "kickoff": known.kickoff.astimezone(UTC).isoformat().replace("+00:00", "Z"),
            "listing": listing,
        }
    )


def decode_entry(data: bytes) -> tuple[Known, str]:
    """Bytes → (known event, listing); raises :class:`DataError` (stage ``match``)."""
    try:
        doc = orjson.loads(data)
        if not isinstance(doc, dict) or doc.get("schema") != SCHEMA:
            raise ValueError(f"not a {SCHEMA} object")
        kickoff = datetime.fromisoformat(str(doc["kickoff"]))
        if kickoff.tzinfo is None:
            raise ValueError("kickoff has no time zone")
        sr = doc["sportradar_id"]
        known = Known(
            str(doc["event_key"]),
            str(doc["sport"]),
            str(doc["home"]),
            str(doc["away"]),
            kickoff.astimezone(UTC),
            None if sr is None else int(str(sr)),
        )
        return known, str(doc["listing"])
    except (orjson.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
        raise DataError("match", "wrong_type", f"malformed {SCHEMA}: {exc!r}") from exc
