"""Typed response bodies of the read API (published in ``/openapi.json``).

Prices are decimal odds (``float``); ``null`` means the outcome is listed but inactive
(suspended, no price). Times are UTC. Event ids are oddsflow's canonical ids (``events.id``);
``sportradar_id`` is set for events matched across bookmakers.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field


class ErrorBody(BaseModel):
    error: str = Field(description="stable code: not_found, invalid_request, unauthorized, …")
    detail: object = Field(description="what was wrong (text, or a list of field errors)")


class BookmakerOfEvent(BaseModel):
    key: str
    bookmaker_event_id: str
    first_seen: datetime
    last_captured_at: datetime | None = Field(description="latest capture stored (freshness)")
    live: bool | None = Field(description="whether that capture was in play")
    lines: int = Field(description="lines on the bookmaker's current board")


class Event(BaseModel):
    id: int
    sportradar_id: int | None
    sport: str
    category: str | None
    tournament: str | None
    home: str
    away: str
    kickoff: datetime
    live: bool | None = Field(description="the latest capture of any bookmaker was in play")
    last_captured_at: datetime | None
    bookmakers: list[str]


class EventPage(BaseModel):
    items: list[Event]
    next_cursor: str | None = Field(description="pass as ?cursor= for the next page; null at the end")


class EventDetail(Event):
    bookmakers_detail: list[BookmakerOfEvent]


class Outcome(BaseModel):
    outcome: str
    name: str
    price: float | None


class Line(BaseModel):
    market_id: int
    line: str
    market_name: str
    outcomes: list[Outcome]
    captured_at: datetime


class BookmakerBoard(BaseModel):
    bookmaker: str
    lines: list[Line]


class CurrentOdds(BaseModel):
    event_id: int
    bookmakers: list[BookmakerBoard]


class BestPrice(BaseModel):
    market_id: int
    line: str
    market_name: str
    outcome: str
    outcome_name: str
    price: float
    bookmaker: str
    captured_at: datetime


class BestPrices(BaseModel):
    event_id: int
    prices: list[BestPrice]


class Board(BaseModel):
    event_id: int
    bookmaker: str
    at: datetime
    lines: list[Line]


class HistoryPoint(BaseModel):
    captured_at: datetime
    outcomes: dict[str, float | None] | None = Field(description="null: the line was removed")


class History(BaseModel):
    event_id: int
    bookmaker: str
    market_id: int
    line: str
    market_name: str
    points: list[HistoryPoint]
    truncated: bool = Field(description="more points exist in the window than the row cap")


class Named(BaseModel):
    id: int
    key: str


class SignalDeviation(BaseModel):
    sportradar_id: int
    home: str | None
    away: str | None
    kickoff: datetime | None
    bookmaker: str
    market_id: int
    line: str
    market_name: str | None
    outcome_id: str
    outcome_name: str | None
    price: float
    fair_price: float = Field(description="consensus fair price: 1 / median of the books' fair probabilities")
    deviation: float = Field(description="price × consensus probability − 1 (positive: above the market)")
    books: int = Field(description="bookmakers in the consensus")
    captured_at: datetime


class ArbitrageLeg(BaseModel):
    outcome_id: str
    outcome_name: str
    bookmaker: str
    price: float
    stake: float = Field(description="share of the total stake")


class Arbitrage(BaseModel):
    sportradar_id: int
    home: str | None
    away: str | None
    kickoff: datetime | None
    market_id: int
    line: str
    market_name: str | None
    started_at: datetime
    profit: float = Field(description="guaranteed return over the total stake")
    suspect: bool = Field(description="a leg's price looks like an error (docs: signals guards)")
    legs: list[ArbitrageLeg]


class BookMargin(BaseModel):
    bookmaker: str
    market_id: int
    market_name: str | None
    margin: float = Field(description="mean overround of the market's complete lines, last hour")
    lines: int
    last_at: datetime


class Signals(BaseModel):
    at: datetime
    home_bookmaker: str
    deviations: list[SignalDeviation] = Field(description="the bookmaker's largest current deviations")
    arbitrages: list[Arbitrage] = Field(description="open arbitrage windows, most profitable first")
    margins: list[BookMargin]
