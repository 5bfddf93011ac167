"""Bookmaker adapters: raw bookmaker JSON → :class:`~streams.contracts.canonical.CanonicalEventOddsV1`.

Contract
--------
* Pure functions, no I/O: one module per bookmaker (``betpawa``, ``sportybet``,
  ``bet9ja``, ``betika``, ``betway``, ``msport``, ``sportpesa``), each with
  ``normalize(payload, captured_at)`` and ``extract_ids(payload)``; this package is the
  registry the pipeline calls, and :data:`BOOKMAKERS` the one list of bookmakers.
* Betway and SportPesa split an event over two responses: their payload is the split-event
  envelope ``{"event": …, "markets": …}`` (:mod:`streams.adapters._split`, ``docs/WIRE.md``).
* Every Sportradar id goes through :func:`streams.adapters._sportradar.sportradar_match`:
  one value means the same at every bookmaker, and an id that does not parse is ``bad_value``.
* :func:`normalize` raises nothing but :class:`~streams.errors.DataError` (stage
  ``normalize``) for any payload, however malformed: the record goes to the DLQ with its
  original bytes and the error's ``kind``/``message``. Kinds: ``unknown_bookmaker``,
  ``bad_timestamp``, ``api_error`` (bookmaker said "not OK"), ``wrong_type``,
  ``missing_field``, ``bad_value``, ``unsupported_sport``, ``absurd_odds`` (one
  impossible active price rejects the whole capture) and ``malformed`` (a last-resort
  conversion at the adapter boundary that explicit checks should make unreachable).
* Lines are mapped through the open taxonomy (:mod:`streams.taxonomy`): the UOF-coded books
  (SportyBet, MSport, Betika, Betway) generically, BetPawa, Bet9ja and SportPesa through the
  mapping tables. Lines are counted in one
  unit, the bookmaker line (a SportyBet market entry, a BetPawa market type × row
  handicap, a Bet9ja code × ``@`` param): ``mapped_lines`` those that reached a canonical
  line, ``unmapped`` the others per native market id. An unknown market, an unreadable
  line value or unknown extra fields never fail a capture; only a broken required field
  (ids, team names, times, the price of a mapped outcome) does. An event without
  Sportradar id is valid (``sportradar_id=None``).
* Output is deterministic and independent of the bookmaker's ordering: lines sorted by
  (market id, line key), outcomes by id (:func:`streams.taxonomy.outcome_order`); an
  outcome quoted twice on one line keeps the active price, and of two active prices the
  higher one.
* The adapters memoize line keys, checked outcome ids, odds keys and outcomes per process
  (bounded, cleared when full); they are meant to be called from one thread per process.
* Bet9ja's ``STARTDATE`` carries no offset; it is read in
  ``streams.adapters.bet9ja.STARTDATE_TZ`` (UTC; assign another ``tzinfo`` at startup).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from streams.adapters import bet9ja, betika, betpawa, betway, msport, sportpesa, sportybet, theoddsapi
from streams.contracts.canonical import CanonicalEventOddsV1
from streams.errors import DataError

BOOKMAKERS: tuple[str, ...] = ("betpawa", "sportybet", "bet9ja", "betika", "betway", "msport", "sportpesa")
#: raw sources without Sportradar ids (aggregated feeds): one raw topic each, one canonical
#: bookmaker per source book inside them (``theoddsapi.<key>``), matched by names
FEEDS: tuple[str, ...] = ("theoddsapi",)
#: every raw topic's bookmaker that has an adapter
SOURCES: tuple[str, ...] = BOOKMAKERS + FEEDS

_NORMALIZERS: dict[str, Callable[[object, datetime], CanonicalEventOddsV1]] = {
    "betpawa": betpawa.normalize,
    "sportybet": sportybet.normalize,
    "bet9ja": bet9ja.normalize,
    "betika": betika.normalize,
    "betway": betway.normalize,
    "msport": msport.normalize,
    "sportpesa": sportpesa.normalize,
    "theoddsapi": theoddsapi.normalize,
}
_EXTRACTORS: dict[str, Callable[[object], tuple[str, int | None]]] = {
    "betpawa": betpawa.extract_ids,
    "sportybet": sportybet.extract_ids,
    "bet9ja": bet9ja.extract_ids,
    "betika": betika.extract_ids,
    "betway": betway.extract_ids,
    "msport": msport.extract_ids,
    "sportpesa": sportpesa.extract_ids,
    "theoddsapi": theoddsapi.extract_ids,
}
#: lines sent per native market of one accepted response, for :mod:`streams.coverage.measure`
#: (the first three books are counted there)
NATIVE_LINES: dict[str, Callable[[Any], dict[str, tuple[str, int]]]] = {
    "betika": betika.native_lines,
    "betway": betway.native_lines,
    "msport": msport.native_lines,
    "sportpesa": sportpesa.native_lines,
}

__all__ = ["BOOKMAKERS", "FEEDS", "NATIVE_LINES", "SOURCES", "extract_ids", "normalize"]


def _unknown(bookmaker: object) -> DataError:
    return DataError(
        "normalize", "unknown_bookmaker", f"unknown bookmaker {bookmaker!r}; expected one of {SOURCES}"
    )


def normalize(
    bookmaker: str,
    payload: object,
    captured_at: datetime,
    *,
    now: datetime | None = None,
    max_age: timedelta = timedelta(days=30),
    max_skew: timedelta = timedelta(minutes=5),
) -> CanonicalEventOddsV1:
    """Normalize one capture of ``bookmaker``'s event JSON (already parsed).

    ``captured_at`` must be timezone-aware and within ``[now - max_age, now + max_skew]``
    (``now`` defaults to the current UTC time), else ``DataError(kind="bad_timestamp")``:
    the sink could not place it in a partition and it is not worth comparing.
    ``captured_at`` and ``kickoff`` come back in UTC.
    """
    adapter = _NORMALIZERS.get(bookmaker) if isinstance(bookmaker, str) else None
    if adapter is None:
        raise _unknown(bookmaker)
    if not isinstance(captured_at, datetime) or captured_at.utcoffset() is None:
        raise DataError(
            "normalize",
            "bad_timestamp",
            f"captured_at must be a timezone-aware datetime, got {captured_at!r}",
        )
    reference = datetime.now(UTC) if now is None else now
    if not reference - max_age <= captured_at <= reference + max_skew:
        raise DataError(
            "normalize",
            "bad_timestamp",
            f"captured_at {captured_at.isoformat()} is outside [now - {max_age}, now + {max_skew}]"
            f" (now = {reference.isoformat()})",
        )
    return adapter(payload, captured_at)


def extract_ids(bookmaker: str, payload: object) -> tuple[str, int | None]:
    """``(bookmaker's own event id, Sportradar match number or None)``; cheap, for message keys.

    Raises only ``DataError`` (same kinds as :func:`normalize` for the fields it reads).
    """
    extractor = _EXTRACTORS.get(bookmaker) if isinstance(bookmaker, str) else None
    if extractor is None:
        raise _unknown(bookmaker)
    return extractor(payload)
