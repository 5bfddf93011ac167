"""Where replayed offsets live: one interface, two kinds of target.

* ``group`` (:class:`streams.replay.group.GroupTarget`): a Kafka consumer group, e.g. the
  stream workers (``streams.app_id``);
* ``sink`` (``sinks.replay_target.SinkTarget``): the Postgres sink, whose offsets live in the
  ``sink_offsets`` table.

``streams`` never imports ``sinks``: targets other than ``group`` are found through the
``oddsflow.replay_targets`` entry-point group (``sink = "sinks.replay_target:sink_target"`` in
pyproject), each a factory ``(settings, group) -> ReplayTarget``.

Lifecycle: ``async with target:`` opens its connections; :meth:`ReplayTarget.apply`
re-checks liveness itself (:meth:`ReplayTarget.ensure_free`), and the offsets read by
``current()`` must still be there when it writes (else :class:`~streams.replay.plan.ReplayError`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from importlib.metadata import entry_points
from typing import Protocol

from streams.replay.plan import TP, Move, ReplayError
from streams.settings import Settings


class ReplayTarget(Protocol):
    """A consumer group's offsets, wherever they are stored."""

    kind: str
    group: str

    @property
    def label(self) -> str:
        """What is moved, for humans: ``Kafka consumer group 'oddsflow'``."""
        ...

    async def __aenter__(self) -> ReplayTarget: ...

    async def __aexit__(self, *exc: object) -> None: ...

    async def topics(self, available: Mapping[str, list[int]]) -> list[str]:
        """Topics this group has offsets for (or consumes), among ``available`` ones."""
        ...

    async def current(self, tps: list[TP]) -> dict[TP, int | None]:
        """Stored next offsets (``None``: nothing stored for that partition)."""
        ...

    async def ensure_free(self) -> None:
        """Raise :class:`ReplayError` naming the live members (or lock holders), if any."""
        ...

    async def apply(self, moves: Mapping[TP, Move], note: str) -> None:
        """Store every ``after``, atomically where the store allows; refuse if live or moved."""
        ...


TargetFactory = Callable[[Settings, str | None], ReplayTarget]
ENTRY_POINTS = "oddsflow.replay_targets"


def target_kinds() -> list[str]:
    """``group`` plus the kinds plugged in through entry points."""
    return sorted({"group", *(ep.name for ep in entry_points(group=ENTRY_POINTS))})


def load_target(kind: str, settings: Settings, group: str | None) -> ReplayTarget:
    """The target of ``kind`` for ``group`` (``None``: the kind's configured default group)."""
    if kind == "group":
        from streams.replay.group import GroupTarget

        return GroupTarget(settings, group or settings.streams.app_id)
    for ep in entry_points(group=ENTRY_POINTS):
        if ep.name == kind:
            factory: TargetFactory = ep.load()
            return factory(settings, group)
    raise ReplayError(f"unknown replay target {kind!r} (known: {', '.join(target_kinds())})")
