"""Apache Kafka (KRaft) from Maven Central, run as plain ``java`` processes on loopback.

The jars come from ``scripts/kafka/pom.xml`` (pinned Kafka version), copied once by Maven
into ``<cache_dir>/kafka-<version>/`` (:func:`kafka_classpath`). :class:`KafkaCluster`
then formats KRaft storage for every node with a static controller quorum and starts one
``java -cp '<jars>/*' kafka.Kafka server.properties`` per node:

* ``KafkaCluster(nodes=1)``: one combined broker/controller; internal topics at
  replication factor 1.
* ``KafkaCluster(nodes=3)``: three combined broker/controllers, a three-voter quorum;
  topics default to replication factor 3 and ``min.insync.replicas`` 2.

Every node listens on free ports of 127.0.0.1, keeps its data and its log (``node-N.log``)
in the cluster's directory (a temporary one unless given), with a bounded heap.
:meth:`KafkaCluster.stop` stops only the processes this object started; a node that fails
to start raises :class:`KafkaLaunchError` carrying the tail of its log. No ``java`` or no
``mvn``, or Maven unable to resolve, is a :class:`KafkaLaunchError` with one line.

Crash tests drive single nodes: :meth:`kill` (SIGKILL), :meth:`pause`/:meth:`resume`
(SIGSTOP/SIGCONT) and :meth:`start_node` (restart on the same ports and data).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

from streams.embedded.subprocesses import free_port, port_open, stop_process

KAFKA_VERSION = "4.4.0"
POM = Path(__file__).resolve().parents[2] / "scripts" / "kafka" / "pom.xml"
DEFAULT_CACHE = Path.home() / ".cache" / "oddsflow"

_LOG4J2 = """\
status = warn
appender.file.type = File
appender.file.name = FILE
appender.file.fileName = {log}
appender.file.layout.type = PatternLayout
appender.file.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = INFO
rootLogger.appenderRef.file.ref = FILE
logger.kafka.name = kafka
logger.kafka.level = INFO
logger.state.name = state.change.logger
logger.state.level = WARN
logger.request.name = kafka.request.logger
logger.request.level = WARN
"""


class KafkaLaunchError(RuntimeError):
    """Kafka could not be provided: missing java/mvn, unresolved jars, or a node that died."""


def kafka_classpath(cache_dir: Path = DEFAULT_CACHE, version: str = KAFKA_VERSION) -> Path:
    """The directory holding Kafka's runtime jars, resolving them with Maven on first use."""
    jars = cache_dir / f"kafka-{version}"
    marker = jars / ".complete"
    if marker.exists():
        return jars
    mvn = shutil.which("mvn")
    if mvn is None:
        raise KafkaLaunchError("Apache Kafka needs Maven ('mvn') to fetch its jars; none on PATH")
    jars.mkdir(parents=True, exist_ok=True)
    cmd = [
        mvn,
        "-q",
        "-B",
        "-f",
        str(POM),
        f"-Dkafka.version={version}",
        "dependency:copy-dependencies",
        f"-DoutputDirectory={jars}",
        "-DincludeScope=runtime",
    ]
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        lines = [ln for ln in (done.stdout + done.stderr).splitlines() if "ERROR" in ln]
        first = lines[0] if lines else f"exit code {done.returncode}"
        raise KafkaLaunchError(f"Maven could not resolve Apache Kafka {version}: {first.strip()}")
    marker.touch()
    return jars


def java_binary() -> str:
    """``java`` on PATH (Kafka 4 needs 17+)."""
    java = shutil.which("java")
    if java is None:
        raise KafkaLaunchError("Apache Kafka needs Java 17+ ('java'); none on PATH")
    return java


@dataclass
class KafkaNode:
    """One combined broker/controller: its id, ports and files."""

    node_id: int
    port: int
    controller_port: int
    directory: Path
    proc: subprocess.Popen[bytes] | None = None

    @property
    def log_path(self) -> Path:
        return self.directory.parent / f"node-{self.node_id}.log"

    @property
    def properties_path(self) -> Path:
        return self.directory.parent / f"node-{self.node_id}.properties"

    def log_tail(self, lines: int = 40) -> str:
        """The last lines of this node's log (empty when it wrote none)."""
        if not self.log_path.exists():
            return ""
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])


