"""oddsflow's read API: HTTP endpoints over the stored odds and a resumable change stream.

``api.app.create_app`` is the one entry object (served by ``oddsflow api``); the SQL lives
in ``api.queries``, the change stream in ``api.tail`` (shared Kafka tail) and
``api.stream`` (one subscriber). Import direction: ``api → sinks → streams``, never back.
"""
