"""Cross-book agreement: the safety net of the market mapping. Pure: no Kafka, faust or clock.

:mod:`.rule` says when two quotes disagree, :mod:`.state` keeps the quotes and flags,
:mod:`.feed` feeds canonical captures and the match stage's snapshots to it.

Two bookmakers quoting one canonical line at the same time should imply similar
probabilities; a wrong mapping (outcomes swapped, a handicap sign flipped, a half-time
market mapped as full time) shows up as a large gap. Nothing here knows what a market
means: a line is ``(market id, line key)`` and outcome ids are opaque strings.

Definitions
-----------
* A bookmaker's quote of a line is **comparable** when it has at least two outcomes, every
  outcome is active with a price (nothing suspended), and its book sum
  ``Σ 1/o_i >= MIN_BOOK_SUM``: a complete outcome set carries the bookmaker's margin
  (Σ ≥ 1); far below 1, outcomes are missing (a correct-score list cut to a few scores).
* **No-vig probability** (multiplicative normalisation): ``p_i = (1/o_i) / Σ_j 1/o_j``.
* Two comparable quotes of a line are **compared** when they come from two bookmakers of
  the same event, their captures are at most ``window`` apart, both are live or both
  prematch, and they list the same outcome ids (another outcome set is another thing:
  such pairs are skipped, never flagged).
* An outcome **disagrees** when ``|p_a − p_b| > threshold · max(p_a, p_b)`` (relative,
  default 0.25) **and** ``|p_a − p_b| > min_diff`` (absolute, default 0.03). The floor
  keeps long shots out, where margins and caps differ most (docs/AGREEMENT.md). A line
  disagrees between two bookmakers when any outcome does; the reported outcome is the
  one with the largest absolute gap.

Flags and counting
------------------
:meth:`AgreementState.observe` returns a :class:`Disagreement` when a (line, bookmaker
pair) *starts* disagreeing; the pair stays flagged (:meth:`AgreementState.flagged`) until
it compares in agreement again or its event leaves the state, and later captures of a
persisting disagreement return nothing. Callers count each one for both bookmakers (which
side is wrong is not known: a wrong mapping at one of three bookmakers counts 2 : 1 : 1).

Work and bounds
---------------
A pair of boards (event × bookmaker) is compared in full once it becomes comparable (both
captures within ``window``, same live flag), then only on the lines whose quote changed;
feeding whole boards (``full=True``) or diffs gives the same result. State is per event: the
comparable quotes of each bookmaker's last capture and the flagged pairs. Events are kept
in the order their captures arrive; the least recent one is dropped while its newest
capture is older than ``window`` before the newest capture seen (the captures' own times:
a replay decides the same) or while more than ``max_events`` are held. A dropped event's
flags go with it, so a disagreement that persists after it came back is returned again.
Costs and the evidence behind the defaults: docs/AGREEMENT.md.
"""

from streams.agreement.feed import event_lines, observe_event, observe_snapshot
from streams.agreement.rule import (
    MIN_BOOK_SUM,
    Disagreement,
    LineKey,
    Quote,
    Rule,
    compare,
    quote,
    same_outcomes,
)
from streams.agreement.state import AgreementState

__all__ = [
    "MIN_BOOK_SUM",
    "AgreementState",
    "Disagreement",
    "LineKey",
    "Quote",
    "Rule",
    "compare",
    "event_lines",
    "observe_event",
    "observe_snapshot",
    "quote",
    "same_outcomes",
]
