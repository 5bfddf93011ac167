"""One match (sr:match:68995116) at three bookmakers as canonical lines, built by hand.

Prices are the fixtures' own (tests/fixtures/bookmakers/*/soccer_prematch.json), written out
so the agreement tests do not depend on the adapters. ``WRONG`` holds the same lines as a
bookmaker with a broken mapping would send them.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from streams.contracts.canonical import CanonicalEventOddsV1, MarketLine, Outcome

T0 = datetime(2026, 5, 6, 10, 30, tzinfo=UTC)
SR = 68995116
KEY = f"sr:{SR}"

# (market, market id, line) -> {bookmaker: ((outcome id, price), ...)}
Lines = dict[tuple[str, int, str], tuple[tuple[str, float], ...]]

BOOKS: dict[str, Lines] = {
    "sportybet": {
        ("match_result", 1, ""): (("1", 2.4), ("2", 3.3), ("3", 3.0)),
        ("h1_match_result", 60, ""): (("1", 3.0), ("2", 2.0), ("3", 3.5)),
        ("asian_handicap", 16, "hcp=-0.5"): (("1714", 2.4), ("1715", 1.55)),
        ("asian_handicap", 16, "hcp=-1.5"): (("1714", 4.6), ("1715", 1.17)),
        ("total_goals", 18, "total=2"): (("12", 1.48), ("13", 2.6)),
        ("total_goals", 18, "total=2.5"): (("12", 1.96), ("13", 1.81)),
        ("h1_total_goals", 68, "total=1.5"): (("12", 2.7), ("13", 1.42)),
    },
    "betpawa": {
        ("match_result", 1, ""): (("1", 2.41), ("2", 3.29), ("3", 3.02)),
        ("h1_match_result", 60, ""): (("1", 2.98), ("2", 2.03), ("3", 3.45)),
        ("asian_handicap", 16, "hcp=-0.5"): (("1714", 2.38), ("1715", 1.57)),
        ("asian_handicap", 16, "hcp=-1.5"): (("1714", 4.55), ("1715", 1.18)),
        ("total_goals", 18, "total=2"): (("12", 1.47), ("13", 2.62)),
        ("total_goals", 18, "total=2.5"): (("12", 1.98), ("13", 1.83)),
        ("h1_total_goals", 68, "total=1.5"): (("12", 2.72), ("13", 1.43)),
    },
    "bet9ja": {
        ("match_result", 1, ""): (("1", 2.42), ("2", 3.1), ("3", 2.93)),
        ("h1_match_result", 60, ""): (("1", 2.93), ("2", 2.03), ("3", 3.4)),
        ("asian_handicap", 16, "hcp=-0.5"): (("1714", 2.42), ("1715", 1.55)),
        ("asian_handicap", 16, "hcp=-1.5"): (("1714", 4.5), ("1715", 1.18)),
        ("total_goals", 18, "total=2"): (("12", 1.46), ("13", 2.6)),
        ("total_goals", 18, "total=2.5"): (("12", 1.95), ("13", 1.8)),
        ("h1_total_goals", 68, "total=1.5"): (("12", 2.73), ("13", 1.36)),
    },
}


def event(
    bookmaker: str,
    lines: Lines,
    seconds: float = 0,
    *,
    live: bool = False,
    sr: int | None = SR,
    suspended: frozenset[tuple[int, str, str]] = frozenset(),
) -> CanonicalEventOddsV1:
    """A capture of ``bookmaker`` at ``T0 + seconds``; ``suspended`` (market id, line, outcome)
    are inactive and unpriced."""
    built = []
    for (market, market_id, line), outcomes in lines.items():
        outs = tuple(
            Outcome(oid, None, False) if (market_id, line, oid) in suspended else Outcome(oid, price, True)
            for oid, price in outcomes
        )
        built.append(MarketLine(market, market_id, line, outs))
    return CanonicalEventOddsV1(
        bookmaker=bookmaker,
        bookmaker_event_id=f"{bookmaker}-1",
        sportradar_id=sr,
        sport="soccer",
        home="Wuhan Three Towns FC",
        away="Qingdao Hainiu FC",
        kickoff=T0 + timedelta(days=1),
        live=live,
        captured_at=T0 + timedelta(seconds=seconds),
        lines=tuple(built),
    )


def with_line(lines: Lines, key: tuple[str, int, str], outcomes: tuple[tuple[str, float], ...]) -> Lines:
    """A copy of ``lines`` with one line replaced."""
    return {**lines, key: outcomes}


def swapped(lines: Lines, key: tuple[str, int, str]) -> Lines:
    """Outcomes swapped: the first outcome id gets the last outcome's price and vice versa."""
    outs = lines[key]
    ids = [oid for oid, _ in outs]
    prices = [p for _, p in outs]
    prices[0], prices[-1] = prices[-1], prices[0]
    return with_line(lines, key, tuple(zip(ids, prices, strict=True)))
