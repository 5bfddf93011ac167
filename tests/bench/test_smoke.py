"""Every bench script, run as documented with ``--smoke``: it exits 0 and prints its figures.

A case is a subprocess ``python bench/<name>.py --smoke [--engine tansu]`` from the repo
root, the command of the README and of the script's docstring, so a bench that no longer
runs (a schema change, a renamed function, a shadowed package) fails the suite. ``--smoke``
shrinks the workload to seconds, not the code path (bench/options.py).

Brokers: the ``kafka`` cases share the session's Apache Kafka (``bootstrap_servers``, passed
as ``ODDS_KAFKA__BOOTSTRAP_SERVERS``); the ``tansu`` cases leave that unset and pass
``--engine tansu``, so the script starts its own tansu (the path a user without the
variable takes); ``bench/broker.py`` starts both engines itself (its CPU figures need
brokers it started). Every script runs on Kafka; on tansu the quick ones, and with
``ODDS_CAMPAIGN=long`` also ``e2e`` and ``replay`` (~1 min more each). Postgres: the
session's server (``pg_server_url``); every script makes and drops databases of its own on
it. ``python -m bench.<name>`` (documented too) is run for ``normalize``.

The selected cases start together when the first test asks (:func:`smoke_runs`),
``PARALLEL`` at a time: most of a smoke run is waiting for processes to start. Each test
then waits for its own case.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PARALLEL = 3
TIMEOUT_S = 240.0  # one case, on a loaded 2-core machine (they take 1–45 s alone)
SLOWEST = ("e2e", "replay", "week")  # started first; on tansu only in the long form
LONG = os.environ.get("ODDS_CAMPAIGN", "").strip().lower() == "long"


@dataclass(frozen=True)
class Case:
    script: str  # bench/<script>.py
    broker: str  # "kafka" (the session's), "tansu" (--engine tansu), "own" (the script's), "none"
    expect: tuple[str, ...]  # regexes the output must match: the script's result lines
    module: bool = False  # run as ``python -m bench.<script>`` (also documented) instead
    long: bool = False  # only with ODDS_CAMPAIGN=long (the slowest smoke runs, on the second engine)

    @property
    def id(self) -> str:
        return f"{self.script}-{self.broker}" + ("-m" if self.module else "")

    @property
    def argv(self) -> list[str]:
        engine = ["--engine", "tansu"] if self.broker == "tansu" else []
        how = ["-m", f"bench.{self.script}"] if self.module else [f"bench/{self.script}.py"]
        return [sys.executable, *how, "--smoke", *engine]


#: the Kafka Connect + Debezium JDBC row with a rate (on Kafka), and on tansu the bench's reason
CONNECT_RAN = r"Kafka Connect \+ Debezium JDBC\s+[\d,]+\s+\d+%"
CONNECT_ON_TANSU = r"Kafka Connect \+ Debezium JDBC\s+not run on tansu: "


def _on_tansu(expect: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(CONNECT_ON_TANSU if p == CONNECT_RAN else p for p in expect)


EXPECT = {
    "e2e": (
        r"\(a\) drain rate",
        r"[\d.]+ captures/s\s+\d+ lines/s\s+[\d.]+ MB/s raw JSON",
        r"pipeline / adapters = [\d.]+ \(workers alone [\d.]+\)\s+target ≤ 3: (OK|MISS)",
        r"probe\s+[\d.]+/s: p99 [\d.]+s",
        r"max sustainable: [\d.]+ captures/s",
        r"50%\s+[\d.]+\s+[\d.]+\s+\d+\s+[\d.]+.*target p99 ≤ 0\.500: (OK|MISS)",
        r"stored / full = \d\.\d{3}",
    ),
    "stages": (
        r"adapter only \(in process\)\s+\d+\s+[\d.]+\s+1\.00",
        r"all stages, no Kafka \(in process\)\s+\d+\s+[\d.]+\s+\d\.\d\d",
        r"faust, 1 worker\(s\)\s+\d+\s+[\d.]+\s+\d+\.\d\d",
    ),
    "sink": (
        r"raw COPY\s+[\d,]+\s+100%",
        r"oddsflow sink, 1 writer\s+[\d,]+\s+\d+%",
        r"oddsflow sink, 2 writers\s+[\d,]+\s+\d+%",
        CONNECT_RAN,
        r"Quix PostgreSQLSink",
        r"targets: sink >= 0\.70 x raw COPY; sink >= 3 x Kafka Connect",
    ),
    "replay": (
        r"history: 60 captures",
        r"pipeline from offset 0 \(1 workers \+ 1 sink\)\s+[\d.]+\s+[\d.]+×\s+60\s+\d+",
        r"oddsflow reprocess --from-earliest --execute\s+[\d.]+\s+[\d.]+×\s+60\s+\d+",
        r"target: ≥ 20× real time",
    ),
    "read_api": (
        r"\(a\) GET /events/\{id\}/best at \d+/s for \d+s \(open loop\): \d+ ok, 0 errors",
        r"p99 [\d.]+ ms  max [\d.]+ ms  target p99 ≤ 20 ms: (OK|MISS)",
        r"/best cache \(ODDS_API__BEST_CACHE\): \d+ hits, \d+ misses",
        r"\(b\) \d+ SSE subscribers × \d+ changes: 0 not received",
        r"target p99 ≤ 250 ms: (OK|MISS)",
        r"\(c\) memory per idle subscriber: -?[\d.]+ KiB",
    ),
    "week": (
        r"week: \d+ events × 3 bookmakers, \d+ captures over 0\.5 days",
        r"plateau \(second half\): open events \d+–\d+",
        r"stored \d+ = published \d+ - captures of closed events \d+: OK",
        r"closed by reason \(worker\): .*ended \d+",
        r"worker restart: ready after [\d.]+s \(target ≤ 30s: (OK|MISS)\)",
    ),
    "storage": (
        r"0\.050\s+0\.20\s+90\s+90\s+\d+\s+\d+\s+\d+\s+\d+\s+\d\.\d{3}\s+(OK|MISS)\s+\d\.\d{3}",
        r"headers \d\.\d{3} \+ keyframes \d\.\d{3}",
    ),
}
NORMALIZE = (r"betpawa\s+\d+\s+\d+\s+\d+", r"worst ratio \d\.\d\d")
SIGNALS = (
    r"match\s+\d+ µs CPU per capture",
    r"signals\s+\d+ µs CPU per snapshot",
    r"signals / match = \d+\.\d\d \(target ≤ 0\.20: (OK|MISS)\)",
)
SOAK = (
    r"soak: [\d.]+ min at [\d.]+ captures/s \(half of [\d.]+\), \d+ captures sent",
    r"stored \d+ snapshots of \d+ captures sent: OK",
    r"stale drops \d+, dead letters \d+ \(target 0\): (OK|MISS)",
    r"lag slope over the last \d+ min: [-+][\d.]+ ± [\d.]+ captures/min \(flat: (OK|MISS)\)",
    r"worker-0\s+[-+][\d.]+%\s+(OK|MISS)",
    r"broker\s+[-+][\d.]+%\s+(OK|MISS)",
)
MATCHING = (
    r"\(a\) simulated, \d+ events",
    r"precision \d\.\d{4}\s+\(\d+ right, \d+ wrong\)\s+target ≥ 0\.995: (OK|MISS)",
    r"recall\s+\d\.\d{4}\s+target ≥ 0\.97: (OK|MISS)",
    r"review\s+\d\.\d{4}.*target ≤ 0\.03: (OK|MISS)",
    r"[\d.]+ µs per capture amortised, [\d.]+ µs first sight\s+target ≤ 50: (OK|MISS)",
    r"\(b\) real-shaped fixtures, ids hidden: \d+ listings",
)
WEEK_HEAP = (
    r"h=\s+\d+ events=\d+ closed=\d+ rss=\s*[\d.]+MB traced=\s*[\d.]+MB open=\d+",
    r"infos=\d+ ",
    r"top growth after hour 3 \(4 frames\):\n\s+[-+][\d.]+ kB",
)
CASES = [
    Case("normalize", "none", NORMALIZE),
    Case("week_heap", "none", WEEK_HEAP),
    Case("matching", "none", MATCHING),
    Case("signals", "none", SIGNALS),
    Case("soak", "own", SOAK),  # its own Kafka node: the log directory on disk is part of the soak
    Case("normalize", "none", NORMALIZE, module=True),
    Case(
        "broker", "own", (r"broker kafka at", r"broker tansu at", r"kafka\s+\d+\.\d\n", r"tansu\s+\d+\.\d\n")
    ),
    *(Case(script, "kafka", expect) for script, expect in EXPECT.items()),
    *(Case(script, "tansu", _on_tansu(expect), long=script in SLOWEST) for script, expect in EXPECT.items()),
]


@dataclass(frozen=True)
class Done:
    returncode: int | None
    output: str
    seconds: float


def run(case: Case, env: dict[str, str]) -> Done:
    """The case's command; on timeout SIGINT (the script stops what it started), then SIGKILL."""
    t0 = time.monotonic()
    proc = subprocess.Popen(
        case.argv, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    try:
        out, _ = proc.communicate(timeout=TIMEOUT_S)
    except subprocess.TimeoutExpired:
        proc.send_signal(signal.SIGINT)
        try:
            out, _ = proc.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            out, _ = proc.communicate()
        out += f"\n[killed after {TIMEOUT_S:.0f}s]"
    return Done(proc.returncode, out, time.monotonic() - t0)


def environment(case: Case, bootstrap: str | None, pg_server: str | None) -> dict[str, str]:
    """The caller's environment; the session's broker for a ``kafka`` case, none for the others
    (the script starts its own); the session's Postgres server."""
    kafka = ("ODDS_KAFKA__BOOTSTRAP_SERVERS", "ODDS_KAFKA__ENGINE")
    env = {k: v for k, v in os.environ.items() if case.broker == "kafka" or k not in kafka}
    if case.broker == "kafka":
        assert bootstrap is not None
        env["ODDS_KAFKA__BOOTSTRAP_SERVERS"] = bootstrap
    if pg_server is not None:
        env["ODDS_POSTGRES__URL"] = pg_server
    return env


@pytest.fixture(scope="module")
def smoke_runs(request: pytest.FixtureRequest) -> Iterator[dict[str, Future[Done]]]:
    """Every selected case of this module, started ``PARALLEL`` at a time: ``{case id: result}``."""
    selected = [
        item.callspec.params["case"]
        for item in request.session.items
        if getattr(item, "module", None) is sys.modules[__name__] and hasattr(item, "callspec")
    ]
    selected = [c for c in selected if LONG or not c.long]
    brokers = {c.broker for c in selected}
    bootstrap = request.getfixturevalue("bootstrap_servers") if "kafka" in brokers else None
    pg_server = request.getfixturevalue("pg_server_url") if brokers - {"none"} else None
    order = sorted(selected, key=lambda c: c.script not in SLOWEST)  # so that the pool ends together
    with ThreadPoolExecutor(PARALLEL, thread_name_prefix="bench-smoke") as pool:
        yield {c.id: pool.submit(run, c, environment(c, bootstrap, pg_server)) for c in order}


def _param(case: Case) -> object:
    marks = [] if case.broker == "none" else [pytest.mark.integration]
    if case.long:
        marks.append(
            pytest.mark.skipif(not LONG, reason="ODDS_CAMPAIGN=long: the slowest smoke runs on tansu too")
        )
    return pytest.param(case, id=case.id, marks=marks)


@pytest.mark.timeout(TIMEOUT_S * 4)  # the first test waits for the pool to reach its case
@pytest.mark.parametrize("case", [_param(c) for c in CASES])
def test_bench_smoke(case: Case, smoke_runs: dict[str, Future[Done]]) -> None:
    done = smoke_runs[case.id].result()
    print(f"\n$ {' '.join(case.argv[1:])}  ({case.broker}, {done.seconds:.1f}s)\n{done.output[-3000:]}")
    tail = done.output[-6000:]
    assert done.returncode == 0, f"{' '.join(case.argv[1:])} exited with {done.returncode}:\n{tail}"
    connect = re.search(r"Kafka Connect \+ Debezium JDBC\s+((skipped|failed): .*)", done.output)
    assert connect is None, (
        f"{' '.join(case.argv[1:])}: the Kafka Connect + Debezium JDBC row did not run "
        f"(its jars come from scripts/connect/pom.xml, fetched by scripts/setup.sh): {connect.group(1)}"
    )
    missing = [pattern for pattern in case.expect if not re.search(pattern, done.output)]
    assert not missing, f"{' '.join(case.argv[1:])} printed no line matching {missing}:\n{tail}"
