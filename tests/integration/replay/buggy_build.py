"""A test build of ``oddsflow worker`` with a market-mapping bug, for the reprocess test.

BetPawa's match result (UOF market 1) has its home and away prices swapped. Run as
``python -m tests.integration.replay.buggy_build`` (the repository root on ``PYTHONPATH``).
"""

from __future__ import annotations

from streams.taxonomy.tables import BETPAWA


def install() -> None:
    names = BETPAWA["soccer", "3743"].outcomes  # 1X2 - FT; the adapter reads this same dict
    names["1"], names["2"] = names["2"], names["1"]


if __name__ == "__main__":
    install()
    from streams.cli.main import main

    main(["worker"])
