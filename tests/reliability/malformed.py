"""Seeded generator of malformed raw inputs for the bad-input campaign (issue 8, item 4).

:func:`generate` returns :class:`Malformed` items: the exact key and value bytes to publish,
the raw topic (by bookmaker name) and where the pipeline must dead-letter each one: the
``dlq.stage`` and the set of acceptable ``dlq.error.kind`` values. Everything is derived
from a :class:`random.Random` seeded by the caller, the good captures given as templates
and ``now``: the same arguments give the same bytes.

Worker-stage items reuse the templates' events and keys (so they land on the same
partitions, between the good captures of the same events). Items that must get past the
worker and be refused by the sink use fresh events (their own bookmaker and Sportradar
ids): an accepted capture becomes the last one of its event × bookmaker board, and a good
capture of the same event could then be dropped as stale instead of stored.

Classes (``Malformed.klass``) and where they land with default worker settings:

==================  ===================================================  =====================
class               what                                                 stage / kind
==================  ===================================================  =====================
random_bytes        seeded random bytes, 0..4 KiB                        decode / not_json
                                                                         (wrong_envelope when
                                                                         they happen to parse)
truncated_json      a real envelope cut short                            decode / not_json
wrong_type          odds as objects/arrays/strings/booleans, ids as      normalize / wrong_type,
                    lists, arrays as objects, dates as numbers ...       missing_field,
                                                                         bad_value, api_error
huge_numbers        1e308 prices, 2**64 prices, 1e30 ids, kickoff 1e18   normalize / absurd_odds,
                    ms; 10**400 and 1e309 literals (beyond a double)     wrong_type, bad_value;
                                                                         decode / not_json
nan_infinity        NaN/Infinity literals (not JSON); "NaN", "inf"       decode / not_json;
                    decimal strings                                      normalize / absurd_odds
absurd_odds         negative, zero, 1.0, 0.99, 10000.01, 1e9 on an       normalize / absurd_odds
                    active price (Bet9ja's 1 is a placeholder: skipped)
bad_timestamp       captured_at in 1970, 1969, 2100, 9999, 31 days ago,  normalize / bad_timestamp
                    1 hour ahead (epoch ms or ISO); year > 9999,         decode / wrong_envelope
                    no zone, not a date
wrong_envelope      schema v2, missing/extra/renamed fields, bad         decode / wrong_envelope,
                    bookmaker names, oversized hints, non-object         not_json,
                    envelopes, BOM, UTF-16, invalid UTF-8; envelope      bookmaker_mismatch
                    bookmaker other than the topic's
empty               tombstone (``None``), ``b""``, whitespace, ``{}``,   decode / empty,
                    ``null``, ``[]``, payload ``{}``/null/[]/""          not_json, wrong_envelope;
                                                                         normalize / ...
bad_payload         API errors, unsupported sport, kickoff in seconds,   normalize / api_error,
                    double-encoded payload, name without " - "           unsupported_sport,
                                                                         bad_value, wrong_type
unknown_bookmaker   a valid envelope on ``<raw prefix>pinnacle``         normalize /
                                                                         unknown_bookmaker
oversize            a real payload padded with copies of its markets     decode / oversize
                    to ``size`` bytes (zstd brings it under the
                    broker's limit: see :func:`oversize`)
retention           captured_at 8..25 days ago, a new event: inside the   match / late
                    worker's ``max_capture_age_days`` (30) but more than
                    the lifecycle's idle + grace hours behind stream time
nul_text            a team name containing U+0000: valid JSON, but        normalize / bad_value
                    Postgres text cannot hold it
long_text           a 3,000-character bookmaker event id / tournament:   sink / invalid_value
                    too long for a B-tree index entry (SQLSTATE 54000);  (SportyBet's id:
                    SportyBet's event id is its Sportradar URN           normalize / bad_value)
==================  ===================================================  =====================

Sink-stage dead letters carry the snapshot record the sink consumed (its input), not the
raw bytes; the snapshot's ``source`` names the raw record it came from.
"""

from __future__ import annotations

import itertools
import random
import re
import string
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import orjson

from streams.contracts.raw import SCHEMA, encode_raw, raw_key
from streams.simulator import SimulatedCapture

MiB = 1024 * 1024
SOURCE = "bad-input-campaign"
UNKNOWN_BOOKMAKER = "pinnacle"
#: first Sportradar number / bookmaker id of the fresh events of sink-stage items
FRESH_BASE = 940_000_000

Doc = dict[str, Any]


