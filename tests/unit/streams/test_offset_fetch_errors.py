"""OffsetFetch answers with a group-level error (streams.kafka.workarounds.offset_fetch_errors),
without a broker.

The answers are the ones Kafka 4.4 gave the crash campaign once a group's coordinator had
moved: ``OffsetFetchResponse_v3(topics=[], error_code=16)``.
"""

from __future__ import annotations

from typing import Any

import pytest
from aiokafka import TopicPartition
from aiokafka.consumer.group_coordinator import GroupCoordinator
from aiokafka.errors import NotCoordinatorForGroupError
from aiokafka.protocol.commit import OffsetFetchResponse_v3
from aiokafka.protocol.group import HeartbeatResponse_v1
from aiokafka.structs import OffsetAndMetadata

from streams.kafka.workarounds import offset_fetch_errors

TP0 = TopicPartition("t", 0)
NOT_COORDINATOR = OffsetFetchResponse_v3(0, [], 16)
COMMITTED_5 = OffsetFetchResponse_v3(0, [("t", [(0, 5, "", 0)])], 0)


class FakeClient:
    """Answers each request with the next response of a script."""

    def __init__(self, *responses: Any) -> None:
        self.responses = list(responses)
        self.sent: list[int] = []

    async def send(self, node_id: int, request: Any, group: Any = None) -> Any:
        self.sent.append(node_id)
        return self.responses.pop(0)


def coordinator(client: FakeClient) -> Any:
    """A group coordinator for group ``g`` whose coordinator is node 1 (no ``__init__``)."""
    coord: Any = object.__new__(GroupCoordinator)
    coord.group_id = "g"
    coord.coordinator_id = 1
    coord._client = client
    coord._retry_backoff_ms = 0
    coord.dead = 0

    def coordinator_dead() -> None:
        coord.dead += 1
        coord.coordinator_id = None

    async def ensure_coordinator_known() -> None:
        if coord.coordinator_id is None:
            coord.coordinator_id = 2  # FindCoordinator: the group moved to node 2

    coord.coordinator_dead = coordinator_dead
    coord.ensure_coordinator_known = ensure_coordinator_known
    return coord


@pytest.fixture
def unpatched(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(GroupCoordinator, "_send_req", offset_fetch_errors._original_send_req)


@pytest.fixture
def patched(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(GroupCoordinator, "_send_req", offset_fetch_errors._original_send_req)
    offset_fetch_errors.install()


@pytest.mark.usefixtures("unpatched")
async def test_aiokafka_reads_a_group_level_error_as_nothing_committed() -> None:
    """The bug (this test fails once aiokafka honours the error: drop the workaround then)."""
    coord = coordinator(FakeClient(NOT_COORDINATOR, NOT_COORDINATOR))
    assert await coord.fetch_committed_offsets([TP0]) == {}
    assert coord.dead == 0  # and it stays with the old coordinator
    assert await coord.fetch_committed_offsets([TP0]) == {}
    assert coord._client.sent == [1, 1]


@pytest.mark.usefixtures("patched")
async def test_group_level_error_marks_the_coordinator_dead_and_raises() -> None:
    coord = coordinator(FakeClient(NOT_COORDINATOR))
    with pytest.raises(NotCoordinatorForGroupError):
        await coord._do_fetch_commit_offsets([TP0])
    assert coord.dead == 1


@pytest.mark.usefixtures("patched")
async def test_committed_offsets_are_read_from_the_new_coordinator() -> None:
    coord = coordinator(FakeClient(NOT_COORDINATOR, COMMITTED_5))
    assert await coord.fetch_committed_offsets([TP0]) == {TP0: OffsetAndMetadata(5, "")}
    assert coord._client.sent == [1, 2]


@pytest.mark.usefixtures("patched")
async def test_other_answers_pass_unchanged() -> None:
    heartbeat = HeartbeatResponse_v1(0, 27)  # errors of other requests are aiokafka's business
    coord = coordinator(FakeClient(heartbeat, COMMITTED_5))
    assert await coord._send_req(object()) is heartbeat
    assert await coord.fetch_committed_offsets([TP0]) == {TP0: OffsetAndMetadata(5, "")}
    assert coord.dead == 0
