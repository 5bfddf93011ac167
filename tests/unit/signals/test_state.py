"""The signals state per event × market: what one snapshot writes, and a redelivery after a
partial write (the markets written, the event's entry not) deciding the same."""

from __future__ import annotations

from streams.stages.signals.logic import SignalStage, Verdict
from streams.stages.signals.state import decode_market, index_key, market_key
from tests.unit.signals.test_process import OU, X12, Stage, at, snap

HCP = (16, "hcp=-0.5")


class Counting(dict[str, bytes]):
    """A table that counts its writes."""

    def __init__(self) -> None:
        super().__init__()
        self.writes: list[str] = []

    def __setitem__(self, key: str, value: bytes) -> None:
        self.writes.append(key)
        super().__setitem__(key, value)


def test_a_snapshot_writes_only_the_markets_it_changed() -> None:
    st = Stage()
    st.markets = Counting()
    st.stage = SignalStage(st.settings, st.markets, st.events)
    lines = {OU: {"12": 1.9, "13": 1.9}, X12: {"1": 2.1, "2": 3.4, "3": 3.5}, HCP: {"1714": 1.8, "1715": 2.0}}
    st.put(snap("sportybet", at(0), lines, keyframe=True))
    key = snap("sportybet", at(0), {}).key
    written = [market_key(key, mid) for mid in (1, 16, 18)] + [index_key(key)]
    assert sorted(st.markets.writes) == sorted(written)
    st.markets.writes.clear()
    r = st.put(snap("sportybet", at(1), {OU: {"12": 1.95, "13": 1.85}}))
    assert r.verdict is Verdict.NEW and st.markets.writes == [market_key(key, 18)]
    # a keyframe that drops a line writes that line's market as well
    st.markets.writes.clear()
    st.put(snap("sportybet", at(2), {OU: {"12": 1.95, "13": 1.85}, X12: {"1": 2.1, "2": 3.4, "3": 3.5}},
                keyframe=True))  # fmt: skip
    assert st.markets.writes == [market_key(key, 16)]
    held = decode_market(st.markets[market_key(key, 16)])
    assert held is not None and held.books["sportybet"]["hcp=-0.5"][1] is None  # removed, still opened


def test_a_redelivered_record_after_a_partial_write_publishes_the_same() -> None:
    script = [
        snap("sportybet", at(0), {OU: {"12": 2.10, "13": 1.80}, HCP: {"1714": 1.8, "1715": 2.0}},
             keyframe=True),
        snap("bet9ja", at(1), {OU: {"12": 1.85, "13": 2.05}, HCP: {"1714": 1.9, "1715": 1.9}}),
        # sportybet: a price changes, a line goes, a line is priced for the first time
        snap("sportybet", at(2), {OU: {"12": 2.2, "13": 1.75}, X12: {"1": 2.1, "2": 3.4, "3": 3.5}},
             keyframe=True),
    ]  # fmt: skip
    whole = Stage()
    expected = [whole.put(s).output for s in script]
    st = Stage()
    for s in script[:-1]:
        st.put(s)
    before = dict(st.events)
    st.put(script[-1])  # the worker dies after writing the markets, before the entry
    partial = Stage()
    partial.markets.update({k: bytes(v) for k, v in st.markets.items()})
    partial.events.update({k: bytes(v) for k, v in before.items()})
    partial.offset = st.offset - 1
    r = partial.put(script[-1])
    assert r.verdict is Verdict.NEW
    assert r.output == expected[-1]
    assert r.signals is not None and {p.kind for p in r.signals.prices} == {"opening"}
    assert set(r.signals.evaluated) == {OU, X12, HCP}  # changed, new and removed lines alike
