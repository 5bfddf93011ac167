"""The standalone Kafka Connect worker (streams/embedded/connect.py) on the session's Apache Kafka.

It starts from the jars Maven resolved, answers on its REST port with the pinned version,
offers the converter and transform the bench's connector configuration names, reports a
connector whose class it cannot load as a REST error (nothing half-created), and stops:
its process reaped, its port closed.
"""

from __future__ import annotations

import pytest

from streams.embedded.connect import ConnectLaunchError, ConnectWorker
from streams.embedded.kafka import KAFKA_VERSION
from streams.embedded.subprocesses import port_open

pytestmark = pytest.mark.integration


def test_worker_starts_answers_and_stops_only_itself(bootstrap_servers: str) -> None:
    worker = ConnectWorker(bootstrap_servers)
    worker.start()
    try:
        assert worker.proc is not None and worker.proc.poll() is None
        root = worker.request("GET", "/")
        assert root["version"] == KAFKA_VERSION
        assert root["kafka_cluster_id"]  # it reached the broker
        plugins = {p["class"] for p in worker.request("GET", "/connector-plugins?connectorsOnly=false")}
        assert "org.apache.kafka.connect.json.JsonConverter" in plugins
        assert "org.apache.kafka.connect.transforms.RegexRouter" in plugins
        assert worker.request("GET", "/connectors") == []
        with pytest.raises(ConnectLaunchError, match=r"HTTP (400|500)"):
            worker.create("nope", {"connector.class": "no.such.Connector", "topics": "t", "tasks.max": "1"})
        assert worker.request("GET", "/connectors") == []
        proc, port = worker.proc, worker.port
    finally:
        worker.stop()
    assert proc.poll() is not None
    assert not port_open("127.0.0.1", port)
    assert not worker.directory.exists()
