"""Offset planning for ``oddsflow replay``: pure functions, no Kafka, no database.

Semantics follow ``kafka-consumer-groups --reset-offsets``:

* ``--to-earliest`` / ``--to-latest``: the log start / the log end (high watermark);
* ``--to-offset N``: ``N`` on every partition in scope;
* ``--shift-by ±N``: the committed offset moved by ``N`` (a partition without a committed
  offset is refused, as Kafka does: there is nothing to shift);
* ``--to-datetime T`` / ``--by-duration D`` (``T = now - D``): the first offset whose record
  timestamp is ``>= T``, found by :mod:`streams.replay.log_offsets` and passed in as ``times``.
  ``T`` in the future is refused, and so is a non-empty partition with no record at or
  after ``T`` (never "fall back" to 0 or to the end silently); ``missing_to_latest=True``
  (``--missing-to-latest``) sends those to their log end instead, as Kafka's tool does. An
  empty partition has only one offset: it goes there, with a note.

Every target is clamped to ``[earliest, latest]`` like Kafka does; :func:`notes` says where.
Offsets are "next offset to read" (what a consumer group commits and ``sink_offsets``
stores). ``None`` as a current offset means "nothing committed".
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import NamedTuple


class ReplayError(Exception):
    """A replay that must not run; the message says why and what to do instead."""


class TP(NamedTuple):
    """A topic partition (equal to, and hashing like, aiokafka's ``TopicPartition``)."""

    topic: str
    partition: int


class Move(NamedTuple):
    """One partition's offsets before and after the replay (``before`` None: nothing committed)."""

    before: int | None
    after: int


@dataclass(frozen=True, slots=True)
class ToEarliest:
    def describe(self) -> str:
        return "to earliest"


@dataclass(frozen=True, slots=True)
class ToLatest:
    def describe(self) -> str:
        return "to latest"


@dataclass(frozen=True, slots=True)
class ToOffset:
    offset: int

    def describe(self) -> str:
        return f"to offset {self.offset}"


@dataclass(frozen=True, slots=True)
class ShiftBy:
    delta: int

    def describe(self) -> str:
        return f"shift by {self.delta:+d}"


@dataclass(frozen=True, slots=True)
class ToDatetime:
    when: datetime  # aware, UTC

    def describe(self) -> str:
        return f"to datetime {iso(self.when)}"


@dataclass(frozen=True, slots=True)
class ByDuration:
    duration: timedelta

    def describe(self) -> str:
        return f"by duration {self.duration} (now - duration)"


Spec = ToEarliest | ToLatest | ToOffset | ShiftBy | ToDatetime | ByDuration
TimeSpec = ToDatetime | ByDuration


def iso(ts: datetime) -> str:
    """``2026-11-21T18:00:00.123Z``."""
    return ts.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def parse_datetime(text: str) -> datetime:
    """ISO-8601 date or date-time; no zone means UTC. Raises :class:`ReplayError`."""
    try:
        ts = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ReplayError(
            f"--to-datetime {text!r}: not an ISO-8601 date-time (e.g. 2026-11-21T18:00:00, "
            "2026-11-21T18:00:00+01:00 or 2026-11-21)"
        ) from None
    return (ts.replace(tzinfo=UTC) if ts.tzinfo is None else ts).astimezone(UTC)


_DURATION = re.compile(
    r"^P(?:(?P<w>\d+)W)?(?:(?P<d>\d+)D)?"
    r"(?:T(?:(?P<h>\d+)H)?(?:(?P<m>\d+)M)?(?:(?P<s>\d+(?:[.,]\d+)?)S)?)?$"
)


def parse_duration(text: str) -> timedelta:
    """ISO-8601 duration of fixed length: ``PT6H``, ``P1D``, ``P1DT12H``, ``PT90M``, ``PT1.5S``, ``P2W``.

    Like Java's ``Duration.parse`` (which ``kafka-consumer-groups --by-duration`` uses), years
    and months are refused: they have no fixed length. The duration must be positive.
    """
    raw = text.strip().upper()
    match = _DURATION.match(raw)
    if match is None or raw in ("P", "PT") or raw.endswith("T"):
        hint = " (years and months have no fixed length: use days, e.g. P30D)" if "Y" in raw else ""
        if re.match(r"^P(?:\d+Y)?\d+M", raw):
            hint = " (months have no fixed length: use days, e.g. P30D; minutes are PT30M)"
        raise ReplayError(f"--by-duration {text!r}: not an ISO-8601 duration like PT6H or P1D{hint}")
    parts = {k: float((v or "0").replace(",", ".")) for k, v in match.groupdict().items()}
    duration = timedelta(
        weeks=parts["w"], days=parts["d"], hours=parts["h"], minutes=parts["m"], seconds=parts["s"]
    )
    if duration <= timedelta(0):
        raise ReplayError(f"--by-duration {text!r}: must be longer than zero")
    return duration


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def target_time(spec: TimeSpec, now: datetime) -> datetime:
    """The time a time spec asks for; a time after ``now`` is refused (Kafka has nothing there)."""
    when = spec.when if isinstance(spec, ToDatetime) else now - spec.duration
    if when > now:
        raise ReplayError(
            f"{iso(when)} is in the future (now is {iso(now)}): there is no offset for it yet; "
            "use --to-latest to skip everything until now"
        )
    return when


def epoch_ms_at_or_after(when: datetime) -> int:
    """The first whole epoch millisecond not before ``when`` (record timestamps are whole ms).

    A record stamped in the millisecond that contains ``when`` but before it is *before*
    ``when``: rounding down would replay it. Integer arithmetic, no float on the way.
    """
    micros = (when - _EPOCH) // timedelta(microseconds=1)
    return -(-micros // 1000)


def parse_scope(values: tuple[str, ...] | list[str]) -> dict[str, frozenset[int] | None]:
    """``--topic T`` / ``--topic T:0,2`` (repeatable) → ``{topic: partitions or None = all}``."""
    scope: dict[str, frozenset[int] | None] = {}
    for value in values:
        topic, sep, parts = value.partition(":")
        if not topic or (sep and not parts):
            raise ReplayError(f"--topic {value!r}: expected TOPIC or TOPIC:P[,P...]")
        chosen: frozenset[int] | None = None
        if sep:
            try:
                chosen = frozenset(int(p) for p in parts.split(","))
            except ValueError:
                raise ReplayError(
                    f"--topic {value!r}: partitions must be integers, e.g. {topic}:0,2"
                ) from None
            if any(p < 0 for p in chosen):
                raise ReplayError(f"--topic {value!r}: partitions are >= 0")
        if topic in scope:
            before = scope[topic]
            chosen = None if before is None or chosen is None else before | chosen
        scope[topic] = chosen
    return scope


def select(partitions: Mapping[str, list[int]], scope: Mapping[str, frozenset[int] | None]) -> list[TP]:
    """The partitions in ``scope`` (all of ``partitions`` when the scope is empty), checked to exist."""
    topics = scope or dict.fromkeys(partitions)
    chosen: list[TP] = []
    for topic, wanted in topics.items():
        if topic not in partitions:
            raise ReplayError(f"topic {topic!r} does not exist on the broker")
        have = set(partitions[topic])
        missing = sorted((wanted or set()) - have)
        if missing:
            raise ReplayError(f"topic {topic!r} has no partition {missing} (it has {len(have)} partitions)")
        chosen.extend(TP(topic, p) for p in sorted(have if wanted is None else wanted))
    return chosen


def _raw_target(
    tp: TP,
    spec: Spec,
    current: Mapping[TP, int | None],
    earliest: Mapping[TP, int],
    latest: Mapping[TP, int],
    times: Mapping[TP, int | None] | None,
) -> int:
    if isinstance(spec, ToEarliest):
        return earliest[tp]
    if isinstance(spec, ToLatest):
        return latest[tp]
    if isinstance(spec, ToOffset):
        return spec.offset
    if isinstance(spec, ShiftBy):
        before = current.get(tp)
        assert before is not None  # checked by plan()
        return before + spec.delta
    assert times is not None  # checked by plan()
    found = times.get(tp)
    return latest[tp] if found is None else found  # None: empty, or allowed by missing_to_latest


def plan(
    current: Mapping[TP, int | None],
    earliest: Mapping[TP, int],
    latest: Mapping[TP, int],
    spec: Spec,
    times: Mapping[TP, int | None] | None = None,
    *,
    missing_to_latest: bool = False,
) -> dict[TP, Move]:
    """``{tp: Move(before, after)}`` for every partition of ``earliest`` (the scope).

    ``times`` (time specs only): the first offset at or after the asked time per partition,
    ``None`` where the partition has no such record. Raises :class:`ReplayError` for a
    shift of a partition with nothing committed and for a non-empty partition without an
    offset for the asked time (unless ``missing_to_latest``); never falls back to 0.
    """
    tps = sorted(earliest)
    if isinstance(spec, ShiftBy):
        empty = [tp for tp in tps if current.get(tp) is None]
        if empty:
            raise ReplayError(
                f"cannot shift {_names(empty)}: nothing committed there (use --to-offset or --to-earliest)"
            )
    if isinstance(spec, ToDatetime | ByDuration):
        if times is None:
            raise ValueError("a time spec needs the offsets found for the time (times=)")
        missing = [tp for tp in tps if times.get(tp) is None and earliest[tp] < latest[tp]]
        if missing and not missing_to_latest:
            raise ReplayError(
                f"no offset for the time asked in {_names(missing)}: no record there has a timestamp "
                "at or after it (all older). Refusing rather than guessing: narrow --topic, or add "
                "--missing-to-latest to move those partitions to their end (nothing to re-read)"
            )
    moves: dict[TP, Move] = {}
    for tp in tps:
        lo, hi = earliest[tp], latest[tp]
        target = _raw_target(tp, spec, current, earliest, latest, times)
        moves[tp] = Move(current.get(tp), min(max(target, lo), hi))
    return moves


def notes(
    current: Mapping[TP, int | None],
    earliest: Mapping[TP, int],
    latest: Mapping[TP, int],
    spec: Spec,
    times: Mapping[TP, int | None] | None = None,
) -> dict[TP, str]:
    """Why a partition's target is not what was literally asked (clamping), for the dry-run table."""
    out: dict[TP, str] = {}
    for tp in sorted(earliest):
        if isinstance(spec, ShiftBy) and current.get(tp) is None:
            continue
        if isinstance(spec, ToDatetime | ByDuration) and (times is None or times.get(tp) is None):
            empty = earliest[tp] == latest[tp]
            out[tp] = "empty partition" if empty else "no record at or after the time: to latest"
            continue
        target = _raw_target(tp, spec, current, earliest, latest, times)
        if target < earliest[tp]:
            out[tp] = f"clamped up from {target} to earliest"
        elif target > latest[tp]:
            out[tp] = f"clamped down from {target} to latest"
    return out


def _names(tps: list[TP], limit: int = 8) -> str:
    shown = ", ".join(f"{tp.topic}:{tp.partition}" for tp in tps[:limit])
    return shown + (f" and {len(tps) - limit} more" if len(tps) > limit else "")
