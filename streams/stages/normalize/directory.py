"""The directory of known events: a faust GlobalTable every normalize worker holds whole.

``known_events`` (changelog ``<app_id>-known_events-changelog``, one partition, compacted):
key ``"<event key>|<listing>"``, value an ``odds.known_listing.v1`` entry
(:mod:`streams.matching.directory`). Written by the normalize agent when one of its
captures with a Sportradar id shows a listing its name index did not hold; read by every
worker. :class:`KnownEvents` hands each entry faust applies from the changelog — at
recovery (a starting worker reads the whole changelog) and while running (standby reads of
what other workers wrote) — to its listeners, which fold it into the
:class:`~streams.stages.normalize.names.NameResolver`'s index.

faust GlobalTable settings, each for a known faust behaviour:

* ``use_partitioner=True``: the writer is not the agent of the changelog partition (the
  agent reads raw topics), so the producer's partitioner places the record, and faust
  then assigns every worker every changelog partition as a standby too — without it a
  worker that was assigned the partition as active only paused it after recovery and
  never saw the others' writes again (faust-streaming#283, #426);
* ``partitions=1`` and ``recovery_buffer_size=1``: faust's GlobalTable docstring names them
  as the fix for a recovery loop with several app instances; ``standby_buffer_size=1``
  (as ``app.GlobalTable`` sets) applies standby records as they come.

An entry arrives at another worker after its writer's producer sent it and that worker's
standby read it (well under a second on an idle broker, more under load): a capture
without id that comes earlier is decided without it and stays its bookmaker-only event
until one of its later captures is matched, which merges it (docs/matching.md).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import Any

from faust.tables.globaltable import GlobalTable

log = logging.getLogger(__name__)

NAME = "known_events"


class KnownEvents(GlobalTable):
    """A GlobalTable that calls ``listeners`` with every changelog value it applies."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.listeners: list[Callable[[bytes | None], object]] = []

    def apply_changelog_batch(self, batch: Iterable[Any]) -> None:
        events = list(batch)
        super().apply_changelog_batch(events)
        for event in events:
            for listener in self.listeners:
                listener(event.value)


def register(app: Any) -> KnownEvents:
    """Declare the directory table on ``app``."""
    table = KnownEvents(
        app,
        name=NAME,
        key_type=str,
        value_type=bytes,
        partitions=1,
        use_partitioner=True,
        is_global=True,
        beacon=app.tables.beacon,
        standby_buffer_size=1,
        recovery_buffer_size=1,
        help="event key|listing → a known event's names and kickoff (odds.known_listing.v1)",
    )
    added: KnownEvents = app.tables.add(table)
    return added
