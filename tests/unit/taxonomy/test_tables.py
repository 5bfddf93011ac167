"""The mapping tables: generated from docs/markets.json as committed, valid, and well-namespaced."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from streams.errors import DataError
from streams.taxonomy import (
    canonical_specifier,
    format_line,
    generate,
    market_key,
    namespace,
    outcome_order,
    sportybet_market_id,
    tables,
)
from streams.taxonomy.tables import BET9JA, BETPAWA, ODDSFLOW_MARKETS, TableError

ROOT = Path(__file__).resolve().parents[3]
REFERENCE = json.loads((ROOT / "docs" / "markets.json").read_text())
CURATION = json.loads((tables.DATA / "oddsflow.json").read_text())


@pytest.mark.parametrize("bookmaker", ["betpawa", "bet9ja"])
def test_committed_tables_are_what_the_generator_makes(bookmaker: str) -> None:
    built = generate.build(REFERENCE, CURATION)[bookmaker]
    assert (tables.DATA / f"{bookmaker}.json").read_text() == generate.render(built, bookmaker)


def test_left_out_pairings_are_the_documented_ones() -> None:
    left = {
        (b, native): why
        for b, _, native, why in generate.left_out(REFERENCE, generate.build(REFERENCE, CURATION), CURATION)
    }
    unmapped = {key for key, why in left.items() if why.endswith("unmapped")}
    # meaning not recoverable (MARKETS.md §6.2): no canonical home at all
    assert unmapped == {("bet9ja", "LIVES_AWTTW"), ("bet9ja", "LIVES_ATTW"), ("bet9ja", "LIVES_HTTW")}
    # pairings not trusted: the line keeps a home of its own in the oddsflow namespace
    assert {key for key in left if key not in unmapped} == {
        ("betpawa", "129108"),
        ("betpawa", "4954"),
        ("betpawa", "1396223"),
        ("bet9ja", "S_WINMARGIN"),
        ("bet9ja", "LIVES_1X2HNDHN1"),
        ("bet9ja", "LIVES_12HNDN"),
        ("bet9ja", "LIVES_EXACTGOALN"),
    }


def test_every_oddsflow_market_is_registered_and_used() -> None:
    used = {
        m.market_id for m in [*BETPAWA.values(), *BET9JA.values()] if namespace(m.market_id) == "oddsflow"
    }
    assert used == set(ODDSFLOW_MARKETS)
    for market in [*BETPAWA.values(), *BET9JA.values()]:
        if market.market_id in ODDSFLOW_MARKETS:
            assert ODDSFLOW_MARKETS[market.market_id].sport == market.sport
            assert {name for name, _ in market.fixed} | {market.line_name} - {None} <= set(
                ODDSFLOW_MARKETS[market.market_id].specifiers
            )


def test_unsure_pairings_never_reach_a_uof_market() -> None:
    for bookmaker in ("betpawa", "bet9ja"):
        for capture in REFERENCE["bookmakers"][bookmaker].values():
            for m in capture["markets"]:
                native = m.get("id") or m["code"]
                pairing = m.get("pairing") or {}
                if pairing.get("confidence") not in ("exact", "likely"):
                    found = (
                        [t for (_, n), t in BETPAWA.items() if n == native]
                        if bookmaker == "betpawa"
                        else [BET9JA.get(native)]
                    )
                    assert all(t is None or namespace(t.market_id) == "oddsflow" for t in found), native


def test_tables_key_betpawa_ids_by_sport() -> None:
    assert BETPAWA["soccer", "4429"].market_id == 45
    assert BETPAWA["tennis", "4429"].market_id == 199


@pytest.mark.parametrize(
    ("doc", "error"),
    [
        ({"market": "18", "outcomes": {"O": "12"}}, "not an integer"),
        ({"market": 20_000_999, "outcomes": {"O": "12"}}, "not registered"),
        ({"market": 18, "line": ["total", "fraction"], "outcomes": {"O": "12"}}, "bad line rule"),
        ({"market": 18, "specifiers": {"total": "2.50"}, "outcomes": {"O": "12"}}, "canonical"),
        ({"market": 18, "outcomes": {"O": 12}}, "bad outcome target"),
        ({"market": 18, "outcomes": {}}, "maps no outcome"),
        ({"market": 40_000_000, "outcomes": {"O": "12"}}, "no namespace"),
    ],
)
def test_malformed_entries_are_table_errors(doc: dict[str, object], error: str) -> None:
    with pytest.raises(TableError, match=error):
        tables._native("X", doc, "soccer", ODDSFLOW_MARKETS)


@pytest.mark.parametrize(
    ("native", "genius", "canonical", "key"),
    [
        (18, False, 18, "total_goals"),
        (90, False, 90, "uof:90"),
        (60200, False, 10_060_200, "sportybet:60200"),
        (900069, True, 10_900_069, "sportybet:900069"),
        (450001, False, 10_450_001, "sportybet:450001"),
        (1000, True, 10_001_000, "sportybet:1000"),  # a Genius id is never UOF, whatever its number
    ],
)
def test_sportybet_namespace(native: int, genius: bool, canonical: int, key: str) -> None:
    assert sportybet_market_id(native, genius) == canonical
    assert market_key(canonical) == key


def test_namespaces() -> None:
    assert [namespace(i) for i in (1, 9_999_999, 10_000_000, 19_999_999, 20_000_001)] == [
        "uof", "uof", "sportybet", "sportybet", "oddsflow",
    ]  # fmt: skip
    assert market_key(20_000_001) == "oddsflow:20000001"
    assert sportybet_market_id(0) is None and sportybet_market_id(10_000_000) is None
    with pytest.raises(ValueError):
        namespace(30_000_000)


@pytest.mark.parametrize(
    ("specifier", "line"),
    [
        ("", ""),
        ("total=2.50", "total=2.5"),
        ("total=36.5|quarternr=2", "quarternr=2|total=36.5"),
        ("setnr=1|hcp=-1.50", "hcp=-1.5|setnr=1"),
        ("hcp=0:1", "hcp=0:1"),
        ("variant=sr:exact_goals:6+", "variant=sr:exact_goals:6+"),
        ("goalnr=1|type=prematch", "goalnr=1|type=prematch"),
        ("minute=5|total=0.5", "minute=5|total=0.5"),
        ("total=2.5|", "total=2.5"),
        ("total", None),
        ("=1", None),
        ("total=1|total=2", None),
        ("total=1\x00", None),
        ("x=" + "1" * 300, None),
    ],
)
def test_canonical_specifier(specifier: str, line: str | None) -> None:
    assert canonical_specifier(specifier) == line


@pytest.mark.parametrize(
    ("fmt", "value", "text"),
    [
        ("decimal", "2.50", "2.5"),
        ("decimal", "2.0", "2"),
        ("score", "-1", "0:1"),
        ("score", "1", "1:0"),
        ("score", "2.0", "2:0"),
        ("score", "0:3", "0:3"),
        ("integer", "4", "4"),
        ("next_goal", "0:3", "4"),
        ("next_goal", "1:0", "2"),
    ],
)
def test_format_line(fmt: str, value: str, text: str) -> None:
    assert format_line(fmt, value) == text  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("fmt", "value"), [("score", "-1.5"), ("integer", "1.5"), ("next_goal", "3"), ("decimal", "x")]
)
def test_format_line_rejects(fmt: str, value: str) -> None:
    with pytest.raises(DataError):
        format_line(fmt, value)  # type: ignore[arg-type]


def test_outcome_order_is_numeric_then_text() -> None:
    ids = ["13", "12", "sr:player:2", "1714", "2", "sr:exact_goals:6+:68"]
    assert sorted(ids, key=outcome_order) == ["2", "12", "13", "1714", "sr:exact_goals:6+:68", "sr:player:2"]
