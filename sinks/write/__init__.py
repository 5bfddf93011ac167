"""The sink's write path: records decoded, batched, COPYed with their offsets in one
transaction (:mod:`~sinks.write.writer`, :mod:`~sinks.write.flusher`), dimension ids,
current odds, and the group member that feeds it (:mod:`~sinks.write.member`)."""
