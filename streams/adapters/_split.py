"""The split-event envelope: one message holding both responses of a bookmaker that splits an event.

Contract
--------
Betway (event info + markets) and SportPesa (listing entry + markets) answer one event in
two responses. A scraper publishes both in one ``odds.raw.v1`` message whose ``payload`` is
``{"event": <first response>, "markets": <second response>}`` (``docs/WIRE.md``).
:func:`halves` returns the two parts as objects; a payload without one of them is a
``missing_field`` dead letter whose message says what the envelope must hold, so a scraper
that published half an event learns why it was refused.
"""

from __future__ import annotations

from typing import Any

from streams.adapters._common import as_object, fail, json_type


def halves(bookmaker: str, payload: object, first: str, second: str) -> tuple[dict[str, Any], Any]:
    """``(payload[first] as an object, payload[second])`` of a split event (see the module docstring)."""
    doc = as_object(payload, f"{bookmaker} payload")
    missing = [name for name in (first, second) if doc.get(name) is None]
    if missing:
        fail(
            "missing_field",
            f"{bookmaker} split event lacks {' and '.join(missing)}: a {bookmaker} capture is one"
            f' envelope {{"{first}": …, "{second}": …}} holding both responses of the event'
            " (docs/WIRE.md); half an event is refused",
        )
    part = doc[first]
    if not isinstance(part, dict):
        fail("wrong_type", f"{first} must be an object, got {json_type(part)}")
    return part, doc[second]
