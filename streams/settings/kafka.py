"""Settings of the Kafka clients and of the topics oddsflow creates (sections ``kafka``, ``topics``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field, SecretStr, model_validator

from streams.settings.env import MiB


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
