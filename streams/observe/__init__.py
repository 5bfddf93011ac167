"""Observability of the stream stages: Prometheus metrics, counters, health and the lag monitor."""
