"""A test build of ``oddsflow worker`` with a market-mapping bug, for the reprocess test.

BetPawa's match result (UOF market 1) has its home and away prices swapped. Run as
``python -m tests.integration.replay.buggy_build`` (the repository root on ``PYTHONPATH``).
"""

from __future__ import annotations

from streams.adapters import betpawa
from streams.taxonomy import MARKETS


def install() -> None:
    spec = next(m for m in MARKETS if m.key == "match_result")
    names = betpawa._BY_ID[spec.betpawa][1]
    names["1"], names["2"] = names["2"], names["1"]


if __name__ == "__main__":
    install()
    from streams.cli import main

    main(["worker"])
