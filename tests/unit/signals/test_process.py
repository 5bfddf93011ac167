"""The signals stage without faust: scripted snapshots, hand-computed signals."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from streams.contracts.signals import decode_signals
from streams.contracts.snapshot import EventInfo, Outcomes, SnapshotV1, Source
from streams.settings import AgreementSettings, SignalsSettings
from streams.stages.signals.logic import SignalStage, Verdict

KICKOFF = datetime(2026, 6, 1, 18, 0, tzinfo=UTC)
T0 = KICKOFF - timedelta(hours=2)
EVENT = EventInfo(1001, "soccer", "Lyon", "Lille", KICKOFF)
OU = (18, "total=2.5")
X12 = (1, "")


def snap(book: str, at: datetime, lines: dict[tuple[int, str], Outcomes], *, keyframe: bool = False,
         removed: tuple[tuple[int, str], ...] = (), live: bool = False) -> SnapshotV1:  # fmt: skip
    return SnapshotV1(
        event=EVENT, bookmaker=book, bookmaker_event_id=f"{book}-1", captured_at=at, live=live,
        keyframe=keyframe, lines_total=len(lines), source=Source(f"odds.raw.{book}", 0, 0),
        changed=lines, removed=removed,
    )  # fmt: skip


class Stage:
    def __init__(self, agreement: bool = False, **settings: object) -> None:
        self.markets: dict[str, bytes] = {}
        self.events: dict[str, bytes] = {}
        self.settings = SignalsSettings(**settings)  # type: ignore[arg-type]
        agree = AgreementSettings() if agreement else None
        self.stage = SignalStage(self.settings, self.markets, self.events, agree)
        self.offset = 0

    def put(self, s: SnapshotV1, offset: int | None = None):  # type: ignore[no-untyped-def]
        if offset is None:
            self.offset += 1
            offset = self.offset
        return self.stage.process(s, 0, offset, "odds.snapshots.v1")


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def test_margin_fair_and_opening_of_one_book() -> None:
    st = Stage()
    r = st.put(snap("betpawa", at(0), {OU: {"12": 1.9, "13": 1.9}, X12: {"1": 2.1, "2": 3.4, "3": None}}))
    assert r.verdict is Verdict.NEW and r.signals is not None
    (m,) = r.signals.margins  # the 1X2 has a suspended outcome: no margin
    assert (m.market_id, m.line) == OU
    assert m.margin == pytest.approx(2 / 1.9 - 1)
    assert m.fair == {"12": pytest.approx((0.5, 0.5)), "13": pytest.approx((0.5, 0.5))}
    assert {(p.kind, p.market_id) for p in r.signals.prices} == {("opening", 18), ("opening", 1)}
    assert r.signals.deviations == ()  # one book: no consensus (min_books 2)


def test_deviations_from_the_median_of_fresh_books() -> None:
    st = Stage(deviation_min=0.08)
    st.put(snap("sportybet", at(0), {OU: {"12": 1.9, "13": 1.9}}))
    st.put(snap("bet9ja", at(1), {OU: {"12": 1.85, "13": 1.95}}))
    r = st.put(snap("betpawa", at(2), {OU: {"12": 2.2, "13": 1.6}}))
    assert r.signals is not None
    # fair (Shin = additive for two outcomes): sportybet 0.5/0.5; bet9ja π 0.540541, 0.512821,
    # excess 0.026681 → 0.513860/0.486140; betpawa π 0.454545, 0.625 excess 0.039773 →
    # 0.414773/0.585227. Median over = 0.5, under = 0.5 (middle of three)
    devs = {(d.bookmaker, d.outcome_id): d for d in r.signals.deviations}
    assert set(devs) == {("betpawa", "12"), ("betpawa", "13")}
    assert devs[("betpawa", "12")].consensus == pytest.approx(0.5)
    assert devs[("betpawa", "12")].deviation == pytest.approx(2.2 * 0.5 - 1)  # +10%
    assert devs[("betpawa", "13")].deviation == pytest.approx(1.6 * 0.5 - 1)  # −20%
    assert devs[("betpawa", "12")].books == 3
    assert r.signals.evaluated == (OU,)


def test_stale_books_are_left_out() -> None:
    st = Stage(max_age_s=60)
    st.put(snap("sportybet", at(0), {OU: {"12": 1.5, "13": 2.7}}))
    r = st.put(snap("betpawa", at(61), {OU: {"12": 2.2, "13": 1.6}}))
    assert r.signals is not None and r.signals.deviations == () and r.signals.arbitrages == ()
    # a capture of sportybet (even one that changes nothing on this line) makes it fresh again
    r = st.put(snap("sportybet", at(62), {OU: {"12": 1.5, "13": 2.7}}))
    assert r.signals is None  # nothing changed, nothing to say
    r = st.put(snap("betpawa", at(63), {OU: {"12": 2.25, "13": 1.6}}))
    assert r.signals is not None and r.signals.deviations


def test_arbitrage_window_opens_and_closes() -> None:
    st = Stage()
    st.put(snap("sportybet", at(0), {OU: {"12": 2.10, "13": 1.80}}))
    r = st.put(snap("bet9ja", at(1), {OU: {"12": 1.85, "13": 2.05}}))
    assert r.signals is not None
    (opened,) = r.signals.arbitrages
    assert (opened.started_at, opened.ended_at, opened.suspect) == (at(1), None, False)
    assert opened.profit == pytest.approx(1 / (1 / 2.10 + 1 / 2.05) - 1)
    assert [(g.outcome_id, g.bookmaker) for g in opened.legs] == [("12", "sportybet"), ("13", "bet9ja")]
    # still open: nothing new
    r = st.put(snap("bet9ja", at(5), {OU: {"12": 1.85, "13": 2.06}}))
    assert r.signals is not None and r.signals.arbitrages == ()
    r = st.put(snap("bet9ja", at(9), {OU: {"12": 1.95, "13": 1.85}}))
    assert r.signals is not None
    (closed,) = r.signals.arbitrages
    assert (closed.started_at, closed.ended_at) == (at(1), at(9))
    assert closed.profit == pytest.approx(1 / (1 / 2.10 + 1 / 2.06) - 1)  # the largest seen


def test_arbitrage_closes_when_a_leg_goes_stale() -> None:
    st = Stage(max_age_s=30)
    st.put(snap("sportybet", at(0), {OU: {"12": 2.10, "13": 1.80}}))
    st.put(snap("bet9ja", at(1), {OU: {"12": 1.85, "13": 2.05}}))
    r = st.put(snap("bet9ja", at(40), {X12: {"1": 2.1, "2": 3.4, "3": 3.5}}))
    assert r.signals is not None
    (closed,) = r.signals.arbitrages
    assert closed.ended_at == at(40)


def test_suspended_prices_make_no_arbitrage() -> None:
    st = Stage()
    st.put(snap("sportybet", at(0), {OU: {"12": 2.10, "13": None}}))
    r = st.put(snap("bet9ja", at(1), {OU: {"12": 1.85, "13": 2.05}}))
    assert r.signals is not None and r.signals.arbitrages == ()


def test_large_arbitrage_is_flagged_suspect() -> None:
    st = Stage(max_arb_pct=10)
    st.put(snap("sportybet", at(0), {OU: {"12": 2.6, "13": 1.5}}))
    r = st.put(snap("bet9ja", at(1), {OU: {"12": 1.5, "13": 2.6}}))
    assert r.signals is not None
    (arb,) = r.signals.arbitrages
    assert arb.profit == pytest.approx(0.3) and arb.suspect


def test_closing_prices_at_the_first_snapshot_after_kickoff() -> None:
    st = Stage()
    st.put(snap("sportybet", KICKOFF - timedelta(minutes=5), {OU: {"12": 1.9, "13": 1.9}}))
    st.put(snap("bet9ja", KICKOFF - timedelta(minutes=3), {OU: {"12": 1.8, "13": 2.0}}))
    st.put(snap("bet9ja", KICKOFF - timedelta(minutes=1), {OU: {"12": 1.85, "13": 1.95}}))
    r = st.put(snap("sportybet", KICKOFF + timedelta(seconds=5), {OU: {"12": 1.7, "13": 2.1}}, live=True))
    assert r.signals is not None
    closing = {p.bookmaker: p for p in r.signals.prices if p.kind == "closing"}
    assert closing["sportybet"].outcomes == {"12": 1.9, "13": 1.9}
    assert closing["bet9ja"].outcomes == {"12": 1.85, "13": 1.95}
    assert closing["bet9ja"].at == KICKOFF - timedelta(minutes=1)
    r = st.put(snap("bet9ja", KICKOFF + timedelta(seconds=9), {OU: {"12": 1.6, "13": 2.2}}, live=True))
    assert r.signals is not None and not [p for p in r.signals.prices if p.kind == "closing"]


def test_replay_publishes_the_same_bytes_and_duplicates_are_skipped() -> None:
    st = Stage()
    st.put(snap("sportybet", at(0), {OU: {"12": 2.10, "13": 1.80}}), offset=5)
    first = st.put(snap("bet9ja", at(1), {OU: {"12": 1.85, "13": 2.05}}), offset=6)
    again = st.put(snap("bet9ja", at(1), {OU: {"12": 1.85, "13": 2.05}}), offset=6)
    assert again.verdict is Verdict.REPLAY and again.output == first.output
    assert (
        st.put(snap("sportybet", at(0), {OU: {"12": 2.10, "13": 1.80}}), offset=5).verdict
        is Verdict.DUPLICATE
    )
    # the match stage publishing a capture again (new offset, same captured_at): stale
    assert st.put(snap("bet9ja", at(1), {OU: {"12": 1.85, "13": 2.05}}), offset=7).verdict is Verdict.STALE


def test_state_recovered_from_the_tables_decides_the_same() -> None:
    a, b = Stage(), Stage()
    script = [
        snap("sportybet", at(0), {OU: {"12": 2.10, "13": 1.80}}),
        snap("bet9ja", at(1), {OU: {"12": 1.85, "13": 2.05}}),
        snap("betpawa", at(2), {OU: {"12": 2.3, "13": 1.6}}),
        snap("bet9ja", at(3), {OU: {"12": 1.95, "13": 1.85}}),
    ]
    outs_a = [a.put(s).output for s in script]
    outs_b = []
    for s in script:
        outs_b.append(b.put(s).output)
        # a new worker: the same table bytes, copies, nothing cached
        b.stage = SignalStage(b.settings, {k: bytes(v) for k, v in b.markets.items()},
                              {k: bytes(v) for k, v in b.events.items()})  # fmt: skip
        b.markets, b.events = b.stage.markets.table, b.stage.events.table  # type: ignore[assignment]
    assert outs_a == outs_b
    assert decode_signals(outs_a[1]).arbitrages[0].ended_at is None  # type: ignore[arg-type]


def test_lines_flagged_by_the_agreement_check_are_kept_out() -> None:
    st = Stage(agreement=True)
    st.put(snap("sportybet", at(0), {OU: {"12": 1.4, "13": 3.0}}))
    # bet9ja's over/under swapped (a wrong mapping): no-vig 0.31 vs 0.68 → flagged
    r = st.put(snap("bet9ja", at(1), {OU: {"12": 3.0, "13": 1.4}}))
    assert r.signals is not None
    assert r.signals.arbitrages == () and r.signals.deviations == () and r.signals.evaluated == ()
    # without the check the same quotes would be a 40% arbitrage
    st = Stage(agreement=False)
    st.put(snap("sportybet", at(0), {OU: {"12": 1.4, "13": 3.0}}))
    r = st.put(snap("bet9ja", at(1), {OU: {"12": 3.0, "13": 1.4}}))
    assert r.signals is not None and r.signals.arbitrages[0].suspect


def test_events_without_sportradar_id_are_skipped() -> None:
    st = Stage()
    s = snap("betpawa", at(0), {OU: {"12": 1.9, "13": 1.9}})
    lone = SnapshotV1(**{**{f: getattr(s, f) for f in s.__dataclass_fields__},
                         "event": EventInfo(None, "soccer", "A", "B", KICKOFF)})  # fmt: skip
    assert st.put(lone).verdict is Verdict.SKIPPED


def test_a_window_never_ends_before_it_started() -> None:
    """Bookmakers' captures interleave: the snapshot that closes a window may have been
    captured before the one that opened it."""
    st = Stage()
    st.put(snap("sportybet", at(10), {OU: {"12": 2.10, "13": 1.80}}))
    r = st.put(snap("bet9ja", at(12), {OU: {"12": 1.85, "13": 2.05}}))
    assert r.signals is not None and r.signals.arbitrages[0].started_at == at(12)
    r = st.put(snap("sportybet", at(11), {OU: {"12": 1.80, "13": 1.80}}))  # captured before 12
    assert r.signals is not None
    (closed,) = r.signals.arbitrages
    assert (closed.started_at, closed.ended_at) == (at(12), at(12))


def test_forget_deletes_a_closed_event_from_both_tables() -> None:
    st = Stage()
    st.put(snap("betpawa", at(0), {OU: {"12": 1.9, "13": 1.9}}))
    st.put(snap("sportybet", at(1), {OU: {"12": 1.85, "13": 1.95}}))
    key = "sr:1001"
    assert st.markets and all(k.startswith(key) for k in st.markets) and set(st.events) == {key}
    held = len(st.markets) + len(st.events)
    assert st.stage.forget(key) == held  # its markets, their index and the event entry
    assert st.markets == {} and st.events == {}
    assert st.stage.forget(key) == 0  # applied twice (a close republished after a restart)
    # a reopened event starts anew: its first snapshot is new and prices opening lines again
    r = st.put(snap("betpawa", at(5), {OU: {"12": 1.9, "13": 1.9}}))
    assert r.verdict is Verdict.NEW and r.signals is not None
    assert {p.kind for p in r.signals.prices} == {"opening"}
