"""``sink_offsets``: the offsets the sink trusts, read, fenced and stored in Postgres.

Every function takes the writer's connection; nothing here commits.

* :func:`read_stored` — next offsets stored per partition (a member seeks there on
  assignment; ``-1`` placeholder rows count as nothing stored);
* :func:`fence` — first statement of a batch transaction: lock the batch's partitions'
  rows (making a ``-1`` placeholder for a partition never stored, so that two first
  writers serialize too) and compare them with what the writer expects; another writer
  that moved them (a zombie after a rebalance) makes it raise :class:`FencedError`, and
  the transaction must write nothing;
* :func:`store` — last statement before COMMIT: the batch's next offsets, so that rows and
  offsets commit together (exactly-once rows).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

Connection = Any  # asyncpg.Connection (no type stubs)


class FencedError(Exception):
    """Another writer moved these partitions' stored offsets: this batch must not be written.

    ``stored`` maps partition → the offset now stored in Postgres (``None``: no row).
    """

    def __init__(self, stored: dict[int, int | None]) -> None:
        super().__init__(f"offsets moved by another writer: {stored}")
        self.stored = stored


async def read_stored(conn: Connection, group: str, topic: str, partitions: Sequence[int]) -> dict[int, int]:
    """Next offsets stored for ``partitions`` (absent: nothing stored yet)."""
    rows = await conn.fetch(
        "SELECT partition, next_offset FROM sink_offsets "
        "WHERE consumer_group = $1 AND topic = $2 AND partition = ANY($3::int[]) AND next_offset >= 0",
        group,
        topic,
        list(partitions),
    )
    return {r["partition"]: r["next_offset"] for r in rows}


async def fence(conn: Connection, group: str, topic: str, expected: dict[int, int | None]) -> None:
    """Lock ``expected``'s partitions' rows; raise :class:`FencedError` if one differs."""
    parts = sorted(expected)
    # a placeholder row (-1 = nothing stored) so that two first writers also serialize
    await conn.execute(
        "INSERT INTO sink_offsets (consumer_group, topic, partition, next_offset) "
        "SELECT $1, $2, unnest($3::int[]), -1 ON CONFLICT DO NOTHING",
        group,
        topic,
        parts,
    )
    rows = await conn.fetch(
        "SELECT partition, next_offset FROM sink_offsets "
        "WHERE consumer_group = $1 AND topic = $2 AND partition = ANY($3::int[]) FOR UPDATE",
        group,
        topic,
        parts,
    )
    stored = {r["partition"]: (None if r["next_offset"] < 0 else r["next_offset"]) for r in rows}
    moved = {p: stored.get(p) for p in parts if stored.get(p) != expected[p]}
    if moved:
        raise FencedError(moved)


async def store(conn: Connection, group: str, topic: str, offsets: dict[int, int]) -> None:
    """Set the next offsets of ``offsets``' partitions (their rows exist: :func:`fence` ran)."""
    parts = sorted(offsets)
    await conn.execute(
        """UPDATE sink_offsets o SET next_offset = u.n, updated_at = now()
             FROM unnest($3::int[], $4::bigint[]) AS u(p, n)
            WHERE o.consumer_group = $1 AND o.topic = $2 AND o.partition = u.p""",
        group,
        topic,
        parts,
        [offsets[p] for p in parts],
    )
