"""Crash campaign: SIGKILLs, Kafka node failures and a Postgres restart under a live feed,
then every row in Postgres checked against an independent reconstruction from the raw topics.

What it does
------------
A simulated feed (8 events × 3 bookmakers, normal-size payloads, ~10 captures/s, plus a
few stale, repeated and invalid records, see :mod:`tests.reliability.feed`) is published
to a three-node Apache Kafka cluster and a Postgres owned by the test
(:mod:`tests.reliability.conftest`: KRaft, combined broker/controller nodes; every topic,
faust's changelogs included, at replication factor 3 with ``min.insync.replicas`` 2),
processed by two ``oddsflow worker`` processes and one ``oddsflow sink`` with two writers
(``ODDS_CAMPAIGN_WRITERS``). Meanwhile a seeded schedule of faults
(:mod:`tests.reliability.chaos`) SIGKILLs the sink and the workers at moments that hit
work in progress, restarting each at once, restarts Postgres (immediate shutdown), and
takes Kafka nodes away one at a time (:mod:`tests.reliability.broker_faults`): a stall
(SIGSTOP … SIGCONT) of the node leading the most partitions, a SIGKILL of the leader of a
snapshots partition mid-ingest (started again later on its data), and a rolling restart
(controlled stop and start of each node, the next once every partition is back in sync).
Then the feed stops, every stage drains, and :mod:`tests.reliability.compare` checks
Postgres against :mod:`tests.reliability.reconstruct` (0 captures lost, 0 duplicated,
every stored board, its history rows and ``current_odds`` equal to the adapters' reading
of the raw payloads, ``sink_offsets`` at the end of the snapshots topic, invalid records in
the DLQ), and a control pipeline that nothing crashed (:mod:`tests.reliability.control`)
must have written the same rows. The signals stage's output goes through its own sink
(``python -m sinks.signals``, running through every fault) in both runs, and the four signal
tables must hold the same rows, each natural key once (:mod:`tests.reliability.signals_check`).
The cluster must still hold every partition at three
replicas. Ingestion must resume within 30 s of a leader's loss (measured end to end: until
the sink stored, on every snapshots partition that was receiving records, one published
after the kill) and the sink may not stall 30 s during a rolling restart. Finally a few
rows are deleted to show that the comparison then fails.

The feed's producer (``acks=all``, idempotent on Kafka, many retries) keeps publishing
through every fault; the check reads the raw topics back, so whatever it stored counts.

Forms
-----
* short (default, CI): 3 sink kills, 3 worker kills, one Postgres restart, one 12 s node
  stall, one leader kill (down ≥ 15 s), one rolling restart; about 2.5-3.5 minutes on two
  cores (5 when other work shares them), the cluster's start included::

      .venv/bin/pytest tests/reliability/test_crash.py

* long: 12 sink kills, 10 worker kills, two Postgres restarts, two 30 s node stalls,
  three leader kills (down ≥ 45 s), two rolling restarts; about 10-11 minutes (20 when
  other work shares the cores)::

      ODDS_CAMPAIGN=long .venv/bin/pytest tests/reliability/test_crash.py

The campaign always starts its own cluster (it kills nodes): ``ODDS_KAFKA__BOOTSTRAP_SERVERS``
is not used. The seed is printed (and part of every failure message);
``ODDS_CAMPAIGN_SEED=<n>`` runs the same feed and fault schedule again (the moments still
depend on timing). The summary (faults, resume times, records, rows compared) is printed at
the end of the pytest run. On a failure the faults so far are printed and the topics are
dumped next to the processes' and Kafka nodes' logs (:mod:`tests.reliability.evidence`;
the path is in the message), and a sink that stops making progress is asked for its tasks'
stacks (:mod:`tests.reliability.sink_debug`).

Workers are the plain ``oddsflow worker``. On tansu this campaign found two faust problems
that :mod:`streams.kafka.transport` now handles: changelog recovery stopped short of the log end
(its ListOffsets answer is not Kafka's, see :mod:`streams.kafka.workarounds.tansu_gaps`), and records fetched
before a rebalance's seek made faust commit over records it never processed. The transport
logs every offset gap faust commits over; the campaign fails on any such line in a
worker's log (the raw topics have no legitimate gaps). On Kafka it found three more:
aiokafka reads an OffsetFetch answer carrying a group-level error (``NOT_COORDINATOR``
after the coordinator moved) as "nothing committed", for good
(:mod:`streams.kafka.workarounds.offset_fetch_errors`); faust's recovery seeks standby partitions that a
rebalance added while it ran at offset ``None``, which killed a worker during a rolling
restart (:mod:`streams.kafka.transport`, ``_seek_wait``); and a sink batch emptied by a
rebalance or a fence kept its linger clock, so the member loop polled with a zero timeout
and never yielded, starving the whole sink process (:mod:`sinks.write.batch`, ``_recount``).
"""

