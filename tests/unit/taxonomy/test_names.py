"""Market and outcome names: templates rendered on real examples, and the generated names file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from streams.taxonomy import generate_names, tables
from streams.taxonomy.named import MARKETS
from streams.taxonomy.names import MARKET_NAMES, load, market_name, outcome_name
from streams.taxonomy.tables import BET9JA, BETPAWA, TableError
from streams.taxonomy.templates import market_label, ordinal, render, signed

ROOT = Path(__file__).resolve().parents[3]
REFERENCE = json.loads((ROOT / "docs" / "markets.json").read_text())
CURATION = json.loads((tables.DATA / "oddsflow.json").read_text())
HOME, AWAY = "Wuhan", "Qingdao"


def names(market_id: int, line: str, *outcomes: str) -> tuple[str, list[str]]:
    return (
        market_name(market_id, line, HOME, AWAY),
        [outcome_name(market_id, o, line, HOME, AWAY) for o in outcomes],
    )


@pytest.mark.parametrize(
    ("market_id", "line", "outcomes", "expected"),
    [
        (1, "", ("1", "2", "3"), ("1X2", [HOME, "Draw", AWAY])),
        (18, "total=2.5", ("12", "13"), ("Over/Under 2.5", ["Over 2.5", "Under 2.5"])),
        (18, "total=3", ("12",), ("Over/Under 3", ["Over 3"])),
        (19, "total=1.5", ("12",), (f"{HOME} Over/Under 1.5", ["Over 1.5"])),
        (29, "", ("74", "76"), ("GG/NG", ["Yes", "No"])),
        (10, "", ("9", "11"), ("Double Chance", [f"{HOME} or Draw", f"Draw or {AWAY}"])),
        # Asian handicap: the line is the home side's; the away side gets it negated
        (16, "hcp=-1.5", ("1714", "1715"), ("Asian Handicap -1.5", [f"{HOME} (-1.5)", f"{AWAY} (+1.5)"])),
        (16, "hcp=0.75", ("1714", "1715"), ("Asian Handicap 0.75", [f"{HOME} (+0.75)", f"{AWAY} (-0.75)"])),
        (16, "hcp=0", ("1714", "1715"), ("Asian Handicap 0", [f"{HOME} (0)", f"{AWAY} (0)"])),
        # three-way handicap: a head start as a score, the same for every outcome
        (
            14,
            "hcp=0:1",
            ("1711", "1712", "1713"),
            ("Handicap 0:1", [f"{HOME} (0:1)", "Draw (0:1)", f"{AWAY} (0:1)"]),
        ),
        (
            37,
            "total=2.5",
            ("796", "802"),
            ("1X2 & Over/Under 2.5", [f"{HOME} & Over 2.5", f"{AWAY} & Under 2.5"]),
        ),
        # half-time markets
        (60, "", ("1", "2"), ("1st Half - 1X2", [HOME, "Draw"])),
        (68, "total=0.5", ("12",), ("1st Half - Over/Under 0.5", ["Over 0.5"])),
        (83, "", ("3",), ("2nd Half - 1X2", [AWAY])),
        (47, "", ("420",), ("Half Time/Full Time", [f"{HOME}/Draw"])),
        (62, "goalnr=1", ("6", "7"), ("1st Half - 1st Goal", [HOME, "None"])),
        (8, "goalnr=3", ("8",), ("3rd Goal", [AWAY])),
        # periods as ordinals
        (202, "setnr=2", ("4",), ("2nd set - winner", [HOME])),
        (236, "quarternr=4|total=38.5", ("13",), ("4th quarter - Over/Under 38.5", ["Under 38.5"])),
        (303, "hcp=-2.5|quarternr=1", ("1715",), ("1st quarter - handicap -2.5", [f"{AWAY} (+2.5)"])),
        (
            1174,
            "hcp=-7.5|total=157.5",
            ("2037",),
            ("Handicap -7.5 & Total 157.5 (including OT)", [f"{AWAY} (+7.5) & over 157.5"]),
        ),
        # SportyBet's own markets (10,000,000 + n)
        (10_060_200, "", ("1",), ("1X2 - 1UP", [HOME])),
        (10_900_069, "minute=15", ("2",), ("1X2 from 1 to 15 minute", ["Draw"])),
        (10_900_015, "", ("39", "40"), (f"{HOME} To Score Yes/No", ["Yes", "No"])),
        (10_450_001, "", ("2",), ("Goal Bounds", ["0-2"])),
        # oddsflow's own markets (20,000,000 …): native outcome ids, names from the native labels
        (20_000_001, "goals=1-2", ("1", "X"), ("1X2 & total goals in range 1-2", [HOME, "Draw"])),
        (20_000_013, "hcp=-0.5", ("2",), ("2nd half - corner Asian handicap -0.5", [AWAY])),
        (
            20_000_028,
            "",
            ("Home Team in 90mins",),
            ("Winning method (incl. extra time and penalties)", [f"{HOME} in 90 mins"]),
        ),
        (20_000_025, "goalnr=2", ("OG",), ("2nd goal - type of goal", ["OG"])),
        (20_000_030, "", ("Lionel Messi",), ("Anytime goalscorer (player by name)", ["Lionel Messi"])),
    ],
)
def test_names_of_real_lines(
    market_id: int, line: str, outcomes: tuple[str, ...], expected: tuple[str, list[str]]
) -> None:
    assert names(market_id, line, *outcomes) == expected


def test_a_market_or_outcome_without_template_is_named_by_its_id() -> None:
    assert names(999_999, "total=1.5", "12") == ("uof:999999 total=1.5", ["12"])
    assert names(10_123_456, "", "1") == ("sportybet:123456", ["1"])
    assert names(29_999_999, "", "x") == ("oddsflow:29999999", ["x"])
    assert market_label(0, "") == "market:0"
    assert outcome_name(40, "sr:player:1234", "type=prematch", HOME, AWAY) == "sr:player:1234"


def test_placeholders() -> None:
    assert [signed(v) for v in ("-1.5", "0.25", "0", "0:1", "1-2")] == ["-1.5", "+0.25", "0", "0:1", "1-2"]
    assert [signed(v, negate=True) for v in ("-1.5", "0.25", "0")] == ["+1.5", "-0.25", "0"]
    assert [ordinal(v) for v in ("1", "2", "3", "4", "11", "12", "13", "21", "22", "111", "x")] == [
        "1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "21st", "22nd", "111th", "x",
    ]  # fmt: skip
    # a placeholder whose specifier the line lacks stays; team names are not re-read as templates
    assert render("{total} {hcp} {$competitor2}", "total=2", "{hcp}", "{total}") == "2 {hcp} {total}"


def test_committed_names_are_what_the_generator_makes() -> None:
    built = generate_names.build(REFERENCE, CURATION)
    assert (tables.DATA / "names.json").read_text() == generate_names.render_file(built)


def test_market_names_render_other_lines_as_sportybet_names_them() -> None:
    """SportyBet's display names of other lines (``name_variants``) come out of the templates
    (followed by the line's value where the template appends it: ``Over/Under {total}``)."""
    checked = 0
    for capture in REFERENCE["bookmakers"]["sportybet"].values():
        home, away = capture["event"]["home"], capture["event"]["away"]
        for m in capture["markets"]:
            market_id = int(m["id"]) + (0 if m["id_kind"] == "uof" else 10_000_000)
            if not m.get("name_variants") or str(market_id) in CURATION["names"]:
                continue
            rendered = [market_name(market_id, spec, home, away) for spec in m["specifiers"]]
            for variant in m["name_variants"]:
                variant = " ".join(variant.split())
                assert any(r == variant or r.startswith(variant + " ") for r in rendered), (variant, rendered)
                checked += 1
    assert checked > 60


def test_every_mapped_market_and_outcome_has_a_name() -> None:
    for spec in MARKETS:
        assert set(spec.outcomes) <= set(MARKET_NAMES[spec.market_id].outcomes), spec.key
    unnamed = set()
    for native in [*BETPAWA.values(), *BET9JA.values()]:
        assert native.market_id in MARKET_NAMES, native.native_id
        for market_id, outcome in native.outcomes.values():
            if outcome not in MARKET_NAMES[market_id].outcomes:
                unnamed.add((market_id, outcome))
    # Bet9ja live codes without labels in the captures: their native keys name them
    assert {m for m, _ in unnamed} == {20_000_025, 20_000_033}


def test_a_malformed_names_file_is_refused() -> None:
    for key in ("30000000", "0", "-5", "x"):
        with pytest.raises(TableError):
            load(f'{{"markets": {{"{key}": {{"name": "x"}}}}}}')
    with pytest.raises(TableError):
        load('{"markets": {"1": {"name": "x", "sport": "cricket"}}}')
    with pytest.raises(TableError):
        load('{"markets": {"1": {"name": "x", "outcomes": {"1": ""}}}}')
    assert load('{"markets": {"1": {"name": "1X2", "sport": null}}}')[1].template == "1X2"


def test_generated_templates_use_placeholders_not_the_captured_values() -> None:
    assert MARKET_NAMES[16].outcomes["1715"] == "{$competitor2} ({-hcp})"
    assert MARKET_NAMES[41].template == "Correct Score [{score}]"
    assert MARKET_NAMES[41].outcomes["110"] == "0:0"  # the final score, not the line's current score
    assert MARKET_NAMES[1].sport is None and MARKET_NAMES[186].sport == "tennis"
