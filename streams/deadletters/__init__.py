"""``oddsflow dlq``: browse the dead-letter topic and requeue records (contract: :mod:`streams.dlq`).

* :mod:`streams.deadletters.records` — decoded records, selection, formatting (pure);
* :mod:`streams.deadletters.topic` — reading the DLQ and requeueing (Kafka I/O);
* :mod:`streams.deadletters.cli` — the click commands.
"""
