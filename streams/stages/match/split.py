"""Boards seen on two raw partitions: producers that partition the raw key differently.

Every capture of a board (bookmaker × event) has the raw key ``<bookmaker>:<event id>``
and should land on the one raw partition that murmur2 picks (aiokafka's and the Java
client's default; librdkafka's ``partitioner=murmur2_random``). librdkafka's default
(``consistent_random``, CRC32) picks another partition for most keys, so a scraper using it
next to ``oddsflow produce`` splits the board over two partitions, whose captures then reach
the match stage in no defined order (the late ones are dropped as stale).

* :func:`moved_from` (pure): the raw partition of the board's last accepted capture when
  this capture came from another partition of the same raw topic, for the same bookmaker
  event id; else None. It reads the ``last_prices`` state the match stage keeps anyway, so
  the check holds no memory of its own and sees every capture of a board whichever worker
  reads which raw partition (the canonical topic brings an event's captures to one worker).
* :class:`SplitBoards` counts a board the first time it is found split
  (``oddsflow_split_boards_total{bookmaker}``) and logs one warning naming the key and both
  partitions. The boards reported are remembered in a :class:`BoundedCache` (at most
  2 × ``limit``), so a board reported long ago, or before a restart, may be counted again.
"""

from __future__ import annotations

import logging

from streams.adapters._lines import BoundedCache
from streams.contracts.capture import CanonicalCaptureV1
from streams.contracts.raw import raw_key
from streams.observe import metrics
from streams.stages.match.board import BoardState

log = logging.getLogger(__name__)


def moved_from(state: BoardState | None, capture: CanonicalCaptureV1) -> int | None:
    """The previous raw partition of this board if this capture arrived on another one."""
    if state is None:
        return None
    before, now = state.source, capture.source
    if (
        before.topic != now.topic
        or before.partition == now.partition
        or state.emitted.bookmaker_event_id != capture.event.bookmaker_event_id
    ):
        return None
    return before.partition


class SplitBoards:
    """Counts and reports each board seen on two raw partitions (see the module docstring)."""

    def __init__(self, limit: int = 10_000) -> None:
        self._reported = BoundedCache(limit)

    def seen(self, board: str, capture: CanonicalCaptureV1, previous_partition: int) -> bool:
        """Record a split of ``board``; True when it was counted and logged (first report)."""
        if self._reported.lookup(board) is not None:
            return False
        self._reported.put(board, True)
        event, source = capture.event, capture.source
        metrics.SPLIT_BOARDS.labels(event.bookmaker).inc()
        log.warning(
            "raw key %r arrived on partitions %d and %d of %s: its producers partition keys "
            "differently (librdkafka needs partitioner=murmur2_random, see the README's wire "
            "contract); captures of this board can arrive out of order and be dropped as stale",
            raw_key(event.bookmaker, event.bookmaker_event_id).decode(),
            previous_partition,
            source.partition,
            source.topic,
        )
        return True