@dataclass(frozen=True, slots=True)
class Malformed:
    """One bad raw record and where the pipeline must dead-letter it."""

    klass: str  # the class (see module docstring)
    variant: str  # what exactly is wrong, for messages and counts
    bookmaker: str  # raw topic suffix: ``<raw prefix><bookmaker>``
    key: bytes | None
    value: bytes | None
    stage: str  # expected ``dlq.stage``
    kinds: frozenset[str]  # acceptable ``dlq.error.kind`` values

    def accepts(self, stage: str, kind: str) -> bool:
        """Whether a dead letter with this stage and kind is the expected one."""
        return stage == self.stage and kind in self.kinds

    @property
    def size(self) -> int:
        return len(self.value or b"")


@dataclass
class _Ctx:
    """What the class generators share: the seeded RNG, templates, clock, fresh-id counter."""

    rng: random.Random
    templates: Sequence[SimulatedCapture]
    now: datetime
    sink_retention_days: int
    fresh: int = 0
    by_bookmaker: dict[str, list[SimulatedCapture]] = field(default_factory=dict)

    def template(self, bookmaker: str | None = None) -> SimulatedCapture:
        if bookmaker is None:
            return self.rng.choice(self.templates)
        return self.rng.choice(self.by_bookmaker[bookmaker])

    def next_fresh(self) -> int:
        self.fresh += 1
        return FRESH_BASE + self.fresh


def _copy(doc: Doc) -> Doc:
    result: Doc = orjson.loads(orjson.dumps(doc))
    return result


def _envelope(
    cap: SimulatedCapture,
    payload: bytes | Doc,
    *,
    captured_at: datetime | None = None,
    bookmaker: str | None = None,
    event_id: str | None = None,
) -> bytes:
    raw = payload if isinstance(payload, bytes) else orjson.dumps(payload)
    return encode_raw(
        bookmaker=bookmaker or cap.bookmaker,
        payload=raw,
        captured_at=captured_at or cap.captured_at,
        source=SOURCE,
        bookmaker_event_id=event_id or cap.bookmaker_event_id,
        sportradar_id=cap.sportradar_id,
    )


def _head(cap: SimulatedCapture) -> Doc:
    """The envelope of ``cap`` as a dict (payload parsed), for envelope-level mutations."""
    return {
        "schema": SCHEMA,
        "bookmaker": cap.bookmaker,
        "captured_at": cap.captured_at.astimezone(UTC).isoformat().replace("+00:00", "Z"),
        "source": SOURCE,
        "bookmaker_event_id": cap.bookmaker_event_id,
        "sportradar_id": cap.sportradar_id,
        "payload": cap.payload,
    }


def _item(
    klass: str,
    variant: str,
    cap: SimulatedCapture,
    value: bytes | None,
    stage: str,
    *kinds: str,
    bookmaker: str | None = None,
) -> Malformed:
    bm = bookmaker or cap.bookmaker
    return Malformed(klass, variant, bm, raw_key(bm, cap.bookmaker_event_id), value, stage, frozenset(kinds))


# -- navigation of the three payload shapes --------------------------------------------------


def _prices(bookmaker: str, doc: Doc) -> Iterator[tuple[dict[str, Any], str]]:
    """Every price slot as (container, key) whose value is the price; forced active first."""
    if bookmaker == "betpawa":
        for market in doc["markets"]:
            for row in market["row"]:
                for price in row["prices"]:
                    price["suspended"] = False
                    yield price, "price"
    elif bookmaker == "sportybet":
        for market in doc["data"]["markets"]:
            for outcome in market["outcomes"]:
                outcome["isActive"] = 1
                yield outcome, "odds"
    else:
        odds = doc["D"]["O"]
        for key in list(odds):
            yield odds, key


def _first_price(bookmaker: str, doc: Doc) -> tuple[dict[str, Any], str]:
    """The first price of the first market: the match winner market in every simulated payload."""
    return next(_prices(bookmaker, doc))


def _set_all_prices(bookmaker: str, doc: Doc, value: Callable[[Any], Any]) -> Doc:
    for container, key in _prices(bookmaker, doc):
        container[key] = value(container[key])
    return doc


def _set_first_price(bookmaker: str, doc: Doc, value: Any) -> Doc:
    container, key = _first_price(bookmaker, doc)
    container[key] = value
    return doc


# -- classes ----------------------------------------------------------------------------------


def random_bytes(ctx: _Ctx) -> Malformed:
    cap = ctx.template()
    value = ctx.rng.randbytes(ctx.rng.choice((0, 1, 2, 3, 7, 64, 512, 4096)))
    try:
        orjson.loads(value)
    except orjson.JSONDecodeError:
        return _item("random_bytes", "noise", cap, value, "decode", "not_json")
    return _item("random_bytes", "noise-that-parses", cap, value, "decode", "wrong_envelope")


def truncated_json(ctx: _Ctx) -> Malformed:
    cap = ctx.template()
    full = _envelope(cap, cap.payload)
    cut = ctx.rng.randrange(0, len(full))
    return _item("truncated_json", "cut", cap, full[:cut], "decode", "not_json")


