"""The sink's liveness lease: a Postgres advisory lock per sink group.

Every running sink of group ``G`` holds the advisory lock :func:`sink_lock_key` ``(G)`` in
**shared** mode on a connection of its own, for its whole life (several sinks of one group
share partitions, so they share the lock). ``oddsflow replay --target sink`` takes the same
lock in **exclusive** mode for the duration of its ``sink_offsets`` update, so:

* a replay is refused while any sink of the group runs (the exclusive try-lock fails and
  :func:`holders` names the sessions);
* a sink starting during a replay waits (:meth:`SinkLease.acquire`, then again with
  back-off: :class:`LeaseError` is transient) until the update committed, then reads the
  new offsets.

Locks are session-level: they vanish when the connection closes (a crashed sink frees its
group at once). If a sink's lease connection drops while it runs, :meth:`SinkLease.ensure`
takes the lock again; a replay that slipped into that gap is still caught by the sink's
offset fence (``sinks.write.offsets.FencedError``), which re-reads the moved offsets.

The key is the first 8 bytes of ``blake2b("oddsflow.sink:" + group)`` as a signed bigint:
stable across processes, Python versions and servers. In ``pg_locks`` it appears as
``locktype = 'advisory'``, ``classid`` = high 32 bits, ``objid`` = low 32 bits, ``objsubid = 1``.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg

from sinks.store import db
from streams.errors import TransientError
from streams.settings import PostgresSettings

Connection = Any  # asyncpg.Connection (no type stubs)


APPLICATION = "oddsflow-sink"  # application_name of the lease connection (shown by holders())


class LeaseError(TransientError):
    """The lease could not be taken in time (a replay holds the group's lock).

    Transient: a sink keeps retrying with back-off (logging who holds the lock) until the
    replay commits, and a stop request ends the wait cleanly.
    """


def sink_lock_key(group: str) -> int:
    """The advisory lock key of sink group ``group`` (signed 64-bit, stable)."""
    digest = hashlib.blake2b(f"oddsflow.sink:{group}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def _pg_locks_ids(key: int) -> tuple[int, int]:
    unsigned = key & 0xFFFFFFFFFFFFFFFF
    return unsigned >> 32, unsigned & 0xFFFFFFFF


async def try_hold(conn: Connection, group: str) -> bool:
    """Take the group's lock in shared mode (what a running sink holds); False if a replay has it."""
    return bool(await conn.fetchval("SELECT pg_try_advisory_lock_shared($1)", sink_lock_key(group)))


async def release(conn: Connection, group: str) -> bool:
    """Give back a shared hold taken with :func:`try_hold` on ``conn``."""
    return bool(await conn.fetchval("SELECT pg_advisory_unlock_shared($1)", sink_lock_key(group)))


async def try_hold_exclusive(conn: Connection, group: str) -> bool:
    """Take the group's lock exclusively (what a replay holds); False while any sink holds it."""
    return bool(await conn.fetchval("SELECT pg_try_advisory_lock($1)", sink_lock_key(group)))


async def release_exclusive(conn: Connection, group: str) -> bool:
    return bool(await conn.fetchval("SELECT pg_advisory_unlock($1)", sink_lock_key(group)))


@dataclass(frozen=True, slots=True)
class Holder:
    """A session holding the group's lock (from ``pg_locks`` joined with ``pg_stat_activity``)."""

    pid: int
    mode: str
    granted: bool
    application: str | None
    client: str | None
    since: datetime | None

    def describe(self) -> str:
        who = f"pid {self.pid}"
        if self.application:
            who += f" ({self.application}"
            who += f" from {self.client})" if self.client else ")"
        state = "holds" if self.granted else "waits for"
        when = f" since {self.since.isoformat(timespec='seconds')}" if self.since else ""
        return f"{who} {state} it ({self.mode}){when}"


async def holders(conn: Connection, group: str) -> list[Holder]:
    """Other sessions holding (or waiting for) the group's lock in this database."""
    classid, objid = _pg_locks_ids(sink_lock_key(group))
    rows = await conn.fetch(
        """SELECT l.pid, l.mode, l.granted, a.application_name, a.client_addr::text AS client,
                  a.backend_start
             FROM pg_locks l LEFT JOIN pg_stat_activity a ON a.pid = l.pid
            WHERE l.locktype = 'advisory' AND l.classid = $1::oid AND l.objid = $2::oid
              AND l.objsubid = 1 AND l.pid <> pg_backend_pid()
              AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
            ORDER BY l.pid""",
        classid,
        objid,
    )
    return [
        Holder(
            r["pid"], r["mode"], r["granted"], r["application_name"] or None, r["client"], r["backend_start"]
        )
        for r in rows
    ]


async def is_held(conn: Connection, group: str) -> bool:
    """True when another session holds the group's lock (a sink runs, or a replay is applying)."""
    return any(h.granted for h in await holders(conn, group))


class SinkLease:
    """The lease a running sink holds: its own connection, the group's lock in shared mode.

    Lifecycle: :meth:`acquire` before the sink reads any stored offset (it waits up to
    ``wait_s`` while a replay holds the lock), :meth:`ensure` now and then while running
    (cheap when the connection is fine; otherwise reconnects and takes the lock again),
    :meth:`release` at shutdown (closing the connection frees the lock in any case).
    """

    def __init__(self, postgres: PostgresSettings, group: str, *, poll_s: float = 0.2) -> None:
        self.postgres = postgres
        self.group = group
        self.poll_s = poll_s
        self.conn: Connection | None = None

    @property
    def held(self) -> bool:
        return self.conn is not None and not self.conn.is_closed()

    async def acquire(self, wait_s: float = 60.0) -> None:
        """Connect (``application_name`` :data:`APPLICATION`) and take the shared lock; see class doc."""
        await self.release()
        conn = await asyncpg.connect(
            self.postgres.dsn(),
            timeout=self.postgres.connect_timeout_s,
            server_settings={**db.SERVER_SETTINGS, "application_name": APPLICATION},
        )
        deadline = time.monotonic() + wait_s
        try:
            while not await try_hold(conn, self.group):
                if time.monotonic() >= deadline:
                    who = "; ".join(h.describe() for h in await holders(conn, self.group)) or "unknown"
                    raise LeaseError(
                        f"sink group {self.group!r}: lock still held by a replay after {wait_s:.0f}s ({who})"
                    )
                await asyncio.sleep(self.poll_s)
        except BaseException:
            conn.terminate()
            raise
        self.conn = conn

    async def ensure(self, wait_s: float = 60.0) -> None:
        """Re-take the lease if its connection dropped (Postgres restarted, network)."""
        if self.held:
            return
        await self.acquire(wait_s)

    async def release(self) -> None:
        conn, self.conn = self.conn, None
        if conn is not None and not conn.is_closed():
            try:
                await asyncio.wait_for(conn.close(), 5)
            except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError):
                conn.terminate()

    async def __aenter__(self) -> SinkLease:
        await self.acquire()
        return self

    async def __aexit__(self, *exc: object) -> None:
        with contextlib.suppress(Exception):
            await self.release()
