"""Replay target ``group``: the committed offsets of a Kafka consumer group.

* **read**: ``AIOKafkaConsumer(group_id=G).committed(tp)`` (the admin
  ``list_consumer_group_offsets`` call drops the connection on the embedded broker, so it is
  only used to *discover* the group's topics, and a scan of ``committed()`` over every topic
  replaces it when it fails);
* **live check**: admin ``describe_consumer_groups``; any listed member refuses the replay.
  Apache Kafka drops members when they leave or their session expires. The embedded broker
  (tansu) keeps members that left listed (group "Stable") for minutes: there the refusal
  lasts until it forgets them (the message says so). Fresh group ids avoid the wait in tests;
* **apply**: a consumer of the group with a manual assignment (no subscribe, so it never
  joins) commits every new offset in one OffsetCommit request, with metadata naming the
  replay. Kafka rejects such a commit while the group has members (the same happens on
  tansu), a second guard behind the live check. The committed offsets are read back.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Mapping
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import CommitFailedError, KafkaError

from streams.kafka.workarounds import offset_fetch_errors
from streams.replay.plan import TP, Move, ReplayError
from streams.settings import Settings

log = logging.getLogger(__name__)


class GroupTarget:
    """A Kafka consumer group's committed offsets (see module docstring)."""

    kind = "group"

    def __init__(self, settings: Settings, group: str, timeout_s: float = 15.0) -> None:
        self.settings = settings
        self.group = group
        self.timeout_s = timeout_s
        self._admin: Any = None
        self._consumer: Any = None

    @property
    def label(self) -> str:
        return f"Kafka consumer group {self.group!r}"

    async def __aenter__(self) -> GroupTarget:
        offset_fetch_errors.install()
        kwargs = self.settings.kafka.client_kwargs()
        self._admin = AIOKafkaAdminClient(**kwargs, request_timeout_ms=int(self.timeout_s * 1000))
        await self._admin.start()
        self._consumer = AIOKafkaConsumer(**kwargs, group_id=self.group, enable_auto_commit=False)
        await self._consumer.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        for client in (self._consumer, self._admin):
            if client is not None:
                with contextlib.suppress(KafkaError, OSError):
                    await (client.stop() if client is self._consumer else client.close())
        self._consumer = self._admin = None

    async def topics(self, available: Mapping[str, list[int]]) -> list[str]:
        try:
            found = await asyncio.wait_for(self._list_offsets(), self.timeout_s)
            return sorted(t for t in found if t in available)
        except (KafkaError, OSError, TimeoutError) as exc:
            log.info("list_consumer_group_offsets failed (%r): scanning committed offsets instead", exc)
        tps = [TP(t, p) for t, parts in available.items() for p in parts]
        committed = await self.current(tps)
        return sorted({tp.topic for tp, offset in committed.items() if offset is not None})

    async def _list_offsets(self) -> set[str]:
        # the embedded broker answers this with a frame aiokafka cannot parse and logs the
        # traceback at ERROR before the call fails; the failure is expected and handled
        conn_log = logging.getLogger("aiokafka.conn")
        level = conn_log.level
        conn_log.setLevel(logging.CRITICAL)
        try:
            offsets = await self._admin.list_consumer_group_offsets(self.group)
        finally:
            conn_log.setLevel(level)
        return {tp.topic for tp, meta in offsets.items() if meta is not None and meta.offset >= 0}

    async def current(self, tps: list[TP]) -> dict[TP, int | None]:
        sem = asyncio.Semaphore(32)

        async def one(tp: TP) -> tuple[TP, int | None]:
            async with sem:
                offset = await self._consumer.committed(TopicPartition(*tp))
            return tp, (None if offset is None or offset < 0 else int(offset))

        return dict(await asyncio.gather(*(one(tp) for tp in tps)))

    async def members(self) -> list[Any]:
        """The group's members as the coordinator describes them (empty list: no member)."""
        described = await self._admin.describe_consumer_groups([self.group])
        members: list[Any] = []
        for response in described:
            for group in response.groups:
                error_code, group_id, _state, _ptype, _protocol, group_members = group[:6]
                if group_id == self.group and error_code == 0:
                    members.extend(group_members)
        return members

    async def ensure_free(self) -> None:
        live = [
            f"member {m[0]}" + (f" (client {m[1]!r} on {m[2]})" if len(m) > 2 and m[1] else "")
            for m in await self.members()
        ]
        if live:
            shown = "; ".join(live[:5]) + (f"; and {len(live) - 5} more" if len(live) > 5 else "")
            raise ReplayError(
                f"{self.label} has live members, refusing to move its offsets: {shown}. Stop them "
                "first (a broker lists members that just stopped until their session times out; "
                "the embedded broker keeps them for minutes: retry later)"
            )

    async def apply(self, moves: Mapping[TP, Move], note: str) -> None:
        await self.ensure_free()
        now = await self.current(sorted(moves))
        moved = {tp: (m.before, now[tp]) for tp, m in moves.items() if now[tp] != m.before}
        if moved:
            raise ReplayError(f"{self.label}: offsets changed since they were read: {moved}; run again")
        consumer = self._consumer
        kafka_tps = {TopicPartition(*tp): m.after for tp, m in moves.items()}
        consumer.assign(list(kafka_tps))
        try:
            await consumer.commit({tp: (offset, note) for tp, offset in kafka_tps.items()})
        except CommitFailedError as exc:
            raise ReplayError(
                f"{self.label}: the broker refused the commit (members joined?): {exc}"
            ) from exc
        finally:
            consumer.assign([])
        stored = await self.current(sorted(moves))
        wrong = {tp: (m.after, stored[tp]) for tp, m in moves.items() if stored[tp] != m.after}
        if wrong:
            raise ReplayError(f"{self.label}: committed offsets read back differ (wanted, got): {wrong}")
