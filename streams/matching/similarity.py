"""Two :class:`~streams.matching.normal.Name` → a score in 0..100 (pure, rapidfuzz).

* Different markers (women, U21, reserves …) → 0: never the same team.
* Tokens pair up exactly, or — tokens of five letters or more — at a rapidfuzz ratio of
  :data:`TOKEN_RATIO` or more (``medvedev``/``medvedew``). No paired *meaningful* token → 0.
* Tokens left over on **both** sides that do not resemble each other (``manchester
  united`` / ``manchester city``: ``united`` vs ``city``) cap the score at :data:`CONFLICT`
  — the guard against "Man United" ≈ "Man City".
* Otherwise the score is rapidfuzz's ``token_sort_ratio`` of the keys, raised to
  :data:`SUBSET` when one name's tokens all pair up (a dropped sponsor or city word).
* Players (tennis): initials count — ``rinderknech a`` pairs with ``arthur rinderknech``
  (``a`` is the initial of ``arthur``), never with ``alexander rinderknech``'s brother
  ``b``: a surname shared with a disagreeing initial is a conflict.
"""

from __future__ import annotations

from rapidfuzz.distance import Indel
from rapidfuzz.fuzz import token_sort_ratio

from streams.matching.normal import Name

TOKEN_RATIO = 0.85
SUBSET = 92.0
CONFLICT = 40.0
RESIDUE_RATIO = 0.5


def _pair(a: tuple[str, ...], b: tuple[str, ...]) -> tuple[list[str], list[str], list[str]]:
    """(paired tokens of ``a``, ``a``'s leftovers, ``b``'s leftovers)."""
    rest = list(b)
    paired: list[str] = []
    left: list[str] = []
    for tok in a:
        if tok in rest:
            rest.remove(tok)
            paired.append(tok)
            continue
        if len(tok) >= 5:
            best = None
            for other in rest:
                if len(other) >= 5 and Indel.normalized_similarity(tok, other) >= TOKEN_RATIO:
                    best = other
                    break
            if best is not None:
                rest.remove(best)
                paired.append(tok)
                continue
        left.append(tok)
    return paired, left, rest


def _initials_agree(left_a: list[str], left_b: list[str]) -> bool:
    """Leftover initials (one letter) of one side each start a leftover word of the other."""
    for mine, theirs in ((left_a, left_b), (left_b, left_a)):
        firsts = [t[0] for t in theirs]
        for tok in mine:
            if len(tok) == 1:
                if tok not in firsts:
                    return False
                firsts.remove(tok)
    return True


def name_score(a: Name, b: Name, sport: str) -> float:
    """Similarity of two names of ``sport`` in 0..100 (see the module docstring)."""
    if a.markers != b.markers:
        return 0.0
    if a.key == b.key:
        return 100.0
    paired, left_a, left_b = _pair(a.tokens, b.tokens)
    if not any(t in a.core for t in paired):
        return 0.0
    base = token_sort_ratio(a.key, b.key)
    if sport == "tennis":
        if not _initials_agree(left_a, left_b):
            return CONFLICT
        words_a = [t for t in left_a if len(t) > 1]
        words_b = [t for t in left_b if len(t) > 1]
        if not words_a or not words_b:
            return max(base, SUBSET)
        left_a, left_b = words_a, words_b
    elif not left_a or not left_b:
        return max(base, SUBSET)
    residue = Indel.normalized_similarity(" ".join(sorted(left_a)), " ".join(sorted(left_b)))
    if residue < RESIDUE_RATIO:
        return min(base, CONFLICT)
    return base
