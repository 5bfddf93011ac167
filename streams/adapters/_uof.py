"""Reading UOF-coded markets generically (MSport, Betika, Betway), the way SportyBet is read.

Contract
--------
* :func:`uof_market`: a native market id that is a UOF market id (an int or ASCII digits in
  ``1 … 59,999``; UOF ids are far below :data:`~streams.taxonomy.ids.SPORTYBET_PROPRIETARY_FROM`)
  → that id, the canonical market; anything else (MSport's own 5000001/5000002, text) → None:
  the line is unmapped.
* :func:`uof_slot`: (canonical market, line key) of a native market id and a UOF specifier
  string whose pairs are separated by ``sep`` (``|`` at MSport, one pair at Betika, ``~``-
  terminated pairs at Betway); None when either does not fit. Memoized (bounded).
* :func:`betway_specifier`: the specifier text inside a Betway ``marketId`` (``"hcp=-2.5~"``
  → ``"hcp=-2.5"``, pairs joined by ``|``); None unless every pair ends with ``~``.
* :func:`uof_outcome`: the canonical outcome id. Ids are kept as sent, except a bare number on
  a ``variant=`` line, which becomes the full variant outcome id (Betway sends ``4`` where MSport
  and SportyBet send ``sr:correct_score:bestof:3:4``): one canonical form for all.
* :func:`outcome_ids`: the memo ``{outcome id as sent: canonical outcome id}`` the hot loops
  read for the outcomes of one line (a pure function of the id text and the line's
  ``variant=``); it only ever holds ids that were checked, so a miss means "check it the
  slow way" (:func:`remember_outcome_id` fills it).
"""

from __future__ import annotations

from streams.adapters._lines import BoundedCache, Slot
from streams.taxonomy import canonical_specifier
from streams.taxonomy.ids import SPORTYBET_PROPRIETARY_FROM

_UNFIT: Slot = (0, "")  # memo marker: no canonical home (market ids start at 1)
_SLOTS = BoundedCache(50_000)  # (native id, specifier) -> Slot | _UNFIT
_VARIANT = "variant="
# variant line ("" for lines without one) -> {outcome id as sent: canonical outcome id}
_OUTCOME_IDS = BoundedCache(256)


def uof_market(native: object) -> int | None:
    """The UOF market id ``native`` stands for, or None (see the module docstring)."""
    if type(native) is int:
        number = native
    elif isinstance(native, str) and native.isascii() and native.isdigit() and len(native) <= 9:
        number = int(native)
    else:
        return None
    return number if 0 < number < SPORTYBET_PROPRIETARY_FROM else None


def uof_slot(native: object, specifier: str) -> Slot | None:
    """(canonical market, line key) of a UOF market id and its ``|``-joined specifier, or None."""
    key = (native, specifier)
    slot = _SLOTS.lookup(key) if type(native) in (int, str) else _UNFIT
    if slot is None:
        market = uof_market(native)
        line = canonical_specifier(specifier) if market is not None else None
        slot = _UNFIT if market is None or line is None else (market, line)
        _SLOTS.put(key, slot)
    return None if slot is _UNFIT else slot


def betway_specifier(tail: str) -> str | None:
    """``"quarternr=1~total=37.5~"`` → ``"quarternr=1|total=37.5"``; ``""`` → ``""``; else None."""
    if not tail:
        return ""
    if not tail.endswith("~"):
        return None
    parts = tail[:-1].split("~")
    if any("=" not in part for part in parts):
        return None
    return "|".join(parts)


def uof_outcome(outcome_id: str, line: str) -> str:
    """Canonical outcome id on line ``line`` (see the module docstring)."""
    if _VARIANT in line and outcome_id.isascii() and outcome_id.isdigit():
        for pair in line.split("|"):
            if pair.startswith(_VARIANT):
                return f"{pair[len(_VARIANT) :]}:{outcome_id}"
    return outcome_id


def outcome_ids(line: str) -> BoundedCache:
    """The memo of canonical outcome ids of the lines with line key ``line``: one per
    ``variant=`` line, one shared by all lines without a variant; read it with plain
    subscripts."""
    variant = line if _VARIANT in line else ""
    ids: BoundedCache | None = _OUTCOME_IDS.lookup(variant)
    if ids is None:
        ids = BoundedCache(4_000)
        _OUTCOME_IDS.put(variant, ids)
    return ids


def remember_outcome_id(line: str, sent: str, canonical: str) -> None:
    """Remember that the checked id text ``sent`` is ``canonical`` on lines like ``line``."""
    outcome_ids(line).put(sent, canonical)
