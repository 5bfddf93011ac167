"""docker-compose.yml is valid (parsed by docker-compose) and allows big raw messages."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "docker-compose.yml"


def test_compose_config_parses() -> None:
    tool = shutil.which("docker-compose")
    if tool is None:
        pytest.skip("Debian's docker-compose is not installed (scripts/setup.sh installs it as root)")
    proc = subprocess.run(
        [tool, "-f", str(COMPOSE), "config", "-q"], capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 0, proc.stderr


def test_compose_has_kraft_kafka_partman_postgres_and_services() -> None:
    doc = yaml.safe_load(COMPOSE.read_text())
    services = doc["services"]
    kafka = services["kafka"]["environment"]
    assert "controller" in kafka["KAFKA_PROCESS_ROLES"]
    assert int(kafka["KAFKA_MESSAGE_MAX_BYTES"]) >= 8 * 1024 * 1024
    init = "\n".join(services["kafka-init"]["command"])
    assert "odds.raw.$$bm" in init and "max.message.bytes=8388608" in init
    assert "partman" in (ROOT / "docker" / "postgres.Dockerfile").read_text()
    for name in ("worker", "sink", "migrate", "simulator"):
        assert services[name]["command"][0] == "oddsflow"
