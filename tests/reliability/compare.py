"""Postgres against the reconstruction: lost, duplicated and wrong rows, per capture.

:func:`load` reads what the sink wrote (one query per table); :func:`compare` walks every
board of the :class:`~tests.reliability.reconstruct.Reconstruction` in ``captured_at`` order
and checks, for each accepted raw capture:

1. its ``snapshots`` header exists exactly once — natural key (event, bookmaker,
   ``captured_at``), the event found through ``event_bookmakers`` by the bookmaker's own
   event id — and names that raw record as its source; nothing else is stored (a stale or
   invalid capture, a header without a raw capture, history rows without a header);
2. the board folded from ``odds_history`` up to it (reset at keyframes, ``NULL`` = removed)
   equals the adapter's board of its payload, and its rows are exactly the diff the
   snapshot contract promises (every line at a keyframe, else the added/changed lines;
   removals in both) with no line twice; for a sample, SQL ``odds_at()`` agrees;
3. ``current_odds`` of each board equals the board of its last capture, and each row's
   ``captured_at`` is the capture at which the line's outcomes last changed (was added or
   re-priced; a keyframe re-listing it unchanged is no change);
4. ``sink_offsets`` equal the snapshots topic's end, and every invalid raw record was
   dead-lettered by the normalize stage (and nothing else was);
5. (:mod:`tests.reliability.control`) a pipeline that never crashed wrote the same rows.
"""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import asyncpg
import orjson

from sinks.store.reading import odds_at
from streams.contracts.snapshot import Source
from streams.replay.plan import TP
from tests.reliability.reconstruct import Board, Outcomes, RawCapture, Reconstruction

CaptureKey = tuple[int, int, datetime]  # (event_id, bookmaker_id, captured_at)
Row = tuple[int, str, Outcomes | None]  # (market_id, line, outcomes or None = removed)
EXAMPLES = 5  # problems shown per kind
PROBLEMS = (
    "lost",
    "duplicated",
    "unexpected",
    "wrong_header",
    "wrong_board",
    "wrong_history",
    "wrong_current",
    "wrong_current_time",
    "wrong_offsets",
    "wrong_dlq",
    "differs_from_control",
)


@dataclass(frozen=True, slots=True)
class Header:
    """The columns of one ``snapshots`` row the comparison looks at."""

    keyframe: bool
    lines_total: int
    lines_changed: int
    lines_removed: int
    source: Source


@dataclass(slots=True)
class Stored:
    """Everything the sink wrote, keyed for the comparison."""

    sportradar: dict[int, int | None] = field(default_factory=dict)  # event id → Sportradar id
    bookmaker_ids: dict[str, int] = field(default_factory=dict)
    listings: dict[tuple[str, str], int] = field(default_factory=dict)  # (bookmaker, own id) → event
    headers: dict[CaptureKey, list[Header]] = field(default_factory=lambda: defaultdict(list))
    history: dict[CaptureKey, list[Row]] = field(default_factory=lambda: defaultdict(list))
    current: dict[tuple[int, int], Board] = field(default_factory=lambda: defaultdict(dict))
    current_at: dict[tuple[int, int], dict[tuple[int, str], datetime]] = field(
        default_factory=lambda: defaultdict(dict)
    )
    offsets: dict[TP, int] = field(default_factory=dict)

    @property
    def history_rows(self) -> int:
        return sum(len(rows) for rows in self.history.values())

    @property
    def current_rows(self) -> int:
        return sum(len(board) for board in self.current.values())


def _outcomes(text: str | None) -> Outcomes | None:
    if text is None:
        return None
    return {str(k): None if v is None else float(v) for k, v in orjson.loads(text).items()}


