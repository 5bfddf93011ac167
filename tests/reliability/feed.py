"""The campaign's feed: a simulated live feed published while processes crash.

:class:`Feed` publishes the simulator's captures (N events × the three bookmakers, payloads
in the bookmakers' real shapes) with :class:`~streams.kafka.producer.OddsProducer`, paced at
``rate`` captures per second of wall-clock time, from a background task. Besides the
captures it publishes, on purpose and seeded, what the pipeline is documented to drop or
dead-letter, so that the reconstruction's rules are exercised too:

* *stale*: right after a capture, the previous capture of the same board again (an older
  ``captured_at``: rule 4 of :mod:`streams.stages.match.board`, dropped);
* *repeat*: the same capture twice (equal ``captured_at`` from another raw record: also
  rule 4, the first record of that instant wins);
* *invalid*: now and then a record that cannot be decoded or normalized (DLQ).

Which records were published is never taken from here: the check reads the raw topics
back (a send whose ack was lost in a stall may still have landed). The counters are for
the summary only.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import time
from dataclasses import dataclass
from datetime import UTC, datetime

import orjson

from streams.contracts.raw import encode_raw
from streams.kafka.producer import OddsProducer
from streams.simulator import World, WorldConfig, iter_captures
from tests.integration.streams.harness import BOOKMAKERS, Harness

Envelope = tuple[str, bytes, bytes]  # (topic, key, value)
MAX_PENDING = 64  # sends in flight; the loop waits beyond (e.g. while the broker is stalled)


@dataclass(slots=True)
class FeedStats:
    """What the feed sent (acks received or not)."""

    captures: int = 0
    stale: int = 0
    repeats: int = 0
    invalid: int = 0


@dataclass(frozen=True, slots=True)
class FeedConfig:
    events: int = 8
    rate: float = 10.0  # captures per second
    stale_share: float = 0.02
    repeat_share: float = 0.01
    invalid_every: int = 150  # one invalid record per this many captures


class Feed:
    """Publishes until :meth:`stop`; :meth:`check` raises if publishing failed."""

    def __init__(self, harness: Harness, config: FeedConfig, seed: int) -> None:
        self.harness = harness
        self.config = config
        self.seed = seed
        self.stats = FeedStats()
        self._rng = random.Random(seed)
        self._stopping = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._producer: OddsProducer | None = None
        self._pending: set[asyncio.Future[object]] = set()

    async def start(self) -> None:
        # many retries: a 30 s broker stall must not end the feed
        self._producer = OddsProducer.from_settings(
            self.harness.settings, source=f"crash-{self.harness.uid}", retries=30, backoff_s=0.5
        )
        await self._producer.start()
        self._task = asyncio.create_task(self._run())

    def check(self) -> None:
        """Raise the publishing task's failure, if it failed."""
        if self._task is not None and self._task.done():
            self._task.result()

    async def stop(self) -> None:
        """Stop publishing, wait for every send in flight, close the producer (idempotent)."""
        self._stopping.set()
        task, self._task = self._task, None
        try:
            if task is not None:
                await task
        finally:
            if self._producer is not None:
                await self._producer.stop()

    async def _run(self) -> None:
        cfg = self.config
        world = World(cfg.events, seed=self.seed, start=datetime.now(UTC), config=WorldConfig(size="normal"))
        start, t0 = world.now, time.monotonic()
        last: dict[tuple[str, str], Envelope] = {}
        assert self._producer is not None
        for cap in iter_captures(world, rate_per_s=cfg.rate):
            delay = (cap.captured_at - start).total_seconds() - (time.monotonic() - t0)
            if delay > 0:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stopping.wait(), delay)
            if self._stopping.is_set():
                break
            item = self._producer.envelope(
                cap.bookmaker,
                orjson.dumps(cap.payload),
                captured_at=cap.captured_at,
                bookmaker_event_id=cap.bookmaker_event_id,
                sportradar_id=cap.sportradar_id,
            )
            await self._send(item)
            self.stats.captures += 1
            board = (cap.bookmaker, cap.bookmaker_event_id)
            roll = self._rng.random()
            if roll < cfg.stale_share and board in last:
                await self._send(last[board])
                self.stats.stale += 1
            elif roll < cfg.stale_share + cfg.repeat_share:
                await self._send(item)
                self.stats.repeats += 1
            last[board] = item
            if self.stats.captures % cfg.invalid_every == 0:
                await self._send(self._invalid(self.stats.invalid))
                self.stats.invalid += 1
        await asyncio.gather(*self._pending)

    async def _send(self, item: Envelope) -> None:
        assert self._producer is not None
        while len(self._pending) >= MAX_PENDING:
            done, self._pending = await asyncio.wait(self._pending, return_when=asyncio.FIRST_COMPLETED)
            for fut in done:
                fut.result()
        self._pending.add(asyncio.ensure_future(self._producer.send_raw(*item)))

    def _invalid(self, n: int) -> Envelope:
        """A record the normalize stage must dead-letter (three kinds in turn)."""
        topics = self.harness.settings.topics
        bookmaker = BOOKMAKERS[n % len(BOOKMAKERS)]
        key = f"{bookmaker}:invalid-{n}".encode()
        if n % 3 == 0:
            return topics.raw(bookmaker), key, b"{not json"
        other = BOOKMAKERS[(n + 1) % len(BOOKMAKERS)]
        value = encode_raw(
            bookmaker=other if n % 3 == 1 else bookmaker,  # 1: bookmaker mismatch
            payload=b'{"unexpected": true}',  # 2: the adapter finds no event in it
            captured_at=datetime.now(UTC),
            source=f"crash-{self.harness.uid}",
            bookmaker_event_id=f"invalid-{n}",
        )
        return topics.raw(bookmaker), key, value