from __future__ import annotations

import asyncio
import os
import random
import secrets
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from streams.deadletters.contract import dlq_headers
from streams.embedded.kafka import KafkaCluster
from streams.embedded.postgres import EmbeddedPostgres
from streams.replay.plan import TP
from tests.integration.replay.pipeline import Pipeline
from tests.integration.streams.harness import Harness
from tests.reliability.broker_faults import RESUME_LIMIT_S
from tests.reliability.chaos import Chaos, Tally
from tests.reliability.cluster import replication_report
from tests.reliability.compare import Findings, check_dlq, check_odds_at, compare, connect, load
from tests.reliability.conftest import SUMMARIES
from tests.reliability.control import control_pipeline, differences, natural_rows
from tests.reliability.evidence import dump_evidence
from tests.reliability.feed import Feed, FeedConfig, FeedStats
from tests.reliability.reconstruct import Reconstruction, log_offsets, reconstruct
from tests.reliability.signals_check import (
    SAME_IN_EVERY_RUN,
    SignalsSinkProcess,
    signal_counts,
    signal_differences,
    signal_rows,
)


@dataclass(frozen=True, slots=True)
class Plan:
    """One form of the campaign."""

    name: str
    faults: dict[str, int]  # fault → how many
    stall_s: float
    postgres_down_s: float
    leader_down_s: float  # a killed partition leader is started again after this long
    gap_s: tuple[float, float]  # random pause between faults
    timeout_s: int  # the whole test
    odds_at_sample: int


SHORT = {"sink": 3, "worker": 3, "postgres": 1, "stall": 1, "leader": 1, "rolling": 1}
LONG = {"sink": 12, "worker": 10, "postgres": 2, "stall": 2, "leader": 3, "rolling": 2}
PLANS = {
    "short": Plan("short", SHORT, 12, 4, 15, (2, 6), 600, 200),
    "long": Plan("long", LONG, 30, 10, 45, (3, 12), 3600, 1000),
}
PLAN = PLANS[os.environ.get("ODDS_CAMPAIGN", "short")]
WORKER_ENV = {
    # two writers in the sink process: a rebalance at every sink kill, and kills that hit two
    # writers at once (this found aiokafka's stuck rejoin, see sinks.write.stuck)
    "ODDS_SINK__WRITERS": os.environ.get("ODDS_CAMPAIGN_WRITERS", "2"),
    "ODDS_SINK__BATCH_MAX_ROWS": "2000",  # many small transactions to die in
    "ODDS_STREAMS__COMMIT_INTERVAL_S": "1.0",
    # every topic the pipeline creates (raw, canonical, snapshots, DLQ, faust's changelogs
    # and its assignor topic) at the cluster's size: min.insync.replicas 2 refuses acks=all
    # writes to a topic of replication factor 1
    "ODDS_TOPICS__REPLICATION_FACTOR": "3",
}
REPLICAS = 3

GAP = "offset gap in"  # streams.kafka.transport logs each gap faust commits over unread

pytestmark = [pytest.mark.integration, pytest.mark.timeout(PLAN.timeout_s)]


def schedule(plan: Plan, rng: random.Random) -> list[str]:
    """The faults in a seeded random order."""
    faults = [fault for fault, n in plan.faults.items() for _ in range(n)]
    rng.shuffle(faults)
    return faults


async def read_dlq(harness: Harness) -> list[dict[str, str]]:
    """The ``dlq.*`` headers of every dead letter of the campaign."""
    settings = harness.settings
    tps = [TP(settings.topics.dlq, p) for p in range(harness.partitions)]
    async with log_offsets(settings.kafka) as log:
        earliest, latest = await log.bounds(tps)
        return [
            dlq_headers(m.headers) async for m in log.read({tp: (earliest[tp], latest[tp]) for tp in tps})
        ]


async def verify(
    pipeline: Pipeline, end: dict[TP, int], rng: random.Random
) -> tuple[Reconstruction, Findings]:
    """Reconstruct from the raw topics and compare every table with it."""
    harness = pipeline.harness
    rec = await reconstruct(harness.settings, harness.partitions)
    conn = await connect(pipeline.db_url)
    try:
        stored = await load(conn, pipeline.group)
        findings = compare(rec, stored, pipeline.group, end)
        await check_odds_at(findings, conn, rec, stored, PLAN.odds_at_sample, rng)
    finally:
        await conn.close()
    check_dlq(findings, rec, await read_dlq(harness))
    findings.snapshot_records = sum(end.values())
    canonical = [TP(harness.settings.topics.canonical, p) for p in range(harness.partitions)]
    async with log_offsets(harness.settings.kafka) as log:
        findings.canonical_records = sum((await log.bounds(canonical))[1].values())
    return rec, findings


