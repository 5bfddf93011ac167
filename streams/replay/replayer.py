"""``Replayer``: the one entry object of ``oddsflow replay`` (plan, show, apply).

    async with Replayer(settings, load_target("group", settings, None)) as replayer:
        planned = await replayer.prepare(scope, spec)     # reads only; refuses if live
        console.print(render(planned))
        await replayer.execute(planned)                   # only with --execute

:meth:`Replayer.prepare` reads the target's offsets and the log (never writes), refuses a
target with live members, a time in the future and partitions without an offset for the
time (:class:`~streams.replay.plan.ReplayError`), and returns a :class:`Planned` — exactly
what :meth:`Replayer.execute` stores, so the dry run shows what ``--execute`` does.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import TracebackType

from rich.markup import escape
from rich.table import Table

from streams.replay.log_offsets import Located, LogOffsets
from streams.replay.plan import (
    TP,
    ByDuration,
    Move,
    ReplayError,
    Spec,
    ToDatetime,
    epoch_ms_at_or_after,
    iso,
    notes,
    plan,
    select,
    target_time,
)
from streams.replay.target import ReplayTarget
from streams.settings import Settings


@dataclass(frozen=True, slots=True)
class Planned:
    """A computed replay: what will be stored, and everything the table shows."""

    label: str
    spec: Spec
    when: datetime | None
    moves: dict[TP, Move]
    earliest: dict[TP, int]
    latest: dict[TP, int]
    notes: dict[TP, str] = field(default_factory=dict)

    @property
    def changed(self) -> int:
        return sum(1 for m in self.moves.values() if m.before != m.after)

    def commit_note(self) -> str:
        return f"oddsflow replay {self.spec.describe()} at {iso(datetime.now(UTC))}"


class Replayer:
    """Plans and applies one replay of one target; ``async with`` opens the clients."""

    def __init__(
        self,
        settings: Settings,
        target: ReplayTarget,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.settings = settings
        self.target = target
        self.clock = clock
        self.log = LogOffsets(settings.kafka)

    async def __aenter__(self) -> Replayer:
        await self.log.__aenter__()
        try:
            await self.target.__aenter__()
        except BaseException:
            await self.log.__aexit__(None, None, None)
            raise
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        try:
            await self.target.__aexit__(exc_type, exc, tb)
        finally:
            await self.log.__aexit__(exc_type, exc, tb)

    async def prepare(
        self, scope: Mapping[str, frozenset[int] | None], spec: Spec, *, missing_to_latest: bool = False
    ) -> Planned:
        """Read offsets and the log and compute the moves; writes nothing (see module doc)."""
        when = target_time(spec, self.clock()) if isinstance(spec, ToDatetime | ByDuration) else None
        await self.target.ensure_free()
        available = await self.log.topics()
        if not scope:
            topics = await self.target.topics(available)
            if not topics:
                raise ReplayError(
                    f"{self.target.label} has no offsets on any topic: name the topics with --topic"
                )
            scope = dict.fromkeys(topics)
        tps = select(available, scope)
        current = await self.target.current(tps)
        earliest, latest = await self.log.bounds(tps)
        times: dict[TP, int | None] | None = None
        found: dict[TP, Located] = {}
        if when is not None:
            when_ms = epoch_ms_at_or_after(when)
            times = {}
            for tp in tps:
                located = await self.log.offset_for_time(tp, when_ms, earliest[tp], latest[tp])
                times[tp] = None if located is None else located.offset
                if located is not None:
                    found[tp] = located
        moves = plan(current, earliest, latest, spec, times, missing_to_latest=missing_to_latest)
        why = notes(current, earliest, latest, spec, times)
        for tp, located in found.items():
            record_at = datetime.fromtimestamp(located.timestamp_ms / 1000, UTC)
            text = f"record {located.offset} at {iso(record_at)}"
            if located.offset == earliest[tp] and earliest[tp] > 0 and when is not None and record_at > when:
                text += "; older records were deleted (retention): starts at the oldest kept"
            why[tp] = "; ".join(filter(None, (why.get(tp), text)))
        return Planned(self.target.label, spec, when, moves, earliest, latest, why)

    async def execute(self, planned: Planned) -> None:
        """Store ``planned.moves`` in the target (which re-checks liveness and the before offsets)."""
        await self.target.apply(planned.moves, planned.commit_note())


def render(planned: Planned, *, execute: bool) -> Table:
    """The before → after table (lag = latest - offset)."""
    mode = "applied" if execute else "dry run"
    when = f" → {iso(planned.when)}" if isinstance(planned.spec, ByDuration) and planned.when else ""
    table = Table(title=escape(f"replay {planned.label}: {planned.spec.describe()}{when} [{mode}]"))
    columns = ("topic", "partition", "earliest", "latest", "before", "after", "change", "lag after", "note")
    for name in columns:
        table.add_column(name, justify="left" if name in ("topic", "note") else "right")
    for tp, move in planned.moves.items():
        before = "-" if move.before is None else str(move.before)
        change = "" if move.before is None else f"{move.after - move.before:+d}"
        table.add_row(
            escape(tp.topic),
            str(tp.partition),
            str(planned.earliest[tp]),
            str(planned.latest[tp]),
            before,
            str(move.after),
            change,
            str(planned.latest[tp] - move.after),
            escape(planned.notes.get(tp, "")),
        )
    return table
