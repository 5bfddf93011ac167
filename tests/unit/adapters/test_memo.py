"""The adapters' two-generation memo (streams.adapters._lines.BoundedCache) stays bounded."""

from __future__ import annotations

from streams.adapters._lines import BoundedCache, outcome


def test_the_memo_holds_at_most_two_generations() -> None:
    cache = BoundedCache(100)
    for i in range(10_000):
        if cache.lookup(i) is None:
            cache.put(i, str(i))
        assert len(cache) + len(cache.old) <= 200
    assert cache.lookup(9_999) == "9999"
    assert cache.lookup(0) is None  # forgotten two turnovers ago


def test_what_keeps_being_used_survives_a_turnover() -> None:
    cache = BoundedCache(100)
    cache.put("hot", 1)
    for i in range(1_000):  # ten turnovers of cold keys, "hot" read between them
        cache.put(i, i)
        assert cache.lookup("hot") == 1


def test_outcomes_are_shared_while_recurring() -> None:
    first = outcome("1", 2.5)
    for p in range(30_000):  # 30,000 other prices: more than the memo holds
        outcome("2", 1.0 + p / 1000)
        if p % 1000 == 0:
            assert outcome("1", 2.5) is first
    assert outcome("1", 2.5) is first
