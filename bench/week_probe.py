"""What :mod:`bench.week` measures on a running stack: metrics with labels, RSS, changelogs, rows.

* :class:`Probe` — one sample: the workers' ``oddsflow_open_events``,
  ``oddsflow_table_entries{table}``, ``oddsflow_events_closed_total{reason}`` and RSS; the
  sink's ``oddsflow_sink_id_cache_entries`` and RSS; the changelog topics' retained records
  (log-end − log-start offsets: compaction removes records without moving log-start, so this
  is an upper bound of what a restarted worker reads) and, when the broker was started by the
  run, their bytes on disk; events open in Postgres.
* :func:`compact_changelogs` sets short segments on the changelog topics, so that the broker
  compacts them while the run lasts.
* :func:`restart_worker` stops the workers and starts them again, timing ``Worker ready``
  (faust logs it once table recovery from the changelogs is complete).
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import time
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType
from prometheus_client.parser import text_string_to_metric_families

from bench.stack import Proc, Stack, rss_mb
from streams.kafka.producer import OddsProducer
from streams.kafka.workarounds.faust_new_changelogs import TABLES
from streams.replay.log_offsets import LogOffsets
from streams.replay.plan import TP
from streams.simulator import World, WorldConfig, capture


def scrape_labeled(proc: Proc) -> dict[str, dict[str, float]]:
    """``{metric: {first label value or "": value}}`` from ``proc``'s ``/metrics`` ({} if unreachable)."""
    found = re.search(r"metrics on (http://\S+/metrics)", proc.log.read_text(errors="replace"))
    out: dict[str, dict[str, float]] = {}
    if found is None:
        return out
    with contextlib.suppress(OSError), urllib.request.urlopen(found.group(1), timeout=5) as response:
        for family in text_string_to_metric_families(response.read().decode()):
            for sample in family.samples:
                label = next(iter(sample.labels.values()), "")
                per = out.setdefault(sample.name, {})
                per[label] = per.get(label, 0.0) + sample.value
    return out


def changelog_topics(stack: Stack) -> list[str]:
    app = stack.env["ODDS_STREAMS__APP_ID"]
    return [f"{app}-{table}-changelog" for table in TABLES]


async def compact_changelogs(stack: Stack, topics: list[str], segment_ms: int) -> dict[str, dict[str, str]]:
    """Short segments and an eager cleaner on ``topics`` (Kafka compacts closed segments only),
    and tombstones kept as long as one segment instead of a day (wall-clock: in a week
    compressed into minutes, a day's retention would keep every tombstone of the run).

    AlterConfigs replaces a topic's whole dynamic config, so the topic's own settings (faust's
    ``cleanup.policy=compact`` …) are read first and sent again with these; returns the
    configs set, per topic."""
    admin = AIOKafkaAdminClient(bootstrap_servers=stack.bootstrap)
    await admin.start()
    try:
        ours = {
            "segment.ms": str(segment_ms),
            "min.cleanable.dirty.ratio": "0.1",
            "delete.retention.ms": str(segment_ms),
        }
        resources = [ConfigResource(ConfigResourceType.TOPIC, t) for t in topics]
        found: dict[str, dict[str, str]] = {}
        for response in await admin.describe_configs(resources):
            for _code, _msg, _type, name, entries in response.resources:
                found[name] = {e[0]: e[1] for e in entries if _dynamic(e[3])}
        configs = {t: found.get(t, {}) | ours for t in topics}
        if any(c.get("cleanup.policy") != "compact" for c in configs.values()):
            raise RuntimeError(f"changelog topics without cleanup.policy=compact: {found}")
        changes = [ConfigResource(ConfigResourceType.TOPIC, t, c) for t, c in configs.items()]
        await admin.alter_configs(changes)
        return configs
    finally:
        await admin.close()


def _dynamic(source: object) -> bool:
    """A config entry set on the topic: ``is_default`` False (DescribeConfigs v0), or config
    source DYNAMIC_TOPIC_CONFIG (1, v1 and later)."""
    return source is False or (not isinstance(source, bool) and source == 1)


def broker_log_dirs(pid: int | None) -> list[Path]:
    """The ``log.dirs`` of a broker started by this run (from its properties file), else []."""
    if pid is None:
        return []
    with contextlib.suppress(OSError):
        args = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        for arg in args:
            if arg.endswith(b".properties") and b"log4j" not in arg:
                for text in Path(arg.decode()).read_text().splitlines():
                    if text.startswith("log.dirs="):
                        return [Path(d) for d in text.partition("=")[2].split(",")]
    return []


def topic_bytes(dirs: list[Path], topic: str) -> int:
    total = 0
    for d in dirs:
        for part in d.glob(f"{topic}-*"):
            total += sum(f.stat().st_size for f in part.iterdir() if f.suffix == ".log")
    return total


