"""Property tests of the UOF specifier readers (streams.adapters._uof)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from streams.adapters._uof import betway_specifier, uof_market, uof_outcome, uof_slot
from streams.taxonomy import canonical_specifier

names = st.sampled_from(["total", "hcp", "setnr", "quarternr", "goalnr", "variant", "from", "to"])
values = st.one_of(
    st.decimals(min_value=-500, max_value=500, places=2, allow_nan=False, allow_infinity=False).map(str),
    st.tuples(st.integers(0, 9), st.integers(0, 9)).map(lambda t: f"{t[0]}:{t[1]}"),
    st.sampled_from(["sr:exact_goals:5+", "sr:correct_score:bestof:3", "prematch"]),
)
pairs = st.dictionaries(names, values, max_size=4)


@given(pairs, st.randoms())
def test_key_order_and_separator_do_not_change_the_line(spec: dict[str, str], rnd: object) -> None:
    items = list(spec.items())
    rnd.shuffle(items)  # type: ignore[attr-defined]
    msport = "|".join(f"{k}={v}" for k, v in items)
    betway = "".join(f"{k}={v}~" for k, v in items)
    line = canonical_specifier(msport)
    assert line is not None
    assert betway_specifier(betway) is not None
    assert canonical_specifier(betway_specifier(betway) or "") == line
    assert uof_slot(18, msport) == (18, line) == uof_slot("18", betway_specifier(betway) or "")
    # canonical lines are fixed points
    assert canonical_specifier(line) == line


@given(st.text(max_size=40))
def test_betway_specifier_accepts_only_tilde_terminated_pairs(tail: str) -> None:
    parsed = betway_specifier(tail)
    if parsed is not None and tail:
        assert tail.endswith("~") and all("=" in p for p in tail[:-1].split("~"))


@given(st.one_of(st.integers(), st.text(max_size=12), st.none(), st.floats()))
def test_uof_market_is_a_uof_id_or_none(native: object) -> None:
    market = uof_market(native)
    assert market is None or 0 < market < 60_000


@given(st.integers(0, 10_000), st.sampled_from(["", "total=2.5", "variant=sr:exact_goals:5+|x=1"]))
def test_variant_tails_become_full_ids(n: int, line: str) -> None:
    out = uof_outcome(str(n), line)
    assert out == (f"sr:exact_goals:5+:{n}" if "variant" in line else str(n))
    assert uof_outcome(out, line) == out  # full ids are kept
