"""``current_odds``: a batch's captures folded into one net change, and that change applied.

* :class:`CurrentFold` / :func:`net_current` fold a batch's captures into the net change of
  ``current_odds`` (pure, no I/O): one upsert or delete per line, plus a *reset* per
  keyframe (the board's older lines that the keyframe no longer lists are gone). A capture
  older than the row stored never overwrites it. ``captured_at`` of a row = the capture at
  which its outcomes last changed (or it was added), whatever the batch boundaries: a
  keyframe re-listing a line unchanged keeps the earlier time, and a line that changed
  inside the batch (V → W → V) is written even if it ends where it began.
* :func:`create_stage` makes the session's temp stage table (once per connection);
  :func:`apply_current` writes a fold through it inside the writer's savepoint
  (:mod:`sinks.write.writer`): COPY into the stage, one upsert, then resets and deletes.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import orjson

from sinks.write.records import Capture, LineKey

Connection = Any  # asyncpg.Connection (no type stubs)

CURRENT_COLUMNS = ("event_id", "bookmaker_id", "market_id", "line", "outcomes", "captured_at")
CurrentKey = tuple[int, int, int, str]  # (event_id, bookmaker_id, market_id, line)
#: CURRENT_COLUMNS order + ``forced``: the line changed inside the batch (written even if its
#: final outcomes equal the stored ones); unforced rows (a keyframe's first mention of a
#: line) are written only if their outcomes differ from the stored row's
CurrentRow = tuple[int, int, int, str, str | None, datetime, bool]

STAGE_TABLE = "sink_current_stage"
UNLESS_SAME = " AND current_odds.outcomes IS DISTINCT FROM EXCLUDED.outcomes"


@dataclass(slots=True)
class CurrentChanges:
    """Net effect of a batch on ``current_odds`` (applied: upserts, then resets, then deletes).

    * ``upserts[key] = (outcomes_json, captured_at, forced)`` — written unless the stored row
      is newer or (not ``forced``) holds the same outcomes (see :data:`CurrentRow`);
    * ``resets[(event, bookmaker)] = keyframe captured_at`` — the board's rows older than the
      keyframe whose line is not in ``keep[(event, bookmaker)]`` (the lines the keyframe and
      later captures of the batch list) are deleted;
    * ``deletes[key] = captured_at`` of the removal — deleted unless the stored row is newer.
    """

    upserts: dict[CurrentKey, tuple[str, datetime, bool]] = field(default_factory=dict)
    resets: dict[tuple[int, int], datetime] = field(default_factory=dict)
    deletes: dict[CurrentKey, datetime] = field(default_factory=dict)
    keep: dict[tuple[int, int], set[LineKey]] = field(default_factory=dict)


class CurrentFold:
    """Folds captures, in the order given, into the net change of ``current_odds``.

    ``add`` per capture (cheap: the writer calls it while it streams the history COPY);
    ``ordered`` turns false if a board's capture is older than one already folded, and the
    caller then folds again in ``captured_at`` order (:func:`net_current`).
    """

    def __init__(self) -> None:
        # per board: (market_id, line) -> the ``current_odds`` row as staged (CURRENT_COLUMNS
        # order; outcomes None = removal), built here so that staging it later costs nothing
        self.boards: dict[tuple[int, int], dict[LineKey, CurrentRow]] = {}
        self.resets: dict[tuple[int, int], datetime] = {}
        self.latest: dict[tuple[int, int], datetime] = {}
        self.ordered = True

    def add(self, event_id: int, bookmaker_id: int, c: Capture) -> None:
        at = c.snap.captured_at
        board_key = (event_id, bookmaker_id)
        last = self.latest.get(board_key)
        if last is not None and at < last:
            self.ordered = False
        self.latest[board_key] = at
        if c.snap.keyframe:
            # a keyframe lists every line: the changed ones and those re-listed unchanged
            self.resets[board_key] = at
            before = self.boards.get(board_key, {})
            board = self.boards[board_key] = {}
            for mid, line, outs in c.lines:
                prev = before.get((mid, line))
                if prev is not None and prev[4] == outs:
                    board[(mid, line)] = prev  # unchanged since an earlier capture of the batch
                else:
                    board[(mid, line)] = (event_id, bookmaker_id, mid, line, outs, at, prev is not None)
        else:
            # a delta lists only lines that changed since the previous capture
            board = self.boards.setdefault(board_key, {})
            for mid, line, outs in c.lines:
                board[(mid, line)] = (event_id, bookmaker_id, mid, line, outs, at, True)

    def keep(self) -> dict[tuple[int, int], set[LineKey]]:
        """Lines each reset board still lists (see :class:`CurrentChanges`)."""
        return {board: set(self.boards[board]) for board in self.resets}

    def changes(self) -> CurrentChanges:
        net = CurrentChanges(resets=self.resets, keep=self.keep())
        for board in self.boards.values():
            for e, b, m, ln, outs, at, forced in board.values():
                if outs is None:
                    net.deletes[(e, b, m, ln)] = at
                else:
                    net.upserts[(e, b, m, ln)] = (outs, at, forced)
        return net


def fold_in_time_order(items: Iterable[tuple[int, int, Capture]]) -> CurrentFold:
    """A :class:`CurrentFold` of ``(event_id, bookmaker_id, capture)`` items in ``captured_at``
    order (stable): the board after the newest capture, whatever order the batch held."""
    fold = CurrentFold()
    for event_id, bookmaker_id, c in sorted(items, key=lambda item: item[2].snap.captured_at):
        fold.add(event_id, bookmaker_id, c)
    return fold


def net_current(items: Iterable[tuple[int, int, Capture]]) -> CurrentChanges:
    """The net :class:`CurrentChanges` of ``(event_id, bookmaker_id, capture)`` items."""
    return fold_in_time_order(items).changes()


async def create_stage(conn: Connection) -> None:
    """Create the session's stage table (a temp copy of ``current_odds``, emptied at COMMIT)."""
    await conn.execute(
        f"CREATE TEMP TABLE IF NOT EXISTS {STAGE_TABLE} (LIKE current_odds, forced boolean NOT NULL)"
        " ON COMMIT DELETE ROWS"
    )


