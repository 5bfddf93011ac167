"""Prometheus metrics of every oddsflow process (worker, sink) — one definition each.

Names follow the conventions of the tools people already run: consumer lag is
``kafka_consumergroup_lag{consumergroup,topic,partition}`` exactly as kafka_exporter
exports it, plus ``kafka_consumergroup_lag_seconds`` with the same labels. Everything
else is prefixed ``oddsflow_``. The Grafana dashboard in ``monitoring/`` queries only
names listed in :data:`EXPORTED` (a test checks this).

Lag in seconds is the age of the oldest record not yet consumed, approximated from the
records a process sees: ``now − timestamp(last consumed record)`` while the partition has
lag, 0 when it has none (an upper bound that is exact when records arrive steadily).
"""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

LAG = Gauge(
    "kafka_consumergroup_lag",
    "Messages between the committed offset and the high watermark.",
    ["consumergroup", "topic", "partition"],
)
LAG_SECONDS = Gauge(
    "kafka_consumergroup_lag_seconds",
    "Age of the oldest unconsumed record (0 when caught up).",
    ["consumergroup", "topic", "partition"],
)
RECORDS_IN = Counter("oddsflow_records_in_total", "Records consumed.", ["stage", "topic"])
RECORDS_OUT = Counter("oddsflow_records_out_total", "Records produced.", ["stage", "topic"])
BYTES_IN = Counter("oddsflow_bytes_in_total", "Bytes consumed (record values).", ["stage", "topic"])
DLQ_RECORDS = Counter(
    "oddsflow_dlq_records_total", "Records sent to the dead-letter topic.", ["stage", "error_class", "kind"]
)
SINK_BATCH_ROWS = Histogram(
    "oddsflow_sink_batch_rows",
    "Rows written per sink batch.",
    buckets=(10, 100, 1_000, 5_000, 10_000, 25_000, 50_000, 100_000, 250_000),
)
SINK_FLUSH_SECONDS = Histogram(
    "oddsflow_sink_flush_seconds",
    "Duration of one sink transaction (batch flush).",
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
SINK_ROWS = Counter("oddsflow_sink_rows_total", "Rows written by the sink.", ["table"])
FRESHNESS = Histogram(
    "oddsflow_freshness_seconds",
    "now − captured_at when the capture's rows were committed to Postgres.",
    ["bookmaker"],
    buckets=(0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300, 900, 3600),
)
LAST_CAPTURE = Gauge(
    "oddsflow_last_capture_timestamp_seconds", "captured_at of the newest capture committed.", ["bookmaker"]
)
UNMATCHED_EVENTS = Counter(
    "oddsflow_unmatched_events_total", "Events seen without a Sportradar id.", ["bookmaker"]
)
NAME_MATCHING = Counter(
    "oddsflow_name_matching_total",
    "Captures by how their event was found: id (Sportradar id), name (matched by teams and kickoff),"
    " review (between thresholds, ambiguous or swapped), unmatched.",
    ["bookmaker", "outcome"],
)
#: One unit for every bookmaker: a bookmaker line is one native market with its line value (a
#: SportyBet market entry, a BetPawa market type × row handicap, a Bet9ja code × ``@`` param);
#: the unmapped share is unmapped / (unmapped + mapped).
UNMAPPED_LINES = Counter(
    "oddsflow_unmapped_lines_total",
    "Bookmaker lines without a canonical home (one native market with its line value).",
    ["bookmaker", "sport"],
)
MAPPED_LINES = Counter(
    "oddsflow_mapped_lines_total",
    "Bookmaker lines that reached a canonical line (same unit as oddsflow_unmapped_lines_total).",
    ["bookmaker", "sport"],
)
STALE_CAPTURES = Counter(
    "oddsflow_stale_captures_total", "Captures dropped as older than the last one seen.", ["bookmaker"]
)
SPLIT_BOARDS = Counter(
    "oddsflow_split_boards_total",
    "Boards (event × bookmaker) seen on two raw partitions: their producers partition keys differently.",
    ["bookmaker"],
)
CROSSBOOK_DISAGREEMENTS = Counter(
    "oddsflow_crossbook_disagreements_total",
    "Lines two bookmakers started to price too differently (no-vig, streams/agreement): "
    "counted once for each of the two bookmakers; market is the UOF market id.",
    ["bookmaker", "sport", "market"],
)
SIGNAL_DEVIATIONS = Counter(
    "oddsflow_signal_deviations_total",
    "Prices at least ODDS_SIGNALS__DEVIATION_MIN away from the cross-book consensus (streams/signals), "
    "per bookmaker and direction (above: more generous than fair).",
    ["bookmaker", "direction"],
)
ARB_WINDOWS = Counter(
    "oddsflow_arbitrage_windows_total",
    "Arbitrage windows opened and closed (suspect: above ODDS_SIGNALS__MAX_ARB_PCT).",
    ["change", "suspect"],
)
ARB_WINDOWS_OPEN = Gauge(
    "oddsflow_arbitrage_windows_open",
    "Arbitrage windows open now on this worker's events (suspect: above ODDS_SIGNALS__MAX_ARB_PCT).",
    ["suspect"],
)
OPEN_EVENTS = Gauge(
    "oddsflow_open_events",
    "Events open in this worker's match tables (closed markers not counted).",
)
TABLE_ENTRIES = Gauge(
    "oddsflow_table_entries",
    "Entries of a match- or signals-stage table held by this worker (standby partitions included).",
    ["table"],
)
EVENTS_CLOSED = Counter(
    "oddsflow_events_closed_total",
    "Events closed by the match stage, by reason (ended, settled, removed, idle).",
    ["reason"],
)
EVENTS_REOPENED = Counter(
    "oddsflow_events_reopened_total", "Closed events reopened by a capture within the grace period."
)
CAPTURES_AFTER_CLOSE = Counter(
    "oddsflow_captures_after_close_total",
    "Captures of closed events: late (dead-lettered) or after_close (redelivered, or again over).",
    ["reason"],
)
EVENTS_MERGED = Counter(
    "oddsflow_events_merged_total",
    "Bookmaker-only events merged into another event by the match stage, by reason (sportradar_id, matched).",
    ["reason"],
)
CAPTURES_REROUTED = Counter(
    "oddsflow_captures_rerouted_total",
    "Captures of a merged-away event key sent on to the surviving event's key.",
)
SINK_ID_CACHE = Gauge(
    "oddsflow_sink_id_cache_entries",
    "Entries of the sink's dimension id cache, per map (closed events are dropped from it).",
    ["cache"],
)

#: Every metric name this module exports as scraped (counters end in ``_total``;
#: histograms also export ``_bucket``/``_sum``/``_count``).
EXPORTED = {
    m._name + ("_total" if m._type == "counter" else "")  # no public accessor
    for m in (
        LAG,
        LAG_SECONDS,
        RECORDS_IN,
        RECORDS_OUT,
        BYTES_IN,
        DLQ_RECORDS,
        SINK_BATCH_ROWS,
        SINK_FLUSH_SECONDS,
        SINK_ROWS,
        FRESHNESS,
        LAST_CAPTURE,
        UNMATCHED_EVENTS,
        UNMAPPED_LINES,
        MAPPED_LINES,
        STALE_CAPTURES,
        SPLIT_BOARDS,
        CROSSBOOK_DISAGREEMENTS,
        SIGNAL_DEVIATIONS,
        ARB_WINDOWS,
        ARB_WINDOWS_OPEN,
        OPEN_EVENTS,
        TABLE_ENTRIES,
        EVENTS_CLOSED,
        EVENTS_REOPENED,
        CAPTURES_AFTER_CLOSE,
        EVENTS_MERGED,
        CAPTURES_REROUTED,
        SINK_ID_CACHE,
    )
}


def set_lag(group: str, topic: str, partition: int, lag: int, lag_seconds: float) -> None:
    """Publish the lag of one partition of one group."""
    labels = (group, topic, str(partition))
    LAG.labels(*labels).set(max(lag, 0))
    LAG_SECONDS.labels(*labels).set(max(lag_seconds, 0.0) if lag > 0 else 0.0)
