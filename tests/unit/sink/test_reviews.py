"""The sink's side of match reviews: decoded as lifecycle items, filed and settled in offset order."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sinks.matching import reviews
from sinks.write.records import Lifecycle, Record, decode
from streams.contracts.merge import encode_merge, merge_of
from streams.contracts.review import encode_review
from tests.unit.contracts.test_review import REVIEW


class Conn:
    """Records the statements; INSERT ... DO NOTHING files a pair once, UPDATE settles pending rows."""

    def __init__(self) -> None:
        self.rows: dict[tuple[str, str, str], str] = {}

    async def execute(self, sql: str, *args: Any) -> str:
        if sql.lstrip().startswith("INSERT"):
            pair = (args[0], args[1], args[6])
            if pair in self.rows:
                return "INSERT 0 0"
            self.rows[pair] = "pending"
            return "INSERT 0 1"
        pair = (args[0], args[1], args[2])
        if self.rows.get(pair) in ("pending", "accepted"):
            self.rows[pair] = "merged"
            return "UPDATE 1"
        return "UPDATE 0"


def item(value: bytes, offset: int) -> Lifecycle:
    decoded = decode(Record("odds.snapshots.v1", 0, offset, b"k", value))
    assert isinstance(decoded, Lifecycle)
    return decoded


async def test_reviews_are_filed_once_and_a_merge_settles_its_pair() -> None:
    merge = merge_of(REVIEW.key, "sr:1", "matched", datetime(2026, 5, 6, 10, 0, tzinfo=UTC))
    conn = Conn()
    batch = [item(encode_merge(merge), 12), item(encode_review(REVIEW), 10), item(encode_review(REVIEW), 11)]
    assert await reviews.apply(conn, batch) == 2  # filed once (offset 10), then merged (offset 12)
    assert conn.rows == {REVIEW.pair: "merged"}
    conn.rows[REVIEW.pair] = "rejected"
    assert await reviews.apply(conn, batch) == 0  # a rejected pair stays rejected
    assert conn.rows == {REVIEW.pair: "rejected"}
