"""Settings of the processes around the pipeline (sections ``monitor``, ``embedded``, ``api``)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, SecretStr, field_validator

from streams.settings.postgres import PostgresSettings


class MonitorSettings(BaseModel):
    """The metrics/probe HTTP server of each process (``/metrics``, ``/healthz``, ``/readyz``).

    Port 0 picks a free port (logged at start). ``lag_interval_s``: how often each process
    publishes the lag of its assigned partitions.
    """

    host: str = "127.0.0.1"
    worker_port: int = Field(default=9101, ge=0, le=65535)
    sink_port: int = Field(default=9102, ge=0, le=65535)
    lag_interval_s: float = Field(default=3.0, gt=0, le=300)


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
