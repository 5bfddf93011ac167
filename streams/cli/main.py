"""The ``oddsflow`` console script: the root group with every command registered.

Built-in commands come from :mod:`streams.cli.root`'s modules; commands implemented in ``sinks``
(migrate, partitions, sink, demo …) are plugged in through the ``oddsflow.commands``
entry-point group, so ``streams`` never imports ``sinks``.
"""

from __future__ import annotations

import logging
import sys
from importlib.metadata import entry_points

import click

from streams.cli import coverage, dlq, produce, replay, services, simulate, worker
from streams.cli.root import LOG_FORMAT, cli
from streams.errors import SettingsError

_ = services  # its commands register themselves on ``cli``


def _add_builtin_commands() -> None:
    for command in (
        coverage.coverage_command,
        dlq.dlq,
        produce.produce_command,
        replay.replay_command,
        simulate.simulate_command,
        worker.worker_command,
    ):
        cli.add_command(command)


def _load_plugins() -> None:
    for ep in entry_points(group="oddsflow.commands"):
        command = ep.load()
        if isinstance(command, click.Command) and command.name not in cli.commands:
            cli.add_command(command)


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point."""
    logging.basicConfig(level=logging.WARNING, format=LOG_FORMAT)  # until the group's options are read
    _add_builtin_commands()
    _load_plugins()
    try:
        cli.main(args=argv, prog_name="oddsflow", standalone_mode=True)
    except SettingsError as exc:
        click.echo(f"oddsflow: settings error: {exc}", err=True)
        sys.exit(2)
