"""The normalize stage: raw bookmaker envelopes → canonical captures (``odds.canonical.v1``)."""
