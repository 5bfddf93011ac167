"""Property tests: no input makes an adapter raise anything but an explicit DataError.

* Arbitrary JSON values, bare or inside each bookmaker's success envelope.
* Fixtures mutated at random places: a key dropped or renamed, a value replaced by
  arbitrary JSON or by the same data under another type.

Every failure must be a ``DataError`` of stage ``normalize`` whose kind comes from an
explicit check (never ``malformed``, the adapter boundary's last-resort conversion), and
every success must satisfy the ``CanonicalEventOddsV1`` contract and survive the wire
round trip.
"""

from __future__ import annotations

import copy
import math
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from streams.adapters import BOOKMAKERS, extract_ids, normalize
from streams.contracts.canonical import CanonicalEventOddsV1, decode_canonical, encode_canonical
from streams.errors import DataError
from streams.taxonomy import canonical_specifier, market_key, namespace, outcome_order
from tests.unit.adapters.helpers import NOW, load

FIXTURE_NAMES = {
    "sportybet": ["soccer_prematch", "soccer_live", "tennis", "basketball", "suspended", "unknown_markets"],
    "betpawa": ["soccer_prematch", "soccer_live", "tennis", "basketball", "suspended", "unknown_markets"],
    "bet9ja": ["soccer_prematch", "soccer_live", "live_placeholders", "tennis", "basketball", "suspended"],
}
FIXTURES = {(bm, name): load(bm, name) for bm, names in FIXTURE_NAMES.items() for name in names}
EXPLICIT_KINDS = {
    "api_error",
    "wrong_type",
    "missing_field",
    "bad_value",
    "unsupported_sport",
    "absurd_odds",
}
SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Values that steer generated data into the adapters' interesting branches.
INTERESTING = st.sampled_from(
    [
        10000,
        "OK",
        "",
        "-",
        "1",
        "1.00",
        "2.5",
        "-1.5",
        "0:1",
        "sr:match:1",
        "sr:sport:1",
        "SPORTRADAR",
        "2",
        1,
        0,
        -4,
        10,
        1e308,
        "S_OU@2.5_O",
        "LIVES_NEXTGOAL@1:0_X",
        "Over",
        "total=2.5",
        "hcp=0:1",
        "６８",  # fullwidth digits: str.isdigit() and int() accept them
        "²",
        "1e400",
        "NaN",
    ]
)
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=12)
    | INTERESTING
)
JSON = st.recursive(
    SCALARS,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=16,
)


def check(bookmaker: str, payload: object) -> None:
    """Normalize and extract ids; assert the error or output contract."""
    for call in (
        lambda: normalize(bookmaker, payload, NOW, now=NOW),
        lambda: extract_ids(bookmaker, payload),
    ):
        try:
            result = call()
        except DataError as err:
            assert err.stage == "normalize"
            assert err.kind in EXPLICIT_KINDS, f"{err.kind}: {err.message}"
            assert err.message
            continue
        if isinstance(result, CanonicalEventOddsV1):
            assert_contract(result)


def assert_contract(event: CanonicalEventOddsV1) -> None:
    assert event.kickoff.utcoffset() is not None and event.captured_at == NOW
    assert event.home and event.away and event.bookmaker_event_id
    keys = [line.key for line in event.lines]
    assert len(keys) == len(set(keys))
    for line in event.lines:
        assert namespace(line.market_id) and line.market == market_key(line.market_id)
        assert canonical_specifier(line.line) == line.line
        ids = [o.outcome_id for o in line.outcomes]
        assert ids and ids == sorted(ids, key=outcome_order) and len(ids) == len(set(ids))
        assert all(isinstance(i, str) and i and "\x00" not in i for i in ids)
        for outcome in line.outcomes:
            assert outcome.active == (outcome.price is not None)
            assert outcome.price is None or (math.isfinite(outcome.price) and 1.0 < outcome.price <= 10000)
    assert all(isinstance(k, str) and n > 0 for k, n in event.unmapped.items())
    assert event.mapped_lines >= (1 if event.lines else 0)
    assert decode_canonical(encode_canonical(event)) == event


@given(bookmaker=st.sampled_from(BOOKMAKERS), payload=JSON)
@SETTINGS
def test_arbitrary_json(bookmaker: str, payload: Any) -> None:
    check(bookmaker, payload)


@given(data=JSON, odds=st.dictionaries(st.text(max_size=24) | INTERESTING.map(str), JSON, max_size=6))
@SETTINGS
def test_arbitrary_json_inside_envelopes(data: Any, odds: dict[str, Any]) -> None:
    check("sportybet", {"bizCode": 10000, "data": data})
    check("betpawa", data)
    check("bet9ja", {"R": "OK", "D": data})
    base = copy.deepcopy(FIXTURES["bet9ja", "soccer_prematch"])
    base["D"]["O"] = odds
    check("bet9ja", base)


def _slots(node: Any) -> list[tuple[Any, Any]]:
    """Every (container, key-or-index) pair in a JSON tree."""
    out: list[tuple[Any, Any]] = []
    stack = [node]
    while stack:
        current = stack.pop()
        items = current.items() if isinstance(current, dict) else enumerate(current)
        for key, value in items:
            out.append((current, key))
            if isinstance(value, dict | list):
                stack.append(value)
    return out


def _retype(value: Any) -> Any:
    """The same information under another JSON type."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return [value]
    if isinstance(value, list):
        return dict(enumerate(value))
    if isinstance(value, dict):
        return list(value.values())
    return ""


@st.composite
def mutated(draw: st.DrawFn) -> tuple[str, Any]:
    bookmaker, name = draw(st.sampled_from(sorted(FIXTURES)))
    doc = copy.deepcopy(FIXTURES[bookmaker, name])
    for _ in range(draw(st.integers(1, 3))):
        slots = _slots(doc)
        if not slots:
            break
        parent, key = slots[draw(st.integers(0, len(slots) - 1))]
        action = draw(st.sampled_from(["drop", "replace", "retype", "rename"]))
        if action == "drop":
            del parent[key]
        elif action == "replace":
            parent[key] = draw(JSON)
        elif action == "retype":
            parent[key] = _retype(parent[key])
        elif isinstance(parent, dict):
            parent[draw(st.text(max_size=24) | INTERESTING.map(str))] = parent.pop(key)
    return bookmaker, doc


@given(case=mutated())
@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_mutated_fixtures(case: tuple[str, Any]) -> None:
    check(*case)


def test_unmutated_fixtures_satisfy_the_contract() -> None:
    for (bookmaker, _name), doc in FIXTURES.items():
        assert_contract(normalize(bookmaker, doc, NOW, now=NOW))


@pytest.mark.parametrize(
    ("bookmaker", "mutate"),
    [
        ("sportybet", lambda d: d["data"].__setitem__("homeTeamName", d["data"]["homeTeamName"] + "\x00")),
        (
            "sportybet",
            lambda d: d["data"]["sport"]["category"]["tournament"].__setitem__("name", "League\x00"),
        ),
        ("betpawa", lambda d: d["competition"].__setitem__("name", "Cup\x00")),
    ],
)
def test_nul_in_text_is_bad_value(bookmaker: str, mutate: Any) -> None:
    """PostgreSQL text cannot hold U+0000: the capture is refused here, with its raw bytes."""
    doc = load(bookmaker, "soccer_prematch")
    mutate(doc)
    with pytest.raises(DataError) as info:
        normalize(bookmaker, doc, NOW, now=NOW)
    assert (info.value.stage, info.value.kind) == ("normalize", "bad_value")
    assert "NUL" in str(info.value)
