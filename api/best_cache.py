"""``BestCache``: the response bytes of ``GET /events/{id}/best`` per event, invalidated by the tail.

Contract (docs/api.md, "Best-prices cache"):

* **Fill**: a miss (:meth:`BestCache.fetch`) reads Postgres through ``read`` (the route's
  one statement) and stores the body, unless an invalidation of that event (or a clear) was
  released while the read ran: :meth:`BestCache.token` is taken before the read and
  :meth:`BestCache.put` refuses a body whose token is older than the event's last
  invalidation (so a read that began before a commit never outlives its release). One read
  per event at a time: a miss joins a read in flight if the cache is live and no release of
  that event happened since the read began (its result then shows every release before the
  request, as a fresh read would). Unknown events (404) are not cached.
* **Refresh ahead**: a hit on an entry older than :data:`REFRESH_AT` of ``ttl_s`` starts
  one background read, which replaces the entry (same rule as a fill); the entry serves
  meanwhile, never past ``ttl_s`` — so a hot event's requests never all miss at once.
* **Invalidation**: the shared tail (``api.tail``) calls :meth:`BestCache.released` for
  every batch it releases — after the sink committed it (``api.after_sink``). A snapshot
  drops its event's entry; a record the tail cannot attribute to one known event (a
  lifecycle or merge record, an undecodable record, an event id not resolved) clears
  everything.
* **Serving**: an entry is served only while :meth:`BestCache.live` — the tail is running,
  is *in sync* (the sink had committed every record before the tail's start position) and
  finished a fetch round less than :data:`TAIL_SILENT_S` ago — and for at most ``ttl_s``
  after its fill (a bound for writes the tail never sees: ``oddsflow reprocess``, SQL by
  hand). With ``api.after_sink`` off the cache is never used (a release may precede the
  commit).
* **Size**: least recently used entries are dropped past ``max_bytes`` of bodies.

Single-threaded (the event loop's): no locks; reads run as tasks, awaited shielded (a
cancelled request does not cancel a read others wait for).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict, deque
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass

log = logging.getLogger(__name__)
Reader = Callable[[int], Awaitable[bytes | None]]

#: how long the tail may go without finishing a fetch round before the cache stops serving
TAIL_SILENT_S = 1.0
#: invalidation epochs remembered for fills in flight (a fill older than that is not stored)
EPOCHS_KEPT = 256
#: fraction of ``ttl_s`` after which a hit starts a background refresh of its entry
REFRESH_AT = 0.6


@dataclass(slots=True)
class Entry:
    body: bytes
    expires: float
    refresh_at: float


class BestCache:
    """Per-event response bodies; see the module docstring for the consistency rule."""

    def __init__(
        self,
        *,
        ttl_s: float,
        max_bytes: int,
        read: Reader | None = None,
        live: Callable[[], bool] = lambda: True,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.ttl_s = ttl_s
        self.max_bytes = max_bytes
        self._read = read
        self._loading: dict[int, tuple[int, asyncio.Task[bytes | None]]] = {}
        self._live = live
        self._clock = clock
        self._entries: OrderedDict[int, Entry] = OrderedDict()
        self._bytes = 0
        self._epoch = 0
        self._cleared_at = 0  # epoch of the last clear
        self._recent: deque[tuple[int, frozenset[int]]] = deque(maxlen=EPOCHS_KEPT)
        self.hits = 0
        self.misses = 0

    @property
    def size_bytes(self) -> int:
        return self._bytes

    def __len__(self) -> int:
        return len(self._entries)

    def stats(self) -> dict[str, int | bool]:
        """For ``/healthz``: entries, bytes, hits, misses and whether it serves now."""
        return {
            "entries": len(self._entries),
            "bytes": self._bytes,
            "hits": self.hits,
            "misses": self.misses,
            "live": self._live(),
        }

    def live(self) -> bool:
        """Whether entries may be served now (the tail is in sync and fetching)."""
        return self._live()

    def get(self, event_id: int) -> bytes | None:
        """The cached body of ``event_id``, or ``None`` (absent, expired, or the tail not live)."""
        entry = self._entries.get(event_id)
        if entry is None or not self._live():
            self.misses += 1
            return None
        if entry.expires <= self._clock():
            self._drop(event_id)
            self.misses += 1
            return None
        self._entries.move_to_end(event_id)
        self.hits += 1
        if entry.refresh_at <= self._clock() and event_id not in self._loading and self._read is not None:
            self._load(event_id)
        return entry.body

    async def fetch(self, event_id: int) -> bytes | None:
        """The body of ``event_id``: the entry, else a read's (joined or started; see the module
        docstring); ``None`` for an unknown event. A read's exception propagates."""
        body = self.get(event_id)
        if body is not None:
            return body
        return await asyncio.shield(self._load(event_id))

    def _load(self, event_id: int) -> asyncio.Task[bytes | None]:
        loading = self._loading.get(event_id)
        if loading is not None and self._live() and self._fresh(event_id, loading[0]):
            return loading[1]
        token = self._epoch
        task = asyncio.ensure_future(self._fill(event_id, token))
        task.add_done_callback(_retrieve)
        self._loading[event_id] = (token, task)
        return task

    async def _fill(self, event_id: int, token: int) -> bytes | None:
        assert self._read is not None
        try:
            body = await self._read(event_id)
            if body is not None:
                self.put(event_id, body, token)
            return body
        finally:
            if self._loading.get(event_id, (0, None))[1] is asyncio.current_task():
                del self._loading[event_id]

    def token(self) -> int:
        """Taken before a fill's read; :meth:`put` compares it with later invalidations."""
        return self._epoch

    def put(self, event_id: int, body: bytes, token: int) -> bool:
        """Store ``body`` read after :meth:`token` returned ``token``; False when an invalidation
        of ``event_id`` (or a clear) was released since, the body is too big, or not live."""
        if not self._live() or len(body) > self.max_bytes or not self._fresh(event_id, token):
            return False
        self._drop(event_id)
        now = self._clock()
        self._entries[event_id] = Entry(body, now + self.ttl_s, now + REFRESH_AT * self.ttl_s)
        self._bytes += len(body)
        while self._bytes > self.max_bytes:
            self._drop(next(iter(self._entries)))
        return True

    def released(self, event_ids: Iterable[int], *, unattributed: bool = False) -> None:
        """The tail released changes of ``event_ids`` (committed); ``unattributed``: also records
        it cannot tie to one known event, so every entry goes."""
        self._epoch += 1
        if unattributed:
            self.clear()
            return
        ids = frozenset(event_ids)
        self._recent.append((self._epoch, ids))
        for event_id in ids:
            self._drop(event_id)

    def clear(self) -> None:
        """Drop every entry and refuse every fill in flight."""
        self._epoch += 1
        self._cleared_at = self._epoch
        self._entries.clear()
        self._bytes = 0

    def _fresh(self, event_id: int, token: int) -> bool:
        if token == self._epoch:
            return True
        if token < self._cleared_at or not self._recent or self._recent[0][0] > token + 1:
            return False  # cleared since, or invalidations since then no longer remembered
        return not any(epoch > token and event_id in ids for epoch, ids in self._recent)

    def _drop(self, event_id: int) -> None:
        entry = self._entries.pop(event_id, None)
        if entry is not None:
            self._bytes -= len(entry.body)


def _retrieve(task: asyncio.Task[bytes | None]) -> None:
    """Mark a read's exception seen (a background refresh has no awaiter; a fetch re-raises it)."""
    if not task.cancelled() and task.exception() is not None:
        log.debug("best cache: read failed: %r", task.exception())
