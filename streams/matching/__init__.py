"""Matching captures without a Sportradar id to known events by names, kickoff and sport (pure).

* :mod:`.normal` — one team or player name → :class:`~.normal.Name` (folded tokens, club
  affixes dropped, women/youth/reserves markers kept apart, aliases applied).
* :mod:`.similarity` — two names → a score in 0..100 (rapidfuzz), 0 when they share no
  meaningful token or their markers differ.
* :mod:`.matcher` — :class:`~.matcher.NameIndex`: known events indexed by sport, kickoff
  and token; :meth:`~.matcher.NameIndex.match` returns a :class:`~.matcher.Decision`:
  ``matched`` (score ≥ high threshold and unambiguous), ``review`` (between the thresholds,
  or two candidates too close), ``unmatched``. Nothing between thresholds is merged.
* :mod:`.aliases` — the alias table (seed file ``data/aliases.csv``, Postgres
  ``team_aliases`` through ``oddsflow matches``).
"""

from streams.matching.matcher import Decision, Known, NameIndex, Thresholds
from streams.matching.normal import Name, normalize_name

__all__ = ["Decision", "Known", "Name", "NameIndex", "Thresholds", "normalize_name"]
