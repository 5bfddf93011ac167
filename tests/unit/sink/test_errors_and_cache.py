"""Error classification, back-off and the staged dimension cache."""

from __future__ import annotations

import asyncpg
import pytest
from aiokafka.errors import KafkaConnectionError, KafkaTimeoutError, RecordTooLargeError

from sinks.write.errors import Backoff, classify, data_error
from sinks.write.id_cache import Maps
from sinks.write.lease import LeaseError
from sinks.write.offsets import FencedError
from streams.errors import DataError, TransientError


def _pg(cls: type[asyncpg.PostgresError], msg: str = "x") -> asyncpg.PostgresError:
    return cls(msg)


@pytest.mark.parametrize(
    ("exc", "expected"),
    [
        (DataError("sink", "bad_timestamp", "x"), "data"),
        (TransientError("x"), "transient"),
        (LeaseError("lock still held by a replay"), "transient"),  # a sink waits for the replay
        (_pg(asyncpg.exceptions.CharacterNotInRepertoireError), "data"),
        (_pg(asyncpg.exceptions.InvalidTextRepresentationError), "data"),
        (_pg(asyncpg.exceptions.ForeignKeyViolationError), "data"),
        (_pg(asyncpg.exceptions.CheckViolationError), "data"),
        (_pg(asyncpg.exceptions.ProgramLimitExceededError), "data"),  # index row too large
        (OverflowError("value out of int32 range"), "data"),
        (_pg(asyncpg.exceptions.SerializationError), "transient"),
        (_pg(asyncpg.exceptions.DeadlockDetectedError), "transient"),
        (_pg(asyncpg.exceptions.AdminShutdownError), "transient"),
        (_pg(asyncpg.exceptions.CannotConnectNowError), "transient"),
        (_pg(asyncpg.exceptions.ConnectionFailureError), "transient"),
        (_pg(asyncpg.exceptions.TooManyConnectionsError), "transient"),
        (asyncpg.exceptions.ConnectionDoesNotExistError("closed in the middle"), "transient"),
        (asyncpg.InterfaceError("connection is closed"), "transient"),
        (ConnectionRefusedError(111, "refused"), "transient"),
        (TimeoutError(), "transient"),
        (KafkaConnectionError(), "transient"),
        (KafkaTimeoutError(), "transient"),
        (_pg(asyncpg.exceptions.UndefinedTableError), "bug"),
        (_pg(asyncpg.exceptions.InvalidPasswordError), "bug"),
        (asyncpg.InterfaceError("cannot perform operation: another operation is in progress"), "bug"),
        (RecordTooLargeError(), "bug"),
        (KeyError("x"), "bug"),
        (TypeError("x"), "bug"),
        (FencedError({0: 5}), "bug"),  # handled by the sink before classification
    ],
)
def test_classify(exc: BaseException, expected: str) -> None:
    assert classify(exc) == expected


def test_data_error_from_postgres() -> None:
    exc = asyncpg.exceptions.CharacterNotInRepertoireError("invalid byte sequence")
    exc.sqlstate = "22021"
    err = data_error(exc)
    assert (err.stage, err.kind) == ("sink", "invalid_value")
    assert "22021" in err.message
    fk = asyncpg.exceptions.ForeignKeyViolationError("fk")
    fk.sqlstate = "23503"
    assert data_error(fk).kind == "constraint_violation"
    assert data_error(OverflowError("big")).kind == "invalid_value"


def test_backoff_grows_with_jitter_and_caps() -> None:
    b = Backoff(base_s=0.2, cap_s=2.0)
    delays = [b.next() for _ in range(10)]
    assert 0.1 <= delays[0] <= 0.2
    assert 0.2 <= delays[1] <= 0.4
    assert all(1.0 <= d <= 2.0 for d in delays[5:])


def test_staged_cache_layers_merge_only_when_told() -> None:
    cache = Maps()
    cache.sports["soccer"] = 1
    tx = cache.child()
    attempt = tx.child()
    attempt.sports["tennis"] = 2
    assert attempt.get("sports", "soccer") == 1 and attempt.get("sports", "tennis") == 2
    failed = tx.child()
    failed.sports["basketball"] = 3  # rolled back: never merged
    attempt.merge_into_parent()
    assert tx.get("sports", "tennis") == 2 and tx.get("sports", "basketball") is None
    assert cache.get("sports", "tennis") is None  # not committed yet
    tx.merge_into_parent()
    assert cache.sports == {"soccer": 1, "tennis": 2}
