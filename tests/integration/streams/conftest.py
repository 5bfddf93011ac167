"""Fixtures of the stream-processor integration tests (real broker, real worker processes)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.streams.harness import Harness


@pytest.fixture
def harness(bootstrap_servers: str, tmp_path: Path) -> Iterator[Harness]:
    """Fresh topics and app id; every worker it started is stopped afterwards."""
    h = Harness(bootstrap_servers, tmp_path)
    try:
        yield h
    finally:
        h.stop_all()
