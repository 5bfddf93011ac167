"""The Grafana dashboard is valid JSON and every panel queries a metric the code exports."""

from __future__ import annotations

import json
import re
from pathlib import Path

import yaml

from streams.observe.metrics import EXPORTED

ROOT = Path(__file__).resolve().parents[3]
DASHBOARD = ROOT / "monitoring" / "grafana" / "dashboards" / "oddsflow.json"
METRIC = re.compile(r"\b((?:kafka|oddsflow)_[a-z0-9_]+)")
HISTOGRAM_SUFFIXES = ("_bucket", "_sum", "_count")


def _base(name: str) -> str:
    for suffix in HISTOGRAM_SUFFIXES:
        if name.endswith(suffix) and name[: -len(suffix)] in EXPORTED:
            return name[: -len(suffix)]
    return name


def test_every_panel_queries_exported_metrics() -> None:
    dash = json.loads(DASHBOARD.read_text())
    assert dash["uid"] == "oddsflow" and dash["panels"]
    used: set[str] = set()
    for panel in dash["panels"]:
        assert panel["targets"], panel["title"]
        for target in panel["targets"]:
            names = METRIC.findall(target["expr"])
            assert names, f"panel {panel['title']!r} queries no oddsflow/kafka metric"
            unknown = {n for n in names if _base(n) not in EXPORTED}
            assert not unknown, (
                f"panel {panel['title']!r} queries metrics the code does not export: {unknown}"
            )
            used |= {_base(n) for n in names}
    assert {
        "kafka_consumergroup_lag",
        "kafka_consumergroup_lag_seconds",
        "oddsflow_dlq_records_total",
    } <= used


def test_exported_names_include_kafka_exporter_lag() -> None:
    assert "kafka_consumergroup_lag" in EXPORTED


def test_compose_provisions_prometheus_and_grafana() -> None:
    services = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    assert "prometheus" in services and "grafana" in services
    volumes = " ".join(services["grafana"]["volumes"])
    assert "monitoring/grafana/dashboards" in volumes and "monitoring/grafana/provisioning" in volumes