class KafkaCluster:
    """Apache Kafka nodes owned by this object; usable as a context manager."""

    def __init__(
        self,
        nodes: int = 1,
        *,
        directory: Path | None = None,
        cache_dir: Path = DEFAULT_CACHE,
        heap_mb: int = 384,
        host: str = "127.0.0.1",
        extra_properties: dict[str, str] | None = None,
        listener: str = "PLAINTEXT",
        jvm_options: list[str] | None = None,
        format_args: list[str] | None = None,
    ) -> None:
        if nodes < 1:
            raise ValueError("a cluster needs at least one node")
        self.size = nodes
        self.host = host
        self.heap_mb = heap_mb
        self.cache_dir = cache_dir
        self.extra_properties = dict(extra_properties or {})
        self.listener = listener
        self.jvm_options = list(jvm_options or [])
        self.format_args = list(
            format_args or []
        )  # e.g. ["--add-scram", "SCRAM-SHA-512=[name=..,password=..]"]
        self._own_dir = directory is None
        self.directory = Path(directory or tempfile.mkdtemp(prefix="oddsflow-kafka-")).absolute()
        self.cluster_id = _cluster_id()
        self.nodes: list[KafkaNode] = []

    @property
    def bootstrap_servers(self) -> str:
        """Every node's client address, comma-separated; valid after :meth:`start`."""
        return ",".join(f"{self.host}:{n.port}" for n in self.nodes)

    def node(self, node_id: int) -> KafkaNode:
        return next(n for n in self.nodes if n.node_id == node_id)

    def _properties(self, node: KafkaNode) -> str:
        voters = ",".join(f"{n.node_id}@{self.host}:{n.controller_port}" for n in self.nodes)
        replicas = min(self.size, 3)
        isr = 2 if replicas >= 3 else 1
        props = {
            "process.roles": "broker,controller",
            "node.id": str(node.node_id),
            "controller.quorum.voters": voters,
            "listeners": f"{self.listener}://{self.host}:{node.port},CONTROLLER://{self.host}:{node.controller_port}",
            "advertised.listeners": f"{self.listener}://{self.host}:{node.port}",
            "listener.security.protocol.map": (
                f"{self.listener}:{_protocol(self.listener)},CONTROLLER:PLAINTEXT"
            ),
            "inter.broker.listener.name": self.listener,
            "controller.listener.names": "CONTROLLER",
            "log.dirs": str(node.directory),
            "num.partitions": "1",
            "default.replication.factor": str(replicas),
            "min.insync.replicas": str(isr),
            "offsets.topic.replication.factor": str(replicas),
            "offsets.topic.num.partitions": "10",
            "transaction.state.log.replication.factor": str(replicas),
            "transaction.state.log.min.isr": str(isr),
            "transaction.state.log.num.partitions": "10",
            "share.coordinator.state.topic.replication.factor": str(replicas),
            "share.coordinator.state.topic.min.isr": str(isr),
            "group.initial.rebalance.delay.ms": "0",
            # tests run consumers with 1.5 s sessions so a killed member is noticed quickly
            "group.min.session.timeout.ms": "1000",
            "auto.create.topics.enable": "true",
            "message.max.bytes": str(8 * 1024 * 1024 + 1024),  # settings.kafka.max_message_bytes + headers
            "replica.fetch.max.bytes": str(8 * 1024 * 1024 + 1024),
            "log.flush.interval.messages": str(2**62),
            "num.network.threads": "2",
            "num.io.threads": "4",
            "background.threads": "4",
            "log.cleaner.dedupe.buffer.size": str(16 * 1024 * 1024),
            "log.segment.bytes": str(64 * 1024 * 1024),
            # a restarted or isolated node hands leadership back quickly (the default is 5 min)
            "leader.imbalance.check.interval.seconds": "10",
        }
        props |= self.extra_properties
        return "".join(f"{k}={v}\n" for k, v in props.items())

    def _java(self, main: str, *args: str, log: Path) -> list[str]:
        jars = kafka_classpath(self.cache_dir)
        log4j = self.directory / f"log4j2-{log.stem}.properties"
        log4j.write_text(_LOG4J2.format(log=log))
        return [
            java_binary(),
            f"-Xmx{self.heap_mb}m",
            f"-Xms{min(self.heap_mb, 128)}m",
            "-XX:+UseG1GC",
            "-XX:MaxGCPauseMillis=20",
            "-Djava.awt.headless=true",
            f"-Dlog4j2.configurationFile={log4j}",
            "-Dkafka.logs.dir=" + str(self.directory),
            *self.jvm_options,
            "-cp",
            f"{jars}/*",
            main,
            *args,
        ]

    def start(self, timeout_s: float = 90.0) -> str:
        """Format storage and start every node; returns the bootstrap address once all answer."""
        if self.nodes:
            raise RuntimeError("cluster already started")
        self.directory.mkdir(parents=True, exist_ok=True)
        kafka_classpath(self.cache_dir)
        java_binary()
        self.nodes = [
            KafkaNode(i + 1, free_port(self.host), free_port(self.host), self.directory / f"data-{i + 1}")
            for i in range(self.size)
        ]
        for node in self.nodes:
            node.properties_path.write_text(self._properties(node))
            self._format(node)
        try:
            for node in self.nodes:
                self.start_node(node.node_id, wait=False)
            deadline = time.monotonic() + timeout_s
            for node in self.nodes:
                self._wait_for(node, deadline)
        except BaseException:
            self.stop()
            raise
        return self.bootstrap_servers

    def _format(self, node: KafkaNode) -> None:
        cmd = self._java(
            "kafka.tools.StorageTool",
            "format",
            "-t",
            self.cluster_id,
            "-c",
            str(node.properties_path),
            "--ignore-formatted",
            *self.format_args,
            log=self.directory / f"format-{node.node_id}.log",
        )
        done = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            said = (done.stderr or done.stdout).strip()[-400:]
            raise KafkaLaunchError(f"formatting KRaft storage of node {node.node_id} failed: {said}")

    def start_node(self, node_id: int, wait: bool = True, timeout_s: float = 60.0) -> None:
        """(Re)start one node on its ports and data; waits until its client port answers."""
        node = self.node(node_id)
        if node.proc is not None and node.proc.poll() is None:
            raise RuntimeError(f"node {node_id} is running")
        cmd = self._java("kafka.Kafka", str(node.properties_path), log=node.log_path)
        out = open(self.directory / f"node-{node_id}.out", "ab")  # noqa: SIM115
        node.proc = subprocess.Popen(cmd, stdout=out, stderr=out, start_new_session=True)
        out.close()
        if wait:
            self._wait_for(node, time.monotonic() + timeout_s)

    def _wait_for(self, node: KafkaNode, deadline: float) -> None:
        assert node.proc is not None
        while time.monotonic() < deadline:
            if node.proc.poll() is not None:
                code = node.proc.returncode
                raise KafkaLaunchError(
                    f"Kafka node {node.node_id} exited with code {code}; its log:\n{node.log_tail()}"
                )
            if port_open(self.host, node.port):
                return
            time.sleep(0.1)
        raise KafkaLaunchError(
            f"Kafka node {node.node_id} did not open port {node.port}; its log:\n{node.log_tail()}"
        )

    def pid(self, node_id: int) -> int | None:
        proc = self.node(node_id).proc
        return None if proc is None else proc.pid

    def kill(self, node_id: int) -> None:
        """SIGKILL one node (its data stays; :meth:`start_node` brings it back)."""
        proc = self.node(node_id).proc
        if proc is not None and proc.poll() is None:
            proc.kill()
            proc.wait(10)

    def stop_node(self, node_id: int, grace_s: float = 30.0) -> None:
        """Controlled shutdown of one node (SIGTERM, SIGKILL after ``grace_s``)."""
        proc = self.node(node_id).proc
        if proc is not None:
            _resume(proc)
            stop_process(proc, grace_s)

    def pause(self, node_id: int) -> None:
        """SIGSTOP one node: its sockets stay open but it answers nothing."""
        proc = self.node(node_id).proc
        if proc is not None and proc.poll() is None:
            os.kill(proc.pid, signal.SIGSTOP)

    def resume(self, node_id: int) -> None:
        proc = self.node(node_id).proc
        if proc is not None:
            _resume(proc)

    def logs(self, lines: int = 40) -> str:
        """The tail of every node's log, for a failing test's report."""
        return "\n".join(f"--- node {n.node_id} ({n.log_path})\n{n.log_tail(lines)}" for n in self.nodes)

    def stop(self, grace_s: float = 10.0) -> None:
        """Stop every node this object started (idempotent); removes a temporary directory."""
        for node in self.nodes:
            if node.proc is not None:
                _resume(node.proc)
                node.proc.terminate()
        for node in self.nodes:
            if node.proc is not None:
                stop_process(node.proc, grace_s)
                node.proc = None
        if self._own_dir and self.nodes:
            shutil.rmtree(self.directory, ignore_errors=True)
        self.nodes = []

    def __enter__(self) -> KafkaCluster:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


def _resume(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        os.kill(proc.pid, signal.SIGCONT)


def _protocol(listener: str) -> str:
    return listener if listener in ("PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL") else "PLAINTEXT"


def _cluster_id() -> str:
    """A random KRaft cluster id (base64url of 16 bytes, as ``kafka-storage random-uuid``)."""
    import base64

    while True:  # StorageTool reads an id that starts with "-" as an option
        cluster_id = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
        if not cluster_id.startswith("-"):
            return cluster_id
