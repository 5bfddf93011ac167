"""``oddsflow dlq``: browse the dead-letter topic and requeue records (contract:
:mod:`streams.deadletters.contract`).

* :mod:`streams.deadletters.letters` — decoded records, selection, formatting (pure);
* :mod:`streams.deadletters.browse` — reading the DLQ and requeueing (Kafka I/O);
* :mod:`streams.cli.dlq` — the click commands.
"""
