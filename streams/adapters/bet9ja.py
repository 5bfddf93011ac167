"""Bet9ja adapter: ``GetEvent`` / ``GetLiveEvent`` JSON → :class:`CanonicalEventOddsV1` (pure).

Contract
--------
* Input ``{"R": "OK", "D": {...}}``; any other ``R`` is ``DataError(kind="api_error")``.
  Event fields are read from ``D`` and, when absent there, from ``D.AA`` (real live
  responses keep the event header in ``D.AA``); ``D.A`` present marks a live capture.
* Identity: ``D.ID`` is Bet9ja's own id. Sportradar: live ``D.A.EXTID`` or
  ``D.A.BRMATCHID``, prematch ``D.EXTID``; empty/0/absent → ``sportradar_id=None``.
* ``D.STARTDATE`` (``"2026-05-06 11:00:00"``) has no offset and is read in
  :data:`STARTDATE_TZ` (UTC unless configured via ``normalize(..., startdate_tz=...)``).
* Odds keys ``<SPORT>_<MARKET>[@<param>]_<OUTCOME>`` with sport prefixes ``S_``/``LIVES_``
  (soccer), ``B_`` (basketball), ``T_`` (tennis); ``LIVEB_``/``LIVET_`` (not yet seen in
  captures, extrapolated from ``LIVES_``) are read like ``B_``/``T_``. Market codes are read
  through :data:`streams.taxonomy.tables.BET9JA` (see :mod:`._bet9ja_keys`): ``S_OU`` and
  ``S_OUA`` are both UOF 18 (``S_OUA`` carries the whole and quarter lines); ``S_HAOU``
  splits into the home (``OH``/``UH``, 19) and away (``OA``/``UA``, 20) totals; Asian
  handicap params are home-side for both outcomes; ``1T``/``HT`` mark the first half and
  ``2T``/``2HT``/``2TN`` the second. ``S_1X2HND@h``: whole home-side handicap ``h`` →
  ``hcp=h:0`` if ``h >= 0`` else ``hcp=0:-h`` (``@-1`` → ``hcp=0:1``). ``S_1STGOAL`` is
  ``goalnr=1``; live ``LIVES_NEXTGOAL@a:b`` (param = current score) is ``goalnr=a+b+1``.
  A key whose param does not fit its market's line (``S_OU@abc``) is an unmapped line.
* Values: prematch decimal strings, live ``{"v": number}``. ``"-"``, ``""`` and null are
  suspended. A price of exactly 1 is Bet9ja's placeholder (live captures late in a match
  carry ``{"v": 1}`` everywhere, and prematch responses carry ``"1"`` on closed lines),
  so it is an inactive outcome without price, never an error. Any other active value
  that is not a finite number in (1.0, 10000] rejects the **whole capture**
  (``absurd_odds``) so it reaches the DLQ with its bytes.
* One bookmaker line is one market code with one param (``S_CAH@-0.5`` with its two outcome
  keys); a line is mapped when one of its keys reached a canonical line, else it is
  counted in ``unmapped`` under its market code (``S_CAH``, ``LIVES_AWTTW``...). Values of
  unmapped keys are never read. Only ``DataError`` leaves :func:`normalize`/:func:`extract_ids`.
"""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo
from typing import Any, cast

from streams.adapters import _bet9ja_keys as keys_memo
from streams.adapters._common import (
    BOUNDARY_ERRORS,
    as_object,
    bad_price,
    fail,
    id_text,
    json_type,
    kickoff_from_text,
    malformed,
    opt_str,
    split_teams,
    utc_captured_at,
)
from streams.adapters._lines import LineCollector, counts
from streams.adapters._sportradar import sportradar_match
from streams.contracts.canonical import CanonicalEventOddsV1, Outcome, Sport

BOOKMAKER = "bet9ja"
STARTDATE_TZ: tzinfo = UTC
_PRICES_PER_KEY = 64  # bound of each key's {raw value: Outcome} memo
_MEMO_TYPES = (str, float, int)  # exact types (not bool): hashable raw values worth memoizing

