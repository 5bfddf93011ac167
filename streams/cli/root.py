"""The root ``oddsflow`` click group and what every command shares (settings with overrides).

One click group; every flag has an environment twin (its setting, e.g. ``--port`` of
``oddsflow broker`` ↔ ``ODDS_EMBEDDED__BROKER_PORT``): flags override the environment.
Commands are registered by :mod:`streams.cli.main`; command modules import this one,
never the other way round.

Exit codes: 0 success, 1 runtime failure, 2 usage or settings error (one line naming the
variable, on stderr).
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import threading
from typing import Any

import click

from streams.settings import Settings, load_settings


def settings_with(**overrides: Any) -> Settings:
    """Settings from the environment with CLI overrides (``None`` values are ignored)."""
    nested: dict[str, dict[str, Any]] = {}
    for dotted, value in overrides.items():
        if value is None:
            continue
        section, _, name = dotted.partition("__")
        nested.setdefault(section, {})[name] = value
    return load_settings(**nested)


def wait_for_stop(*children: Any) -> None:
    """Block until SIGINT/SIGTERM, or until a child's ``poll()`` shows it exited."""
    stop = threading.Event()

    def _handler(signum: int, frame: Any) -> None:
        stop.set()

    signal.signal(signal.SIGINT, _handler)
    signal.signal(signal.SIGTERM, _handler)
    while not stop.wait(0.5):
        for child in children:
            proc = child if isinstance(child, subprocess.Popen) else getattr(child, "_proc", None)
            if proc is not None and proc.poll() is not None:
                raise click.ClickException(f"{type(child).__name__} exited with code {proc.returncode}")


LEVELS = ("WARNING", "INFO", "DEBUG")
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def log_level(verbose: int, env_level: str | None) -> str:
    """The log level of a command: ``ODDS_LOG_LEVEL`` when set, else WARNING, ``-v`` INFO,
    ``-vv`` DEBUG."""
    if env_level:
        return env_level.upper()
    return LEVELS[min(verbose, len(LEVELS) - 1)]


def configure_logging(level: str) -> None:
    """Log at ``level`` and pass it on (``ODDS_LOG_LEVEL``) to the faust worker and to the
    processes a command starts."""
    os.environ["ODDS_LOG_LEVEL"] = level
    logging.basicConfig(level=level, format=LOG_FORMAT, force=True)


@click.group()
@click.version_option(package_name="oddsflow")
@click.option(
    "-v",
    "--verbose",
    count=True,
    help="-v: INFO lines, -vv: DEBUG (default: warnings and errors only). Env: ODDS_LOG_LEVEL",
)
def cli(verbose: int) -> None:
    """oddsflow: bookmaker odds through Kafka into PostgreSQL."""
    configure_logging(log_level(verbose, os.environ.get("ODDS_LOG_LEVEL")))
