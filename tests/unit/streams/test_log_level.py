"""Commands log at WARNING unless asked (``-v`` INFO, ``-vv`` DEBUG, ``ODDS_LOG_LEVEL`` wins)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from streams.cli.root import log_level


@pytest.mark.parametrize(
    ("verbose", "env", "level"),
    [
        (0, None, "WARNING"),
        (1, None, "INFO"),
        (2, None, "DEBUG"),
        (5, None, "DEBUG"),
        (0, "info", "INFO"),
        (2, "ERROR", "ERROR"),
    ],
)
def test_log_level(verbose: int, env: str | None, level: str) -> None:
    assert log_level(verbose, env) == level


def test_a_command_prints_no_library_info_lines_by_default() -> None:
    code = (
        "import logging, sys\n"
        "from streams.cli.main import main\n"
        "from streams.cli.root import cli\n"
        "import click\n"
        "@cli.command('probe')\n"
        "def probe():\n"
        "    logging.getLogger('aiokafka').info('library chatter')\n"
        "    logging.getLogger('aiokafka').warning('library warning')\n"
        "main(sys.argv[1:])\n"
    )
    env = {"PATH": "/usr/bin:/bin"}
    quiet = subprocess.run([sys.executable, "-c", code, "probe"], capture_output=True, text=True, env=env)
    loud = subprocess.run(
        [sys.executable, "-c", code, "-v", "probe"], capture_output=True, text=True, env=env
    )
    assert "library warning" in quiet.stderr and "library chatter" not in quiet.stderr
    assert "library chatter" in loud.stderr
