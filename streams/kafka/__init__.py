"""Kafka plumbing shared by every stage: clients, topics, delivery, ordering, lag.

* :mod:`~streams.kafka.transport` — faust's consumer settings and start offsets;
* :mod:`~streams.kafka.ordering` / :mod:`~streams.kafka.delivery` — keyed order and acked sends;
* :mod:`~streams.kafka.topics` / :mod:`~streams.kafka.raw_topics` — the topics oddsflow owns;
* :mod:`~streams.kafka.producer` — the typed raw-capture producer; :mod:`~streams.kafka.captures`
  reads raw captures back from files or topics;
* :mod:`~streams.kafka.lag` — consumer lag in messages and seconds;
* :mod:`streams.kafka.workarounds` — one module per library or broker bug, each naming it.
"""
