"""World behaviour: determinism, the change/suspension knobs, live play, ids, price bounds."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from streams.simulator import BOOKMAKERS, World, WorldConfig, render
from streams.simulator.markets import MARKETS

# prematch books only, moving at the live rates (prematch_activity 1)
QUIET = WorldConfig(
    bookmakers=BOOKMAKERS,
    live_share=0.0,
    kickoff_horizon_s=48 * 3600,
    suspend_rate=0.0,
    prematch_activity=1.0,
)
LINE_KEY = re.compile(r"^(|total=-?\d+(\.\d+)?|hcp=-?\d+(\.\d+)?|hcp=\d+:\d+|goalnr=\d+)$")


def _changed_share(world: World, steps: int, dt: float = 60.0, *, live: bool = False) -> float:
    """Share of the lines of prematch (or, with ``live``, in-play) books that changed per step."""
    changed = total = 0
    for _ in range(steps):
        before = [{b: world.truth(i, b) for b in BOOKMAKERS} for i in range(len(world))]
        was_live = [m.live for m in world.matches]
        ids = [m.sr_id for m in world.matches]
        world.step(dt)
        for i, books in enumerate(before):
            m = world.matches[i]
            # a kickoff re-prices everything, a finished match is replaced: count books that
            # stayed prematch (or stayed in play) for the whole step
            if m.live != live or was_live[i] != live or m.sr_id != ids[i]:
                continue
            for b, lines in books.items():
                after = world.truth(i, b)
                if not live:
                    assert after.keys() == lines.keys()  # prematch, nothing settles
                total += len(lines)
                changed += sum(after[k] != v for k, v in lines.items())
    return changed / total


def test_same_seed_same_world_different_seed_different_world() -> None:
    def run(seed: int) -> list[object]:
        world = World(8, seed=seed, config=WorldConfig(bookmakers=BOOKMAKERS, time_scale=10))
        for _ in range(5):
            world.step(30)
        return [render(world, i, b) for i in range(len(world)) for b in BOOKMAKERS]

    assert run(7) == run(7)
    assert run(7) != run(8)


def test_start_must_be_aware() -> None:
    with pytest.raises(ValueError):
        World(1, start=datetime(2026, 5, 6, 12, 0))


@pytest.mark.parametrize("rate", [0.05, 0.2])
def test_change_rate_is_the_share_of_lines_repriced_per_step(rate: float) -> None:
    world = World(30, seed=3, config=replace(QUIET, change_rate=rate))
    share = _changed_share(world, steps=10)
    assert rate * 0.85 < share < rate * 1.15


def test_prematch_books_move_at_prematch_activity_of_the_live_rate() -> None:
    cfg = WorldConfig(
        bookmakers=BOOKMAKERS,
        live_share=0.5,
        suspend_rate=0.0,
        live_suspend_rate=0.0,
        change_rate=0.2,
        prematch_activity=0.25,
    )
    prematch = _changed_share(World(40, seed=11, config=cfg), steps=10, dt=5.0)
    live = _changed_share(World(40, seed=11, config=cfg), steps=10, dt=5.0, live=True)
    assert 0.05 * 0.8 < prematch < 0.05 * 1.2
    assert live > 0.2 * 0.9  # goals and phase changes re-price whole boards on top


def test_zero_change_rate_freezes_prematch_prices() -> None:
    world = World(10, seed=4, config=replace(QUIET, change_rate=0.0))
    assert _changed_share(world, steps=3) == 0.0


def test_markets_get_suspended_and_come_back() -> None:
    cfg = replace(QUIET, suspend_rate=0.2, reactivate_rate=0.5)
    world = World(10, seed=5, config=cfg)
    seen_suspended: set[tuple[int, str, tuple[int, str]]] = set()
    revived = 0
    for _ in range(8):
        world.step(60)
        for i in range(len(world)):
            for b in BOOKMAKERS:
                for key, outcomes in world.truth(i, b).items():
                    ident = (i, b, key)
                    if all(p is None for p in outcomes.values()):
                        seen_suspended.add(ident)
                    elif ident in seen_suspended:
                        revived += 1
                        seen_suspended.discard(ident)
    assert seen_suspended and revived > 10


def test_live_events_get_suspended_wholesale() -> None:
    cfg = WorldConfig(
        bookmakers=BOOKMAKERS, live_share=1.0, live_suspend_rate=1.0, live_resume_rate=0.0, suspend_rate=0.0
    )
    world = World(6, seed=6, config=cfg)
    world.step(5)
    for i, m in enumerate(world.matches):
        if m.live:
            for b in BOOKMAKERS:
                prices = [p for line in world.truth(i, b).values() for p in line.values()]
                assert prices and all(p is None for p in prices)


def test_prices_stay_bounded_through_live_play() -> None:
    world = World(
        40,
        seed=9,
        config=WorldConfig(bookmakers=BOOKMAKERS, time_scale=30, kickoff_horizon_s=600, live_share=0.5),
    )
    for _ in range(40):
        world.step(20)
        for i in range(len(world)):
            for b in BOOKMAKERS:
                for (market_id, key), outcomes in world.truth(i, b).items():
                    assert market_id in MARKETS and LINE_KEY.match(key), (market_id, key)
                    assert set(outcomes) <= set(MARKETS[market_id].outcomes)
                    assert all(p is None or 1.01 < p <= 500 for p in outcomes.values())


def test_matches_go_live_score_settle_lines_and_get_replaced() -> None:
    world = World(
        30,
        seed=11,
        config=WorldConfig(bookmakers=BOOKMAKERS, time_scale=60, kickoff_horizon_s=300, live_share=0.0),
    )
    assert not any(m.live for m in world.matches)
    first_uids = {m.uid for m in world.matches}
    went_live = goals = 0
    for _ in range(80):
        world.step(10)
        went_live += sum(m.live for m in world.matches)
        for i, m in enumerate(world.matches):
            if m.sport != "soccer" or not m.live:
                continue
            scored = sum(m.score)
            goals += scored
            truth = world.truth(i, "sportybet")
            totals = [float(k[6:]) for (mid, k) in truth if mid == 18]
            assert all(v > scored for v in totals)  # settled totals are withdrawn
            assert [k for (mid, k) in truth if mid == 8] in ([], [f"goalnr={scored + 1}"])
    assert went_live and goals
    assert {m.uid for m in world.matches} - first_uids  # finished matches were replaced


def test_some_events_lack_the_sportradar_id() -> None:
    world = World(400, seed=12, config=WorldConfig(bookmakers=BOOKMAKERS))
    missing = [m for m in world.matches if len(m.sr_on) < len(BOOKMAKERS)]
    assert 20 <= len(missing) <= 65  # default share 10%
    assert all("sportybet" in m.sr_on for m in missing)  # default: only betpawa/bet9ja lose it
    for i, m in enumerate(world.matches[:60]):
        for b in BOOKMAKERS:
            event_id, sr = world.event_ids(i, b)
            assert sr == (m.sr_id if b in m.sr_on else None)
            assert event_id


def test_sportybet_without_sportradar_id_uses_a_non_match_urn() -> None:
    cfg = WorldConfig(bookmakers=BOOKMAKERS, missing_sr_share=1.0, missing_sr_bookmakers=("sportybet",))
    world = World(3, seed=13, config=cfg)
    for i in range(3):
        event_id, sr = world.event_ids(i, "sportybet")
        assert sr is None and not event_id.startswith("sr:match:")


def test_sport_mix_and_start_time() -> None:
    start = datetime(2026, 1, 2, 3, 4, tzinfo=UTC)
    world = World(300, seed=14, start=start, config=WorldConfig(bookmakers=BOOKMAKERS))
    sports = [m.sport for m in world.matches]
    assert sports.count("soccer") > 200 and sports.count("basketball") > 10 and sports.count("tennis") > 5
    assert world.now == start
    assert all(m.kickoff > start for m in world.matches if not m.live)
