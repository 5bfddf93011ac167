"""Pure parts of the Apache Kafka launcher (streams/embedded/kafka.py)."""

from __future__ import annotations


def test_kraft_cluster_ids_never_start_with_a_dash() -> None:
    from streams.embedded.kafka import _cluster_id

    ids = [_cluster_id() for _ in range(2000)]  # ~1 in 64 random ids would start with "-"
    assert all(not i.startswith("-") and len(i) == 22 for i in ids)
