"""``oddsflow reprocess``: the stream stage re-run over retained raw history, rows replaced.

* :mod:`sinks.reprocess.plan` — the raw range and the run's names;
* :mod:`sinks.reprocess.stream` — the fresh-state worker over the range;
* :mod:`sinks.reprocess.swap` — the one-transaction replacement in Postgres;
* :mod:`sinks.reprocess.cli` — the command (entry point ``oddsflow.commands: reprocess``).
"""