_WRONG_TYPES: dict[str, list[tuple[str, Callable[[Doc], Doc], tuple[str, ...]]]] = {
    "betpawa": [
        ("prices-as-objects", lambda d: _set_all_prices("betpawa", d, lambda p: {"v": p}), ("wrong_type",)),
        ("prices-as-strings", lambda d: _set_all_prices("betpawa", d, lambda p: f"{p:.2f}"), ("wrong_type",)),
        ("prices-as-arrays", lambda d: _set_all_prices("betpawa", d, lambda p: [p]), ("wrong_type",)),
        ("prices-null", lambda d: _set_all_prices("betpawa", d, lambda p: None), ("missing_field",)),
        ("id-as-list", lambda d: d | {"id": [d["id"]]}, ("wrong_type",)),
        ("markets-as-object", lambda d: d | {"markets": {"0": d["markets"][0]}}, ("wrong_type",)),
        ("rows-as-strings", lambda d: _each(d["markets"], "row", "row") or d, ("wrong_type",)),
        ("participants-as-string", lambda d: d | {"participants": "Home - Away"}, ("wrong_type",)),
        ("suspended-as-string", lambda d: _suspended_text(d), ("wrong_type",)),
        ("start-time-as-number", lambda d: d | {"startTime": 1_778_075_700_000}, ("wrong_type",)),
        ("category-as-string", lambda d: d | {"category": "Football"}, ("wrong_type",)),
        ("widgets-id-as-list", lambda d: _widget_ids(d, lambda i: [i]), ("bad_value",)),
        ("payload-as-array", lambda d: [d], ("wrong_type",)),  # type: ignore[return-value, list-item]
    ],
    "sportybet": [
        ("odds-as-objects", lambda d: _set_all_prices("sportybet", d, lambda o: {"v": o}), ("wrong_type",)),
        ("odds-as-arrays", lambda d: _set_all_prices("sportybet", d, lambda o: [o]), ("wrong_type",)),
        ("odds-as-booleans", lambda d: _set_all_prices("sportybet", d, lambda o: True), ("wrong_type",)),
        ("odds-null", lambda d: _set_all_prices("sportybet", d, lambda o: None), ("missing_field",)),
        ("odds-words", lambda d: _set_all_prices("sportybet", d, lambda o: "two"), ("wrong_type",)),
        ("event-id-as-list", lambda d: _data(d, eventId=[d["data"]["eventId"]]), ("wrong_type",)),
        ("markets-as-string", lambda d: _data(d, markets="none"), ("wrong_type",)),
        ("outcomes-as-numbers", lambda d: _each(d["data"]["markets"], "outcomes", 5) or d, ("wrong_type",)),
        ("market-ids-as-lists", lambda d: _market_ids(d), ("wrong_type",)),
        ("data-as-array", lambda d: d | {"data": [d["data"]]}, ("wrong_type",)),
        ("start-as-string", lambda d: _data(d, estimateStartTime="1778075700000"), ("wrong_type",)),
        ("is-active-as-string", lambda d: _is_active_text(d), ("bad_value",)),
        ("biz-code-as-string", lambda d: d | {"bizCode": "10000"}, ("api_error",)),
    ],
    "bet9ja": [
        ("odds-as-arrays", lambda d: _set_all_prices("bet9ja", d, lambda o: [o]), ("wrong_type",)),
        ("odds-as-booleans", lambda d: _set_all_prices("bet9ja", d, lambda o: False), ("wrong_type",)),
        ("odds-words", lambda d: _set_all_prices("bet9ja", d, lambda o: "abc"), ("wrong_type",)),
        ("odds-v-words", lambda d: _set_all_prices("bet9ja", d, lambda o: {"v": "abc"}), ("wrong_type",)),
        ("odds-as-array", lambda d: _d(d, O=list(d["D"]["O"].items())), ("wrong_type",)),
        ("id-as-list", lambda d: _d(d, ID=[d["D"].get("ID")]), ("wrong_type",)),
        ("extid-as-list", lambda d: _extid(d, [68995116]), ("bad_value",)),
        ("startdate-as-number", lambda d: _d(d, STARTDATE=1_778_075_700), ("wrong_type",)),
        ("teams-as-object", lambda d: _d(d, DS={"home": "A", "away": "B"}), ("wrong_type",)),
        ("sport-as-number", lambda d: _d(d, S=1), ("wrong_type",)),
        ("d-as-string", lambda d: d | {"D": "{}"}, ("wrong_type",)),
    ],
}


def _each(items: list[Doc], key: str, value: Any) -> None:
    for item in items:
        item[key] = value