async def apply_current(conn: Connection, fold: CurrentFold, *, truncate_stage: bool) -> int:
    """Apply ``fold`` to ``current_odds``: upserts, then keyframe resets, then removals (see
    :class:`CurrentChanges`), inside the caller's transaction or savepoint.

    Returns the number of ``current_odds`` rows inserted, updated or deleted.
    ``truncate_stage``: an earlier savepoint of the same transaction used the stage table
    (it is emptied only at COMMIT), so it is truncated first.

    COPY into a temp stage + ``INSERT … ON CONFLICT`` (one for the forced rows, one for the
    others) is faster than ``executemany``/``unnest`` upserts (docs/benchmarks.md). Rows whose outcomes did
    not change (most lines a keyframe re-lists) are left alone, and ``current_odds`` has
    ``fillfactor = 50``, so the updates that remain are HOT.
    """
    deletes: dict[tuple[int, int, int, str], datetime] = {}
    net = CurrentChanges(resets=fold.resets, deletes=deletes)

    def upserts() -> Iterator[CurrentRow]:
        for board in fold.boards.values():
            for row in board.values():
                if row[4] is None:
                    deletes[row[:4]] = row[5]
                else:
                    yield row

    if truncate_stage:
        await conn.execute(f"TRUNCATE {STAGE_TABLE}")
    await conn.copy_records_to_table(STAGE_TABLE, records=upserts(), columns=(*CURRENT_COLUMNS, "forced"))
    cols = ", ".join(CURRENT_COLUMNS)
    touched = 0
    for rows, only_if_different in (("forced", ""), ("NOT forced", UNLESS_SAME)):
        touched += await _count(
            conn,
            f"""INSERT INTO current_odds ({cols}) SELECT {cols} FROM {STAGE_TABLE} WHERE {rows}
                ON CONFLICT (event_id, bookmaker_id, market_id, line) DO UPDATE
                   SET outcomes = EXCLUDED.outcomes, captured_at = EXCLUDED.captured_at
                 WHERE current_odds.captured_at <= EXCLUDED.captured_at{only_if_different}""",
        )
    if net.resets:
        boards = list(net.resets)
        keep = fold.keep()
        touched += await _count(
            conn,
            """DELETE FROM current_odds c
                USING unnest($1::bigint[], $2::smallint[], $3::timestamptz[], $4::jsonb[])
                      AS r(e, b, t, keep)
                WHERE c.event_id = r.e AND c.bookmaker_id = r.b AND c.captured_at < r.t
                  AND NOT r.keep ? (c.market_id::text || '|' || c.line)""",
            [b[0] for b in boards],
            [b[1] for b in boards],
            [net.resets[b] for b in boards],
            [orjson.dumps({f"{m}|{ln}": 1 for m, ln in keep[b]}).decode() for b in boards],
        )
    if net.deletes:
        keys = list(net.deletes)
        touched += await _count(
            conn,
            """DELETE FROM current_odds c
                USING unnest($1::bigint[], $2::smallint[], $3::int[], $4::text[], $5::timestamptz[])
                      AS d(e, b, m, l, t)
                WHERE c.event_id = d.e AND c.bookmaker_id = d.b AND c.market_id = d.m AND c.line = d.l
                  AND c.captured_at <= d.t""",
            [k[0] for k in keys],
            [k[1] for k in keys],
            [k[2] for k in keys],
            [k[3] for k in keys],
            list(net.deletes.values()),
        )
    return touched


def _row_count(status: str) -> int:
    """Rows affected, from a command tag such as ``INSERT 0 12`` or ``DELETE 3``."""
    tail = status.rsplit(" ", 1)[-1]
    return int(tail) if tail.isdigit() else 0


async def _count(conn: Connection, sql: str, *args: Any) -> int:
    """Execute ``sql`` and return the rows it affected."""
    return _row_count(await conn.execute(sql, *args))
