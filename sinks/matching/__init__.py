"""Postgres side of the name matcher: alias table, review queue, ``oddsflow matches``.

The pure matcher is :mod:`streams.matching`; this package stores what it needs a person
for. Accepting a review hands the pair to :func:`sinks.matching.merge.request_merge`.
"""