def _suspended_text(doc: Doc) -> Doc:
    for container, _ in _prices("betpawa", doc):
        container["suspended"] = "false"
    return doc


def _widget_ids(doc: Doc, value: Callable[[Any], Any]) -> Doc:
    doc["widgets"] = [{"id": value("68995116"), "type": "SPORTRADAR", "retention": "PREMATCH"}]
    return doc


def _data(doc: Doc, **fields: Any) -> Doc:
    doc["data"].update(fields)
    return doc


def _d(doc: Doc, **fields: Any) -> Doc:
    doc["D"].update(fields)
    return doc


def _extid(doc: Doc, value: Any) -> Doc:
    """``D.EXTID`` (and the live anchor's ``D.A.EXTID``, read first when present) set to ``value``."""
    doc["D"]["EXTID"] = value
    if isinstance(doc["D"].get("A"), dict):
        doc["D"]["A"]["EXTID"] = value
    return doc


def _market_ids(doc: Doc) -> Doc:
    for market in doc["data"]["markets"]:
        market["id"] = [market["id"]]
    return doc


def _is_active_text(doc: Doc) -> Doc:
    for market in doc["data"]["markets"]:
        for outcome in market["outcomes"]:
            outcome["isActive"] = "1"
    return doc


def wrong_type(ctx: _Ctx) -> Malformed:
    cap = ctx.template()
    variant, mutate, kinds = ctx.rng.choice(_WRONG_TYPES[cap.bookmaker])
    doc = mutate(_copy(cap.payload))
    return _item("wrong_type", f"{cap.bookmaker}:{variant}", cap, _envelope(cap, doc), "normalize", *kinds)


_NUMBER = re.compile(rb'(?<=":)-?[0-9][0-9.eE+-]*')


def _splice_number(ctx: _Ctx, cap: SimulatedCapture, literal: bytes) -> bytes:
    """The envelope of ``cap`` with one JSON number (chosen at random) replaced by ``literal``."""
    full = _envelope(cap, cap.payload)
    spots = list(_NUMBER.finditer(full))
    spot = ctx.rng.choice(spots)
    return full[: spot.start()] + literal + full[spot.end() :]


def huge_numbers(ctx: _Ctx) -> Malformed:
    cap = ctx.template()
    bm = cap.bookmaker
    doc = _copy(cap.payload)
    choice = ctx.rng.randrange(8)
    if choice == 0:
        return _item(
            "huge_numbers",
            "1e308-price",
            cap,
            _envelope(cap, _set_first_price(bm, doc, 1e308)),
            "normalize",
            "absurd_odds",
        )
    if choice == 1:
        value = _envelope(cap, _set_first_price(bm, doc, 123456789)).replace(b"123456789", b"1" + b"0" * 400)
        return _item("huge_numbers", "10**400-price", cap, value, "decode", "not_json")
    if choice == 2:
        return _item(
            "huge_numbers",
            "10**400-anywhere",
            cap,
            _splice_number(ctx, cap, b"9" * 400),
            "decode",
            "not_json",
        )
    if choice == 3:
        return _item(
            "huge_numbers", "1e309-anywhere", cap, _splice_number(ctx, cap, b"-1e309"), "decode", "not_json"
        )
    if choice == 4:
        value = _envelope(cap, _set_first_price(bm, doc, 123456789)).replace(
            b"123456789", b"18446744073709551616"
        )
        return _item("huge_numbers", "2**64-price", cap, value, "normalize", "absurd_odds")
    if choice == 5:  # a decimal string for SportyBet and Bet9ja, a number for BetPawa
        big: Any = 1e300 if bm == "betpawa" else "1e308"
        value = _envelope(cap, _set_first_price(bm, doc, big))
        return _item("huge_numbers", f"{big!r}-price", cap, value, "normalize", "absurd_odds")
    if choice == 6:  # an id beyond 64 bits: orjson reads it as a float
        if bm == "betpawa":
            doc["id"] = 123456789
        elif bm == "sportybet":
            doc["data"]["eventId"] = 123456789
        else:
            doc["D"]["ID"] = 123456789
        value = _envelope(cap, doc).replace(b":123456789", b":1" + b"0" * 30)
        return _item("huge_numbers", "1e30-event-id", cap, value, "normalize", "wrong_type")
    # a kickoff absurdly far ahead
    if bm == "sportybet":
        doc["data"]["estimateStartTime"] = 10**18
    elif bm == "betpawa":
        doc["startTime"] = "275760-09-13T00:00:00Z"
    else:
        doc["D"]["STARTDATE"] = "9999-12-31 23:59:59"
    return _item("huge_numbers", "kickoff-far-ahead", cap, _envelope(cap, doc), "normalize", "bad_value")