_SPORT_NAMES: dict[str, Sport] = {
    "soccer": "soccer",
    "football": "soccer",
    "basketball": "basketball",
    "tennis": "tennis",
}
_SPORT_IDS: dict[int, Sport] = {1: "soccer", 2: "basketball", 5: "tennis", 3000001: "soccer"}


def extract_ids(payload: object) -> tuple[str, int | None]:
    """``(D.ID, Sportradar match number or None)`` without reading the odds."""
    try:
        d, header, anchor = _envelope(payload)
        return _event_id(d, header, anchor), _sportradar(d, header, anchor)
    except BOUNDARY_ERRORS as exc:
        raise malformed(BOOKMAKER, exc) from exc


def normalize(
    payload: object, captured_at: datetime, *, startdate_tz: tzinfo | None = None
) -> CanonicalEventOddsV1:
    """Normalize one Bet9ja event response; raises only ``DataError``."""
    try:
        return _normalize(payload, captured_at, STARTDATE_TZ if startdate_tz is None else startdate_tz)
    except BOUNDARY_ERRORS as exc:
        raise malformed(BOOKMAKER, exc) from exc


def _envelope(payload: object) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any] | None]:
    """(``D``, the event header ``D.AA`` or ``{}``, the live anchor ``D.A`` or None)."""
    doc = as_object(payload, "bet9ja payload")
    if doc.get("R") != "OK":
        fail("api_error", f"R is {doc.get('R')!r}, expected 'OK'")
    d = as_object(doc.get("D"), "D")
    header = d.get("AA")
    anchor = d.get("A")
    if anchor is not None:
        anchor = as_object(anchor, "D.A")
    return d, header if isinstance(header, dict) else {}, anchor


def _pick(d: dict[str, Any], header: dict[str, Any], name: str) -> tuple[object, str]:
    value = d.get(name)
    if value is None and name in header:
        return header[name], f"D.AA.{name}"
    return value, f"D.{name}"


def _event_id(d: dict[str, Any], header: dict[str, Any], anchor: dict[str, Any] | None) -> str:
    value, path = _pick(d, header, "ID")
    if value is None and anchor is not None and anchor.get("ID") is not None:
        value, path = anchor["ID"], "D.A.ID"
    return id_text(value, path)


def _sportradar(d: dict[str, Any], header: dict[str, Any], anchor: dict[str, Any] | None) -> int | None:
    sources = [(anchor, "D.A.EXTID", "EXTID"), (anchor, "D.A.BRMATCHID", "BRMATCHID")] if anchor else []
    sources += [
        (d, "D.EXTID", "EXTID"),
        (header, "D.AA.EXTID", "EXTID"),
        (header, "D.AA.BRMATCHID", "BRMATCHID"),
    ]
    for source, path, name in sources:
        if source is not None:
            number = sportradar_match(source.get(name), path)
            if number is not None:
                return number
    return None


def _sport(d: dict[str, Any], header: dict[str, Any]) -> Sport:
    name, path = _pick(d, header, "S")
    comp = header.get("COMP")
    if name is None and isinstance(comp, dict):
        name, path = comp.get("SPORT"), "D.AA.COMP.SPORT"
    if name is not None:
        if not isinstance(name, str):
            fail("wrong_type", f"{path} must be a string, got {json_type(name)}")
        sport = _SPORT_NAMES.get(name.strip().lower())
        if sport is None:
            fail("unsupported_sport", f"{path} = {name!r} is not soccer, basketball or tennis")
        return sport
    sid, path = _pick(d, header, "SID")
    if sid is None:
        fail("missing_field", "D.S (sport name) and D.SID are missing")
    sport = _SPORT_IDS.get(sid) if isinstance(sid, int) and not isinstance(sid, bool) else None
    if sport is None:
        fail("unsupported_sport", f"{path} = {sid!r} is not a supported sport id")
    return sport


