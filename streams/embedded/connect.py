"""Apache Kafka Connect from Maven Central: one standalone worker, run as a plain ``java`` process.

The jars come from ``scripts/connect/pom.xml`` (pinned versions), copied once by Maven into
``<cache_dir>/connect-<kafka version>/``:

* ``worker/`` — profile ``worker``: ``connect-runtime``, ``connect-json`` (JsonConverter),
  ``connect-transforms`` (RegexRouter …) and log4j (:func:`connect_classpath`);
* ``plugins/<name>/`` — one profile per connector plugin (e.g. ``jdbc-sink``: the Debezium
  JDBC sink connector and the PostgreSQL driver), found by the worker through
  ``plugin.path`` (a link to it in the worker's directory) and loaded in its own class
  loader, the way a Connect user installs a connector (:func:`connect_plugin`).

:class:`ConnectWorker` writes a worker configuration (JSON converter for values with
schemas, string keys, file offsets, REST on a free port of 127.0.0.1, per-connector client
overrides allowed), starts ``ConnectStandalone`` and waits for its REST API;
:meth:`ConnectWorker.create` puts a connector's configuration, :meth:`ConnectWorker.status`
reads its state, :meth:`ConnectWorker.pause` / :meth:`~ConnectWorker.resume` change it, and
:meth:`ConnectWorker.wait_state` waits until the connector and all its tasks are in a state
(a failed task raises :class:`ConnectLaunchError` with its trace).
:meth:`ConnectWorker.stop` stops only the process this object started. No ``java`` or no
``mvn``, or Maven unable to resolve a profile, is a :class:`ConnectLaunchError` with one line.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from types import TracebackType
from typing import Any

from streams.embedded.kafka import DEFAULT_CACHE, KAFKA_VERSION, java_binary
from streams.embedded.subprocesses import free_port, port_open, stop_process

POM = Path(__file__).resolve().parents[2] / "scripts" / "connect" / "pom.xml"
# Maven settings that send every repository a pom declares to Maven Central (scripts/connect/settings.xml)
SETTINGS = POM.with_name("settings.xml")

_LOG4J2 = """\
status = warn
appender.file.type = File
appender.file.name = FILE
appender.file.fileName = {log}
appender.file.layout.type = PatternLayout
appender.file.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = INFO
rootLogger.appenderRef.file.ref = FILE
logger.kafka.name = org.apache.kafka
logger.kafka.level = WARN
logger.connect.name = org.apache.kafka.connect.runtime
logger.connect.level = INFO
"""


class ConnectLaunchError(RuntimeError):
    """Kafka Connect or a plugin could not be provided, or a connector failed."""


def _pins() -> str:
    """A digest of the pom and settings: a cached copy made from other pins is made again."""
    return hashlib.sha256(POM.read_bytes() + SETTINGS.read_bytes()).hexdigest()


def _resolve(profile: str, out: Path, what: str) -> Path:
    """Copy a profile's runtime jars into ``out`` once (a ``.complete`` marker holding
    :func:`_pins` says done)."""
    marker = out / ".complete"
    pins = _pins()
    if marker.exists() and marker.read_text().strip() == pins:
        return out
    shutil.rmtree(out, ignore_errors=True)  # jars of other pins must not stay beside the new ones
    mvn = shutil.which("mvn")
    if mvn is None:
        raise ConnectLaunchError(f"{what} needs Maven ('mvn') to fetch its jars; none on PATH")
    out.mkdir(parents=True, exist_ok=True)
    cmd = [
        mvn,
        "-q",
        "-B",
        "-s",
        str(SETTINGS),
        "-f",
        str(POM),
        "-P",
        profile,
        "dependency:copy-dependencies",
        f"-DoutputDirectory={out}",
        "-DincludeScope=runtime",
    ]
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        shutil.rmtree(out, ignore_errors=True)
        said = done.stdout + done.stderr
        missing = re.search(r"([\w.\-]+:[\w.\-]+:jar:[\w.\-]+)", said)
        if missing:
            why = f"{missing.group(1)} is not in the Maven repository"
        else:
            lines = [ln.split("[ERROR]")[-1].strip() for ln in said.splitlines() if "ERROR" in ln]
            why = lines[0] if lines else f"exit code {done.returncode}"
        raise ConnectLaunchError(f"Maven could not resolve {what} (profile {profile}): {why}")
    marker.write_text(pins + "\n")
    return out


def connect_home(cache_dir: Path = DEFAULT_CACHE) -> Path:
    return cache_dir / f"connect-{KAFKA_VERSION}"


def connect_classpath(cache_dir: Path = DEFAULT_CACHE) -> Path:
    """The directory of the worker's jars, resolved with Maven on first use."""
    return _resolve("worker", connect_home(cache_dir) / "worker", f"Kafka Connect {KAFKA_VERSION}")


