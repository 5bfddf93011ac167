"""``python -m streams`` is the ``oddsflow`` command."""

from streams.cli.main import main

main()
