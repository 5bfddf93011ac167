"""``ODDS_TEST_BACKEND=containers`` without a Docker engine skips the integration tests, saying why."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import docker_unavailable

ROOT = Path(__file__).resolve().parents[2]


def test_containers_backend_without_docker_skips_integration_tests_with_the_reason() -> None:
    if docker_unavailable() is None:
        pytest.skip("a Docker engine answers here: the containers backend runs instead")
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-rs",
            "-p",
            "no:cacheprovider",
            "tests/integration/test_migrations.py",
        ],
        cwd=ROOT,
        env={**os.environ, "ODDS_TEST_BACKEND": "containers"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "no Docker engine answers" in done.stdout
    assert " passed" not in done.stdout.splitlines()[-1]
    assert "skipped" in done.stdout.splitlines()[-1]
