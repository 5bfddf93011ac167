"""Fair odds for every canonical line from a deliberately simple probability model.

Soccer: independent Poisson goals (and corners) for the remaining play time, conditioned
on the current score. Basketball: normal approximations of points total and margin.
Tennis: a best-of-three set chain plus normal approximations of games.

``odds(line)`` returns fair (margin-free) decimal odds per UOF outcome id; impossible
outcomes are left out. Quarter lines are priced as a stake split over the two neighbouring
lines, whole lines with a push refund, so the book of a line is exactly fair.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from streams.simulator.markets import CS_OTHER, CS_SCORES, HTFT, RESULT_TOTAL, Line
from streams.simulator.state import Match

Dist = dict[int, float]
_TINY = 1e-12


def pois(lam: float, n: int) -> list[float]:
    """Poisson pmf for 0..n-1; the tail beyond is dropped (negligible for the rates used)."""
    p = math.exp(-lam)
    out = [p]
    for k in range(1, n):
        p *= lam / k
        out.append(p)
    return out


def _shift(pmf: Sequence[float], offset: int) -> Dist:
    return {offset + k: p for k, p in enumerate(pmf)}


def _conv(a: Dist, b: Dist, sign: int = 1) -> Dist:
    out: Dist = {}
    for x, px in a.items():
        for y, py in b.items():
            out[x + sign * y] = out.get(x + sign * y, 0.0) + px * py
    return out


def _inv(probs: dict[str, float]) -> dict[str, float]:
    return {k: 1.0 / p for k, p in probs.items() if p > _TINY}


def two_way(dist: Dist, shift: float, pos: str = "12", neg: str = "13") -> dict[str, float]:
    """Fair odds of "value + shift > 0" (``pos``) against "< 0" (``neg``), Asian style.

    Totals: ``dist`` of goals, ``shift = -line``, pos = over. Handicaps: ``dist`` of the home
    margin, ``shift = line``, pos = home. A quarter shift halves the stake over two lines.
    """
    q = round(shift * 4)
    halves = (shift, shift) if q % 2 == 0 else ((q - 1) / 4, (q + 1) / 4)
    win = lose = push = 0.0
    for h in halves:
        for v, p in dist.items():
            x = v + h
            if x > 0:
                win += p / 2
            elif x < 0:
                lose += p / 2
            else:
                push += p / 2
    return {k: (1.0 - push) / w for k, w in ((pos, win), (neg, lose)) if w > _TINY}


def _result(diff: Dist) -> tuple[float, float, float]:
    home = sum(p for d, p in diff.items() if d > 0)
    away = sum(p for d, p in diff.items() if d < 0)
    return home, diff.get(0, 0.0), away


def _idx(d: int) -> int:
    return 0 if d > 0 else 1 if d == 0 else 2


def _phi(x: float) -> float:
    return 0.5 * (1.0 + math.erf(x / math.sqrt(2.0)))


class SoccerModel:
    def __init__(self, m: Match, bias: Sequence[float]) -> None:
        self.lh = m.strength[0] * (1 + bias[0])
        self.la = m.strength[1] * (1 + bias[1])
        t = m.minute
        self.r = max(0.0, 90 - t) / 90
        self.r1 = max(0.0, 45 - t) / 90
        self.m = m
        gh, ga = m.score
        self.home = _shift(pois(self.lh * self.r, 11), gh)
        self.away = _shift(pois(self.la * self.r, 11), ga)
        self.diff = _conv(self.home, self.away, -1)
        self.total = _conv(self.home, self.away)
        lc = m.strength[2] * (1 + bias[2])
        self.corners = _shift(pois(lc * self.r, 36), m.corners)

    def odds(self, line: Line) -> dict[str, float]:
        mid, v = line.market_id, line.value
        if mid in (1, 10):
            p1, px, p2 = _result(self.diff)
            if mid == 1:
                return _inv({"1": p1, "2": px, "3": p2})
            return _inv({"9": p1 + px, "10": p1 + p2, "11": px + p2})
        if mid == 11:
            return two_way(self.diff, 0.0, "4", "5")
        if mid in (18, 19, 20, 166):
            dist = {18: self.total, 19: self.home, 20: self.away, 166: self.corners}[mid]
            return two_way(dist, -v)
        if mid == 16:
            return two_way(self.diff, v, "1714", "1715")
        if mid == 14:
            p1, px, p2 = _result({d + int(v): p for d, p in self.diff.items()})
            return _inv({"1711": p1, "1712": px, "1713": p2})
        if mid == 29:
            yes = (1 - self.home.get(0, 0.0)) * (1 - self.away.get(0, 0.0))
            return _inv({"74": yes, "76": 1 - yes})
        if mid == 26:
            odd = sum(p for n, p in self.total.items() if n % 2)
            return _inv({"70": odd, "72": 1 - odd})
        if mid == 45:
            probs = {oid: self.home.get(h, 0.0) * self.away.get(a, 0.0) for oid, (h, a) in CS_SCORES.items()}
            probs[CS_OTHER] = 1 - sum(probs.values())
            return _inv(probs)
        if mid == 8:
            lam = self.lh + self.la
            scored = 1 - math.exp(-lam * self.r)
            return _inv({"6": scored * self.lh / lam, "7": 1 - scored, "8": scored * self.la / lam})
        if mid == 37:
            probs = dict.fromkeys(RESULT_TOTAL, 0.0)
            for h, ph in self.home.items():
                for a, pa in self.away.items():
                    probs[str(794 + 2 * (_idx(h - a) * 2 + (h + a > v)))] += ph * pa
            return _inv(probs)
        return self._first_half(mid, v)

    def _first_half(self, mid: int, v: float) -> dict[str, float]:
        gh, ga = self.m.score
        hh = _shift(pois(self.lh * self.r1, 9), gh)
        ha = _shift(pois(self.la * self.r1, 9), ga)
        if mid == 68:
            return two_way(_conv(hh, ha), -v)
        ht_diff = _conv(hh, ha, -1)
        if mid == 60:
            p1, px, p2 = _result(ht_diff)
            return _inv({"1": p1, "2": px, "3": p2})
        r2 = self.r - self.r1
        second = _conv(_shift(pois(self.lh * r2, 11), 0), _shift(pois(self.la * r2, 11), 0), -1)
        grid = [0.0] * 9
        for hd, p in ht_diff.items():
            for d2, p2 in second.items():
                grid[_idx(hd) * 3 + _idx(hd + d2)] += p * p2
        return _inv({oid: grid[i * 3 + j] for oid, (i, j) in HTFT.items()})


class BasketballModel:
    def __init__(self, m: Match, bias: Sequence[float]) -> None:
        r = (48 - m.minute) / 48
        mh = m.strength[0] * (1 + bias[0])
        ma = m.strength[1] * (1 + bias[1])
        self.mean_d = m.score[0] - m.score[1] + (mh - ma) * r
        self.mean_t = m.score[0] + m.score[1] + (mh + ma) * r
        self.sd_d = max(0.5, 12 * math.sqrt(r))
        self.sd_t = max(0.5, 17 * math.sqrt(r))

    def odds(self, line: Line) -> dict[str, float]:
        if line.market_id == 219:
            p = _phi(self.mean_d / self.sd_d)
            return _inv({"4": p, "5": 1 - p})
        if line.market_id == 223:
            p = _phi((self.mean_d + line.value) / self.sd_d)
            return _inv({"1714": p, "1715": 1 - p})
        p = 1 - _phi((line.value - self.mean_t) / self.sd_t)
        return _inv({"12": p, "13": 1 - p})


def _win(s: float, h: int, a: int) -> float:
    """P(home wins a best-of-three match from sets h:a), set win probability ``s``."""
    if h == 2 or a == 2:
        return 1.0 if h == 2 else 0.0
    return s * _win(s, h + 1, a) + (1 - s) * _win(s, h, a + 1)


class TennisModel:
    def __init__(self, m: Match, bias: Sequence[float]) -> None:
        s = min(0.95, max(0.05, m.strength[0] + bias[0] * 0.5))
        h, a = m.sets
        self.s, self.h, self.a = s, h, a
        self.third = 1.0 if h == a == 1 else (1 - s) if h == 1 else s if a == 1 else 2 * s * (1 - s)
        remaining = 1 + (h + a == 0) + self.third  # sets still to finish, the current one included
        per_set = m.strength[1] * (1 + bias[1])
        total, current, margin = m.games
        self.mean_t = total + max(1.0, per_set * remaining - current)
        self.mean_d = margin + (s - 0.5) * 9 * remaining
        self.sd_t = max(0.5, 3.6 * math.sqrt(remaining))
        self.sd_d = max(0.5, 3.3 * math.sqrt(remaining))

    def odds(self, line: Line) -> dict[str, float]:
        mid, v = line.market_id, line.value
        if mid == 186:
            p = _win(self.s, self.h, self.a)
            return _inv({"4": p, "5": 1 - p})
        if mid == 314:
            return _inv({"12": self.third, "13": 1 - self.third})
        if mid == 187:
            p = _phi((self.mean_d + v) / self.sd_d)
            return _inv({"1714": p, "1715": 1 - p})
        p = 1 - _phi((v - self.mean_t) / self.sd_t)
        return _inv({"12": p, "13": 1 - p})


Model = SoccerModel | BasketballModel | TennisModel


def model_for(m: Match, bias: Sequence[float]) -> Model:
    if m.sport == "soccer":
        return SoccerModel(m, bias)
    if m.sport == "basketball":
        return BasketballModel(m, bias)
    return TennisModel(m, bias)


def open_lines(m: Match, catalogue: Sequence[Line], first_goal_only: bool) -> list[Line]:
    """The lines still offered in the match's current state (settled lines are withdrawn).

    A total-like line closes once its over can no longer lose; half-time markets close at
    half time; the next-goal line follows the score (Bet9ja: ``first_goal_only``).
    """
    if m.sport == "tennis":
        return [ln for ln in catalogue if ln.market_id != 314 or sum(m.sets) < 2]
    if m.sport != "soccer":
        return list(catalogue)
    gh, ga = m.score
    counts = {18: gh + ga, 37: gh + ga, 19: gh, 20: ga, 166: m.corners, 68: gh + ga}
    out: list[Line] = []
    for ln in catalogue:
        mid = ln.market_id
        if mid in (47, 60, 68) and m.elapsed >= 45:
            continue
        if mid in counts and counts[mid] >= ln.value - 0.25:
            continue
        if (mid == 29 and gh and ga) or (mid == 45 and max(gh, ga) > 4):
            continue
        if mid == 8:
            if first_goal_only and gh + ga:
                continue
            ln = Line(8, gh + ga + 1)
        out.append(ln)
    return sorted(out)
