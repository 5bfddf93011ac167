"""Raw captures read back from files or from a range of raw topics, for offline tools.

Files (the inputs ``oddsflow produce`` accepts, :func:`iter_inputs`): a
``.json`` file, ``.ndjson``/``.jsonl`` lines, a directory of them, or stdin. A document
that is an ``odds.raw.v1`` envelope (``"schema": "odds.raw.v1"``) is read as one, with its
own bookmaker and capture time; any other document is a bare bookmaker response of
``bookmaker`` captured at ``captured_at``.

Topics: ``[start, end)`` of each partition in scope, read with a group-less consumer
(:class:`~streams.replay.log_offsets.LogOffsets`, nothing committed). ``start`` is the log start,
``from_offset`` (clamped to the log), or the first record at/after ``since``; ``end`` is the
log end when the range is planned, or the first record at/after ``until``. Records go
through :func:`~streams.contracts.raw.decode_raw` and must name their topic's bookmaker,
as in the normalize stage.

Input that cannot be read is yielded as :class:`Refused` (with the :class:`DataError`),
never raised: an offline report counts it. :class:`TopicReader` hands a topic range to
synchronous code one record at a time (a private event loop, run while a record is pulled),
so an analysis written as a plain function over an iterable streams a range of any size.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncGenerator, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from types import TracebackType

import orjson

from streams.contracts.raw import SCHEMA as RAW_SCHEMA
from streams.contracts.raw import decode_raw
from streams.errors import DataError
from streams.replay.log_offsets import LogOffsets
from streams.replay.plan import TP, select
from streams.settings import Settings
from streams.stages.normalize.logic import topic_bookmaker

NDJSON_SUFFIXES = (".ndjson", ".jsonl")


def iter_inputs(paths: tuple[str, ...]) -> Iterator[tuple[str, bytes]]:
    """(origin, document bytes) for every input document, in order."""
    if not paths:
        paths = ("-",)
    for raw_path in paths:
        if raw_path == "-":
            for n, line in enumerate(sys.stdin.buffer, 1):
                if line.strip():
                    yield f"stdin:{n}", line
            continue
        path = Path(raw_path)
        files = (
            sorted(p for p in path.iterdir() if p.suffix in (".json", *NDJSON_SUFFIXES))
            if path.is_dir()
            else [path]
        )
        for file in files:
            if file.suffix in NDJSON_SUFFIXES:
                with file.open("rb") as fh:
                    for n, line in enumerate(fh, 1):
                        if line.strip():
                            yield f"{file}:{n}", line
            else:
                yield str(file), file.read_bytes()


@dataclass(frozen=True, slots=True)
class RawCapture:
    """One bookmaker response and where it came from (``file:line`` or ``topic:partition:offset``)."""

    origin: str
    bookmaker: str
    captured_at: datetime
    payload: object


@dataclass(frozen=True, slots=True)
class Refused:
    """An input that is no capture, and why."""

    origin: str
    error: DataError


Read = RawCapture | Refused


def from_files(
    paths: tuple[str, ...], *, bookmaker: str | None, captured_at: datetime, max_bytes: int
) -> Iterator[Read]:
    """Every document of ``paths`` (stdin without paths); see the module docstring."""
    for origin, doc in iter_inputs(paths):
        try:
            parsed = orjson.loads(doc)
        except orjson.JSONDecodeError as exc:
            yield Refused(origin, DataError("decode", "not_json", f"not JSON: {exc}"))
            continue
        if isinstance(parsed, dict) and parsed.get("schema") == RAW_SCHEMA:
            try:
                env = decode_raw(doc, max_bytes)
            except DataError as exc:
                yield Refused(origin, exc)
                continue
            yield RawCapture(origin, env.bookmaker, env.captured_at, env.payload)
        elif bookmaker is None:
            why = "a bare bookmaker response: give its bookmaker (--bookmaker), or send envelopes"
            yield Refused(origin, DataError("decode", "no_bookmaker", why))
        else:
            yield RawCapture(origin, bookmaker, captured_at, parsed)


async def plan_range(
    log: LogOffsets,
    scope: dict[str, frozenset[int] | None],
    *,
    from_offset: int | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> dict[TP, tuple[int, int]]:
    """``[start, end)`` per partition in ``scope`` (module docstring); raises ``ReplayError``
    for a topic or partition that does not exist."""
    tps = select(await log.topics(), scope)
    earliest, latest = await log.bounds(tps)
    out: dict[TP, tuple[int, int]] = {}
    for tp in tps:
        low, high = earliest[tp], latest[tp]
        start, end = low, high
        if from_offset is not None:
            start = min(max(from_offset, low), high)
        if since is not None:
            found = await log.offset_for_time(tp, _ms(since), low, high)
            start = high if found is None else found.offset
        if until is not None:
            found = await log.offset_for_time(tp, _ms(until), low, high)
            end = high if found is None else found.offset
        out[tp] = (start, max(start, end))
    return out


async def from_topics(
    settings: Settings, log: LogOffsets, ranges: dict[TP, tuple[int, int]]
) -> AsyncGenerator[Read, None]:
    """Every record of ``ranges`` as a raw capture (in offset order within each partition)."""
    prefix, max_bytes = settings.topics.raw_prefix, settings.kafka.max_message_bytes
    async for record in log.read(ranges):
        origin = f"{record.topic}:{record.partition}:{record.offset}"
        try:
            env = decode_raw(record.value, max_bytes)
        except DataError as exc:
            yield Refused(origin, exc)
            continue
        expected = topic_bookmaker(record.topic, prefix)
        if env.bookmaker != expected:
            why = f"envelope says bookmaker {env.bookmaker!r} but it was published to {record.topic!r}"
            yield Refused(origin, DataError("decode", "bookmaker_mismatch", why))
            continue
        yield RawCapture(origin, env.bookmaker, env.captured_at, env.payload)


def _ms(when: datetime) -> int:
    return int(when.timestamp() * 1000)


class TopicReader:
    """A range of raw topics as a blocking iterator; ``with`` it (module docstring).

    Between two records the event loop does not run: the reader has no group and no
    heartbeat, so a slow consumer of :meth:`reads` only delays its own fetches.
    """

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._loop = asyncio.new_event_loop()
        self._log = LogOffsets(settings.kafka)

    def __enter__(self) -> TopicReader:
        try:
            self._loop.run_until_complete(self._log.__aenter__())
        except BaseException:
            self._loop.close()
            raise
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        try:
            self._loop.run_until_complete(self._log.__aexit__(exc_type, exc, tb))
        finally:
            self._loop.close()

    def plan(
        self,
        scope: dict[str, frozenset[int] | None],
        *,
        from_offset: int | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
    ) -> dict[TP, tuple[int, int]]:
        """:func:`plan_range` on this reader's log."""
        planned = plan_range(self._log, scope, from_offset=from_offset, since=since, until=until)
        return self._loop.run_until_complete(planned)

    def reads(self, ranges: dict[TP, tuple[int, int]]) -> Iterator[Read]:
        """:func:`from_topics` over ``ranges``, one record per step."""
        records = from_topics(self.settings, self._log, ranges)
        try:
            while True:
                try:
                    yield self._loop.run_until_complete(anext(records))
                except StopAsyncIteration:
                    return
        finally:
            self._loop.run_until_complete(records.aclose())
