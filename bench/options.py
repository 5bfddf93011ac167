"""Command-line options every bench script shares: ``--smoke`` and ``--engine``.

* ``--smoke``: the script's own code path on a workload of seconds. :func:`parse` swaps the
  parser's defaults for the script's smoke values (flags given explicitly still win), so a
  smoke run is a normal run with small numbers. CI runs every script so
  (``tests/bench/test_smoke.py``): a bench that no longer runs fails the suite.
* ``--engine kafka|tansu``: the broker a script starts when ``ODDS_KAFKA__BOOTSTRAP_SERVERS``
  is unset (:func:`bench.stack.open_broker`): one Apache Kafka node (the default) or the
  embedded tansu. With the variable set, that broker is used and the flag only labels it.
"""

from __future__ import annotations

import argparse
from typing import Any

ENGINES = ("kafka", "tansu")


def add_engine(parser: argparse.ArgumentParser, *extra: str, default: str = "kafka") -> None:
    """``--engine`` with :data:`ENGINES` (plus ``extra`` choices, e.g. ``both``)."""
    parser.add_argument(
        "--engine",
        choices=[*ENGINES, *extra],
        default=default,
        help=f"broker started for the run unless ODDS_KAFKA__BOOTSTRAP_SERVERS is set (default {default})",
    )


def parse(
    parser: argparse.ArgumentParser, smoke: dict[str, Any], argv: list[str] | None = None
) -> argparse.Namespace:
    """Parse ``argv`` with a ``--smoke`` flag whose defaults are ``smoke`` (dest → value)."""
    shown = " ".join(f"--{k.replace('_', '-')} {_show(v)}" for k, v in smoke.items())
    parser.add_argument(
        "--smoke", action="store_true", help=f"seconds-long run (CI); defaults become: {shown}"
    )
    args = parser.parse_args(argv)
    if args.smoke:
        parser.set_defaults(**smoke)
        args = parser.parse_args(argv)
    return args


def _show(value: Any) -> str:
    if isinstance(value, list | tuple):
        return " ".join(map(str, value))
    return str(value)
