"""Reprocess naming and scope (pure)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from sinks.reprocess.plan import new_run_id, raw_topics_in_scope, run_names
from streams.replay.plan import ReplayError
from streams.settings import load_settings


def test_names_are_fresh_per_run_and_valid() -> None:
    settings = load_settings(streams={"app_id": "oddsflow"})
    run = new_run_id(datetime(2026, 11, 21, 18, 0, 5, tzinfo=UTC))
    assert run == "20261121t180005"
    names = run_names(settings, run)
    assert names.app_id == "oddsflow-reprocess-20261121t180005"
    assert names.canonical == "odds.canonical.v1.reprocess-20261121t180005"
    assert names.snapshots == "odds.snapshots.v1.reprocess-20261121t180005"
    assert names.load_group == "oddsflow-reprocess-20261121t180005-load"
    load_settings(streams={"app_id": names.app_id})  # a valid app id


def test_raw_topics_in_scope() -> None:
    settings = load_settings()
    available = {"odds.raw.betpawa": [0], "odds.raw.bet9ja": [0, 1], "odds.snapshots.v1": [0]}
    assert raw_topics_in_scope(available, settings, ()) == ["odds.raw.bet9ja", "odds.raw.betpawa"]
    assert raw_topics_in_scope(available, settings, ("betpawa",)) == ["odds.raw.betpawa"]
    with pytest.raises(ReplayError, match="sportybet"):
        raw_topics_in_scope(available, settings, ("sportybet",))
    with pytest.raises(ReplayError, match="no raw topics"):
        raw_topics_in_scope({"x": [0]}, settings, ())