def nan_infinity(ctx: _Ctx) -> Malformed:
    cap = ctx.template()
    literal = ctx.rng.choice((b"NaN", b"Infinity", b"-Infinity", b"nan", b"inf"))
    if ctx.rng.random() < 0.6 or cap.bookmaker == "betpawa":
        value = _splice_number(ctx, cap, literal)
        return _item("nan_infinity", f"{literal.decode()}-literal", cap, value, "decode", "not_json")
    text = ctx.rng.choice(("NaN", "nan", "Infinity", "-Infinity", "inf", "-inf"))
    doc = _set_first_price(cap.bookmaker, _copy(cap.payload), text)
    return _item("nan_infinity", f"{text}-text-price", cap, _envelope(cap, doc), "normalize", "absurd_odds")


_ABSURD: dict[str, tuple[Any, ...]] = {
    "betpawa": (-1.5, 0, 0.0, -0.0, 1.0, 1, 0.99, 10000.01, 1e9, -1e9),
    "sportybet": ("-1.5", "0", "0.00", "1.00", "1", "0.99", "10000.01", "1e9", -2.0, 0),
    "bet9ja": ("0", "-2.5", "0.50", "0.99", "10001", "1e9", "-1", 0.5, -3, 10000.5),
}


def absurd_odds(ctx: _Ctx) -> Malformed:
    cap = ctx.template()
    bm = cap.bookmaker
    bad = ctx.rng.choice(_ABSURD[bm])
    doc = _copy(cap.payload)
    if ctx.rng.random() < 0.5:
        _set_first_price(bm, doc, bad)
        where = "first"
    else:
        # any outcome of the first (winner) market: prices of unmapped markets are never read
        slots = list(itertools.islice(_prices(bm, doc), 2))
        container, key = ctx.rng.choice(slots)
        if bm == "bet9ja" and isinstance(container[key], dict):
            container[key] = {"v": bad}
        else:
            container[key] = bad
        where = "one"
    return _item("absurd_odds", f"{bm}:{where}:{bad!r}", cap, _envelope(cap, doc), "normalize", "absurd_odds")


def bad_timestamp(ctx: _Ctx) -> Malformed:
    cap = ctx.template()
    head = _head(cap)
    options: list[tuple[str, Any, str, str]] = [
        ("1970-iso", "1970-01-01T00:00:00Z", "normalize", "bad_timestamp"),
        ("1970-ms", 0, "normalize", "bad_timestamp"),
        ("1969-ms", -1, "normalize", "bad_timestamp"),
        ("1970-seconds-as-ms", int(ctx.now.timestamp()), "normalize", "bad_timestamp"),
        ("2100-iso", "2100-01-01T00:00:00Z", "normalize", "bad_timestamp"),
        ("2100-ms", 4_102_444_800_000, "normalize", "bad_timestamp"),
        ("9999-iso", "9999-12-31T23:59:59.999Z", "normalize", "bad_timestamp"),
        ("31-days-ago", _iso(ctx.now - timedelta(days=31)), "normalize", "bad_timestamp"),
        ("1-hour-ahead", _iso(ctx.now + timedelta(hours=1)), "normalize", "bad_timestamp"),
        ("1-hour-ahead-local", _local(ctx.now + timedelta(hours=1)), "normalize", "bad_timestamp"),
        ("year-33658-ms", 10**15, "decode", "wrong_envelope"),
        ("int64-max-ms", 2**63 - 1, "decode", "wrong_envelope"),
        ("no-zone", ctx.now.replace(tzinfo=None).isoformat(), "decode", "wrong_envelope"),
        ("not-a-date", "yesterday", "decode", "wrong_envelope"),
        ("null", None, "decode", "wrong_envelope"),
    ]
    variant, at, stage, kind = ctx.rng.choice(options)
    head["captured_at"] = at
    return _item("bad_timestamp", variant, cap, orjson.dumps(head), stage, kind)


def _local(ts: datetime) -> str:
    """``ts`` written with a +02:00 offset (an ISO zone other than Z)."""
    return ts.astimezone(timezone(timedelta(hours=2))).isoformat()


def _iso(ts: datetime) -> str:
    return ts.astimezone(UTC).isoformat().replace("+00:00", "Z")


