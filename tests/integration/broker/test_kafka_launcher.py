"""The Apache Kafka launcher: ``oddsflow broker --engine kafka``, its failures, a three-node cluster."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from streams.embedded.kafka import KafkaCluster, KafkaLaunchError, kafka_classpath
from streams.embedded.subprocesses import port_open

pytestmark = pytest.mark.integration
ODDSFLOW = str(Path(sys.executable).with_name("oddsflow"))


async def round_trip(bootstrap: str, topic: str) -> bytes:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", enable_idempotence=True)
    await producer.start()
    try:
        await producer.send_and_wait(topic, b"hello", key=b"k")
    finally:
        await producer.stop()
    consumer = AIOKafkaConsumer(topic, bootstrap_servers=bootstrap, auto_offset_reset="earliest")
    await consumer.start()
    try:
        record = await asyncio.wait_for(consumer.getone(), 30)
    finally:
        await consumer.stop()
    return bytes(record.value or b"")


def test_cli_runs_kafka_until_sigterm_and_stops_only_what_it_started(tmp_path: Path) -> None:
    env = {**os.environ, "ODDS_EMBEDDED__KAFKA_HEAP_MB": "256"}
    proc = subprocess.Popen(
        [ODDSFLOW, "broker", "--engine", "kafka"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        start_new_session=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert line.startswith(b"ODDS_KAFKA__BOOTSTRAP_SERVERS="), line
        bootstrap = line.decode().strip().partition("=")[2]
        assert asyncio.run(round_trip(bootstrap, "cli.check")) == b"hello"
        host, _, port = bootstrap.partition(":")
        children = subprocess.run(["pgrep", "-P", str(proc.pid), "-f", "kafka.Kafka"], capture_output=True)
        java_pids = [int(pid) for pid in children.stdout.split()]
        assert len(java_pids) == 1, "the broker runs as a java child of the command"
    finally:
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(60)
    assert code == 0, proc.stderr.read() if proc.stderr else ""
    assert not port_open(host, int(port))
    for pid in java_pids:
        assert not Path(f"/proc/{pid}").exists(), "the java process it started is gone"


def test_no_java_is_one_clear_line(tmp_path: Path) -> None:
    kafka_classpath()  # jars cached: only java is missing
    bare = tmp_path / "bin"
    bare.mkdir()
    for tool in ("mvn",):
        found = shutil.which(tool)
        if found:
            (bare / tool).symlink_to(found)
    done = subprocess.run(
        [ODDSFLOW, "broker", "--engine", "kafka"],
        capture_output=True,
        text=True,
        env={**os.environ, "PATH": str(bare)},
        timeout=60,
    )
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == ["Error: Apache Kafka needs Java 17+ ('java'); none on PATH"]


def test_unresolvable_version_is_one_clear_line(tmp_path: Path) -> None:
    with pytest.raises(KafkaLaunchError) as err:
        kafka_classpath(tmp_path, version="0.0.404")
    message = str(err.value)
    assert message.startswith("Maven could not resolve Apache Kafka 0.0.404: ")
    assert "\n" not in message
    assert not (tmp_path / "kafka-0.0.404" / ".complete").exists()


async def test_three_node_cluster_replicates_and_survives_a_lost_broker(tmp_path: Path) -> None:
    cluster = KafkaCluster(3, directory=tmp_path / "kafka", heap_mb=256)
    cluster.start()
    try:
        admin = AIOKafkaAdminClient(bootstrap_servers=cluster.bootstrap_servers)
        await admin.start()
        try:
            await admin.create_topics([NewTopic("replicated", 1, 3)])
            # CreateTopics returns once the controller has the topic; the broker answering
            # the describe may learn it a moment later (an empty partition list, seen in CI)
            deadline = time.monotonic() + 30
            described = await admin.describe_topics(["replicated"])
            while not described[0]["partitions"] and time.monotonic() < deadline:
                await asyncio.sleep(0.2)
                described = await admin.describe_topics(["replicated"])
        finally:
            await admin.close()
        partition = described[0]["partitions"][0]
        assert sorted(partition["replicas"]) == [1, 2, 3]
        cluster.kill(partition["leader"])
        assert await round_trip(cluster.bootstrap_servers, "replicated") == b"hello"
    except BaseException:
        print(cluster.logs())
        raise
    finally:
        cluster.stop()
