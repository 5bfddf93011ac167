"""The worker's garbage-collector policy: fewer, cheaper cyclic collections.

:func:`apply` runs once, after the worker built its app and before it processes a record:

1. ``gc.collect()`` then ``gc.freeze()``: everything alive at start (modules, the taxonomy,
   the faust app) moves to the permanent generation, which no later collection scans;
2. ``gc.set_threshold(gen0, 10, 10)``: a young-generation collection every ``gen0`` net
   allocations instead of Python's 700. An adapter allocates tens of thousands of
   short-lived objects per capture; at 700 most of them are scanned while still alive,
   promoted, and scanned again by the older generations' collections.

Nothing changes but when cycles are reclaimed: reference counting frees everything else at
once, as before, and every cycle is still collected (a full collection at most every
``gen0`` × 100 net allocations). ``gen0`` is ``streams.gc_threshold``; 0 leaves Python's
defaults and freezes nothing. The sink raises its thresholds for the same reason while it
runs (:meth:`sinks.sink.PostgresSink.run`). Figures: docs/benchmarks.md, "Efficiency".
"""

from __future__ import annotations

import gc

#: the older generations' thresholds (Python's own defaults)
OLDER = (10, 10)


def apply(gen0: int) -> tuple[int, int, int]:
    """Apply the policy for a young-generation threshold ``gen0`` (0: Python's defaults, no
    freeze); returns the thresholds in force."""
    if gen0 > 0:
        gc.collect()
        gc.freeze()
        gc.set_threshold(gen0, *OLDER)
    return gc.get_threshold()
