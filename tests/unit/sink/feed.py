"""A deterministic stream of ``odds.snapshots.v1`` captures plus the board each one publishes.

The expected boards are computed here from the captures alone (replaying keyframes,
changes and removals), independently of the sink and of ``odds_at``, so tests can
compare what Postgres rebuilds with what was published.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from streams.contracts.snapshot import EventInfo, Outcomes, SnapshotV1, Source

BOOKMAKERS = ("betpawa", "sportybet", "bet9ja")
Board = dict[tuple[int, str], Outcomes]

# (market id, lines, outcome ids) — Sportradar-like: 1X2, totals, handicaps, BTTS
MARKETS: tuple[tuple[int, tuple[str, ...], tuple[str, ...]], ...] = (
    (1, ("",), ("1", "2", "3")),
    (18, tuple(f"total={t}.5" for t in range(6)), ("12", "13")),
    (16, tuple(f"hcp={h}" for h in ("-1.5", "-0.5", "0.5", "1.5")), ("1714", "1715")),
    (29, ("",), ("74", "76")),
)
ALL_LINES = [(mid, line) for mid, lines, _ in MARKETS for line in lines]
OUTCOMES = {mid: outs for mid, _, outs in MARKETS}


@dataclass(slots=True)
class Published:
    """One capture and the full board it publishes (expected ``odds_at`` at its time)."""

    snap: SnapshotV1
    board: Board


@dataclass(slots=True)
class Feed:
    """Captures in publish order, and the boards they leave behind."""

    published: list[Published] = field(default_factory=list)
    final: dict[tuple[str, str], Board] = field(default_factory=dict)  # (event key, bookmaker) -> board

    @property
    def snaps(self) -> list[SnapshotV1]:
        return [p.snap for p in self.published]

    @property
    def history_rows(self) -> int:
        return sum(len(p.snap.changed) + len(p.snap.removed) for p in self.published)

    @property
    def current_rows(self) -> int:
        return sum(len(b) for b in self.final.values())


def _price(rng: random.Random) -> float | None:
    return None if rng.random() < 0.05 else round(rng.uniform(1.01, 15.0), 2)


def _outcomes(rng: random.Random, mid: int) -> Outcomes:
    return {o: _price(rng) for o in OUTCOMES[mid]}


def make_feed(
    captures: int,
    *,
    matched: int = 6,
    unmatched: int = 2,
    keyframe_every: int = 8,
    seed: int = 7,
    start: datetime | None = None,
    step: timedelta = timedelta(seconds=1),
) -> Feed:
    """``captures`` captures over ``matched`` Sportradar events × 3 bookmakers plus
    ``unmatched`` bookmaker-only events per bookmaker; every board starts with a keyframe."""
    rng = random.Random(seed)
    start = start or datetime.now(UTC).replace(microsecond=0) - timedelta(hours=2)
    boards: list[tuple[EventInfo, str, str]] = []
    for i in range(matched):
        info = EventInfo(
            sportradar_id=50_000_000 + i,
            sport="soccer" if i % 3 else "basketball",
            home=f"Home {i}",
            away=f"Away {i}",
            kickoff=start + timedelta(days=1, minutes=i),
            category="England" if i % 2 else None,
            tournament=f"League {i % 3}" if i % 4 else None,
        )
        for b, bm in enumerate(BOOKMAKERS):
            boards.append((info, bm, f"{bm[:2]}-{i}-{b}"))
    for b, bm in enumerate(BOOKMAKERS):
        for j in range(unmatched):
            info = EventInfo(None, "tennis", f"Player {b}{j}", f"Rival {b}{j}", start + timedelta(hours=j))
            boards.append((info, bm, f"own-{bm}-{j}"))
    state: dict[int, Board] = {}
    count: dict[int, int] = {}
    feed = Feed()
    at = start
    for n in range(captures):
        i = rng.randrange(len(boards))
        info, bm, beid = boards[i]
        board = state.setdefault(i, {})
        k = count.get(i, 0)
        count[i] = k + 1
        at += step
        keyframe = k % keyframe_every == 0
        changed: dict[tuple[int, str], Outcomes] = {}
        removed: list[tuple[int, str]] = []
        if k == 0:
            for key in rng.sample(ALL_LINES, rng.randint(4, len(ALL_LINES))):
                changed[key] = _outcomes(rng, key[0])
        else:
            for key in rng.sample(ALL_LINES, rng.randint(1, 4)):
                if key in board and rng.random() < 0.15:
                    removed.append(key)
                else:
                    changed[key] = _outcomes(rng, key[0])
        for key in removed:
            board.pop(key, None)
        board.update(changed)
        if keyframe:
            changed = dict(board)  # a keyframe lists every current line (and still its removals)
        snap = SnapshotV1(
            event=info,
            bookmaker=bm,
            bookmaker_event_id=beid,
            captured_at=at,
            live=rng.random() < 0.3,
            keyframe=keyframe,
            lines_total=len(board),
            source=Source(f"odds.raw.{bm}", i % 3, n),
            changed=changed,
            removed=tuple(removed),
        )
        feed.published.append(Published(snap, dict(board)))
        feed.final[(snap.key, bm)] = dict(board)
    return feed
