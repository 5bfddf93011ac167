"""The one settings tree of oddsflow.

Every setting is an environment variable with the prefix ``ODDS_`` and ``__`` between
levels: ``ODDS_KAFKA__BOOTSTRAP_SERVERS``, ``ODDS_POSTGRES__URL``,
``ODDS_PARTITIONS__RETENTION_DAYS`` … A ``.env`` file in the working directory is read
too. This module is the only one that reads the environment; everything else receives a
:class:`Settings` (or one of its sections) as an argument.

:func:`load_settings` turns validation failures into a :class:`SettingsError` whose
message is one line naming the variable, e.g.
``ODDS_KAFKA__COMPRESSION: Input should be 'zstd', 'lz4', 'gzip' or 'none' (got 'bzip')``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from streams.errors import SettingsError

ENV_PREFIX = "ODDS_"
MiB = 1024 * 1024


class KafkaSettings(BaseModel):
    """Connection and client tuning for every Kafka client oddsflow creates."""

    bootstrap_servers: str = "127.0.0.1:9092"
    #: the broker at ``bootstrap_servers``: ``kafka`` (Apache Kafka, the reference engine) or
    #: ``tansu`` (the embedded demo broker; ``oddsflow demo`` sets it for the tansu it starts).
    #: ``tansu`` turns on the code for its measured gaps
    #: (streams/kafka/workarounds/tansu_gaps.py), nothing else
    engine: Literal["kafka", "tansu"] = "kafka"
    security_protocol: Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"] = "PLAINTEXT"
    sasl_mechanism: Literal["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"] | None = None
    sasl_username: str | None = None
    sasl_password: SecretStr | None = None
    ssl_cafile: Path | None = None
    ssl_certfile: Path | None = None
    ssl_keyfile: Path | None = None
    ssl_key_password: SecretStr | None = None
    compression: Literal["zstd", "lz4", "gzip", "none"] = "zstd"
    max_message_bytes: int = Field(default=8 * MiB, ge=1024, le=64 * MiB)
    producer_batch_bytes: int = Field(default=1 * MiB, ge=16 * 1024)
    producer_linger_ms: int = Field(default=5, ge=0, le=10_000)
    #: idempotent producer for raw captures (``OddsProducer``, DLQ requeue): ``auto`` asks the
    #: broker and falls back to plain ``acks=all`` with one warning where InitProducerId is
    #: refused (tansu); ``on`` fails instead; ``off`` never asks
    #: (see streams/kafka/workarounds/idempotence.py)
    idempotence: Literal["auto", "on", "off"] = "auto"
    #: longest a fetch waits for records (every consumer, faust's too: streams/kafka/transport.py).
    #: Kafka answers as soon as a record arrives, so there it only paces idle polling; tansu
    #: notices a record arriving during the wait only at intervals that grow with it (0.3-0.9 s
    #: at 3 s), so there it bounds each hop's latency
    fetch_max_wait_ms: int = Field(default=100, ge=10, le=10_000)
    #: most bytes one fetch returns per partition, as stored (compressed). On Kafka it bounds
    #: what a consumer holds prefetched when it is behind (workers and sinks buffer one fetch
    #: per assigned partition); tansu ignores it (a partition's whole backlog can come in one
    #: fetch: ``streams.max_poll_records`` is the bound there). Not a message size limit: a
    #: larger batch still arrives whole (KIP-74), on Kafka one per fetch, so keep it ≥ the
    #: producers' batch size (``producer_batch_bytes``).
    fetch_partition_bytes: int = Field(default=1 * MiB, ge=16 * 1024, le=64 * MiB)
    client_id: str = "oddsflow"

    @model_validator(mode="after")
    def _sasl_complete(self) -> KafkaSettings:
        if self.security_protocol.startswith("SASL_"):
            for name in ("sasl_mechanism", "sasl_username", "sasl_password"):
                if getattr(self, name) is None:
                    raise ValueError(f"missing {name} (required when security_protocol is SASL_*)")
        return self

    def client_kwargs(self) -> dict[str, Any]:
        """Keyword arguments shared by aiokafka producers, consumers and admin clients."""
        kwargs: dict[str, Any] = {
            "bootstrap_servers": self.bootstrap_servers,
            "security_protocol": self.security_protocol,
            "client_id": self.client_id,
        }
        if self.security_protocol.startswith("SASL_"):
            assert self.sasl_password is not None  # guaranteed by _sasl_complete
            kwargs |= {
                "sasl_mechanism": self.sasl_mechanism,
                "sasl_plain_username": self.sasl_username,
                "sasl_plain_password": self.sasl_password.get_secret_value(),
            }
        if self.security_protocol in ("SSL", "SASL_SSL"):
            import ssl

            ctx = ssl.create_default_context(cafile=str(self.ssl_cafile) if self.ssl_cafile else None)
            if self.ssl_certfile:
                ctx.load_cert_chain(
                    str(self.ssl_certfile),
                    str(self.ssl_keyfile) if self.ssl_keyfile else None,
                    self.ssl_key_password.get_secret_value() if self.ssl_key_password else None,
                )
            kwargs["ssl_context"] = ctx
        return kwargs


class PostgresSettings(BaseModel):
    """Where the sink writes. No URL means: start the embedded Postgres (demo only)."""

    url: SecretStr | None = None
    pool_size: int = Field(default=5, ge=1, le=100)
    connect_timeout_s: float = Field(default=10.0, gt=0)

    @field_validator("url")
    @classmethod
    def _url_scheme(cls, url: SecretStr | None) -> SecretStr | None:
        if url is not None:
            raw = url.get_secret_value()
            if not raw.startswith(("postgresql://", "postgresql+asyncpg://", "postgres://")):
                raise ValueError("must start with postgresql:// or postgresql+asyncpg://")
        return url

    def dsn(self) -> str:
        """libpq-style DSN for asyncpg (``postgresql://…``); raises if no URL is set."""
        if self.url is None:
            raise SettingsError(f"{ENV_PREFIX}POSTGRES__URL: not set (start `oddsflow postgres` or set it)")
        raw = self.url.get_secret_value()
        return raw.replace("postgresql+asyncpg://", "postgresql://", 1).replace(
            "postgres://", "postgresql://", 1
        )

    def sqlalchemy_url(self) -> str:
        """The same URL for SQLAlchemy's async engine (``postgresql+asyncpg://…``)."""
        return self.dsn().replace("postgresql://", "postgresql+asyncpg://", 1)


class TopicSettings(BaseModel):
    """Topic names. Raw topics are ``<raw_prefix><bookmaker>``."""

    raw_prefix: str = "odds.raw."
    canonical: str = "odds.canonical.v1"
    snapshots: str = "odds.snapshots.v1"
    dlq: str = "odds.dlq.v1"
    partitions: int = Field(default=6, ge=1, le=1024)
    replication_factor: int = Field(default=1, ge=1, le=5)
    #: acks=all writes need this many in-sync replicas; None: 2 from replication factor 3 on, else 1
    min_insync_replicas: int | None = Field(default=None, ge=1, le=5)
    #: ``retention.ms`` of the raw, canonical, snapshots and signals topics (the DLQ keeps the broker's
    #: default); None: the broker's default (7 days on Kafka). Replay reaches back this far.
    retention_ms: int | None = Field(default=None, ge=60_000)
    #: ``segment.ms`` of the same topics: Kafka deletes whole closed segments only, so a short
    #: retention needs segments rolled sooner; None: the broker's default
    segment_ms: int | None = Field(default=None, ge=60_000)

    def insync_replicas(self) -> int:
        """``min.insync.replicas`` of the topics oddsflow creates (one replica may be lost)."""
        if self.min_insync_replicas is not None:
            return self.min_insync_replicas
        return 2 if self.replication_factor >= 3 else 1

    def retention_configs(self) -> dict[str, str]:
        """``retention.ms`` / ``segment.ms`` of the data topics when set (the broker's otherwise)."""
        pairs = (("retention.ms", self.retention_ms), ("segment.ms", self.segment_ms))
        return {config: str(value) for config, value in pairs if value}

    def raw(self, bookmaker: str) -> str:
        """Raw topic of one bookmaker, e.g. ``odds.raw.betpawa``."""
        return f"{self.raw_prefix}{bookmaker}"


class SinkSettings(BaseModel):
    """Batching of the Postgres sink: a batch closes at whichever limit comes first."""

    group_id: str = "oddsflow-sink"
    batch_max_rows: int = Field(default=50_000, ge=1)
    batch_max_bytes: int = Field(default=32 * MiB, ge=1024)
    linger_ms: int = Field(default=50, ge=0, le=60_000)
    session_timeout_ms: int = Field(default=10_000, ge=1000, le=300_000)
    writers: int = Field(default=1, ge=1, le=64)


class PartitionSettings(BaseModel):
    """Daily partitions of the time-series tables."""

    retention_days: int = Field(default=30, ge=1, le=3650)
    premake_days: int = Field(default=7, ge=1, le=365)
    backend: Literal["auto", "partman", "builtin"] = "auto"
    maintenance_interval_s: int = Field(default=3600, ge=10)


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


class MonitorSettings(BaseModel):
    """The metrics/probe HTTP server of each process (``/metrics``, ``/healthz``, ``/readyz``).

    Port 0 picks a free port (logged at start). ``lag_interval_s``: how often each process
    publishes the lag of its assigned partitions.
    """

    host: str = "127.0.0.1"
    worker_port: int = Field(default=9101, ge=0, le=65535)
    sink_port: int = Field(default=9102, ge=0, le=65535)
    lag_interval_s: float = Field(default=3.0, gt=0, le=300)


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


class EmbeddedSettings(BaseModel):
    """Brokers and databases oddsflow starts itself (demo, tests, ``oddsflow broker``).

    ``engine``: ``tansu`` (default of the demo: no Java needed) or ``kafka`` (Apache Kafka
    from Maven Central, ``kafka_nodes`` combined broker/controllers, jars cached in
    ``kafka_cache_dir``).
    """

    data_dir: Path = Path(".oddsflow")
    engine: Literal["tansu", "kafka"] = "tansu"
    broker_port: int = Field(default=0, ge=0, le=65535)
    kafka_nodes: int = Field(default=1, ge=1, le=5)
    kafka_heap_mb: int = Field(default=384, ge=128, le=8192)
    kafka_cache_dir: Path = Path.home() / ".cache" / "oddsflow"
    postgres_port: int = Field(default=0, ge=0, le=65535)


class ApiSettings(BaseModel):
    """The read API and its change stream (``oddsflow api``, package ``api``).

    ``database_url``: the API's own login (the read-only role of ``docs/api.md``); unset, it
    uses ``postgres.url`` (every API transaction is read-only either way). ``keys``: API keys
    separated by commas; unset, the API is open. ``ring_size``: changes the shared tail keeps
    for resumes and slow readers (a reader that falls further behind is disconnected).
    ``after_sink``: stream a change only once the sink has stored it in Postgres (its offsets
    in ``sink_offsets`` passed it), so what the stream says the read endpoints already show.
    ``access_log``: uvicorn's line per request (off saves a little CPU per request, docs/api.md).
    ``best_cache``: keep ``/events/{id}/best`` bodies per event in the API process, dropped when
    the shared tail releases a committed change of the event (needs ``after_sink``), served for
    at most ``best_cache_ttl_s`` after their read, ``best_cache_max_mb`` of bodies at most (least
    recently used dropped first). The consistency rule is in docs/api.md ("Best-prices cache").
    """

    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=0, le=65535)
    database_url: SecretStr | None = None
    pool_size: int = Field(default=10, ge=1, le=200)
    keys: SecretStr | None = None
    page_size_default: int = Field(default=50, ge=1, le=1000)
    page_size_max: int = Field(default=200, ge=1, le=5000)
    history_max_rows: int = Field(default=5000, ge=1, le=100_000)
    ring_size: int = Field(default=20_000, ge=10, le=1_000_000)
    heartbeat_s: float = Field(default=15.0, gt=0, le=300)
    send_timeout_s: float = Field(default=10.0, gt=0, le=300)
    max_subscribers: int = Field(default=2000, ge=1, le=100_000)
    after_sink: bool = True
    sink_poll_ms: int = Field(default=50, ge=5, le=10_000)
    access_log: bool = True
    best_cache: bool = True
    best_cache_ttl_s: float = Field(default=5.0, gt=0, le=3600)
    best_cache_max_mb: float = Field(default=64.0, gt=0, le=4096)

    @field_validator("database_url")
    @classmethod
    def _api_url_scheme(cls, url: SecretStr | None) -> SecretStr | None:
        return PostgresSettings._url_scheme(url)

    def key_list(self) -> list[bytes]:
        """The configured API keys (empty: no key needed)."""
        if self.keys is None:
            return []
        return [k.strip().encode() for k in self.keys.get_secret_value().split(",") if k.strip()]


