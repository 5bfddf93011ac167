"""``FastJSON`` renders what FastAPI would have rendered through the response model."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import orjson
import pytest

from api import models
from api.fastjson import FastJSON
from api.queries import BEST_COLUMNS


def _price(**over: object) -> dict[str, object]:
    row: dict[str, object] = {
        "market_id": 18,
        "line": "total=2.5",
        "market_name": "Over/Under 2.5",
        "outcome": "12",
        "outcome_name": "Over 2.5",
        "price": 1.85,
        "bookmaker": "betpawa",
        "captured_at": datetime(2026, 12, 7, 6, 38, 44, tzinfo=UTC),
    }
    return row | over


@pytest.mark.parametrize(
    "over",
    [
        {},
        {"captured_at": datetime(2026, 12, 7, 6, 38, 44, 120_000, tzinfo=UTC)},
        {"captured_at": datetime(2026, 12, 7, 6, 38, 44, 5, tzinfo=timezone(timedelta(hours=1)))},
        {"price": 14.56},
        {"price": 1e20},
        {"price": 1.0},
        {"line": "", "market_name": "1X2 «ö»", "outcome_name": 'He said "x"\n'},
    ],
)
def test_same_bytes_as_the_response_model(over: dict[str, object]) -> None:
    body = {"event_id": 12, "prices": [_price(**over), _price()]}
    expected = models.BestPrices.model_validate(body).model_dump_json().encode()
    assert FastJSON(body).body == expected


def test_best_columns_follow_the_model() -> None:
    assert tuple(models.BestPrice.model_fields) == BEST_COLUMNS


def test_media_type() -> None:
    response = FastJSON({"a": 1})
    assert response.headers["content-type"] == "application/json"
    assert orjson.loads(response.body) == {"a": 1}
