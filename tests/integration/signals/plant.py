"""A scripted feed of ``odds.snapshots.v1`` records with known signals planted in it.

One matched event, three bookmakers, total goals 2.5 (UOF 18) and 1X2 (UOF 1), prematch
captures one second apart, then one live capture after kickoff. Planted (defaults of
``ODDS_SIGNALS__*``: Shin, 2 books, 8% deviation, 60 s max age, 10% suspect):

* betpawa's over/under 2.25 / 1.65 against consensus 0.5 / 0.5 (sportybet's 1.90 / 1.90 is
  the median of the three books): deviations +12.5% and −17.5%, nothing else deviates 8%;
* two arbitrage windows open with betpawa's capture: 1X2, best prices 2.50 (sportybet), 3.60
  (bet9ja), 3.25 (betpawa), inverse sum 0.98547, 1.474%, closed when bet9ja's draw drops to
  3.30; over/under, over 2.25 (betpawa) and under 1.92 (bet9ja), inverse sum 0.96528, 3.597%,
  closed by the live capture after kickoff (live and prematch prices are never combined);
* that live capture emits the closing prices of all six lines.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from streams.contracts.snapshot import EventInfo, Outcomes, SnapshotV1, Source

SR = 7_000_001
OU = (18, "total=2.5")
X12 = (1, "")


def script(t0: datetime | None = None) -> list[SnapshotV1]:
    t0 = t0 or datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=5)
    kickoff = t0 + timedelta(seconds=3.5)
    event = EventInfo(SR, "soccer", "Planted Home", "Planted Away", kickoff)

    def snap(
        i: int, book: str, at: datetime, lines: dict[tuple[int, str], Outcomes], live: bool = False
    ) -> SnapshotV1:
        return SnapshotV1(event, book, f"{book}-{SR}", at, live, i < 3, len(lines),
                          Source(f"odds.raw.{book}", 0, i), lines)  # fmt: skip

    s = timedelta(seconds=1)
    return [
        snap(0, "sportybet", t0, {OU: {"12": 1.90, "13": 1.90}, X12: {"1": 2.50, "2": 3.40, "3": 3.00}}),
        snap(1, "bet9ja", t0 + s, {OU: {"12": 1.88, "13": 1.92}, X12: {"1": 2.40, "2": 3.60, "3": 3.10}}),
        snap(
            2, "betpawa", t0 + 2 * s, {OU: {"12": 2.25, "13": 1.65}, X12: {"1": 2.45, "2": 3.30, "3": 3.25}}
        ),
        snap(3, "bet9ja", t0 + 3 * s, {X12: {"1": 2.40, "2": 3.30, "3": 3.10}}),
        snap(4, "sportybet", t0 + 5 * s, {X12: {"1": 2.60, "2": 3.20, "3": 2.90}}, live=True),
    ]


#: (bookmaker, market, outcome) → deviation, all that the script plants
DEVIATIONS = {("betpawa", 18, "12"): 2.25 * 0.5 - 1, ("betpawa", 18, "13"): 1.65 * 0.5 - 1}
#: market → (profit, index of the capture that opens it, index of the one that closes it)
ARBS = {1: (1 / (1 / 2.50 + 1 / 3.60 + 1 / 3.25) - 1, 2, 3), 18: (1 / (1 / 2.25 + 1 / 1.92) - 1, 2, 4)}
MARGINS = 8  # changed priced complete lines: 2 + 2 + 2 + 1 + 1
OPENING = 6
CLOSING = 6
