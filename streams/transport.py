"""faust's aiokafka transport with the worker consumer's ``fetch_max_wait_ms`` from settings.

faust-streaming hard-codes ``fetch_max_wait_ms=1500`` for its worker consumer. On Apache
Kafka that only bounds idle polling: a fetch returns as soon as ``fetch_min_bytes`` (1)
arrived. The embedded broker (tansu) answers a fetch that found nothing only after the full
wait, even when records arrive meanwhile, so every consumer hop adds up to that wait to the
latency (measured with aiokafka on tansu, records every 0.37 s: median delivery 0.64 s at
1500 ms, 0.07 s at 500 ms, 0.016 s at 100 ms). The pipeline has two faust hops (raw →
canonical → snapshots), so the worker uses ``settings.kafka.fetch_max_wait_ms`` like every
other oddsflow consumer.

:func:`install` gives an app this transport; nothing else changes.
"""

from __future__ import annotations

from typing import Any

from faust.transport.drivers import aiokafka as driver


class _ConsumerThread(driver.AIOKafkaConsumerThread):
    def _create_worker_consumer(self, transport: Any) -> Any:
        consumer = super()._create_worker_consumer(transport)
        # read by AIOKafkaConsumer.start() when it builds its fetcher (aiokafka 0.10–0.14)
        app: Any = self.app
        consumer._fetch_max_wait_ms = app.oddsflow.settings.kafka.fetch_max_wait_ms
        return consumer


class _Consumer(driver.Consumer):
    def _new_consumer_thread(self) -> Any:
        return _ConsumerThread(self, loop=self.loop, beacon=self.beacon)


class Transport(driver.Transport):
    """The aiokafka transport with :class:`_Consumer`."""

    Consumer = _Consumer


def install(app: Any) -> None:
    """Use :class:`Transport` for ``app`` (call before the app starts)."""
    app.transport = Transport(app.conf.broker_consumer, app)