async def load(conn: Any, group: str) -> Stored:
    """Read the tables the sink writes (``conn``: asyncpg, UTC)."""
    s = Stored()
    for r in await conn.fetch("SELECT id, sportradar_id FROM events"):
        s.sportradar[r["id"]] = r["sportradar_id"]
    for r in await conn.fetch("SELECT id, key FROM bookmakers"):
        s.bookmaker_ids[r["key"]] = r["id"]
    names = {v: k for k, v in s.bookmaker_ids.items()}
    for r in await conn.fetch("SELECT event_id, bookmaker_id, bookmaker_event_id FROM event_bookmakers"):
        s.listings[names[r["bookmaker_id"]], r["bookmaker_event_id"]] = r["event_id"]
    for r in await conn.fetch(
        "SELECT event_id, bookmaker_id, captured_at, keyframe, lines_total, lines_changed, lines_removed,"
        " source_topic, source_partition, source_offset FROM snapshots"
    ):
        src = Source(r["source_topic"], r["source_partition"], r["source_offset"])
        header = Header(r["keyframe"], r["lines_total"], r["lines_changed"], r["lines_removed"], src)
        s.headers[r["event_id"], r["bookmaker_id"], r["captured_at"]].append(header)
    for r in await conn.fetch(
        "SELECT event_id, bookmaker_id, captured_at, market_id, line, outcomes::text AS o FROM odds_history"
    ):
        row = (r["market_id"], r["line"], _outcomes(r["o"]))
        s.history[r["event_id"], r["bookmaker_id"], r["captured_at"]].append(row)
    for r in await conn.fetch(
        "SELECT event_id, bookmaker_id, market_id, line, outcomes::text AS o, captured_at FROM current_odds"
    ):
        board_key, line = (r["event_id"], r["bookmaker_id"]), (r["market_id"], r["line"])
        s.current[board_key][line] = _outcomes(r["o"]) or {}
        s.current_at[board_key][line] = r["captured_at"]
    for r in await conn.fetch(
        "SELECT topic, partition, next_offset FROM sink_offsets WHERE consumer_group = $1", group
    ):
        s.offsets[TP(r["topic"], r["partition"])] = r["next_offset"]
    return s


@dataclass(slots=True)
class Findings:
    """Counts compared and problems found (each problem one line; empty lists = all good)."""

    captures: int = 0
    snapshots: int = 0
    history_rows: int = 0
    current_rows: int = 0
    odds_at_checked: int = 0
    canonical_records: int = 0  # on the canonical topic (redeliveries included)
    snapshot_records: int = 0  # on the snapshots topic (copies published again included)
    lost: list[str] = field(default_factory=list)
    duplicated: list[str] = field(default_factory=list)
    unexpected: list[str] = field(default_factory=list)
    wrong_header: list[str] = field(default_factory=list)
    wrong_board: list[str] = field(default_factory=list)
    wrong_history: list[str] = field(default_factory=list)
    wrong_current: list[str] = field(default_factory=list)
    wrong_current_time: list[str] = field(default_factory=list)
    wrong_offsets: list[str] = field(default_factory=list)
    wrong_dlq: list[str] = field(default_factory=list)
    differs_from_control: list[str] = field(default_factory=list)

    def problems(self) -> dict[str, list[str]]:
        return {k: getattr(self, k) for k in PROBLEMS if getattr(self, k)}

    def describe(self) -> str:
        """Problem counts with a few examples each (for the assertion message)."""
        lines = []
        for kind, found in self.problems().items():
            lines.append(f"{kind}: {len(found)}")
            lines.extend(f"    {p}" for p in found[:EXAMPLES])
        return "\n".join(lines) or "no problems"


def expected_rows(previous: Board, board: Board, keyframe: bool) -> dict[tuple[int, str], Outcomes | None]:
    """The ``odds_history`` rows one capture must write (snapshot contract, see module doc)."""
    rows: dict[tuple[int, str], Outcomes | None] = {
        line: outs for line, outs in board.items() if keyframe or previous.get(line) != outs
    }
    rows.update({line: None for line in previous if line not in board})
    return rows


def fold(board: Board, rows: list[Row], keyframe: bool) -> Board:
    """The board after one capture's history rows (a keyframe needs nothing older)."""
    after = {} if keyframe else dict(board)
    for market_id, line, outs in rows:
        if outs is None:
            after.pop((market_id, line), None)
        else:
            after[market_id, line] = outs
    return after


