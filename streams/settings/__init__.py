"""The one settings tree of oddsflow.

Every setting is an environment variable with the prefix ``ODDS_`` and ``__`` between
levels: ``ODDS_KAFKA__BOOTSTRAP_SERVERS``, ``ODDS_POSTGRES__URL``,
``ODDS_PARTITIONS__RETENTION_DAYS`` … A ``.env`` file in the working directory is read
too. This package is the only one that reads the environment; everything else receives a
:class:`Settings` (or one of its sections) as an argument.

:func:`load_settings` turns validation failures into a :class:`SettingsError` whose
message is one line naming the variable, e.g.
``ODDS_KAFKA__COMPRESSION: Input should be 'zstd', 'lz4', 'gzip' or 'none' (got 'bzip')``.

The sections live in :mod:`~streams.settings.kafka`, :mod:`~streams.settings.postgres`,
:mod:`~streams.settings.stages` and :mod:`~streams.settings.services`; import them from here.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from streams.errors import SettingsError
from streams.settings.env import ENV_PREFIX, env_name
from streams.settings.kafka import KafkaSettings, TopicSettings
from streams.settings.postgres import PartitionSettings, PostgresSettings, SinkSettings
from streams.settings.services import ApiSettings, EmbeddedSettings, MonitorSettings
from streams.settings.stages import AgreementSettings, SignalsSettings, StreamsSettings

__all__ = [
    "ENV_PREFIX",
    "AgreementSettings",
    "ApiSettings",
    "EmbeddedSettings",
    "KafkaSettings",
    "MonitorSettings",
    "PartitionSettings",
    "PostgresSettings",
    "Settings",
    "SignalsSettings",
    "SinkSettings",
    "StreamsSettings",
    "TopicSettings",
    "env_name",
    "load_settings",
]


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
