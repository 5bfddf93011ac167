"""Honour the group-level error of an OffsetFetch response (aiokafka bug, Apache Kafka only).

OffsetFetch v2+ (KIP-88) moved errors such as ``NOT_COORDINATOR`` (16),
``COORDINATOR_NOT_AVAILABLE`` (15) and ``COORDINATOR_LOAD_IN_PROGRESS`` (14) to a top-level
``error_code`` and answers with no partitions. aiokafka 0.14's consumer
(``GroupCoordinator._do_fetch_commit_offsets``) reads only the per-partition codes, so such an
answer reads as "nothing committed": ``consumer.committed(tp)`` returns ``None``, and keeps
returning it, because the stale coordinator is never marked dead. Seen on Kafka 4.4 with
three nodes (crash campaign, tests/reliability): once the group's coordinator moved (a node
restarted, leadership of its ``__consumer_offsets`` partition handed back), a consumer
that had found the old one read ``None`` for every partition for minutes while the group's
offsets were committed; the raw answer was ``OffsetFetchResponse_v3(topics=[],
error_code=16)``. The same bug class: Parsely/pykafka#958, confluentinc/librdkafka#5586.

Where it hurts here: the worker seeks every assigned partition to its committed offset
(:mod:`streams.kafka.transport`) and a partition read as never committed is read again from the
log start; lag readers (:mod:`streams.kafka.lag`, :mod:`streams.replay.group`) report no
committed offset. tansu has a single, fixed coordinator and never answered this way.

:func:`install` (called by :func:`streams.app.create_app`, :func:`streams.kafka.lag.committed_offsets`
and :class:`streams.replay.group.GroupTarget`; it patches the class, so once per process
is enough) wraps ``GroupCoordinator._send_req``: an OffsetFetch answer with a
top-level error raises that error (after marking the coordinator dead for 15 and 16), which
``fetch_committed_offsets`` already retries for retriable errors, finding the coordinator
again. Other requests pass through unchanged. Test:
``tests/unit/streams/test_offset_fetch_errors.py`` (shows aiokafka's own answer too).
"""

from __future__ import annotations

from typing import Any

from aiokafka import errors
from aiokafka.consumer.group_coordinator import GroupCoordinator

OFFSET_FETCH = 9  # API key
_COORDINATOR_GONE = (errors.NotCoordinatorForGroupError, errors.GroupCoordinatorNotAvailableError)

_original_send_req = GroupCoordinator._send_req


async def _send_req(self: Any, request: Any) -> Any:
    response = await _original_send_req(self, request)
    code = getattr(response, "error_code", 0) if getattr(response, "API_KEY", None) == OFFSET_FETCH else 0
    if code:
        error_type = errors.for_code(code)
        if issubclass(error_type, _COORDINATOR_GONE):
            self.coordinator_dead()
        raise error_type(f"OffsetFetch for group {self.group_id}")
    return response


def install() -> None:
    """Patch aiokafka's group coordinator (idempotent)."""
    GroupCoordinator._send_req = _send_req
