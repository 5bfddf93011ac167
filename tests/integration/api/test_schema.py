"""schemathesis against ``/openapi.json`` of the running API (over the sink-filled database).

Run as its CLI in a subprocess (``schemathesis run``) while the app serves in this loop.
Checks: no 5xx, status codes, content types and bodies as documented, invalid input
rejected. ``/stream`` is left out (a valid request never ends); its 4xx answers are
covered by test_reads.py. ``positive_data_acceptance`` is not run: a well-formed but
unknown id or bookmaker is a documented 404/400, not an error.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import pytest

from tests.integration.api.conftest import Stack

pytestmark = pytest.mark.integration

CHECKS = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_schema_conformance",
    "negative_data_rejection",
)


@pytest.mark.timeout(600)
async def test_schemathesis_finds_nothing(stack: Stack) -> None:
    cli = Path(sys.executable).with_name("schemathesis")
    proc = await asyncio.create_subprocess_exec(
        str(cli), "run", f"{stack.base}/openapi.json",
        "--checks", ",".join(CHECKS),
        "--exclude-path", "/stream",
        "--max-examples", "40",
        "--generation-deterministic",
        "--workers", "1",
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    out, _ = await asyncio.wait_for(proc.communicate(), 540)
    text = out.decode(errors="replace")
    print(text[-4000:])
    assert proc.returncode == 0, text[-6000:]
    assert "/events/{event_id}/history" in text
