"""Identity merges in the match stage: requests, alias markers, rerouting (pure functions).

Rules (docs/lifecycle.md, "Identity merges"):

* every **keyframe** published for a Sportradar-keyed board (``sr:<n>|<bookmaker>``) carries a
  merge request (:func:`request_for`) for the key the same bookmaker event would have
  without the id (``<bookmaker>:<bookmaker event id>``). It goes to the canonical topic under
  that key, so the partition owning the old key's entry handles it. Keyframes recur, so a
  request lost with a worker is sent again, and the alias it leaves is refreshed;
* :func:`absorb` handles a request on the old key's partition: the entry becomes an **alias
  marker** (a closed marker with ``merged_into``), written before the old board is deleted
  (tombstone). If an event (open, or a closed marker) was there, the merge record to
  publish on the snapshots topic is returned; if nothing was, only the alias is kept (a
  later capture without the id must not open a second board for the same listing) — except
  for a ``matched`` request (a name matcher's), whose record is always returned: the sink
  may hold the old event although the stage forgot it. A
  marker keeps its first target; a request for it only moves its time forward. Markers are
  purged like closed markers (``at + grace + idle`` of stream time);
* a capture whose key has an alias marker is **rerouted** (:func:`reroute`): published
  again on the canonical topic under the surviving key, with the Sportradar id set. Its
  raw source is kept, so the surviving board classifies a redelivery as usual.

Only merges *into a Sportradar-keyed event* are carried out by the stream. :func:`request_merge`
is what a name matcher calls to ask for one (reason ``matched``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import MutableMapping
from datetime import UTC, datetime

from streams.contracts.capture import CanonicalCaptureV1
from streams.contracts.merge import EventMergeV1, encode_merge, into_sportradar, merge_of
from streams.contracts.snapshot import SnapshotV1, event_key
from streams.kafka.delivery import OutRecord, SendFn
from streams.stages.match.lifecycle import ALIAS_ONLY
from streams.stages.match.registry import Closed, RegistryEntry, decode_entry, encode_entry


def request_for(capture: CanonicalCaptureV1, snapshot: SnapshotV1) -> EventMergeV1 | None:
    """The merge request a published snapshot carries (a keyframe of a Sportradar-keyed board)."""
    ev = capture.event
    if not snapshot.keyframe or ev.sportradar_id is None:
        return None
    old = event_key(None, ev.bookmaker, ev.bookmaker_event_id)
    return merge_of(old, capture.key, "sportradar_id", ev.captured_at)


def absorb(
    request: EventMergeV1, boards: MutableMapping[str, bytes], registry: MutableMapping[str, bytes]
) -> tuple[EventMergeV1 | None, RegistryEntry]:
    """Apply ``request`` on its key's partition: (merge record to publish or None, the marker).

    The caller waits until the old key's snapshots were acknowledged before calling it
    (the board is deleted) and publishes the record under :attr:`EventMergeV1.key`.
    """
    key = request.key
    entry = decode_entry(registry.get(key))
    if entry is not None and entry.merged_into is not None:
        assert entry.closed is not None
        if entry.merged_into != request.into_key or request.at <= entry.closed.at:
            return None, entry
        marker = dataclasses.replace(entry, closed=dataclasses.replace(entry.closed, at=request.at))
        registry[key] = encode_entry(marker)
        return None, marker
    at, seen, listings = request.at, {}, {}
    if entry is not None:
        listings = entry.listings
        if entry.closed is not None:
            at, seen = max(at, entry.closed.at), entry.closed.seen
    reason = request.reason if entry is not None else ALIAS_ONLY
    marker = RegistryEntry(None, listings, None, Closed(at, reason, seen), request.into_key)
    registry[key] = encode_entry(marker)  # the marker before the tombstones, as in a close
    for bookmaker in listings:
        if f"{key}|{bookmaker}" in boards:
            del boards[f"{key}|{bookmaker}"]
    if entry is None and request.reason != "matched":
        return None, marker
    return dataclasses.replace(request, at=at), marker


def reroute(capture: CanonicalCaptureV1, into_key: str) -> CanonicalCaptureV1:
    """``capture`` as a capture of the surviving event ``into_key`` (a Sportradar key)."""
    sportradar_id = into_sportradar(into_key)
    if sportradar_id is None:
        raise ValueError(f"merges into a bookmaker-only event are not carried out: {into_key!r}")
    event = dataclasses.replace(capture.event, sportradar_id=sportradar_id)
    return CanonicalCaptureV1(event, capture.source)


def merge_request(
    topic: str, from_key: str, into_key: str, *, reason: str = "matched", at: datetime | None = None
) -> OutRecord:
    """The canonical-topic record asking the match stage to merge ``from_key`` into ``into_key``.

    ``from_key`` is a bookmaker-only event key (``<bookmaker>:<id>``), ``into_key`` the
    surviving event's key; only ``sr:<n>`` targets are carried out (others are dead-lettered
    by the stage with kind ``unsupported``). ``at`` (default now) dates the decision.
    Raises ``ValueError`` for keys that cannot be merged.
    """
    record = merge_of(from_key, into_key, reason, at or datetime.now(UTC))
    return OutRecord(topic, record.key.encode(), encode_merge(record))


async def request_merge(
    send: SendFn,
    topic: str,
    from_key: str,
    into_key: str,
    *,
    reason: str = "matched",
    at: datetime | None = None,
) -> None:
    """Publish :func:`merge_request` with ``send`` (e.g. ``StreamsContext.send``) and wait for its ack.

    Sending the same request twice is harmless (the stage keeps the first target of a key).
    """
    await (await send(merge_request(topic, from_key, into_key, reason=reason, at=at)))
