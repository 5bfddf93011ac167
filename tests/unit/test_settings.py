"""Settings: one tree, ODDS_ prefix, __ nesting, clear one-line errors."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from streams.errors import SettingsError
from streams.settings import load_settings


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for key in list(os.environ):
        if key.startswith("ODDS_"):
            monkeypatch.delenv(key)
    monkeypatch.chdir(os.path.dirname(__file__))  # no stray .env


def test_defaults() -> None:
    s = load_settings()
    assert s.partitions.retention_days == 30
    assert s.partitions.premake_days == 7
    assert s.topics.raw("betpawa") == "odds.raw.betpawa"
    assert s.kafka.compression == "zstd"
    assert s.postgres.url is None


def test_nested_env_and_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ODDS_KAFKA__BOOTSTRAP_SERVERS", "k1:9092,k2:9092")
    monkeypatch.setenv("ODDS_PARTITIONS__RETENTION_DAYS", "9")
    monkeypatch.setenv("ODDS_POSTGRES__URL", "postgresql://u:hunter2@db:5432/odds")
    s = load_settings()
    assert s.kafka.bootstrap_servers == "k1:9092,k2:9092"
    assert s.partitions.retention_days == 9
    assert "hunter2" not in s.model_dump_json()
    assert s.postgres.sqlalchemy_url() == "postgresql+asyncpg://u:hunter2@db:5432/odds"


def test_overrides_merge_with_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ODDS_KAFKA__COMPRESSION", "lz4")
    s = load_settings(kafka={"bootstrap_servers": "x:1"})
    assert (s.kafka.bootstrap_servers, s.kafka.compression) == ("x:1", "lz4")


@pytest.mark.parametrize(
    ("var", "value", "needle"),
    [
        ("ODDS_KAFKA__COMPRESSION", "bzip", "ODDS_KAFKA__COMPRESSION"),
        ("ODDS_PARTITIONS__RETENTION_DAYS", "-3", "ODDS_PARTITIONS__RETENTION_DAYS"),
        ("ODDS_SINK__BATCH_MAX_ROWS", "many", "ODDS_SINK__BATCH_MAX_ROWS"),
        ("ODDS_POSTGRES__URL", "mysql://x", "ODDS_POSTGRES__URL"),
    ],
)
def test_wrong_setting_names_the_variable(
    monkeypatch: pytest.MonkeyPatch, var: str, value: str, needle: str
) -> None:
    monkeypatch.setenv(var, value)
    with pytest.raises(SettingsError) as err:
        load_settings()
    assert needle in str(err.value)
    assert "\n" not in str(err.value)


def test_missing_sasl_fields(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ODDS_KAFKA__SECURITY_PROTOCOL", "SASL_SSL")
    with pytest.raises(SettingsError, match="ODDS_KAFKA: missing sasl_mechanism"):
        load_settings()


def test_cli_exits_2_with_one_clear_line() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ODDS_")}
    env["ODDS_PARTITIONS__PREMAKE_DAYS"] = "zero"
    proc = subprocess.run(
        [sys.executable, "-m", "streams", "settings"], env=env, capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 2
    lines = [ln for ln in proc.stderr.splitlines() if "settings error" in ln]
    assert len(lines) == 1 and "ODDS_PARTITIONS__PREMAKE_DAYS" in lines[0], proc.stderr
