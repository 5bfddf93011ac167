"""The faust app of oddsflow: ``create_app(settings)`` → a ``faust.App`` with both agents.

    app = create_app(load_settings(), raw_topics=["odds.raw.betpawa", ...])

* ``normalize_raw`` (:mod:`streams.stages.normalize.agents`): raw topics → ``odds.canonical.v1``;
* ``match_captures`` (:mod:`streams.stages.match.agents`): ``odds.canonical.v1`` → tables →
  ``odds.snapshots.v1``;
* ``compute_signals`` (:mod:`streams.stages.signals.agents`, unless ``ODDS_SIGNALS__ENABLED=false``):
  ``odds.snapshots.v1`` → tables → ``odds.signals.v1``.

The app id (``streams.app_id``) names the consumer group and the changelog topics
(``<app_id>-event_registry-changelog``, ``<app_id>-last_prices-changelog``). Tables live in
``streams.store`` (``memory://`` by default: a worker rebuilds its partitions' tables
from the changelogs when it gets them). The producer uses the Kafka settings' batch size,
linger and compression; ``acks=all``. Faust's ``exactly_once`` is not used (it needs
transactional producers); correctness comes from ordered acks plus idempotent consumers
(see :mod:`streams.kafka.delivery`). ``app.oddsflow`` is the :class:`~streams.context.StreamsContext`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import faust

from streams.adapters import BOOKMAKERS
from streams.context import StreamsContext
from streams.kafka import transport
from streams.kafka.delivery import OutRecord, SendFn
from streams.kafka.workarounds import offset_fetch_errors
from streams.settings import Settings
from streams.stages.match import agents as match_agents
from streams.stages.normalize import agents as normalize_agents
from streams.stages.signals import agents as signals_agents

MiB = 1024 * 1024
#: largest record (uncompressed) the worker's producer sends: a dead letter of any raw record
DEAD_LETTER_MAX_BYTES = 256 * MiB


def _credentials(settings: Settings) -> Any:
    k = settings.kafka
    if k.security_protocol == "PLAINTEXT":
        return None
    ssl_context = k.client_kwargs().get("ssl_context")
    if k.security_protocol.startswith("SASL_"):
        assert k.sasl_password is not None
        return faust.SASLCredentials(
            username=k.sasl_username,
            password=k.sasl_password.get_secret_value(),
            mechanism=k.sasl_mechanism,
            ssl_context=ssl_context,
        )
    return faust.SSLCredentials(ssl_context)


def faust_config(settings: Settings) -> dict[str, Any]:
    """Keyword arguments of ``faust.App`` derived from the settings tree."""
    k, t, st = settings.kafka, settings.topics, settings.streams
    return {
        "broker": [f"kafka://{hp.strip()}" for hp in k.bootstrap_servers.split(",") if hp.strip()],
        "broker_credentials": _credentials(settings),
        "broker_client_id": k.client_id,
        "broker_session_timeout": st.broker_session_timeout_s,
        "broker_rebalance_timeout": st.broker_rebalance_timeout_s,
        "broker_heartbeat_interval": st.broker_heartbeat_interval_s,
        "broker_commit_interval": st.commit_interval_s,
        "consumer_auto_offset_reset": "earliest",
        "consumer_max_fetch_size": k.fetch_partition_bytes,
        "producer_acks": -1,
        "producer_compression_type": None if k.compression == "none" else k.compression,
        "producer_linger": k.producer_linger_ms / 1000,
        "producer_max_batch_size": k.producer_batch_bytes,
        # dead letters carry the raw value decompressed: a record that fitted the raw topic
        # compressed may be far larger (20 MB of JSON zstd-compresses under 1 MB); the
        # broker checks the compressed batch against the DLQ topic's limit
        "producer_max_request_size": DEAD_LETTER_MAX_BYTES,
        "store": st.store,
        "datadir": str(st.data_dir),
        "topic_partitions": t.partitions,
        "topic_replication_factor": t.replication_factor,
        "stream_buffer_maxsize": st.stream_buffer_maxsize,
        "broker_max_poll_records": st.max_poll_records,
        "web_enabled": st.web_enabled,
        "web_port": st.web_port,
        "web_host": "127.0.0.1",
        "timezone": "UTC",
        "worker_redirect_stdouts": False,
    }


def producer_send(app: Any) -> SendFn:
    """Publish through the app's own producer (the one faust flushes before committing)."""

    async def send(record: OutRecord) -> Any:
        headers = list(record.headers) or None
        return await app.producer.send(record.topic, record.key, record.value, None, None, headers)

    return send


def create_app(
    settings: Settings, raw_topics: Sequence[str] | None = None, *, send: SendFn | None = None
) -> Any:
    """A configured ``faust.App`` with the normalize and match agents.

    ``raw_topics``: the raw topics to consume (default: the known bookmakers'; the worker
    passes the raw pattern resolved against the broker). ``send``: replaces the app's
    producer for publishing snapshots, canonical records and dead letters (unit tests).
    """
    app: Any = faust.App(settings.streams.app_id, **faust_config(settings))
    topics = list(raw_topics) if raw_topics else [settings.topics.raw(b) for b in BOOKMAKERS]
    ctx = StreamsContext(settings, send or producer_send(app))
    app.oddsflow = ctx
    transport.install(app)
    offset_fetch_errors.install()  # the transport seeks to committed offsets
    normalize_agents.register(app, ctx, sorted(set(topics)))
    match_agents.register(app, ctx)
    if settings.signals.enabled:
        signals_agents.register(app, ctx)
    return app
