"""Settings of the stream processors (sections ``streams``, ``agreement``, ``signals``)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, model_validator


class StreamsSettings(BaseModel):
    """The faust stream processors (``oddsflow worker``): app id, keyframes, input checks, timeouts.

    ``app_id`` names the consumer group and prefixes the table changelog topics: keep it
    stable across deployments (a new id starts from scratch). Keyframes are decided on the
    captures' own ``captured_at`` (not the wall clock), so a replay makes the same decisions.
    Default faust timeouts make the first join take ~30 s; these make it take seconds.
    """

    app_id: str = Field(default="oddsflow", pattern=r"^[A-Za-z0-9._-]{1,100}$")
    # 100 captures (~8 min at a 5 s scraper cadence; the 10-minute bound usually comes first):
    # keyframe rows stay ~1% of what full snapshots would write, odds_at() reads ≤ 100 diffs
    keyframe_every: int = Field(default=100, ge=1, le=100_000)
    keyframe_minutes: float = Field(default=10.0, gt=0)
    max_capture_age_days: float = Field(default=30.0, gt=0)
    max_skew_s: float = Field(default=300.0, ge=0)
    metadata_trust: tuple[str, ...] = (
        "sportybet",
        "msport",
        "betpawa",
        "bet9ja",
        "betway",
        "sportpesa",
        "betika",
    )
    broker_session_timeout_s: float = Field(default=10.0, gt=0)
    broker_rebalance_timeout_s: float = Field(default=10.0, gt=0)
    broker_heartbeat_interval_s: float = Field(default=1.0, gt=0)
    commit_interval_s: float = Field(default=1.0, gt=0)
    send_backoff_max_s: float = Field(default=5.0, gt=0)
    stream_buffer_maxsize: int = Field(default=256, ge=1)
    #: most records one poll hands to faust (``broker_max_poll_records``); with
    #: ``kafka.fetch_partition_bytes`` it bounds what a worker holds when behind. Unbounded,
    #: one poll of a few compressed fetches held ~7,000 decoded records (~25 MB) per worker.
    max_poll_records: int = Field(default=200, ge=1)
    raw_topic_refresh_s: float = Field(default=20.0, gt=0)
    #: an event closes when no capture of it arrived for this long past kickoff (stream time)
    event_idle_hours: float = Field(default=6.0, gt=0)
    #: a closed event reopens on a capture until stream time passes its close by this much;
    #: later captures are dead-lettered as ``late`` (docs/lifecycle.md)
    event_grace_hours: float = Field(default=1.0, ge=0)
    #: captures without a Sportradar id are matched by teams and kickoff (streams/matching):
    #: above ``name_match_high`` they take the event's id, from ``name_match_low`` they await
    #: review (filed in ``match_reviews`` through the sink); ``name_match_window_h`` bounds the
    #: kickoff difference. The workers share known listings (GlobalTable ``known_events``).
    #: Off by default: decisions depend on arrival order (docs/matching.md)
    match_by_name: bool = False
    name_match_high: float = Field(default=88.0, gt=0, le=100)
    name_match_low: float = Field(default=70.0, gt=0, le=100)
    name_match_window_h: float = Field(default=3.0, gt=0)
    #: listings, review pairs and directory entries kicked off this long before stream time are forgotten
    name_match_retain_h: float = Field(default=48.0, gt=0)
    store: str = "memory://"
    data_dir: Path = Path(".oddsflow/faust")
    web_enabled: bool = False
    web_port: int = Field(default=6066, ge=1, le=65535)
    #: the worker's young-generation GC threshold, objects alive at start frozen
    #: (:mod:`streams.cli.gc_policy`); 0 = Python's defaults (700, nothing frozen)
    gc_threshold: int = Field(default=10_000, ge=0, le=10_000_000)
    #: diagnosis: every this many seconds the worker reports its RSS and the allocation sites
    #: that grew (tracemalloc, :mod:`streams.observe.heap`; slows it several fold); 0 = off.
    #: ``heap_trace_file``: also append the reports to this file
    heap_trace_s: float = Field(default=0.0, ge=0)
    heap_trace_file: Path | None = None

    @model_validator(mode="after")
    def _heartbeat_below_session(self) -> StreamsSettings:
        if self.broker_heartbeat_interval_s >= self.broker_session_timeout_s:
            raise ValueError("broker_heartbeat_interval_s must be below broker_session_timeout_s")
        return self


class AgreementSettings(BaseModel):
    """Cross-book agreement (streams/agreement.py): the safety net of the market mapping.

    Two bookmakers' quotes of one canonical line are compared when their captures are at
    most ``window_s`` apart. An outcome disagrees when its no-vig probabilities differ by
    more than ``threshold`` relative to the larger one *and* by more than ``min_diff``
    absolute (the floor keeps long shots out). ``max_events``: events held by the worker's
    check (least recently captured dropped first; sizes in docs/AGREEMENT.md). ``enabled``:
    run the check in the match stage.
    """

    enabled: bool = True
    window_s: float = Field(default=60.0, gt=0, le=86_400)
    threshold: float = Field(default=0.25, gt=0, lt=1)
    min_diff: float = Field(default=0.03, ge=0, lt=1)
    max_events: int = Field(default=5_000, ge=1)


class SignalsSettings(BaseModel):
    """Price signals (streams/signals): margins, fair prices, consensus, deviations, arbitrage.

    ``max_age_s``: a bookmaker whose last capture of the event is older than this (capture
    time of the snapshot being processed) is left out of consensus, deviations and
    arbitrage. ``home_bookmaker``: the book whose deviations the reading side shows first.
    ``deviation_min``: deviations ``|o·p − 1|`` below this are not emitted (0.08 = 8%; a
    book at its usual margin sits a few percent below consensus on every outcome).
    ``min_books``: fresh priced books a consensus needs. ``fair_method``: the fair
    probabilities consensus is built from. ``max_arb_pct``: an arbitrage above this profit
    (percent) is flagged suspect. ``enabled``: run the stage in the worker.
    """

    enabled: bool = True
    max_age_s: float = Field(default=60.0, gt=0, le=86_400)
    home_bookmaker: str = "betpawa"
    deviation_min: float = Field(default=0.08, ge=0, lt=10)
    min_books: int = Field(default=2, ge=1, le=50)
    fair_method: Literal["multiplicative", "shin"] = "shin"
    max_arb_pct: float = Field(default=10.0, gt=0, le=100)
    topic: str = "odds.signals.v1"
    sink_group_id: str = "oddsflow-signals-sink"
