"""The Postgres side of price signals: tables (:mod:`.tables`), rows (:mod:`.rows`), the
exactly-once writer (:mod:`.writer`), the sink process (:mod:`.sink`) and the reading side
(:mod:`.reading`, ``oddsflow signals``)."""