async def control_run(
    campaign: Pipeline, cluster: KafkaCluster, postgres: EmbeddedPostgres, tmp_path: Path
) -> tuple[list[str], str]:
    """The raw topics through a fresh pipeline without faults (the signals sink included); how
    its rows differ from ours (the signal tables: exactly once, see
    :mod:`tests.reliability.signals_check`), and our signal rows per table."""
    control = await control_pipeline(campaign, postgres, tmp_path / "control")
    # it reads the whole feed from the start (long form: ~5,500 captures through both faust
    # stages): on two shared cores that alone can take minutes, hence the longer bound
    quiet = Chaos(control, cluster, postgres, random.Random(0), stall_s=0, postgres_down_s=0, timeout_s=600)
    signals = SignalsSinkProcess(control)
    try:
        quiet.start()
        signals.start()
        await quiet.workers_ready()
        await quiet.drain()
        await signals.wait_caught_up(quiet.timeout_s)
    finally:
        signals.stop()
        quiet.stop()
    ours, theirs = await connect(campaign.db_url), await connect(control.db_url)
    try:
        ours_signals, theirs_signals = await signal_rows(ours), await signal_rows(theirs)
        found = differences(await natural_rows(ours), await natural_rows(theirs))
        found += signal_differences(ours_signals, theirs_signals)
        assert_signal_check_can_fail(ours_signals, theirs_signals)
        return found, signal_counts(ours_signals)
    finally:
        await ours.close()
        await theirs.close()


def assert_signal_check_can_fail(ours: dict[str, Counter[Any]], theirs: dict[str, Counter[Any]]) -> None:
    """The signal comparison on these rows says so when a row is missing or stored twice."""
    for name, rows in ours.items():
        if not rows:
            continue
        row = next(iter(rows))
        lost = {**ours, name: rows - Counter([row])}
        twice = {**ours, name: rows + Counter([row])}
        if name in SAME_IN_EVERY_RUN:
            assert any(name in line for line in signal_differences(lost, theirs)), name
        assert any("more than once" in line for line in signal_differences(twice, theirs)), name


async def keep_evidence(pipeline: Pipeline, tmp_path: Path) -> None:
    """Dump the topics for triage (best effort: the broker may be what failed)."""
    try:
        await asyncio.wait_for(dump_evidence(pipeline, tmp_path / "evidence"), 120)
    except Exception as exc:
        print(f"no evidence dumped: {exc!r}")


async def assert_check_can_fail(pipeline: Pipeline, rec: Reconstruction, end: dict[TP, int]) -> None:
    """Delete one capture's history rows and another capture's header; the comparison must say so."""
    conn = await connect(pipeline.db_url)
    try:
        changed = await conn.fetchrow(
            "SELECT event_id, bookmaker_id, captured_at FROM snapshots WHERE lines_changed > 0 "
            "ORDER BY captured_at LIMIT 1 OFFSET 10"
        )
        await conn.execute(
            "DELETE FROM odds_history WHERE event_id = $1 AND bookmaker_id = $2 AND captured_at = $3",
            *changed,
        )
        await conn.execute(
            "DELETE FROM snapshots WHERE (event_id, bookmaker_id, captured_at) = "
            "(SELECT event_id, bookmaker_id, captured_at FROM snapshots ORDER BY captured_at DESC LIMIT 1)"
        )
        broken = compare(rec, await load(conn, pipeline.group), pipeline.group, end)
    finally:
        await conn.close()
    found = broken.problems()
    assert "lost" in found and ("wrong_board" in found or "wrong_history" in found), found


def _seconds(values: list[float]) -> str:
    return ", ".join(f"{v:.1f}s" for v in values) or "none"


