"""A throwaway oddsflow stack for bench scripts: broker, fresh database, workers and sinks.

    with open_stack("e2e") as stack:
        stack.start("worker", 2)
        stack.start("sink")
        stack.wait_ready()
        ...  # publish to stack.settings.topics.raw(b); read stack.committed(conn)

Lifecycle of :func:`open_stack`:

1. services: the broker passed in, else :func:`open_broker` (the one at
   ``ODDS_KAFKA__BOOTSTRAP_SERVERS`` when set, environment or ``.env``, else one started
   here: Apache Kafka or tansu, per ``engine``); the Postgres *server* at
   ``ODDS_POSTGRES__URL`` when set, else an embedded PostgreSQL in the temp dir;
2. a fresh database ``oddsflow_bench_<label>_<uid>`` on that server, migrated to head
   (:func:`sinks.store.migrate.upgrade`, what ``oddsflow migrate`` runs);
3. fresh names for the run — topics ``b<uid>.odds.raw.<bookmaker>`` (and canonical,
   snapshots, DLQ), app id ``oddsflow-bench-<uid>``, sink group ``bench-sink-<uid>`` —
   and the raw, snapshots and DLQ topics created (:func:`streams.kafka.topics.ensure_topics`);
4. yields the :class:`Stack`; :meth:`Stack.start` runs ``python -m streams worker|sink``
   subprocesses with :attr:`Stack.env`, each logging to ``<workdir>/<kind>-<i>.log``;
5. on exit (also on errors, after printing the tails of the logs): SIGTERM to every
   process it started (SIGKILL after 30 s), ``DROP DATABASE … WITH (FORCE)``, stop the
   services it started, remove the temp dir. Topics on a broker it did not start stay
   (their names are unique per run).

The rest of the environment reaches the processes unchanged, so the pipeline under test
is tuned with the usual variables (``ODDS_SINK__LINGER_MS=…`` …). Metrics ports are 0
(free ports) so several processes share the machine.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg
from prometheus_client.parser import text_string_to_metric_families

from sinks.store import migrate
from streams.adapters import BOOKMAKERS
from streams.kafka.topics import ensure_topics
from streams.settings import Settings, load_settings

READY = {"worker": "Worker ready", "sink": "positioned "}  # log lines that say a process is up


@dataclass(frozen=True)
class Broker:
    """A broker for one run: its address, its engine, and its pid when this run started it."""

    bootstrap: str
    #: ``kafka`` | ``tansu``, passed on as ``ODDS_KAFKA__ENGINE`` (tansu turns on the clients'
    #: workarounds, streams/kafka/workarounds/tansu_gaps.py); for a configured broker, that setting's value
    engine: str
    pid: int | None = None  # the broker process (its CPU can be read), None when not started here

    @property
    def configured(self) -> bool:
        return self.pid is None

    @property
    def label(self) -> str:
        return "configured" if self.configured else self.engine

    def __str__(self) -> str:
        if self.configured:
            return f"{self.bootstrap} (ODDS_KAFKA__BOOTSTRAP_SERVERS, engine {self.engine})"
        return f"{self.engine} at {self.bootstrap} (started here, pid {self.pid})"


@contextlib.contextmanager
def open_broker(engine: str = "kafka") -> Iterator[Broker]:
    """The broker at ``ODDS_KAFKA__BOOTSTRAP_SERVERS`` when set; else one started for the block
    and stopped after it: ``kafka`` = one Apache Kafka node (:class:`KafkaCluster`, ~5 s to
    start), ``tansu`` = the embedded tansu (memory storage)."""
    configured = load_settings().kafka
    if "bootstrap_servers" in configured.model_fields_set:
        yield Broker(configured.bootstrap_servers, configured.engine)
    elif engine == "kafka":
        from streams.embedded.kafka import KafkaCluster

        with KafkaCluster(1) as cluster:
            yield Broker(cluster.bootstrap_servers, "kafka", cluster.pid(1))
    elif engine == "tansu":
        from streams.embedded.broker import EmbeddedBroker

        with EmbeddedBroker() as tansu:
            yield Broker(tansu.bootstrap_servers, "tansu", tansu.pid)
    else:
        raise ValueError(f"unknown engine {engine!r}: kafka or tansu")


@dataclass
class Proc:
    kind: str  # "worker" | "sink" | any other ``python -m streams`` command
    popen: subprocess.Popen[bytes]
    log: Path
    stopped: bool = False  # stopped by Stack.stop: its exit is expected

    def tail(self, chars: int = 3000) -> str:
        return self.log.read_text(errors="replace")[-chars:]


@dataclass
class Stack:
    """Addresses and names of one run, and the processes started in it."""

    bootstrap: str
    db_url: str
    workdir: Path
    partitions: int = 6
    uid: str = field(default_factory=lambda: secrets.token_hex(4))
    procs: list[Proc] = field(default_factory=list)
    broker_pid: int | None = None  # the broker's, when this run started it (CPU figures)
    engine: str = "kafka"  # the broker's, see Broker.engine

    @property
    def env(self) -> dict[str, str]:
        """Environment of every process of the run (the caller's plus the run's names)."""
        u = self.uid
        return os.environ | {
            "ODDS_KAFKA__BOOTSTRAP_SERVERS": self.bootstrap,
            "ODDS_KAFKA__ENGINE": self.engine,
            "ODDS_POSTGRES__URL": self.db_url,
            "ODDS_TOPICS__RAW_PREFIX": f"b{u}.odds.raw.",
            "ODDS_TOPICS__CANONICAL": f"b{u}.odds.canonical.v1",
            "ODDS_TOPICS__SNAPSHOTS": f"b{u}.odds.snapshots.v1",
            "ODDS_TOPICS__DLQ": f"b{u}.odds.dlq.v1",
            "ODDS_SIGNALS__TOPIC": f"b{u}.odds.signals.v1",
            "ODDS_TOPICS__PARTITIONS": str(self.partitions),
            "ODDS_STREAMS__APP_ID": f"oddsflow-bench-{u}",
            "ODDS_STREAMS__DATA_DIR": str(self.workdir / "faust"),
            "ODDS_SINK__GROUP_ID": f"bench-sink-{u}",
            "ODDS_MONITOR__WORKER_PORT": "0",
            "ODDS_MONITOR__SINK_PORT": "0",
            # READY reads INFO lines; commands log at WARNING unless asked (streams/cli/root.py)
            "ODDS_LOG_LEVEL": os.environ.get("ODDS_LOG_LEVEL") or "INFO",
        }

    @property
    def settings(self) -> Settings:
        """The same settings for clients in the bench process (producer, offsets, status)."""
        overrides: dict[str, dict[str, Any]] = {}
        for name, value in self.env.items():
            if name.startswith("ODDS_") and "__" in name:
                section, _, key = name[5:].lower().partition("__")
                overrides.setdefault(section, {})[key] = value
        return load_settings(**overrides)

    def start(self, kind: str, n: int = 1, *args: str) -> list[Proc]:
        """Start ``n`` × ``python -m streams <kind> <args>``; returns them (see :meth:`wait_ready`)."""
        started: list[Proc] = []
        for _ in range(n):
            log = self.workdir / f"{kind}-{len(self.of(kind)) + len(started)}.log"
            with open(log, "wb") as out:
                popen = subprocess.Popen(
                    [sys.executable, "-m", "streams", kind, *args],
                    env=self.env,
                    cwd=self.workdir,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            started.append(Proc(kind, popen, log))
        self.procs += started
        return started

    def of(self, kind: str) -> list[Proc]:
        return [p for p in self.procs if p.kind == kind]

    def check_alive(self) -> None:
        """Raise with the log tail if a started process exited on its own."""
        for p in self.procs:
            if not p.stopped and p.popen.poll() is not None:
                raise RuntimeError(f"{p.log.name} exited with {p.popen.returncode}:\n{p.tail()}")

    def wait_ready(self, timeout_s: float = 120.0, settle_s: float = 6.0) -> None:
        """Until every worker logged ``Worker ready`` and every sink positioned its partitions,
        then ``settle_s`` more (the last joins' rebalances finish); raises if one exits."""
        deadline = time.monotonic() + timeout_s
        waiting = [p for p in self.procs if p.kind in READY and p.popen.poll() is None]
        while waiting:
            self.check_alive()
            if time.monotonic() > deadline:
                raise RuntimeError(f"not ready after {timeout_s:.0f}s: {[p.log.name for p in waiting]}")
            waiting = [p for p in waiting if READY[p.kind] not in p.log.read_text(errors="replace")]
            time.sleep(0.2)
        time.sleep(settle_s)
        self.check_alive()

    def stop(self, kind: str | None = None, grace_s: float = 30.0) -> None:
        """SIGTERM the running processes (of ``kind``), wait, SIGKILL what is left."""
        procs = [p for p in self.procs if kind in (None, p.kind) and p.popen.poll() is None]
        for p in procs:
            p.stopped = True
            p.popen.send_signal(signal.SIGTERM)
        for p in procs:
            try:
                p.popen.wait(grace_s)
            except subprocess.TimeoutExpired:
                p.popen.kill()
                p.popen.wait(10)

    async def connect(self) -> Any:
        """An asyncpg connection to the run's database (close it)."""
        return await asyncpg.connect(self.db_url)

    async def committed(self, conn: Any) -> dict[int, int]:
        """``{snapshots partition: next offset}`` the sink group stored with its rows."""
        rows = await conn.fetch(
            "SELECT partition, next_offset FROM sink_offsets WHERE consumer_group = $1 AND topic = $2",
            self.env["ODDS_SINK__GROUP_ID"],
            self.env["ODDS_TOPICS__SNAPSHOTS"],
        )
        return {r["partition"]: r["next_offset"] for r in rows}


def scrape(proc: Proc) -> dict[str, float]:
    """Every sample ``proc`` exports on ``/metrics``, summed over labels ({} if unreachable)."""
    found = re.search(r"metrics on (http://\S+/metrics)", proc.log.read_text(errors="replace"))
    out: dict[str, float] = {}
    if found is None:
        return out
    with contextlib.suppress(OSError), urllib.request.urlopen(found.group(1), timeout=5) as response:
        for family in text_string_to_metric_families(response.read().decode()):
            for sample in family.samples:
                out[sample.name] = out.get(sample.name, 0.0) + sample.value
    return out


def cpu_s(pid: int) -> float:
    """CPU seconds (user + system) used so far by ``pid`` (``/proc/<pid>/stat``); 0 if gone."""
    with contextlib.suppress(OSError):
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return 0.0


def rss_mb(pid: int) -> float | None:
    """Resident set size of ``pid`` in MB (``VmRSS`` of ``/proc/<pid>/status``); None if gone."""
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return None


async def _admin(server: str, sql: str) -> None:
    conn = await asyncpg.connect(server)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def _with_database(server: str, name: str) -> str:
    base, _, query = server.partition("?")
    return base.rpartition("/")[0] + "/" + name + ("?" + query if query else "")


@contextlib.contextmanager
def open_stack(
    label: str, partitions: int = 6, engine: str = "kafka", broker: Broker | None = None
) -> Iterator[Stack]:
    """The stack of the module docstring on ``broker`` (else on one of ``engine`` started for
    it, see :func:`open_broker`); everything it started is gone on exit."""
    configured = load_settings()
    with contextlib.ExitStack() as exits:
        workdir = Path(exits.enter_context(tempfile.TemporaryDirectory(prefix=f"oddsflow-{label}-")))
        if broker is None:
            broker = exits.enter_context(open_broker(engine))
        bootstrap, broker_pid = broker.bootstrap, broker.pid
        if configured.postgres.url is not None:
            server = configured.postgres.dsn()
        else:
            from streams.embedded.postgres import EmbeddedPostgres

            server = exits.enter_context(EmbeddedPostgres(workdir / "pg")).url
        uid = secrets.token_hex(4)
        name = f"oddsflow_bench_{label}_{uid}"
        asyncio.run(_admin(server, f'CREATE DATABASE "{name}"'))
        exits.callback(lambda: asyncio.run(_admin(server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')))
        stack = Stack(
            bootstrap,
            _with_database(server, name),
            workdir,
            partitions,
            uid,
            broker_pid=broker_pid,
            engine=broker.engine,
        )
        exits.callback(stack.stop)
        migrate.upgrade(stack.db_url)
        asyncio.run(ensure_topics(stack.settings, BOOKMAKERS))
        try:
            yield stack
        except BaseException:
            kept = Path(tempfile.mkdtemp(prefix=f"oddsflow-{label}-logs-"))
            for p in stack.procs:
                print(f"--- {p.log.name} (exit {p.popen.poll()})\n{p.tail()}", file=sys.stderr)
                shutil.copy(p.log, kept)
            print(f"logs kept in {kept}", file=sys.stderr)
            raise


@contextlib.contextmanager
def shared_broker(engine: str) -> Iterator[Broker | None]:
    """The broker the fresh stacks of one run share, or None: each stack starts its own.

    Kafka (or a configured broker) is started once per run: its fetch cost does not depend on
    what a log holds and each stack's topics are its own. tansu is started per stack: its
    fetch cost grows with what a partition holds (:mod:`bench.broker`), so a stack started
    after another would pay for the records before it.
    """
    configured = "bootstrap_servers" in load_settings().kafka.model_fields_set
    if engine == "tansu" and not configured:
        yield None
    else:
        with open_broker(engine) as broker:
            yield broker