def wrong_envelope(ctx: _Ctx) -> Malformed:
    cap = ctx.template()
    head = _head(cap)
    body = orjson.dumps(head)
    choice = ctx.rng.randrange(22)

    def env(**fields: Any) -> Callable[[], bytes]:
        return lambda: orjson.dumps(head | fields)

    def without(name: str) -> Callable[[], bytes]:
        return lambda: orjson.dumps({k: v for k, v in head.items() if k != name})

    variants: list[tuple[str, Callable[[], bytes], str, str]] = [
        ("schema-v2", env(schema="odds.raw.v2"), "decode", "wrong_envelope"),
        ("schema-null", env(schema=None), "decode", "wrong_envelope"),
        ("no-payload", without("payload"), "decode", "wrong_envelope"),
        ("Payload", lambda: orjson.dumps(_rename(head, "payload", "Payload")), "decode", "wrong_envelope"),
        ("extra-field", env(meta={"retry": 1}), "decode", "wrong_envelope"),
        ("no-bookmaker", without("bookmaker"), "decode", "wrong_envelope"),
        ("bookmaker-caps", env(bookmaker=cap.bookmaker.upper()), "decode", "wrong_envelope"),
        ("bookmaker-number", env(bookmaker=7), "decode", "wrong_envelope"),
        ("no-captured-at", without("captured_at"), "decode", "wrong_envelope"),
        ("source-empty", env(source=""), "decode", "wrong_envelope"),
        ("source-201", env(source="s" * 201), "decode", "wrong_envelope"),
        ("event-id-201", env(bookmaker_event_id="e" * 201), "decode", "wrong_envelope"),
        ("event-id-int", env(bookmaker_event_id=31357750), "decode", "wrong_envelope"),
        ("sr-id-zero", env(sportradar_id=0), "decode", "wrong_envelope"),
        ("sr-id-text", env(sportradar_id="sr:match:1"), "decode", "wrong_envelope"),
        ("sr-id-1e30", env(sportradar_id=1e30), "decode", "wrong_envelope"),
        ("envelope-array", lambda: orjson.dumps([head]), "decode", "wrong_envelope"),
        ("envelope-string", lambda: orjson.dumps(body.decode()), "decode", "wrong_envelope"),
        ("bom", lambda: b"\xef\xbb\xbf" + body, "decode", "not_json"),
        ("utf-16", lambda: body.decode().encode("utf-16"), "decode", "not_json"),
        ("invalid-utf8", lambda: body.replace(SOURCE.encode(), b"\xff\xfe\xfd", 1), "decode", "not_json"),
        ("other-bookmaker", lambda: _other_bookmaker(ctx, cap), "decode", "bookmaker_mismatch"),
    ]
    variant, build, stage, kind = variants[choice]
    return _item("wrong_envelope", variant, cap, build(), stage, kind)


def _rename(head: Doc, old: str, new: str) -> Doc:
    return {new if k == old else k: v for k, v in head.items()}


def _other_bookmaker(ctx: _Ctx, cap: SimulatedCapture) -> bytes:
    """A valid envelope of another bookmaker (published to ``cap``'s topic by the caller)."""
    other = ctx.template(ctx.rng.choice([b for b in ctx.by_bookmaker if b != cap.bookmaker]))
    return _envelope(other, other.payload)


def empty(ctx: _Ctx) -> Malformed:
    cap = ctx.template()
    head = _head(cap)
    payload_kinds = {
        "betpawa": {"{}": "missing_field", "null": "missing_field", "[]": "wrong_type", '""': "wrong_type"},
        "sportybet": {"{}": "api_error", "null": "missing_field", "[]": "wrong_type", '""': "wrong_type"},
        "bet9ja": {"{}": "api_error", "null": "missing_field", "[]": "wrong_type", '""': "wrong_type"},
    }[cap.bookmaker]
    options: list[tuple[str, bytes | None, str, str]] = [
        ("tombstone", None, "decode", "empty"),
        ("zero-bytes", b"", "decode", "not_json"),
        ("whitespace", b" \n\t ", "decode", "not_json"),
        ("empty-object", b"{}", "decode", "wrong_envelope"),
        ("null", b"null", "decode", "wrong_envelope"),
        ("empty-array", b"[]", "decode", "wrong_envelope"),
        ("empty-string", b'""', "decode", "wrong_envelope"),
        ("zero", b"0", "decode", "wrong_envelope"),
    ]
    for text, kind in payload_kinds.items():
        options.append(
            (f"payload-{text}", orjson.dumps(head | {"payload": orjson.loads(text)}), "normalize", kind)
        )
    variant, value, stage, kind = ctx.rng.choice(options)
    return _item("empty", variant, cap, value, stage, kind)