def _normalize(payload: object, captured_at: datetime, tz: tzinfo) -> CanonicalEventOddsV1:
    captured = utc_captured_at(captured_at)
    d, header, anchor = _envelope(payload)
    event_id = _event_id(d, header, anchor)
    sport = _sport(d, header)
    home, away = split_teams(*_pick(d, header, "DS"))
    start, start_path = _pick(d, header, "STARTDATE")
    odds = as_object(d.get("O"), "D.O")

    collector = LineCollector()
    unmapped, mapped = _collect(odds, sport, collector)

    return CanonicalEventOddsV1(
        bookmaker=BOOKMAKER,
        bookmaker_event_id=event_id,
        sportradar_id=_sportradar(d, header, anchor),
        sport=sport,
        home=home,
        away=away,
        kickoff=kickoff_from_text(start, start_path, tz),
        live=anchor is not None,
        captured_at=captured,
        category=opt_str(_pick(d, header, "SG")[0], "D.SG"),
        tournament=opt_str(_pick(d, header, "GN")[0], "D.GN"),
        lines=collector.build(),
        unmapped=unmapped,
        mapped_lines=mapped,
    )


def _collect(odds: dict[Any, Any], sport: Sport, collector: LineCollector) -> tuple[dict[str, int], int]:
    """Fill ``collector`` from ``D.O``; return (unmapped lines per market code, mapped lines).

    The hot path: ~900 keys per capture, resolved once per process by ``_bet9ja_keys``;
    unmapped keys are handled by C-level set/dict operations and only mapped keys are
    visited in Python. The visiting order does not matter (see :class:`LineCollector`).
    The memos are process-wide and unlocked: call adapters from one thread per process.
    """
    keys = odds.keys()
    lines: set[str | None] = set(map(keys_memo.SEEN.get, keys))  # holds None if a key is new
    if None in lines:
        keys_memo.learn(keys)
        lines = set(map(keys_memo.SEEN.__getitem__, keys))
    mapped = keys_memo.MAPPED
    placed: set[str] = set()
    buckets = collector.buckets
    for key in keys & mapped.keys():
        key_sport, slot, outcome_id, line_id, by_raw = mapped[key]
        if key_sport != sport:
            continue
        placed.add(line_id)
        raw = odds[key]
        if type(raw) is dict:
            raw = raw.get("v")
        kind = type(raw)
        found = by_raw.get(raw) if kind is str or kind is float or kind is int else None
        if found is None:
            found = _outcome(raw, key, outcome_id, by_raw)
        bucket = buckets.get(slot)  # LineCollector.add, inlined (same rule)
        if bucket is None:
            buckets[slot] = {outcome_id: found}
            continue
        previous = bucket.get(outcome_id)
        price = found.price
        if previous is None or (price is not None and (previous.price is None or price > previous.price)):
            bucket[outcome_id] = found
    unmapped_lines = cast(set[str], lines - placed)
    return counts(map(keys_memo.LINE_MARKET.__getitem__, unmapped_lines)), len(placed)


def _outcome(raw: object, key: str, outcome_id: str, by_raw: dict[object, Outcome]) -> Outcome:
    """The Outcome of one odds value, memoized per key by the raw value (str or number)."""
    price = _price(raw, key)
    found = Outcome(outcome_id, price, price is not None)
    if type(raw) in _MEMO_TYPES:
        if len(by_raw) >= _PRICES_PER_KEY:
            by_raw.clear()
        by_raw[raw] = found
    return found


def _price(raw: object, key: str) -> float | None:
    """Price of one odds value (a live ``{"v": ...}`` already unwrapped), None if suspended/placeholder."""
    if isinstance(raw, str):
        if raw == "" or raw == "-":
            return None
        try:
            price = float(raw)
        except ValueError:
            fail("wrong_type", f"D.O[{key!r}] = {raw!r} is not a decimal number")
    elif isinstance(raw, float):
        price = raw
    elif isinstance(raw, int) and not isinstance(raw, bool):
        price = float(raw) if -1e300 < raw < 1e300 else float("inf")
    elif raw is None:
        return None
    else:
        fail("wrong_type", f"D.O[{key!r}] must be a decimal string or {{'v': number}}, got {json_type(raw)}")
    if 1.0 < price <= 10000.0:
        return price
    if price == 1.0:
        return None  # Bet9ja's "no price" placeholder
    bad_price(raw, f"D.O[{key!r}]")
