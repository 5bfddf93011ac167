"""``python -m streams`` is the ``oddsflow`` command."""

from streams.cli import main

main()
