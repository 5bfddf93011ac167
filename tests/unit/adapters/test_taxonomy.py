"""The taxonomy table, its helpers, and the adapters' consistency with it."""

from __future__ import annotations

import math
from collections import Counter
from decimal import Decimal

import pytest

from streams.errors import DataError
from streams.taxonomy import (
    BY_KEY,
    CORRECT_SCORE_IDS,
    HT_FT_IDS,
    MARKETS,
    MarketSpec,
    canonical_decimal,
    check_price,
    line_key,
    quarter_line,
    score_handicap,
)
from streams.taxonomy.tables import BET9JA, BETPAWA, NativeMarket


def test_table_has_the_24_markets_of_formats_md() -> None:
    assert len(MARKETS) == 24
    assert len({m.key for m in MARKETS}) == len({m.market_id for m in MARKETS}) == 24
    assert Counter(m.sport for m in MARKETS) == {"soccer": 17, "basketball": 3, "tennis": 4}
    spec = BY_KEY["handicap_3way"]
    assert (spec.market_id, spec.specifier, spec.line_format, spec.outcomes) == (
        14,
        "hcp",
        "score",
        ("1711", "1712", "1713"),
    )
    assert (BY_KEY["next_goal"].specifier, BY_KEY["next_goal"].line_format) == ("goalnr", "integer")
    assert BY_KEY["total_goals"].bet9ja == ("S_OU", "S_OUA")
    assert (BY_KEY["tennis_total_sets"].sportybet, BY_KEY["tennis_total_sets"].betpawa) == ("314", "3597899")


@pytest.mark.parametrize(
    ("score", "outcome_id"),
    [
        ("0:0", "274"),
        ("1:0", "276"),
        ("4:0", "282"),
        ("0:1", "284"),
        ("2:1", "288"),
        ("0:4", "314"),
        ("3:4", "320"),
        ("4:4", "322"),
        ("other", "324"),
    ],
)
def test_correct_score_ids(score: str, outcome_id: str) -> None:
    assert CORRECT_SCORE_IDS[score] == outcome_id


def test_ht_ft_ids() -> None:
    assert HT_FT_IDS == {
        "1/1": "418",
        "1/X": "420",
        "1/2": "422",
        "X/1": "424",
        "X/X": "426",
        "X/2": "428",
        "2/1": "430",
        "2/X": "432",
        "2/2": "434",
    }


@pytest.mark.parametrize(
    ("value", "text"),
    [
        ("2", "2"),
        ("2.0", "2"),
        ("2.00", "2"),
        (2, "2"),
        (2.0, "2"),
        ("2.50", "2.5"),
        (2.5, "2.5"),
        ("-0.25", "-0.25"),
        ("+1.5", "1.5"),
        ("-0", "0"),
        ("0.000", "0"),
        ("1E+2", "100"),
        (100.0, "100"),
        ("0.0000001", "0.0000001"),
        (155.5, "155.5"),
        (Decimal("2.500"), "2.5"),
        (" 3.5 ", "3.5"),
    ],
)
def test_canonical_decimal(value: object, text: str) -> None:
    assert canonical_decimal(value) == text


@pytest.mark.parametrize(
    "value", ["abc", "", "nan", "inf", "-Infinity", True, None, [], math.nan, math.inf, 10**9]
)
def test_canonical_decimal_rejects(value: object) -> None:
    with pytest.raises(DataError) as err:
        canonical_decimal(value)
    assert (err.value.stage, err.value.kind) == ("normalize", "bad_value")


@pytest.mark.parametrize(
    ("times_four", "text"),
    [
        (10, "2.5"),
        (-6, "-1.5"),
        (3, "0.75"),
        (-1, "-0.25"),
        (0, "0"),
        (8, "2"),
        (622, "155.5"),
        (10.0, "2.5"),
    ],
)
def test_quarter_line(times_four: int | float, text: str) -> None:
    assert quarter_line(times_four) == text


def test_line_key() -> None:
    assert line_key() == ""
    assert line_key(total="2.50") == "total=2.5"
    assert line_key(hcp=-1.5) == "hcp=-1.5"
    assert line_key(hcp="0:1") == "hcp=0:1"
    assert line_key(total=9.5, setnr=1) == "setnr=1|total=9.5"


@pytest.mark.parametrize(
    ("home_line", "text"), [(-1, "0:1"), (1, "1:0"), (0, "0:0"), (-2, "0:2"), (3, "3:0")]
)
def test_score_handicap(home_line: int, text: str) -> None:
    assert score_handicap(home_line) == text


@pytest.mark.parametrize(
    ("value", "price"), [("2.40", 2.4), (1.01, 1.01), (10000, 10000.0), ("10000", 10000.0)]
)
def test_check_price_accepts(value: object, price: float) -> None:
    assert check_price(value) == price


@pytest.mark.parametrize("value", [1.0, "1.00", 0, -2.5, 10000.01, math.nan, math.inf, "1e5", "nan", 10**400])
def test_check_price_rejects_absurd(value: object) -> None:
    with pytest.raises(DataError) as err:
        check_price(value)
    assert err.value.kind == "absurd_odds"


@pytest.mark.parametrize("value", ["abc", "", True, None, [2.0]])
def test_check_price_rejects_non_numbers(value: object) -> None:
    with pytest.raises(DataError) as err:
        check_price(value)
    assert err.value.kind == "wrong_type"


def _targets(native: NativeMarket) -> set[tuple[int, str]]:
    return set(native.outcomes.values())


@pytest.mark.parametrize("spec", MARKETS, ids=lambda m: m.key)
def test_tables_place_the_formats_md_ids_on_their_market(spec: MarketSpec) -> None:
    """FORMATS.md's table (BetPawa marketType.id, Bet9ja codes) agrees with the generated tables."""
    expected = {(spec.market_id, oid) for oid in spec.outcomes}
    pawa = BETPAWA[spec.sport, spec.betpawa]
    assert pawa.market_id == spec.market_id
    # BetPawa's correct-score "Other" is left out on purpose (MARKETS.md pitfall 13)
    assert _targets(pawa) == expected - ({(45, "324")} if spec.key == "correct_score" else set())
    for code in spec.bet9ja:
        assert {t for t in _targets(BET9JA[code]) if t[0] == spec.market_id} == expected, code
    for native in [pawa, *(BET9JA[code] for code in spec.bet9ja)]:
        assert (native.line_name, native.line_format) == (
            spec.specifier,
            None if spec.line_format == "none" else spec.line_format,
        ) or (spec.key == "next_goal" and native.fixed == (("goalnr", "1"),))


def test_bet9ja_live_next_goal_reads_the_score() -> None:
    assert BET9JA["LIVES_NEXTGOAL"].line("1:0") == "goalnr=2"
    assert BET9JA["S_1STGOAL"].line(None) == "goalnr=1"


@pytest.mark.parametrize("value", ["0-1", "1:", ":1", "a:b", "²:0", "١:0", "1:0:2"])
def test_score_lines_must_be_ascii_whole_numbers(value: str) -> None:
    with pytest.raises(DataError) as err:
        line_key(hcp=value)
    assert err.value.kind == "bad_value"