class Probe:
    """Samples one stack (see module docstring)."""

    def __init__(self, stack: Stack) -> None:
        self.stack = stack
        self.topics = changelog_topics(stack)
        self.dirs = broker_log_dirs(stack.broker_pid)

    async def settle(self, conn: Any, published: int, stall_s: float) -> int:
        """Until ``snapshots`` holds a row for each of the ``published`` captures but those of
        closed events (the workers' ``oddsflow_captures_after_close_total``), or their count
        did not move for ``stall_s``; returns the rows."""
        last, moved = -1, time.monotonic()
        while True:
            n = int(await conn.fetchval("SELECT count(*) FROM snapshots"))
            if n >= published - sum(self.worker_metrics()["after_close"].values()):
                return n
            if n != last:
                last, moved = n, time.monotonic()
            elif time.monotonic() - moved > stall_s:
                return n
            self.stack.check_alive()
            await asyncio.sleep(0.2)

    async def changelog_records(self) -> int:
        async with LogOffsets(self.stack.settings.kafka) as log:
            found = await log.topics()
            tps = [TP(t, p) for t in self.topics for p in found.get(t, ())]
            earliest, latest = await log.bounds(tps)
            return sum(latest[tp] - earliest[tp] for tp in tps)

    def worker_metrics(self) -> dict[str, Any]:
        out: dict[str, Any] = {"open_events": 0.0, "closed": {}, "after_close": {}, "worker_rss_mb": 0.0}
        for table in TABLES:
            out[table] = 0.0
        for proc in self.stack.of("worker"):
            if proc.stopped:
                continue
            m = scrape_labeled(proc)
            out["open_events"] += sum(m.get("oddsflow_open_events", {}).values())
            for table in TABLES:
                out[table] += m.get("oddsflow_table_entries", {}).get(table, 0.0)
            for reason, n in m.get("oddsflow_events_closed_total", {}).items():
                out["closed"][reason] = out["closed"].get(reason, 0.0) + n
            reopened = sum(m.get("oddsflow_events_reopened_total", {}).values())
            out["reopened"] = out.get("reopened", 0.0) + reopened
            for reason, n in m.get("oddsflow_captures_after_close_total", {}).items():
                out["after_close"][reason] = out["after_close"].get(reason, 0.0) + n
            out["worker_rss_mb"] += rss_mb(proc.popen.pid) or 0.0
        return out

    async def sample(self, conn: Any, hours: float, wall_s: float) -> dict[str, Any]:
        out = {"hours": hours, "wall_s": wall_s} | self.worker_metrics()
        sink = self.stack.of("sink")[0]
        out["sink_cache"] = sum(scrape_labeled(sink).get("oddsflow_sink_id_cache_entries", {}).values())
        out["sink_rss_mb"] = rss_mb(sink.popen.pid)
        out["changelog_records"] = await self.changelog_records()
        mb = sum(topic_bytes(self.dirs, t) for t in self.topics) / 1e6 if self.dirs else None
        out["changelog_mb"] = None if mb is None else f"{mb:.1f}"
        out["pg_open"] = int(await conn.fetchval("SELECT count(*) FROM events WHERE closed_at IS NULL"))
        return out

    async def stored_by_bookmaker(self, conn: Any) -> dict[str, int]:
        rows = await conn.fetch(
            """SELECT b.key, count(*) AS n
                 FROM snapshots s JOIN bookmakers b ON b.id = s.bookmaker_id GROUP BY b.key"""
        )
        return {r["key"]: r["n"] for r in rows}

    async def postgres_events(self, conn: Any) -> dict[str, int]:
        r = await conn.fetchrow(
            """SELECT count(*) AS events, count(closed_at) AS closed, count(*) - count(closed_at) AS open
                 FROM events"""
        )
        return dict(r)


async def _probe_capture(stack: Stack, at: datetime) -> None:
    """One capture of a new event at ``at`` (stream time just after the week): the restarted
    worker loads its partitions' lifecycle index and sets its gauges when a record arrives."""
    world = World(1, seed=999, start=at, config=WorldConfig(size="small", bookmakers=("betpawa",)))
    cap = capture(world, 0, "betpawa", at)
    async with OddsProducer.from_settings(stack.settings, source="bench-week") as producer:
        item = producer.envelope(
            "betpawa",
            orjson.dumps(cap.payload),
            captured_at=at,
            bookmaker_event_id=cap.bookmaker_event_id,
            sportradar_id=cap.sportradar_id,
        )
        await producer.send_raw(*item)


def restart_worker(stack: Stack, probe: Probe, timeout_s: float = 120.0) -> dict[str, Any]:
    """Stop every worker, start as many again; seconds until all logged ``Worker ready``, and
    the ``last_prices`` entries before and after (the whole recovered table, once one probe
    capture made the new worker set its gauges: one more board, fewer if it closed some)."""
    before = probe.worker_metrics()
    records = asyncio.run(probe.changelog_records())
    n = len([p for p in stack.of("worker") if not p.stopped])
    stack.stop("worker")
    t0 = time.monotonic()
    started = stack.start("worker", n)
    ready_s = None
    while time.monotonic() - t0 < timeout_s:
        stack.check_alive()
        if all("Worker ready" in p.log.read_text(errors="replace") for p in started):
            ready_s = round(time.monotonic() - t0, 1)
            break
        time.sleep(0.2)
    after = None
    if ready_s is not None:
        asyncio.run(_probe_capture(stack, datetime.now(UTC) - timedelta(minutes=30)))
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and after is None:
            m = probe.worker_metrics()
            after = m["last_prices"] or None
            time.sleep(0.5)
    return {
        "ready_s": ready_s,
        "boards_before": before["last_prices"],
        "boards_after": after,
        "changelog_records": records,
    }
