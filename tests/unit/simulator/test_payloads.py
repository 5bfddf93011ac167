"""Rendered payloads: exact shapes per docs/FORMATS.md, and they read back to World.truth."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import datetime
from typing import Any

import orjson
import pytest

from streams.simulator import (
    BOOKMAKERS,
    Bookmaker,
    SimulatedCapture,
    Truth,
    World,
    WorldConfig,
    iter_captures,
    render,
)
from streams.simulator.markets import FIRST_THREE, SPORTPESA_LACKS
from tests.unit.simulator.reference import B9_KEY, MAPPED_UOF, READERS

BUSY = WorldConfig(
    bookmakers=BOOKMAKERS,
    time_scale=20,
    kickoff_horizon_s=1800,
    live_share=0.5,
    suspend_rate=0.05,
    live_suspend_rate=0.2,
)


Captured = list[tuple[SimulatedCapture, dict[str, Any], Truth]]


@pytest.fixture(scope="module")
def captured() -> Captured:
    """A few hundred captures of a busy world (live play, goals, suspensions, both sizes)."""
    out: Captured = []
    for size in ("normal", "real"):
        # the books the reference readers know; the four others: tests/unit/crosscheck
        world = World(12, seed=21, config=replace(BUSY, size=size, bookmakers=FIRST_THREE))
        for capture in iter_captures(world, rate_per_s=20, count=12 * 3 * 8):
            decoded = orjson.loads(orjson.dumps(capture.payload))  # what a consumer really sees
            out.append((capture, decoded, world.truth(capture.event_index, capture.bookmaker)))
    return out


def test_every_payload_reads_back_to_the_truth(captured: Captured) -> None:
    for capture, doc, truth in captured:
        assert READERS[capture.bookmaker](doc) == truth, (capture.bookmaker, capture.event_index)


def test_captures_cover_live_suspended_and_missing_ids(captured: Captured) -> None:
    truths = [truth for _, _, truth in captured]
    prices = [p for t in truths for line in t.values() for p in line.values()]
    assert any(p is None for p in prices) and any(p is not None for p in prices)
    assert any(doc.get("additionalInfo", {}).get("live") for _, doc, _ in captured)


def _sportybet(doc: dict[str, Any], capture: SimulatedCapture) -> None:
    assert doc["bizCode"] == 10000 and doc["message"] == "0#0"
    data = doc["data"]
    assert data["eventId"] == capture.bookmaker_event_id
    assert (data["eventId"] == f"sr:match:{capture.sportradar_id}") == (capture.sportradar_id is not None)
    assert isinstance(data["gameId"], str) and data["gameId"].isdigit()
    assert isinstance(data["estimateStartTime"], int) and data["estimateStartTime"] > 10**12
    assert data["status"] in (0, 1)
    assert re.fullmatch(r"sr:sport:\d+", data["sport"]["id"])
    assert data["sport"]["category"]["id"].startswith("sr:category:")
    assert data["sport"]["category"]["tournament"]["id"].startswith("sr:tournament:")
    assert data["homeTeamId"].startswith("sr:competitor:") and data["awayTeamName"]
    if data["status"] == 1:
        assert re.fullmatch(r"\d+:\d+", data["setScore"]) and re.fullmatch(r"\d+:\d\d", data["playedSeconds"])
    lines = set()
    for m in data["markets"]:
        assert isinstance(m["id"], str) and m["id"].isdigit()
        assert isinstance(m["product"], int) and m["product"] == (1 if data["status"] else 3)
        assert m["status"] == 0 and isinstance(m["lastOddsChangeTime"], int) and m["favourite"] in (0, 1)
        if "specifier" in m:
            assert isinstance(m["specifier"], str) and "=" in m["specifier"]
        lines.add((m["id"], m.get("specifier", "")))
        for o in m["outcomes"]:
            assert isinstance(o["id"], str) and isinstance(o["desc"], str)
            assert isinstance(o["odds"], str) and re.fullmatch(r"\d+\.\d\d", o["odds"])
            assert o["isActive"] in (0, 1) and isinstance(o["probability"], str)
    assert len(lines) == len(data["markets"])  # one market object per (id, specifier)


def _betpawa(doc: dict[str, Any], capture: SimulatedCapture) -> None:
    assert doc["id"] == capture.bookmaker_event_id and doc["id"].isdigit()
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", doc["startTime"])
    assert " - " in doc["name"] and [p["position"] for p in doc["participants"]] == [1, 2]
    types = {w["type"]: w["id"] for w in doc["widgets"]}
    assert "GENIUSSPORTS" in types and types.get("SPORTRADAR") == (
        None if capture.sportradar_id is None else str(capture.sportradar_id)
    )
    assert isinstance(doc["additionalInfo"]["live"], bool) and isinstance(doc["version"], int)
    if doc["category"]["name"] == "Football":
        assert doc["category"]["id"] == "2"
    for m in doc["markets"]:
        mt = m["marketType"]
        assert isinstance(mt["id"], str) and isinstance(mt["priceColumnCount"], int)
        assert mt["handicapType"] in ("", "NORMAL", "ASIAN", "EUROPEAN", "NUMBER_SPECIFIER")
        for row in m["row"]:
            assert row["handicap"] is None or isinstance(row["handicap"], int)
            for p in row["prices"]:
                assert isinstance(p["price"], int | float) and isinstance(p["suspended"], bool)
                assert isinstance(p["typeId"], str) and (
                    p["handicap"] is None or isinstance(p["handicap"], str)
                )
                if p["suspended"]:
                    assert p["price"] == 100.0
        if mt["id"] == "4706":
            assert [len(r["prices"]) for r in m["row"]] == [3, 3, 3]
        if mt["id"] == "1096755":
            handicaps = [r["handicap"] for r in m["row"]]
            assert handicaps[::2] == handicaps[1::2]  # Over row and Under row share the line
        if mt["id"] == "3774":
            for r in m["row"]:
                home, away = (p["handicap"] for p in r["prices"])
                line = r["handicap"] / 4
                assert float(home) == line and float(away) == -line
                expected = {-1: ("-", "+"), 0: ("0", "0"), 1: ("+", "-")}[(line > 0) - (line < 0)]
                assert (home[0], away[0]) == expected, (home, away)


def _bet9ja(doc: dict[str, Any], capture: SimulatedCapture) -> None:
    assert doc["R"] == "OK"
    d = doc["D"]
    assert isinstance(d["ID"], int) and str(d["ID"]) == capture.bookmaker_event_id
    datetime.strptime(d["STARTDATE"], "%Y-%m-%d %H:%M:%S")
    assert " - " in d["DS"] and d["S"] in ("Soccer", "Basketball", "Tennis") and isinstance(d["SID"], int)
    live = "A" in d
    sr = d["A"]["EXTID"] if live else d["EXTID"]
    assert sr == ("" if capture.sportradar_id is None else str(capture.sportradar_id))
    if live and sr:
        assert d["A"]["BRMATCHID"] == capture.sportradar_id
    for key, value in d["O"].items():
        assert re.match(r"^(LIVE)?[SBT]_", key) and B9_KEY.match(key.split("_", 1)[1]), key
        if value not in ("-", ""):
            assert isinstance(value, dict) == live
            assert isinstance(value["v"], float) if live else re.fullmatch(r"\d+\.\d\d", value)
        m = re.match(r"^(?:LIVE)?S_(OUA?)@([^_]+)_", key)
        if m:  # half-goal totals in S_OU, whole/quarter totals in S_OUA
            assert (float(m.group(2)) % 1 == 0.5) == (m.group(1) == "OU"), key
        if "_HAOU@" in key:
            assert key.rsplit("_", 1)[1] in ("OH", "UH", "OA", "UA")
    assert isinstance(d["MK"], list) and isinstance(d["TRANS"], dict)


SHAPES = {"sportybet": _sportybet, "betpawa": _betpawa, "bet9ja": _bet9ja}


@pytest.mark.parametrize("bookmaker", FIRST_THREE)
def test_shapes_follow_the_documented_formats(captured: Captured, bookmaker: Bookmaker) -> None:
    seen = 0
    for capture, doc, _ in captured:
        if capture.bookmaker == bookmaker:
            SHAPES[bookmaker](doc, capture)
            seen += 1
    assert seen


def test_unmapped_markets_are_present_but_not_in_the_truth() -> None:
    world = World(5, seed=22, config=WorldConfig(bookmakers=BOOKMAKERS))
    for i in range(5):
        sporty = render(world, i, "sportybet")["data"]["markets"]
        assert any(int(m["id"]) not in MAPPED_UOF for m in sporty)
        pawa = render(world, i, "betpawa")["markets"]
        mapped = READERS["betpawa"]({"markets": pawa})
        assert len(pawa) > len({mid for mid, _ in mapped})
        truth_ids = {mid for mid, _ in world.truth(i, "sportybet")}
        assert truth_ids <= MAPPED_UOF


def test_soccer_offers_every_soccer_market_of_the_taxonomy() -> None:
    world = World(20, seed=23, config=WorldConfig(bookmakers=BOOKMAKERS, live_share=0.0))
    soccer = {1, 10, 11, 18, 16, 14, 29, 45, 47, 60, 68, 19, 20, 26, 8, 37, 166}
    for i, m in enumerate(world.matches):
        for b in BOOKMAKERS:
            ids = {mid for mid, _ in world.truth(i, b)}
            expected = {"soccer": soccer, "basketball": {219, 223, 225}, "tennis": {186, 187, 189, 314}}
            lacks = SPORTPESA_LACKS if b == "sportpesa" else frozenset()
            assert ids == expected[m.sport] - lacks, (m.sport, b)
    keys = {k for i in range(20) for k in world.truth(i, "bet9ja")}
    assert {(18, "total=2.25"), (18, "total=2.75"), (18, "total=2"), (14, "hcp=0:1")} <= keys