def bad_payload(ctx: _Ctx) -> Malformed:
    cap = ctx.template()
    bm = cap.bookmaker
    doc = _copy(cap.payload)
    choice = ctx.rng.randrange(4)
    if choice == 0:  # the scraper JSON-encoded the response twice
        twice = orjson.dumps(orjson.dumps(doc).decode())
        return _item("bad_payload", "double-encoded", cap, _envelope(cap, twice), "normalize", "wrong_type")
    if choice == 1:
        if bm == "sportybet":
            doc = {"bizCode": 19000, "message": "Event not found", "data": None}
        elif bm == "bet9ja":
            doc = {"R": "KO", "D": None, "E": "EVENT_NOT_FOUND"}
        else:
            doc["category"] = {"id": "99", "name": "Darts"}
            return _item(
                "bad_payload", "betpawa:darts", cap, _envelope(cap, doc), "normalize", "unsupported_sport"
            )
        return _item("bad_payload", f"{bm}:api-error", cap, _envelope(cap, doc), "normalize", "api_error")
    if choice == 2:  # a unit mistake: seconds where milliseconds are expected, or a bad date
        if bm == "sportybet":
            doc["data"]["estimateStartTime"] //= 1000
        elif bm == "betpawa":
            doc["startTime"] = "2026-13-45T25:61:00Z"
        else:
            doc["D"]["STARTDATE"] = "06/05/2026 11:00"
        return _item("bad_payload", f"{bm}:kickoff", cap, _envelope(cap, doc), "normalize", "bad_value")
    if bm == "betpawa":
        doc["participants"] = []
        doc["name"] = "Home v Away"
    elif bm == "bet9ja":
        doc["D"]["DS"] = "Home vs Away"
    else:
        doc["data"]["homeTeamName"] = "   "
    return _item("bad_payload", f"{bm}:teams", cap, _envelope(cap, doc), "normalize", "bad_value")


def unknown_bookmaker(ctx: _Ctx) -> Malformed:
    cap = ctx.template()
    value = _envelope(cap, cap.payload, bookmaker=UNKNOWN_BOOKMAKER)
    return _item(
        "unknown_bookmaker",
        "pinnacle-topic",
        cap,
        value,
        "normalize",
        "unknown_bookmaker",
        bookmaker=UNKNOWN_BOOKMAKER,
    )


# -- sink-stage classes: fresh events, valid captures the database refuses ---------------------


def fresh_capture(ctx: _Ctx, cap: SimulatedCapture) -> tuple[SimulatedCapture, Doc]:
    """``cap`` re-identified as an event nobody else publishes (own bookmaker and Sportradar ids)."""
    n = ctx.next_fresh()
    doc = _copy(cap.payload)
    bm = cap.bookmaker
    if bm == "betpawa":
        doc["id"] = str(n)
        doc["widgets"] = [{"id": str(n), "type": "SPORTRADAR", "retention": "PREMATCH"}]
        event_id = str(n)
    elif bm == "sportybet":
        event_id = doc["data"]["eventId"] = f"sr:match:{n}"
    else:
        doc["D"]["ID"] = n
        doc["D"]["EXTID"] = str(n)
        doc["D"].get("A", {}).pop("EXTID", None)
        doc["D"].get("A", {}).pop("BRMATCHID", None)
        event_id = str(n)
    return replace(cap, bookmaker_event_id=event_id, sportradar_id=n, payload=doc), doc


def retention(ctx: _Ctx) -> Malformed:
    cap, doc = fresh_capture(ctx, ctx.template())
    days = ctx.rng.uniform(ctx.sink_retention_days + 5, 25)
    at = ctx.now - timedelta(days=days)
    # an unknown event's capture more than idle + grace hours behind stream time is late
    # (streams/stages/match/lifecycle.py): the match stage dead-letters it before the sink
    return _item(
        "retention", f"{days:.0f}-days-ago", cap, _envelope(cap, doc, captured_at=at), "match", "late"
    )


def nul_text(ctx: _Ctx) -> Malformed:
    cap, doc = fresh_capture(ctx, ctx.template())
    bm = cap.bookmaker
    if bm == "betpawa":
        for participant in doc.get("participants") or []:
            participant["name"] += "\x00"
        doc["name"] = doc["name"].replace(" - ", "\x00 - ")
    elif bm == "sportybet":
        doc["data"]["homeTeamName"] += "\x00"
    else:
        doc["D"]["DS"] = doc["D"]["DS"].replace(" - ", "\x00 - ")
    return _item("nul_text", f"{bm}:home-name", cap, _envelope(cap, doc), "normalize", "bad_value")