def _differ(a: Board, b: Board) -> list[tuple[int, str]]:
    return sorted(k for k in set(a) | set(b) if a.get(k) != b.get(k))


def changed_at(caps: list[RawCapture]) -> dict[tuple[int, str], datetime]:
    """Per line on the last board: the ``captured_at`` at which its outcomes last changed."""
    at: dict[tuple[int, str], datetime] = {}
    previous: Board = {}
    for cap in caps:
        at = {
            line: at[line] if previous.get(line) == outs else cap.captured_at
            for line, outs in cap.board.items()
        }
        previous = cap.board
    return at


def _where(cap: RawCapture) -> str:
    src = cap.source
    at = cap.captured_at.isoformat()
    return f"{cap.bookmaker}:{cap.bookmaker_event_id}@{at} ({src.topic}:{src.partition}:{src.offset})"


def diffed_against(earlier: list[RawCapture], cap: RawCapture, keyframe: bool, got: dict[Any, Any]) -> str:
    """Which earlier capture of the board ``got`` is the diff against (a hint for triage)."""
    for back, older in enumerate(reversed(earlier[-10:]), start=1):
        if expected_rows(older.board, cap.board, keyframe) == got:
            return f"the diff against the capture {back} back ({older.captured_at.isoformat()})"
    return "no diff against the 10 captures before it"


def _check_capture(
    f: Findings, cap: RawCapture, header: Header, rows: list[Row], earlier: list[RawCapture], board: Board
) -> Board:
    """Checks 1-2 for one stored capture (``earlier``: the board's captures before it);
    returns the board folded from its rows."""
    where = _where(cap)
    counts = Counter((m, ln) for m, ln, _ in rows)
    twice = sorted(line for line, n in counts.items() if n > 1)
    if twice:
        f.duplicated.append(f"odds_history lines written twice {twice[:3]} at {where}")
    if header.source != cap.source:
        f.wrong_header.append(f"source {header.source} instead of the first raw record at {where}")
    changed = sum(1 for _, _, o in rows if o is not None)
    if (header.lines_total, header.lines_changed, header.lines_removed) != (
        len(cap.board),
        changed,
        len(rows) - changed,
    ) or (not earlier and not header.keyframe):
        f.wrong_header.append(f"header {header} vs {len(cap.board)} lines, rows {len(rows)} at {where}")
    want = expected_rows(earlier[-1].board if earlier else {}, cap.board, header.keyframe)
    got = {(m, ln): o for m, ln, o in rows}
    if got != want:
        extra = sorted(set(got) - set(want))[:3]
        missing = sorted(set(want) - set(got))[:3]
        wrong = sorted(k for k in set(got) & set(want) if got[k] != want[k])[:3]
        hint = diffed_against(earlier, cap, header.keyframe, got)
        f.wrong_history.append(
            f"rows extra {extra} missing {missing} different {wrong} at {where}; they are {hint}"
        )
    after = fold(board, rows, header.keyframe)
    if after != cap.board:
        diff = _differ(after, cap.board)
        f.wrong_board.append(f"{len(diff)} lines differ, e.g. {diff[:3]}, at {where}")
    return after


