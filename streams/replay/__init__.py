"""Replay: move a consumer group's offsets (a Kafka group or the Postgres sink's).

* :mod:`streams.replay.plan` — pure offset planning (specs, scope, clamping, refusals);
* :mod:`streams.replay.log_offsets` — log bounds and the offset for a time, verified;
* :mod:`streams.replay.target` — the target interface and its entry-point registry;
* :mod:`streams.replay.group` — the Kafka consumer group target;
* :mod:`streams.replay.replayer` — :class:`~streams.replay.replayer.Replayer`, the entry object;
* :mod:`streams.cli.replay` — ``oddsflow replay``.
"""
