"""Getting records out of an agent without losing them: retries, ordered acks, one in flight per key.

Why this exists
---------------
Faust commits a source offset once the event is *acked*, and (without transactions) acks
it as soon as the agent body moves on; it flushes the producer before committing but a
send that failed is not noticed. The agents therefore read ``stream.noack()`` and ack an
event only when everything it produced was acknowledged by the broker:

* :class:`AckQueue` acks events strictly in offset order per partition (faust's commit
  logic may skip an un-acked offset that sits before acked ones, so acks must never get
  ahead of an unfinished event).
* :class:`KeyedSender` publishes without waiting for each ack (one ack round trip per
  event would cap an agent at ~1/linger events per second) but keeps at most one record
  in flight per *gate key*: :meth:`KeyedSender.wait` blocks until the previous record of
  that key was acknowledged. The match stage relies on this: when it reads the state of
  an event × bookmaker, the snapshot of the previous capture is already durable.
* :func:`send_acked` publishes one record and waits for its ack (the dead-letter path).

Errors: transient ones (broker unreachable, timeouts, retriable Kafka errors) are retried
with capped exponential back-off, forever, and never reach the dead-letter topic; any
other send error is remembered and raised by the next :meth:`KeyedSender.send` /
:meth:`KeyedSender.wait` / :meth:`KeyedSender.raise_failure`, i.e. it crashes the agent.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from aiokafka.errors import KafkaConnectionError, KafkaError, KafkaTimeoutError

from streams.errors import TransientError

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class OutRecord:
    """A record to publish."""

    topic: str
    key: bytes | None
    value: bytes | None
    headers: Sequence[tuple[str, bytes]] = ()


#: Enqueue a record with the producer; the returned awaitable resolves at the broker's ack.
SendFn = Callable[[OutRecord], Awaitable[Awaitable[Any]]]


def is_transient(exc: BaseException) -> bool:
    """Whether retrying the send can succeed (looks through ``__cause__`` wrappers)."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, TransientError | KafkaConnectionError | KafkaTimeoutError | TimeoutError):
            return True
        if isinstance(seen, KafkaError) and bool(getattr(seen, "retriable", False)):
            return True
        seen = seen.__cause__
    return False


def backoff_s(attempt: int, cap_s: float) -> float:
    """Capped exponential back-off with jitter: ~0.1 s, 0.2 s, 0.4 s … ``cap_s``."""
    return min(cap_s, 0.1 * 2.0 ** min(attempt, 30)) * (0.5 + random.random())


async def send_acked(send: SendFn, record: OutRecord, *, backoff_max_s: float = 5.0) -> None:
    """Publish ``record`` and wait for the broker's ack, retrying transient errors forever."""
    attempt = 0
    while True:
        try:
            ack = await send(record)
            await ack
            return
        except Exception as exc:
            if not is_transient(exc):
                raise
            delay = backoff_s(attempt, backoff_max_s)
            log.warning("send to %s failed (%r); retrying in %.2fs", record.topic, exc, delay)
            attempt += 1
            await asyncio.sleep(delay)


class Ticket:
    """One event in an :class:`AckQueue`; call :meth:`done` once, when its outputs are durable."""

    __slots__ = ("_ack", "_queue", "finished")

    def __init__(self, queue: deque[Ticket], ack: Callable[[], object]) -> None:
        self._queue = queue
        self._ack = ack
        self.finished = False

    def done(self) -> None:
        self.finished = True
        queue = self._queue
        while queue and queue[0].finished:
            queue.popleft()._ack()


class AckQueue:
    """Acks events in arrival order per partition, whatever order they finish in."""

    def __init__(self) -> None:
        self._queues: dict[Any, deque[Ticket]] = {}

    def track(self, partition_key: Any, ack: Callable[[], object]) -> Ticket:
        """Register an event (in stream order); ``ack`` runs once it and all before it are done."""
        queue = self._queues.get(partition_key)
        if queue is None:
            queue = self._queues[partition_key] = deque()
        ticket = Ticket(queue, ack)
        queue.append(ticket)
        return ticket

    def pending(self) -> int:
        """Events tracked but not yet acked."""
        return sum(len(q) for q in self._queues.values())


