"""Live play: advances one match's clock and draws what happens (goals, points, sets).

Times are match minutes since kickoff (already scaled by ``WorldConfig.time_scale``).
Soccer: 45' halves with a 15' break, over after 105'; basketball: 48' of play over 130';
tennis: best of three sets, each ending at a random moment (cut off at 240').
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

from streams.simulator.state import Match

DURATION = {"soccer": 105.0, "basketball": 130.0, "tennis": 240.0}


@dataclass(frozen=True, slots=True)
class Incidents:
    """What a step changed: ``structural`` re-prices every line; ``score`` suspends the event."""

    structural: bool = False
    score: bool = False


def poisson(rng: random.Random, lam: float) -> int:
    if lam <= 0:
        return 0
    if lam > 30:
        return max(0, round(rng.gauss(lam, math.sqrt(lam))))
    limit, k, p = math.exp(-lam), 0, rng.random()
    while p > limit:
        k += 1
        p *= rng.random()
    return k


def _overlap(a0: float, a1: float, b0: float, b1: float) -> float:
    return max(0.0, min(a1, b1) - max(a0, b0))


def advance(m: Match, rng: random.Random, elapsed: float) -> Incidents:
    """Move ``m`` to ``elapsed`` match minutes, drawing the play in between."""
    e0, status0, score0 = m.elapsed, m.status, (m.score[0], m.score[1], sum(m.sets))
    m.elapsed = elapsed
    if elapsed >= 0:
        if m.sport == "soccer":
            _soccer(m, rng, e0, elapsed)
        elif m.sport == "basketball":
            _basketball(m, rng, e0, elapsed)
        else:
            _tennis(m, rng, e0, elapsed)
    if elapsed >= DURATION[m.sport]:
        m.ended = True
    # Baskets are routine (prices just move); goals and sets suspend and re-price the event.
    scored = m.sport != "basketball" and (m.score[0], m.score[1], sum(m.sets)) != score0
    return Incidents(structural=m.status != status0 or scored, score=scored)


def _soccer(m: Match, rng: random.Random, e0: float, e1: float) -> None:
    for start, end in ((0.0, 45.0), (60.0, 105.0)):
        minutes = _overlap(e0, e1, start, end)
        if minutes > 0:
            m.score[0] += poisson(rng, m.strength[0] * minutes / 90)
            m.score[1] += poisson(rng, m.strength[1] * minutes / 90)
            m.corners += poisson(rng, m.strength[2] * minutes / 90)
        if start == 0.0 and e0 < 45 <= e1:
            m.ht_score = (m.score[0], m.score[1])


def _basketball(m: Match, rng: random.Random, e0: float, e1: float) -> None:
    played = _overlap(e0, e1, 0.0, 130.0) * 48 / 130
    for side in (0, 1):
        mean = m.strength[side] * played / 48
        if mean > 0:
            m.score[side] += max(0, round(rng.gauss(mean, 1.3 * math.sqrt(mean))))


def _tennis(m: Match, rng: random.Random, e0: float, e1: float) -> None:
    minutes = _overlap(e0, e1, 0.0, DURATION["tennis"])
    p_game = 0.5 + (m.strength[0] - 0.5) * 0.4
    for _ in range(poisson(rng, minutes / 4.5)):
        m.games[0] += 1
        m.games[1] += 1
        m.games[2] += 1 if rng.random() < p_game else -1
    if m.games[1] >= 6 and rng.random() < 1 - math.exp(-minutes / 20):
        m.sets[0 if rng.random() < m.strength[0] else 1] += 1
        m.games[1] = 0
        if max(m.sets) == 2:
            m.ended = True