def long_text(ctx: _Ctx) -> Malformed:
    """3,000 random characters where Postgres keeps a unique B-tree index (max ~2,700 bytes)."""
    alphabet = string.ascii_letters + string.digits
    text = "".join(ctx.rng.choice(alphabet) for _ in range(3000))
    cap, doc = fresh_capture(ctx, ctx.template())
    bm = cap.bookmaker
    if ctx.rng.random() < 0.5:
        # the tournament name: part of the unique (sport, category, name) of ``tournaments``
        if bm == "betpawa":
            doc["competition"] = {"id": "1", "name": text}
        elif bm == "sportybet":
            doc["data"]["sport"]["category"]["tournament"] = {"id": "sr:tournament:1", "name": text}
        else:
            doc["D"]["GN"] = text
        return _item("long_text", f"{bm}:tournament-3000", cap, _envelope(cap, doc), "sink", "invalid_value")
    # the bookmaker's event id: part of the unique (bookmaker, bookmaker_event_id) of listings.
    # The envelope's optional hint is limited to 200 characters, so the scraper leaves it out.
    if bm == "betpawa":
        doc["id"] = text
    elif bm == "sportybet":
        doc["data"]["eventId"] = text
    else:
        doc["D"]["ID"] = text
    value = encode_raw(bookmaker=bm, payload=orjson.dumps(doc), captured_at=cap.captured_at, source=SOURCE)
    if bm == "sportybet":  # SportyBet's event id is its Sportradar URN: one that does not parse
        return Malformed(
            "long_text",
            f"{bm}:event-id-3000",
            bm,
            raw_key(bm, text),
            value,
            "normalize",
            frozenset({"bad_value"}),
        )
    return Malformed(
        "long_text", f"{bm}:event-id-3000", bm, raw_key(bm, text), value, "sink", frozenset({"invalid_value"})
    )


def oversize(cap: SimulatedCapture, size: int) -> Malformed:
    """A real payload padded with copies of its own markets to at least ``size`` bytes.

    A scraper that builds its own producer (kcat, librdkafka, aiokafka) and compresses
    sends it: zstd shrinks the repeated markets far below the raw topic's
    ``max.message.bytes``, which a broker checks on the *compressed* batch. The
    :class:`~streams.kafka.producer.OddsProducer` refuses the same envelope before sending.
    """
    doc = _copy(cap.payload)
    bm = cap.bookmaker
    holder, key = (
        (doc, "markets")
        if bm == "betpawa"
        else (doc["data"], "markets")
        if bm == "sportybet"
        else (doc["D"], "O")
    )
    base = holder[key]
    holder[key] = type(base)()
    rest = len(_envelope(cap, doc))
    if isinstance(base, dict):  # Bet9ja's odds object: copies get keys made unique ("S_1X2_1#00001")
        unit = len(orjson.dumps({f"{k}#00000": v for k, v in base.items()}))
        copies = -(-(size - rest) // unit)  # ceil: at least ``size``, at most one copy more
        holder[key] = {f"{k}#{i:05d}" if i else k: v for i in range(copies) for k, v in base.items()}
    else:
        copies = -(-(size - rest) // len(orjson.dumps(base)))
        holder[key] = [m for _ in range(copies) for m in base]
    value = _envelope(cap, doc)
    return _item("oversize", f"{bm}:{len(value) / MiB:.1f}MiB", cap, value, "decode", "oversize")


Generator = Callable[[_Ctx], Malformed]

#: class generator → weight (share of ``n``); every class gets at least one item
WEIGHTS: dict[str, tuple[Generator, float]] = {
    "random_bytes": (random_bytes, 10),
    "truncated_json": (truncated_json, 12),
    "wrong_type": (wrong_type, 16),
    "huge_numbers": (huge_numbers, 8),
    "nan_infinity": (nan_infinity, 6),
    "absurd_odds": (absurd_odds, 10),
    "bad_timestamp": (bad_timestamp, 9),
    "wrong_envelope": (wrong_envelope, 11),
    "empty": (empty, 6),
    "bad_payload": (bad_payload, 5),
    "unknown_bookmaker": (unknown_bookmaker, 3),
    "retention": (retention, 1.5),
    "nul_text": (nul_text, 1),
    "long_text": (long_text, 0.5),
}


def counts(n: int, classes: Sequence[str]) -> dict[str, int]:
    """How many items of each class make ``n`` (proportional to the weights, at least one each)."""
    total = sum(WEIGHTS[c][1] for c in classes)
    out = {c: max(1, int(n * WEIGHTS[c][1] / total)) for c in classes}
    largest = max(classes, key=lambda c: WEIGHTS[c][1])
    out[largest] += max(0, n - sum(out.values()))
    return out


def generate(
    n: int,
    *,
    seed: int,
    templates: Sequence[SimulatedCapture],
    now: datetime,
    sink_retention_days: int = 3,
    classes: Sequence[str] | None = None,
    oversize_sizes: Sequence[int] = (),
) -> list[Malformed]:
    """``n`` malformed items (plus one per ``oversize_sizes``), in a seeded random order."""
    rng = random.Random(seed)
    ctx = _Ctx(rng, templates, now, sink_retention_days)
    for cap in templates:
        ctx.by_bookmaker.setdefault(cap.bookmaker, []).append(cap)
    chosen = list(WEIGHTS) if classes is None else list(classes)
    items = [WEIGHTS[c][0](ctx) for c, k in counts(n, chosen).items() for _ in range(k)]
    items += [oversize(ctx.template(), size) for size in oversize_sizes]
    rng.shuffle(items)
    return items