def summary(
    seed: int, tally: Tally, feed: FeedStats, rec: Reconstruction, f: Findings, topics: str, signals: str
) -> str:
    faults = (
        f"{tally.sink_kills} sink kills, {tally.worker_kills} worker kills ({tally.kills} kills), "
        f"{tally.postgres_restarts} Postgres restarts, {tally.broker_stalls} Kafka node stalls "
        f"({PLAN.stall_s:.0f}s), {tally.leader_kills} partition leader kills, "
        f"{tally.rolling_restarts} rolling restarts"
    )
    pauses = ", ".join(f"{k} {v:.1f}s" for k, v in sorted(tally.longest_pause.items())) or "none"
    problems = Counter({k: len(v) for k, v in f.problems().items()})
    return "\n".join(
        [
            f"crash campaign ({PLAN.name}, seed {seed}): {faults}",
            f"  kafka: 3 nodes; {topics}",
            f"  ingestion resumed after a partition leader's loss in {_seconds(tally.resume_s)} "
            f"(limit {RESUME_LIMIT_S:.0f}s); rolling restarts took {_seconds(tally.rolling_s)}; "
            f"longest sink pause per broker fault: {pauses}",
            f"  feed: {feed.captures} captures + {feed.stale} stale, {feed.repeats} repeated, "
            f"{feed.invalid} invalid records",
            f"  raw topics: {rec.records} records → {rec.accepted} captures accepted, "
            f"{len(rec.stale)} stale (dropped), {len(rec.invalid)} invalid (DLQ)",
            f"  redone after kills: {f.canonical_records - rec.accepted - len(rec.stale)} canonical records, "
            f"{f.snapshot_records - rec.accepted} snapshot records (published again, ignored by the sink)",
            f"  postgres: {f.snapshots} snapshots, {f.history_rows} odds_history rows, "
            f"{f.current_rows} current_odds rows compared; odds_at() at {f.odds_at_checked} captures; "
            f"control run: {'different rows' if f.differs_from_control else 'identical rows'}",
            f"  signals (campaign, each compared with the control run): {signals}",
            f"  lost {len(f.lost)}, duplicated {len(f.duplicated)}, "
            f"other problems {sum(problems.values()) - len(f.lost) - len(f.duplicated)}",
            *(f"  {line}" for line in tally.log),
        ]
    )


async def test_crash_campaign(
    own_cluster: KafkaCluster, own_postgres: EmbeddedPostgres, campaign_db: str, tmp_path: Path
) -> None:
    seed = int(os.environ.get("ODDS_CAMPAIGN_SEED") or secrets.randbelow(1_000_000))
    print(f"crash campaign ({PLAN.name}): seed {seed}")
    rng = random.Random(seed)
    harness = Harness(own_cluster.bootstrap_servers, tmp_path, partitions=4, extra_env=dict(WORKER_ENV))
    pipeline = Pipeline(harness, campaign_db)
    chaos = Chaos(
        pipeline,
        own_cluster,
        own_postgres,
        rng,
        stall_s=PLAN.stall_s,
        postgres_down_s=PLAN.postgres_down_s,
        leader_down_s=PLAN.leader_down_s,
        worker_cmd=None,
    )
    feed = Feed(harness, FeedConfig(), seed)
    # the signals sink runs through every fault but is not killed itself: the workers'
    # kills are what must not duplicate or lose signals
    signals = SignalsSinkProcess(pipeline)

    def check() -> None:
        feed.check()
        signals.check_alive()

    await harness.create_topics()
    signal_summary = "not compared"
    try:
        chaos.start()
        signals.start()
        await feed.start()
        await chaos.workers_ready()
        for fault in schedule(PLAN, rng):
            await chaos.pause(rng.uniform(*PLAN.gap_s), check)
            await chaos.run(fault)
        await chaos.pause(rng.uniform(*PLAN.gap_s), check)
        await feed.stop()
        end = await chaos.drain()
        await signals.wait_caught_up(chaos.timeout_s)
        rec, findings = await verify(pipeline, end, rng)
        if findings.problems():
            await keep_evidence(pipeline, tmp_path)
        findings.differs_from_control, signal_summary = await control_run(
            pipeline, own_cluster, own_postgres, tmp_path
        )
        topics, unreplicated = await replication_report(harness.settings.kafka, REPLICAS)
    except BaseException:
        print("faults so far:", *chaos.tally.log, sep="\n  ")
        await keep_evidence(pipeline, tmp_path)
        raise
    finally:
        await feed.stop()
        signals.stop()
        chaos.stop()
    text = summary(seed, chaos.tally, feed.stats, rec, findings, topics, signal_summary)
    SUMMARIES.append(text)
    print(text)
    where = f"logs and evidence in {tmp_path}"
    assert not findings.problems(), f"seed {seed}:\n{findings.describe()}\n{text}\n{where}"
    assert not unreplicated, f"seed {seed}: topics not replicated as configured: {unreplicated}\n{where}"
    slow = [s for s in chaos.tally.resume_s if s >= RESUME_LIMIT_S]
    late = f"ingestion resumed only {_seconds(slow)} after a leader's loss"
    assert not slow, f"seed {seed}: {late}\n{text}\n{where}"
    rolling = chaos.tally.longest_pause.get("rolling", 0.0)
    late = f"the sink stored nothing for {rolling:.1f}s during a rolling restart"
    assert rolling < RESUME_LIMIT_S, f"seed {seed}: {late}\n{text}\n{where}"
    logs = [log.read_text(errors="replace") for log in pipeline.harness.logs]
    gaps = [line for text in logs for line in text.splitlines() if GAP in line]
    assert not gaps, f"seed {seed}: workers committed over unread offsets:\n" + "\n".join(gaps) + f"\n{where}"
    await assert_check_can_fail(pipeline, rec, end)
