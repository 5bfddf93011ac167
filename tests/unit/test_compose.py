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
    assert services["kafka-init"]["command"] == ["oddsflow", "topics"]
    assert "partman" in (ROOT / "docker" / "postgres.Dockerfile").read_text()
    for name in ("worker", "sink", "migrate", "simulator"):
        assert services[name]["command"][0] == "oddsflow"


def test_compose_runs_the_tests_kafka_version_and_broker_limits(tmp_path: Path) -> None:
    from streams.embedded.kafka import KAFKA_VERSION, KafkaCluster, KafkaNode

    doc = yaml.safe_load(COMPOSE.read_text())
    for name in ("kafka",):
        assert doc["services"][name]["image"] == f"apache/kafka:{KAFKA_VERSION}"
    env = doc["services"]["kafka"]["environment"]
    cluster = KafkaCluster(1, directory=tmp_path)
    cluster.nodes = [KafkaNode(1, 9092, 9093, tmp_path / "data")]
    props = dict(line.split("=", 1) for line in cluster._properties(cluster.nodes[0]).splitlines())
    for key in ("message.max.bytes", "replica.fetch.max.bytes", "min.insync.replicas"):
        compose_key = "KAFKA_" + key.upper().replace(".", "_")
        assert str(env[compose_key]) == props[key], key


def test_topics_are_replicated_with_min_insync_from_the_settings() -> None:
    from streams.adapters import BOOKMAKERS
    from streams.kafka.topics import topic_specs
    from streams.settings import load_settings

    one = topic_specs(load_settings(topics={"replication_factor": 1}), BOOKMAKERS)
    three = topic_specs(load_settings(topics={"replication_factor": 3}), BOOKMAKERS)
    assert {s.replication_factor for s in three} == {3}
    assert {s.topic_configs["min.insync.replicas"] for s in three} == {"2"}
    assert {s.topic_configs["min.insync.replicas"] for s in one} == {"1"}
    raw = next(s for s in one if s.name == "odds.raw.betpawa")
    dlq = next(s for s in one if s.name == "odds.dlq.v1")
    assert int(dlq.topic_configs["max.message.bytes"]) > int(raw.topic_configs["max.message.bytes"])


def test_retention_reaches_the_data_topics_and_not_the_dlq() -> None:
    from streams.adapters import BOOKMAKERS
    from streams.kafka.topics import topic_specs
    from streams.settings import load_settings

    default = topic_specs(load_settings(), BOOKMAKERS)
    assert not any("retention.ms" in s.topic_configs or "segment.ms" in s.topic_configs for s in default)
    timed = topic_specs(load_settings(topics={"retention_ms": 1_800_000, "segment_ms": 300_000}), BOOKMAKERS)
    by_name = {s.name: s.topic_configs for s in timed}
    for name in ("odds.raw.betpawa", "odds.snapshots.v1", "odds.signals.v1"):
        assert by_name[name]["retention.ms"] == "1800000", name
        assert by_name[name]["segment.ms"] == "300000", name
    assert "retention.ms" not in by_name["odds.dlq.v1"]
