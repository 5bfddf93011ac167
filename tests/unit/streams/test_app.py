"""App wiring: settings → faust config, raw-topic discovery, the worker command."""

from __future__ import annotations

import os

import pytest
from click.testing import CliRunner

from streams.adapters import BOOKMAKERS
from streams.app import create_app, faust_config
from streams.cli.main import _add_builtin_commands
from streams.cli.root import cli
from streams.errors import SettingsError
from streams.kafka.raw_topics import matching_raw_topics, raw_pattern
from streams.kafka.workarounds.faust_new_changelogs import TABLES as CHANGELOG_TABLES
from streams.settings import load_settings


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for key in list(os.environ):
        if key.startswith("ODDS_"):
            monkeypatch.delenv(key)


def test_defaults_join_in_seconds_and_batch_like_the_producer() -> None:
    s = load_settings()
    conf = faust_config(s)
    assert s.streams.app_id == "oddsflow" and s.topics.canonical == "odds.canonical.v1"
    assert (s.streams.keyframe_every, s.streams.keyframe_minutes) == (100, 10.0)
    assert conf["broker_session_timeout"] <= 10 and conf["broker_rebalance_timeout"] <= 10
    assert conf["producer_max_batch_size"] == s.kafka.producer_batch_bytes
    assert conf["producer_linger"] == s.kafka.producer_linger_ms / 1000
    assert conf["producer_acks"] == -1 and conf["store"] == "memory://"
    # what a worker holds when behind: one bounded fetch per partition, one bounded poll
    # (a larger record still arrives whole: test_bad_input's 20 MB capture is ~0.5 MB compressed)
    assert conf["consumer_max_fetch_size"] == s.kafka.fetch_partition_bytes < s.kafka.max_message_bytes
    assert conf["broker_max_poll_records"] == s.streams.max_poll_records == 200
    assert conf["topic_partitions"] == s.topics.partitions


def test_settings_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ODDS_STREAMS__APP_ID", "odds-blue")
    monkeypatch.setenv("ODDS_STREAMS__METADATA_TRUST", '["bet9ja", "sportybet"]')
    monkeypatch.setenv("ODDS_KAFKA__BOOTSTRAP_SERVERS", "k1:9092, k2:9092")
    s = load_settings()
    assert s.streams.app_id == "odds-blue" and s.streams.metadata_trust == ("bet9ja", "sportybet")
    assert faust_config(s)["broker"] == ["kafka://k1:9092", "kafka://k2:9092"]


@pytest.mark.parametrize(
    ("var", "value"),
    [
        ("ODDS_STREAMS__APP_ID", "has space"),
        ("ODDS_STREAMS__KEYFRAME_EVERY", "0"),
        ("ODDS_STREAMS__BROKER_HEARTBEAT_INTERVAL_S", "30"),
    ],
)
def test_bad_streams_setting_names_the_variable(
    monkeypatch: pytest.MonkeyPatch, var: str, value: str
) -> None:
    monkeypatch.setenv(var, value)
    with pytest.raises(SettingsError, match="ODDS_STREAMS"):
        load_settings()


def test_sasl_credentials_reach_faust() -> None:
    s = load_settings(
        kafka={
            "security_protocol": "SASL_PLAINTEXT",
            "sasl_mechanism": "SCRAM-SHA-512",
            "sasl_username": "u",
            "sasl_password": "p",
        }
    )
    creds = faust_config(s)["broker_credentials"]
    assert (creds.username, creds.password) == ("u", "p")


def test_raw_pattern_resolution() -> None:
    topics = load_settings().topics
    assert raw_pattern(topics).pattern == r"^odds\.raw\..+"
    found = matching_raw_topics({"odds.raw.pinnacle", "odds.rawx", "odds.snapshots.v1", "odds.raw."}, topics)
    assert found == sorted(["odds.raw.pinnacle", *(f"odds.raw.{b}" for b in BOOKMAKERS)])


def test_app_has_its_agents_and_tables() -> None:
    app = create_app(load_settings(streams={"app_id": "wiring"}), ["odds.raw.betpawa", "odds.raw.x"])
    assert set(app.agents) == {"normalize_raw", "match_captures", "compute_signals"}
    assert set(app.tables) == {"event_registry", "last_prices", "signal_markets", "signal_events"}
    assert set(app.tables) == set(CHANGELOG_TABLES)  # made before faust starts
    assert app.tables["last_prices"].changelog_topic.get_topic_name() == "wiring-last_prices-changelog"
    assert app.oddsflow.settings.streams.app_id == "wiring"


def test_signals_stage_can_be_turned_off() -> None:
    app = create_app(load_settings(signals={"enabled": False}), ["odds.raw.betpawa"])
    assert set(app.agents) == {"normalize_raw", "match_captures"}


def test_worker_command_is_registered() -> None:
    _add_builtin_commands()
    result = CliRunner().invoke(cli, ["worker", "--help"])
    assert result.exit_code == 0 and "ODDS_STREAMS__APP_ID" in result.output


async def test_worker_consumer_fetch_wait_comes_from_settings() -> None:
    """faust hard-codes 1500 ms; the app's transport puts the setting in its place."""
    app = create_app(load_settings(kafka={"fetch_max_wait_ms": 77}))
    consumer = app.consumer._new_consumer_thread()._create_worker_consumer(app.transport)
    try:
        assert consumer._fetch_max_wait_ms == 77
        assert consumer._group_id == app.conf.id  # otherwise faust's own consumer
    finally:
        await consumer.stop()


def test_name_matching_adds_the_directory_of_known_events_and_its_changelog() -> None:
    from streams.kafka.workarounds.faust_new_changelogs import GLOBAL_TABLES, changelog_specs

    settings = load_settings(streams={"app_id": "wiring", "match_by_name": True})
    app = create_app(settings, ["odds.raw.betpawa"])
    assert set(app.tables) == set(CHANGELOG_TABLES) | set(GLOBAL_TABLES)
    table = app.tables["known_events"]
    assert table.is_global and table.use_partitioner and table.partitions == 1
    specs = {s.name: s.num_partitions for s in changelog_specs(settings)}
    assert specs["wiring-known_events-changelog"] == 1  # made before faust starts, as faust would
    assert "wiring-known_events-changelog" not in {s.name for s in changelog_specs(load_settings())}
