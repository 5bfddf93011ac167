"""A test build of ``oddsflow worker`` from before a mapping was added, for the reprocess test.

Bet9ja's soccer draw no bet (``S_DNB`` prematch, ``LIVES_DNB`` live → UOF 11) is not in its
mapping table yet, so those lines are unmapped. Run as
``python -m tests.integration.replay.old_mapping_build`` (the repository root on ``PYTHONPATH``).
"""

from __future__ import annotations

from streams.taxonomy.tables import BET9JA

ADDED = ("S_DNB", "LIVES_DNB")  # the codes the current build maps and this one does not


def install() -> None:
    for code in ADDED:
        del BET9JA[code]  # the adapter looks codes up in this same dict


if __name__ == "__main__":
    install()
    from streams.cli.main import main

    main(["worker"])
