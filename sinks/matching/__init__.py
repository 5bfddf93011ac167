"""Postgres side of the name matcher: alias table, review queue, ``oddsflow matches``.

The pure matcher is :mod:`streams.matching`; this package stores what it needs a person
for: :mod:`.reviews` files the pipeline's ``odds.match_review.v1`` records (in the sink's
transaction); accepting a review publishes the identity merge request
(:func:`sinks.matching.merge.request_merge`).
"""