def compare(rec: Reconstruction, s: Stored, group: str, snapshots_end: dict[TP, int]) -> Findings:
    """Checks 1-4 of the module docstring, except ``odds_at`` and the DLQ (see below)."""
    f = Findings(
        captures=rec.accepted,
        snapshots=sum(len(h) for h in s.headers.values()),
        history_rows=s.history_rows,
        current_rows=s.current_rows,
    )
    seen: set[CaptureKey] = set()
    boards_seen: set[tuple[int, int]] = set()
    for (_, bookmaker), caps in rec.boards.items():
        event_id = s.listings.get((bookmaker, caps[0].bookmaker_event_id))
        bookmaker_id = s.bookmaker_ids.get(bookmaker)
        if event_id is None or bookmaker_id is None:
            f.lost.extend(f"no event for {_where(c)}" for c in caps)
            continue
        if s.sportradar.get(event_id) != caps[0].sportradar_id:
            f.wrong_header.append(f"event {event_id} has Sportradar id {s.sportradar.get(event_id)}")
        boards_seen.add((event_id, bookmaker_id))
        board: Board = {}
        for i, cap in enumerate(caps):
            key = (event_id, bookmaker_id, cap.captured_at)
            headers = s.headers.get(key, [])
            if not headers:
                f.lost.append(f"no snapshot for {_where(cap)}")
                continue
            if len(headers) > 1:
                f.duplicated.append(f"{len(headers)} snapshot rows for {_where(cap)}")
            seen.add(key)
            board = _check_capture(f, cap, headers[0], s.history.get(key, []), caps[:i], board)
        current = s.current.get((event_id, bookmaker_id), {})
        if current != caps[-1].board:
            diff = sorted(
                k for k in set(current) | set(caps[-1].board) if current.get(k) != caps[-1].board.get(k)
            )
            f.wrong_current.append(f"{len(diff)} lines differ, e.g. {diff[:3]}, for {_where(caps[-1])}")
        stored_at, want_at = s.current_at.get((event_id, bookmaker_id), {}), changed_at(caps)
        for line in sorted(k for k in stored_at.keys() & want_at.keys() if stored_at[k] != want_at[k]):
            f.wrong_current_time.append(
                f"captured_at {stored_at[line].isoformat()} instead of {want_at[line].isoformat()} "
                f"(outcomes last changed) for line {line} of {bookmaker}:{caps[0].bookmaker_event_id}"
            )
    f.unexpected.extend(f"snapshot {k} matches no accepted raw capture" for k in s.headers if k not in seen)
    f.unexpected.extend(f"odds_history rows {k} without a snapshot" for k in s.history if k not in s.headers)
    f.unexpected.extend(
        f"current_odds of board {k} without captures" for k in s.current if k not in boards_seen
    )
    want = {tp: end for tp, end in snapshots_end.items() if end > 0}
    got = {tp: o for tp, o in s.offsets.items() if o > 0}
    if got != want:
        f.wrong_offsets.append(f"sink_offsets of {group}: {got}, snapshots topic end {want}")
    return f


async def check_odds_at(
    f: Findings, conn: Any, rec: Reconstruction, s: Stored, sample: int, rng: random.Random
) -> None:
    """Check 2 through SQL: ``odds_at()`` at ``sample`` random stored captures."""
    caps = [(bk, c) for (_, bk), cs in rec.boards.items() for c in cs]
    for bookmaker, cap in rng.sample(caps, min(sample, len(caps))):
        event_id = s.listings.get((bookmaker, cap.bookmaker_event_id))
        key = (event_id, s.bookmaker_ids.get(bookmaker), cap.captured_at)
        if event_id is None or key not in s.headers:
            continue  # already reported as lost
        board = await odds_at(conn, event_id, s.bookmaker_ids[bookmaker], cap.captured_at)
        f.odds_at_checked += 1
        if board != cap.board:
            f.wrong_board.append(f"odds_at() differs at {_where(cap)}")


def check_dlq(f: Findings, rec: Reconstruction, dead: list[dict[str, str]]) -> None:
    """Every invalid raw record was dead-lettered by the normalize stage, nothing else was."""
    raw_topics = {s.topic for s in rec.invalid} | {c.source.topic for cs in rec.boards.values() for c in cs}
    sources = set()
    for h in dead:
        src = Source(h["source.topic"], int(h["source.partition"]), int(h["source.offset"]))
        if src.topic not in raw_topics:
            f.wrong_dlq.append(f"{h.get('stage')}/{h.get('error.kind')} dead letter of {src}")
        sources.add(src)
    f.wrong_dlq.extend(f"invalid raw record {s} not dead-lettered" for s in rec.invalid if s not in sources)
    valid = {c.source for cs in rec.boards.values() for c in cs} | {c.source for c in rec.stale}
    f.wrong_dlq.extend(f"valid capture {s} dead-lettered" for s in sources & valid)


async def connect(url: str) -> Any:
    return await asyncpg.connect(url, server_settings={"timezone": "UTC"})
