"""What the agents of one faust app share: settings, counters, the send function.

Created by :func:`streams.app.create_app`; reachable from the app as ``app.oddsflow``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from streams.deadletters.publish import dead_letter_record, plain_headers, publish_dead_letter
from streams.kafka.delivery import SendFn
from streams.observe.counters import StreamCounters
from streams.observe.monitor import LagPublisher
from streams.settings import Settings


@dataclass
class StreamsContext:
    settings: Settings
    send: SendFn
    counters: StreamCounters = field(default_factory=StreamCounters)
    lag: LagPublisher = field(init=False)

    def __post_init__(self) -> None:
        self.lag = LagPublisher(self.settings.streams.app_id)

    async def dead_letter(
        self, message: Any, error: BaseException, *, stage: str, bookmaker: str | None = None
    ) -> None:
        """Dead-letter the faust ``message`` (original bytes and headers) and wait for the ack."""
        record = dead_letter_record(
            dlq_topic=self.settings.topics.dlq,
            app_id=self.settings.streams.app_id,
            stage=stage,
            topic=message.topic,
            partition=message.partition,
            offset=message.offset,
            key=message.key,
            value=message.value,
            headers=plain_headers(message.headers),
            error=error,
            bookmaker=bookmaker,
        )
        await publish_dead_letter(
            self.send,
            record,
            error,
            self.counters,
            backoff_max_s=self.settings.streams.send_backoff_max_s,
        )