def connect_plugin(profile: str, cache_dir: Path = DEFAULT_CACHE) -> Path:
    """``plugins/<profile>/``, the jars of one connector plugin, resolved on first use."""
    return _resolve(profile, connect_home(cache_dir) / "plugins" / profile, f"connector plugin {profile!r}")


class ConnectWorker:
    """One standalone Kafka Connect worker owned by this object; usable as a context manager."""

    def __init__(
        self,
        bootstrap_servers: str,
        *,
        plugins: list[str] | None = None,
        directory: Path | None = None,
        cache_dir: Path = DEFAULT_CACHE,
        heap_mb: int = 512,
        extra_properties: dict[str, str] | None = None,
    ) -> None:
        self.bootstrap_servers = bootstrap_servers
        self.plugins = list(plugins or [])
        self.cache_dir = cache_dir
        self.heap_mb = heap_mb
        self.extra_properties = dict(extra_properties or {})
        self._own_dir = directory is None
        self.directory = Path(directory or tempfile.mkdtemp(prefix="oddsflow-connect-")).absolute()
        self.host = "127.0.0.1"
        self.port = 0
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def log_path(self) -> Path:
        return self.directory / "connect.log"

    def log_tail(self, lines: int = 40) -> str:
        if not self.log_path.exists():
            return ""
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def _plugin_root(self) -> Path | None:
        """``<directory>/plugins/``: a link to each requested plugin's directory of jars.

        ``plugin.path`` names directories *of plugins*: each child directory is one plugin,
        all its jars in one class loader. Naming a plugin's own directory would make every
        jar in it a plugin of its own, each in a class loader of its own.
        """
        if not self.plugins:
            return None
        root = self.directory / "plugins"
        root.mkdir(parents=True, exist_ok=True)
        for name in self.plugins:
            link = root / name
            if not link.is_symlink():
                link.symlink_to(connect_plugin(name, self.cache_dir), target_is_directory=True)
        return root

    def _properties(self) -> str:
        plugin_root = self._plugin_root()
        props = {
            "bootstrap.servers": self.bootstrap_servers,
            "key.converter": "org.apache.kafka.connect.storage.StringConverter",
            "value.converter": "org.apache.kafka.connect.json.JsonConverter",
            "value.converter.schemas.enable": "true",
            "offset.storage.file.filename": str(self.directory / "connect.offsets"),
            "offset.flush.interval.ms": "1000",
            "listeners": f"http://{self.host}:{self.port}",
            "rest.advertised.host.name": self.host,
            "rest.advertised.port": str(self.port),
            # a connector may set consumer.override.* (max.poll.records to match its batch size)
            "connector.client.config.override.policy": "All",
        }
        if plugin_root is not None:
            props["plugin.path"] = str(plugin_root)
            # the plugins' ServiceLoader manifests, not a reflective scan of every jar (KIP-898)
            props["plugin.discovery"] = "service_load"
        props |= self.extra_properties
        return "".join(f"{k}={v}\n" for k, v in props.items())

    def start(self, timeout_s: float = 90.0) -> str:
        """Start the worker; returns its REST URL once ``GET /`` answers."""
        if self.proc is not None:
            raise RuntimeError("worker already started")
        jars = connect_classpath(self.cache_dir)
        java = java_binary()
        self.directory.mkdir(parents=True, exist_ok=True)
        self.port = free_port(self.host)
        worker = self.directory / "worker.properties"
        worker.write_text(self._properties())
        log4j = self.directory / "log4j2.properties"
        log4j.write_text(_LOG4J2.format(log=self.log_path))
        cmd = [
            java,
            f"-Xmx{self.heap_mb}m",
            "-XX:+UseG1GC",
            "-Djava.awt.headless=true",
            f"-Dlog4j2.configurationFile={log4j}",
            "-cp",
            f"{jars}/*",
            "org.apache.kafka.connect.cli.ConnectStandalone",
            str(worker),
        ]
        out = open(self.directory / "connect.out", "ab")  # noqa: SIM115
        self.proc = subprocess.Popen(cmd, stdout=out, stderr=out, start_new_session=True)
        out.close()
        deadline = time.monotonic() + timeout_s
        try:
            while time.monotonic() < deadline:
                if self.proc.poll() is not None:
                    raise ConnectLaunchError(
                        f"Kafka Connect exited with code {self.proc.returncode}; its log:\n{self.log_tail()}"
                    )
                if port_open(self.host, self.port):
                    try:
                        self.request("GET", "/")
                        return self.url
                    except ConnectLaunchError:
                        pass  # the REST server listens before its resources are ready
                time.sleep(0.1)
            raise ConnectLaunchError(f"Kafka Connect's REST API did not answer; its log:\n{self.log_tail()}")
        except BaseException:
            self.stop()
            raise

    def request(self, method: str, path: str, body: Any = None) -> Any:
        """One REST call; the decoded JSON answer (``None`` for an empty one)."""
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(
            self.url + path, data=data, method=method, headers={"Content-Type": "application/json"}
        )
        try:
            with urllib.request.urlopen(req, timeout=30) as resp:
                raw = resp.read()
        except urllib.error.HTTPError as exc:
            raise ConnectLaunchError(
                f"{method} {path}: HTTP {exc.code}: {exc.read().decode()[:500]}"
            ) from None
        except OSError as exc:
            raise ConnectLaunchError(f"{method} {path}: {exc}") from None
        return json.loads(raw) if raw else None

    def create(self, name: str, config: dict[str, str]) -> None:
        """Create (or reconfigure) connector ``name``."""
        self.request("PUT", f"/connectors/{name}/config", config)

    def delete(self, name: str) -> None:
        self.request("DELETE", f"/connectors/{name}")

    def status(self, name: str) -> dict[str, Any]:
        answer: dict[str, Any] = self.request("GET", f"/connectors/{name}/status")
        return answer

    def pause(self, name: str) -> None:
        """Pause connector ``name``: its tasks stop fetching but stay in their consumer group."""
        self.request("PUT", f"/connectors/{name}/pause")

    def resume(self, name: str) -> None:
        self.request("PUT", f"/connectors/{name}/resume")

    def wait_running(self, name: str, tasks: int, timeout_s: float = 60.0) -> None:
        """Wait until the connector and ``tasks`` tasks are RUNNING; a FAILED one raises."""
        self.wait_state(name, tasks, "RUNNING", timeout_s)

    def wait_state(self, name: str, tasks: int, state: str, timeout_s: float = 60.0) -> None:
        """Wait until the connector and ``tasks`` tasks are in ``state``; a FAILED one raises."""
        deadline = time.monotonic() + timeout_s
        last: dict[str, Any] = {}
        while time.monotonic() < deadline:
            try:
                last = self.status(name)
            except ConnectLaunchError:
                time.sleep(0.2)  # 404 until the connector is registered
                continue
            states = [last["connector"], *last.get("tasks", [])]
            failed = [s for s in states if s.get("state") == "FAILED"]
            if failed:
                raise ConnectLaunchError(f"connector {name} failed: {failed[0].get('trace', '')[:2000]}")
            if len(last.get("tasks", [])) >= tasks and all(s.get("state") == state for s in states):
                return
            time.sleep(0.1)
        raise ConnectLaunchError(f"connector {name} not {state} after {timeout_s:.0f}s: {last}")

    def stop(self, grace_s: float = 20.0) -> None:
        """Stop the worker this object started (idempotent); removes a temporary directory."""
        if self.proc is not None:
            stop_process(self.proc, grace_s)
            self.proc = None
        if self._own_dir:
            shutil.rmtree(self.directory, ignore_errors=True)

    def __enter__(self) -> ConnectWorker:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