@dataclass(slots=True)
class _InFlight:
    record: OutRecord
    on_acked: Callable[[], object]
    attempts: int = 0
    delivered: asyncio.Future[None] = field(
        default_factory=lambda: asyncio.get_running_loop().create_future()
    )


class KeyedSender:
    """Pipelined publishing with at most one unacknowledged record per gate key (see module doc)."""

    def __init__(self, send: SendFn, *, backoff_max_s: float = 5.0) -> None:
        self._send = send
        self._backoff_max_s = backoff_max_s
        self._inflight: dict[str, _InFlight] = {}
        self._retries: set[asyncio.Task[None]] = set()
        self._failure: BaseException | None = None

    def raise_failure(self) -> None:
        """Raise the first non-transient send error seen, if any."""
        if self._failure is not None:
            raise self._failure

    async def wait(self, gate_key: str) -> None:
        """Return once the last record sent under ``gate_key`` was acknowledged."""
        self.raise_failure()
        inflight = self._inflight.get(gate_key)
        if inflight is not None:
            # asyncio.wait: neither cancels the delivery if we are cancelled nor raises
            await asyncio.wait({inflight.delivered})
            self.raise_failure()

    async def send(self, gate_key: str, record: OutRecord, on_acked: Callable[[], object]) -> None:
        """Enqueue ``record`` once the last one of ``gate_key`` was acked; ``on_acked`` runs at its ack."""
        await self.wait(gate_key)
        inflight = _InFlight(record, on_acked)
        self._inflight[gate_key] = inflight
        ack = await self._enqueue(record)
        self._watch(gate_key, inflight, ack)

    async def drain(self) -> None:
        """Wait until every record sent so far was acknowledged (or failed for good)."""
        while self._inflight:
            await asyncio.wait({f.delivered for f in self._inflight.values()})
            if self._failure is not None:
                return

    def in_flight(self) -> int:
        return len(self._inflight)

    async def _enqueue(self, record: OutRecord) -> Awaitable[Any]:
        attempt = 0
        while True:
            try:
                return await self._send(record)
            except Exception as exc:
                if not is_transient(exc):
                    self._failure = self._failure or exc
                    raise
                attempt += 1
                await asyncio.sleep(backoff_s(attempt, self._backoff_max_s))

    def _watch(self, gate_key: str, inflight: _InFlight, ack: Awaitable[Any]) -> None:
        fut = asyncio.ensure_future(ack)
        fut.add_done_callback(partial(self._on_result, gate_key, inflight))

    def _on_result(self, gate_key: str, inflight: _InFlight, fut: asyncio.Future[Any]) -> None:
        exc = asyncio.CancelledError() if fut.cancelled() else fut.exception()
        if exc is None:
            if self._inflight.get(gate_key) is inflight:
                del self._inflight[gate_key]
            inflight.on_acked()
            if not inflight.delivered.done():
                inflight.delivered.set_result(None)
        elif is_transient(exc):
            task = asyncio.ensure_future(self._retry(gate_key, inflight, exc))
            self._retries.add(task)
            task.add_done_callback(self._retries.discard)
        else:
            # Also a cancelled send (producer stopping): nothing after it may be acked, since
            # a later record of the same key would make this one look already delivered.
            if isinstance(exc, asyncio.CancelledError):
                exc = TransientError(f"send to {inflight.record.topic} was cancelled")
            self._failure = self._failure or exc
            if not inflight.delivered.done():
                inflight.delivered.set_result(None)  # waiters wake up and raise the failure

    async def _retry(self, gate_key: str, inflight: _InFlight, exc: BaseException) -> None:
        delay = backoff_s(inflight.attempts, self._backoff_max_s)
        inflight.attempts += 1
        log.warning("send to %s failed (%r); retrying in %.2fs", inflight.record.topic, exc, delay)
        await asyncio.sleep(delay)
        try:
            ack = await self._enqueue(inflight.record)
        except Exception:
            if not inflight.delivered.done():
                inflight.delivered.set_result(None)
            return
        self._watch(gate_key, inflight, ack)


def countdown(n: int, done: Callable[[], object]) -> Callable[[], None]:
    """A callback that calls ``done`` at its ``n``-th call."""
    left = [n]

    def one() -> None:
        left[0] -= 1
        if left[0] == 0:
            done()

    return one
