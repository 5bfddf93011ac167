"""Every read endpoint against Postgres filled by the sink, compared with the published feed.

Expected values come from the feed alone (``tests.unit.sink.feed``: boards replayed from
the captures), never from the API's own SQL.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest

from sinks.signals.writer import SignalsWriter
from sinks.write.records import Record
from streams.contracts.signals import ArbLeg, ArbWindow, Deviation, Margin, SignalsV1, encode_signals
from streams.contracts.snapshot import Source
from streams.taxonomy.names import market_name, outcome_name
from tests.integration.api.conftest import Stack
from tests.unit.sink.feed import BOOKMAKERS

pytestmark = pytest.mark.integration


async def _event_ids(client: httpx.AsyncClient) -> dict[int, dict]:
    """sportradar id → event, through the paginated listing (page size 2: several pages)."""
    found: dict[int, dict] = {}
    cursor = None
    pages = 0
    while True:
        params = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        page = (await client.get("/events", params=params)).json()
        pages += 1
        for ev in page["items"]:
            found[ev["sportradar_id"] or -ev["id"]] = ev
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert pages > 3
    return found


async def test_events_listing_filters_and_pages(stack: Stack, client: httpx.AsyncClient) -> None:
    snaps = stack.feed.snaps
    events = await _event_ids(client)
    matched = {s.event.sportradar_id for s in snaps if s.event.sportradar_id is not None}
    own = {(s.bookmaker, s.bookmaker_event_id) for s in snaps if s.event.sportradar_id is None}
    assert len(events) == len(matched) + len(own)
    kickoffs = [e["kickoff"] for e in events.values()]
    assert len(set(events)) == len(events)  # no event on two pages
    sr = next(iter(matched))
    ev = events[sr]
    info = next(s.event for s in snaps if s.event.sportradar_id == sr)
    assert (ev["home"], ev["away"], ev["sport"]) == (info.home, info.away, info.sport)
    assert sorted(ev["bookmakers"]) == sorted({s.bookmaker for s in snaps if s.event.sportradar_id == sr})
    last = max((s for s in snaps if s.event.sportradar_id == sr), key=lambda s: s.captured_at)
    assert ev["live"] == last.live

    soccer = (await client.get("/events", params={"sport": "soccer", "limit": 200})).json()["items"]
    assert soccer and all(e["sport"] == "soccer" for e in soccer)
    assert len(soccer) == len({s.key for s in snaps if s.event.sport == "soccer"})
    live = (await client.get("/events", params={"live": "true", "limit": 200})).json()["items"]
    prematch = (await client.get("/events", params={"live": "false", "limit": 200})).json()["items"]
    assert {e["id"] for e in live} | {e["id"] for e in prematch} == {e["id"] for e in events.values()}
    assert all(e["live"] for e in live) and not any(e["live"] for e in prematch)
    book = (await client.get("/events", params={"bookmaker": "bet9ja", "limit": 200})).json()["items"]
    assert all("bet9ja" in e["bookmakers"] for e in book)
    assert len(book) == len({s.key for s in snaps if s.bookmaker == "bet9ja"})
    tournament = info.tournament or "League 1"
    by_t = (await client.get("/events", params={"tournament": tournament, "limit": 200})).json()["items"]
    assert by_t and all(e["tournament"] == tournament for e in by_t)
    lo = sorted(kickoffs)[2]
    hi = sorted(kickoffs)[-2]
    window = (await client.get("/events", params={"kickoff_from": lo, "kickoff_to": hi, "limit": 200})).json()
    assert {e["kickoff"] for e in window["items"]} == {k for k in kickoffs if lo <= k < hi}
    capped = (await client.get("/events", params={"limit": 10_000})).json()
    assert len(capped["items"]) == min(len(events), stack.settings.api.page_size_max)


async def test_one_event_current_best_board_history(stack: Stack, client: httpx.AsyncClient) -> None:
    feed = stack.feed
    sr = next(s.event.sportradar_id for s in feed.snaps if s.event.sportradar_id is not None)
    key = f"sr:{sr}"
    listing = (await client.get("/events", params={"limit": 200})).json()["items"]
    eid = next(e["id"] for e in listing if e["sportradar_id"] == sr)

    detail = (await client.get(f"/events/{eid}")).json()
    boards = {bm: feed.final[(key, bm)] for bm in BOOKMAKERS if (key, bm) in feed.final}
    assert {b["key"]: b["lines"] for b in detail["bookmakers_detail"]} == {
        bm: len(b) for bm, b in boards.items()
    }
    last = {bm: max(s.captured_at for s in feed.snaps if s.key == key and s.bookmaker == bm) for bm in boards}
    for b in detail["bookmakers_detail"]:
        assert datetime.fromisoformat(b["last_captured_at"]) == last[b["key"]]

    odds = (await client.get(f"/events/{eid}/odds")).json()
    got = {
        (b["bookmaker"], ln["market_id"], ln["line"]): {o["outcome"]: o["price"] for o in ln["outcomes"]}
        for b in odds["bookmakers"]
        for ln in b["lines"]
    }
    assert got == {(bm, m, line): outs for bm, board in boards.items() for (m, line), outs in board.items()}
    names = {ln["market_name"] for b in odds["bookmakers"] for ln in b["lines"]}
    assert "1X2" in names or "Over/Under 0.5" in names or "GG/NG" in names
    one = (await client.get(f"/events/{eid}/odds", params={"bookmaker": "betpawa"})).json()
    assert [b["bookmaker"] for b in one["bookmakers"]] in ([], ["betpawa"])

    best = (await client.get(f"/events/{eid}/best")).json()["prices"]
    expected: dict[tuple[int, str, str], float] = {}
    for board in boards.values():
        for (m, line), outs in board.items():
            for o, price in outs.items():
                if price is not None:
                    expected[(m, line, o)] = max(expected.get((m, line, o), 0.0), price)
    assert {(p["market_id"], p["line"], p["outcome"]): p["price"] for p in best} == expected

    pub = [p for p in feed.published if p.snap.key == key]
    probe = pub[len(pub) // 2]
    bm = probe.snap.bookmaker
    at = probe.snap.captured_at
    board = (await client.get(f"/events/{eid}/board", params={"bookmaker": bm, "at": at.isoformat()})).json()
    assert {
        (ln["market_id"], ln["line"]): {o["outcome"]: o["price"] for o in ln["outcomes"]}
        for ln in board["lines"]
    } == probe.board
    before = (at - timedelta(days=1)).isoformat()
    assert (await client.get(f"/events/{eid}/board", params={"bookmaker": bm, "at": before})).json()[
        "lines"
    ] == []

    m, line = next(iter(probe.board))
    hist = (
        await client.get(f"/events/{eid}/history", params={"bookmaker": bm, "market_id": m, "line": line})
    ).json()
    mine = [p.snap for p in pub if p.snap.bookmaker == bm]
    changes: list[dict | None] = []
    for s in mine:
        if (m, line) in s.changed:
            outs = s.changed[(m, line)]
        elif (m, line) in s.removed:
            outs = None
        else:
            continue
        if not changes or changes[-1] != outs:
            changes.append(outs)
    assert [p["outcomes"] for p in hist["points"]] == changes
    assert hist["truncated"] is False and hist["market_name"]
    mid = mine[len(mine) // 2].captured_at
    window = (
        await client.get(
            f"/events/{eid}/history",
            params={"bookmaker": bm, "market_id": m, "line": line, "from": mid.isoformat()},
        )
    ).json()
    assert all(datetime.fromisoformat(p["captured_at"]) >= mid for p in window["points"])


@pytest.mark.parametrize(
    ("path", "status", "code"),
    [
        ("/events/999999999", 404, "not_found"),
        ("/events/0", 422, "invalid_request"),
        ("/events/abc", 422, "invalid_request"),
        ("/events?sport=curling", 400, "unknown_sport"),
        ("/events?bookmaker=nobody", 400, "unknown_bookmaker"),
        ("/events?sport=bad%20key", 422, "invalid_request"),
        ("/events?cursor=not-a-cursor", 400, "invalid_cursor"),
        ("/events?limit=0", 422, "invalid_request"),
        ("/events?kickoff_from=2026-01-02T00:00:00Z&kickoff_to=2026-01-01T00:00:00Z", 400, "invalid_window"),
        ("/events/1/board", 422, "invalid_request"),
        ("/events/1/board?bookmaker=nobody", 400, "unknown_bookmaker"),
        ("/events/1/history?bookmaker=betpawa", 422, "invalid_request"),
        ("/stream?last_event_id=garbage", 400, "invalid_position"),
        ("/stream?last_event_id=0:1", 400, "invalid_position"),
        ("/stream?event=999999999", 404, "not_found"),
        ("/nowhere", 404, "not_found"),
    ],
)
async def test_bad_input_gets_a_json_error(
    client: httpx.AsyncClient, path: str, status: int, code: str
) -> None:
    r = await client.get(path)
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/json")
    assert r.json()["error"] == code


async def test_openapi_lists_every_endpoint(client: httpx.AsyncClient) -> None:
    spec = (await client.get("/openapi.json")).json()
    assert {
        "/events", "/events/{event_id}", "/events/{event_id}/odds", "/events/{event_id}/best",
        "/events/{event_id}/board", "/events/{event_id}/history", "/stream", "/sports", "/bookmakers",
        "/signals",
    } <= set(spec["paths"])  # fmt: skip


async def test_signals_as_the_signals_sink_stored_them(stack: Stack, client: httpx.AsyncClient) -> None:
    """One ``odds.signals.v1`` message written by the signals sink's writer, read back named."""
    snap = next(s for s in stack.feed.snaps if s.event.sportradar_id is not None)
    info, sr, now = snap.event, snap.event.sportradar_id, datetime.now(UTC).replace(microsecond=0)
    book = "sportybet"
    sig = SignalsV1(
        event_key=f"sr:{sr}", sportradar_id=sr, sport=info.sport, kickoff=info.kickoff, bookmaker=book,
        captured_at=now, live=False, source=Source("test.snapshots", 0, 0),
        margins=(Margin(1, "", 0.061, {}),),
        deviations=(
            Deviation(book, 1, "", "1", 2.30, 0.47, 0.081, 3),
            Deviation(book, 1, "", "2", 3.10, 0.30, -0.07, 3),
        ),
        arbitrages=(
            ArbWindow(18, "total=2.5", now, None, 0.012, False,
                      (ArbLeg("12", "betpawa", 2.05, 0.49), ArbLeg("13", book, 1.98, 0.51))),
        ),
    )  # fmt: skip
    writer = SignalsWriter(stack.settings.postgres, stack.settings.partitions, "test-signals", "t.signals")

    async def no_dead(dead: list) -> None:
        raise AssertionError(f"dead: {dead}")

    try:
        await writer.write([Record("t.signals", 0, 0, None, encode_signals(sig))], {0: None}, no_dead)
    finally:
        await writer.close()

    doc = (await client.get("/signals", params={"bookmaker": book})).json()
    assert doc["home_bookmaker"] == book
    home, away = info.home, info.away
    assert [(d["outcome_id"], d["price"], d["deviation"], d["books"]) for d in doc["deviations"]] == [
        ("1", 2.30, 0.081, 3), ("2", 3.10, -0.07, 3)
    ]  # largest first  # fmt: skip
    first = doc["deviations"][0]
    assert first["sportradar_id"] == sr and (first["home"], first["away"]) == (home, away)
    assert first["fair_price"] == pytest.approx(1 / 0.47)
    assert first["market_name"] == market_name(1, "", home, away)
    assert first["outcome_name"] == outcome_name(1, "1", "", home, away)
    [arb] = [a for a in doc["arbitrages"] if a["sportradar_id"] == sr]
    assert (arb["market_id"], arb["line"], arb["profit"], arb["suspect"]) == (18, "total=2.5", 0.012, False)
    assert arb["market_name"] == market_name(18, "total=2.5", home, away)
    assert [(leg["outcome_name"], leg["bookmaker"], leg["price"], leg["stake"]) for leg in arb["legs"]] == [
        (outcome_name(18, "12", "total=2.5", home, away), "betpawa", 2.05, 0.49),
        (outcome_name(18, "13", "total=2.5", home, away), book, 1.98, 0.51),
    ]
    [margin] = [m for m in doc["margins"] if m["bookmaker"] == book]
    assert (margin["market_id"], margin["margin"], margin["lines"]) == (1, pytest.approx(0.061), 1)

    only = (await client.get("/signals", params={"bookmaker": book, "limit": 1})).json()
    assert [d["outcome_id"] for d in only["deviations"]] == ["1"]
    other = (await client.get("/signals", params={"bookmaker": "betpawa"})).json()
    assert other["deviations"] == [] and other["arbitrages"] == doc["arbitrages"]
    unknown = await client.get("/signals", params={"bookmaker": "nosuchbook"})
    assert unknown.status_code == 400 and unknown.json()["error"] == "unknown_bookmaker"