class Settings(BaseSettings):
    """Root of the settings tree (``ODDS_`` prefix, ``__`` nesting)."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        env_nested_delimiter="__",
        env_file=".env",
        extra="ignore",
        case_sensitive=False,
    )

    kafka: KafkaSettings = KafkaSettings()
    postgres: PostgresSettings = PostgresSettings()
    topics: TopicSettings = TopicSettings()
    sink: SinkSettings = SinkSettings()
    partitions: PartitionSettings = PartitionSettings()
    streams: StreamsSettings = StreamsSettings()
    embedded: EmbeddedSettings = EmbeddedSettings()
    monitor: MonitorSettings = MonitorSettings()
    agreement: AgreementSettings = AgreementSettings()
    signals: SignalsSettings = SignalsSettings()
    api: ApiSettings = ApiSettings()
    #: set by ``oddsflow -v``/``-vv`` for the command and the processes it starts
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "WARNING"


def env_name(loc: tuple[int | str, ...]) -> str:
    """``("kafka", "compression")`` → ``ODDS_KAFKA__COMPRESSION``."""
    return ENV_PREFIX + "__".join(str(part).upper() for part in loc)


def _one_line(exc: ValidationError) -> str:
    parts = []
    for err in exc.errors():
        loc = tuple(err["loc"])
        msg = err["msg"].removeprefix("Value error, ")
        got = err.get("input")
        shown = "" if isinstance(got, dict) or got is None else f" (got {got!r})"
        parts.append(f"{env_name(loc)}: {msg}{shown}")
    return "; ".join(parts)


def load_settings(**overrides: Any) -> Settings:
    """Read the environment once; ``overrides`` (e.g. from CLI flags) win over it.

    Raises :class:`SettingsError` with one line naming each bad variable.
    """
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        raise SettingsError(_one_line(exc)) from None
