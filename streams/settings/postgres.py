"""Settings of the Postgres side (sections ``postgres``, ``sink``, ``partitions``)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field, SecretStr, field_validator

from streams.errors import SettingsError
from streams.settings.env import ENV_PREFIX, MiB


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
