"""Canonical captures and match-stage snapshots in the shape :class:`AgreementState` reads."""

from __future__ import annotations

from collections.abc import Iterator

from streams.agreement.rule import Disagreement, LineKey
from streams.agreement.state import AgreementState
from streams.contracts.canonical import CanonicalEventOddsV1
from streams.contracts.snapshot import SnapshotV1, event_key


def event_lines(event: CanonicalEventOddsV1) -> Iterator[tuple[LineKey, Iterator[tuple[str, float | None]]]]:
    """Every line of a canonical event in the shape :meth:`AgreementState.observe` reads."""
    for ln in event.lines:
        yield (ln.market_id, ln.line), ((o.outcome_id, o.price if o.active else None) for o in ln.outcomes)


def observe_event(state: AgreementState, event: CanonicalEventOddsV1) -> list[Disagreement]:
    """Feed one whole capture under its event key (``sr:<n>``); events without a Sportradar id
    have no other bookmaker and are skipped."""
    if event.sportradar_id is None:
        return []
    key = event_key(event.sportradar_id, event.bookmaker, event.bookmaker_event_id)
    return state.observe(key, event.sport, event.bookmaker, event.captured_at, event.live, event_lines(event))


def observe_snapshot(
    state: AgreementState, key: str, snapshot: SnapshotV1, event: CanonicalEventOddsV1
) -> list[Disagreement]:
    """Feed the match stage's snapshot of ``event`` (event key ``key``): its diff when the
    previous capture of the board is held and the snapshot is no keyframe, else the whole
    capture. Events without a Sportradar id are skipped."""
    if event.sportradar_id is None:
        return []
    args = (key, event.sport, event.bookmaker, event.captured_at, event.live)
    if snapshot.keyframe or not state.has_board(key, event.bookmaker):
        return state.observe(*args, event_lines(event))
    changed = ((k, outcomes.items()) for k, outcomes in snapshot.changed.items())
    return state.observe(*args, changed, removed=snapshot.removed, full=False)
