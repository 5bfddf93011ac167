"""Whether a raw-topic producer ends up idempotent (streams.kafka.workarounds.idempotence), without
a broker."""

from __future__ import annotations

import logging

import pytest
from aiokafka.errors import KafkaConnectionError, UnknownError, UnsupportedVersionError

from streams.kafka.workarounds.idempotence import IdempotenceRefusedError, Mode, falls_back, start_producer

SENDER_LOG = logging.getLogger("aiokafka.producer.sender")


class FakeProducer:
    """``start()`` fails with ``error`` when idempotent (as a broker without InitProducerId)."""

    def __init__(self, idempotent: bool, error: BaseException | None) -> None:
        self.idempotent, self.error = idempotent, error
        self.started = self.stopped = False

    async def start(self) -> None:
        if self.idempotent and self.error is not None:
            # what aiokafka's sender logs before raising a refused InitProducerId
            SENDER_LOG.error("Unexpected error during InitProducerIdRequest: %s", type(self.error))
            raise self.error
        self.started = True

    async def stop(self) -> None:
        self.stopped = True


async def start(mode: Mode, error: BaseException | None) -> tuple[list[FakeProducer], FakeProducer, bool]:
    made: list[FakeProducer] = []

    def make(idempotent: bool) -> FakeProducer:
        made.append(FakeProducer(idempotent, error))
        return made[-1]

    producer, idempotent = await start_producer(make, mode, name="test")
    return made, producer, idempotent


@pytest.mark.parametrize(
    ("mode", "error", "expected"),
    [
        ("auto", UnknownError(), True),  # tansu's answer to InitProducerId
        ("auto", UnsupportedVersionError(), True),
        ("auto", KafkaConnectionError(), False),  # no verdict on idempotence: raised
        ("on", UnknownError(), False),
        ("off", UnknownError(), False),  # never asked
    ],
)
def test_falls_back_only_on_a_refusal_in_auto_mode(mode: Mode, error: BaseException, expected: bool) -> None:
    assert falls_back(mode, error) is expected


async def test_auto_is_idempotent_where_the_broker_allows_it(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        made, producer, idempotent = await start("auto", None)
    assert idempotent and [p.idempotent for p in made] == [True] and producer.started
    assert not caplog.records


async def test_auto_falls_back_with_one_warning_when_init_producer_id_is_refused(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING):
        made, producer, idempotent = await start("auto", UnknownError())
    assert not idempotent
    assert [p.idempotent for p in made] == [True, False]
    assert made[0].stopped and producer is made[1] and producer.started
    assert [r.getMessage() for r in caplog.records] == [
        "test: the broker refused an idempotent producer (InitProducerId: UnknownError(), as tansu "
        "does); sending with acks=all without idempotence, so a retried send may store a record twice"
    ]


async def test_other_start_failures_are_raised_not_hidden() -> None:
    with pytest.raises(KafkaConnectionError):
        await start("auto", KafkaConnectionError())


async def test_on_refuses_to_fall_back(caplog: pytest.LogCaptureFixture) -> None:
    with pytest.raises(IdempotenceRefusedError, match="ODDS_KAFKA__IDEMPOTENCE=on"):
        await start("on", UnknownError())
    assert [r.name for r in caplog.records] == ["aiokafka.producer.sender"]  # not silenced


async def test_off_never_asks() -> None:
    made, _, idempotent = await start("off", UnknownError())
    assert not idempotent and [p.idempotent for p in made] == [False]
