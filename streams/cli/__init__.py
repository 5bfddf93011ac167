"""The ``oddsflow`` command line: one module per command group.

* :mod:`streams.cli.root` — the root click group and ``settings_with`` (imported by commands);
* :mod:`streams.cli.main` — the console script: registers every command (and ``sinks``'
  commands through the ``oddsflow.commands`` entry points);
* one module per command: ``worker``, ``produce``, ``simulate``, ``coverage``, ``dlq``,
  ``replay``, ``services`` (broker, postgres, topics, settings).
"""
