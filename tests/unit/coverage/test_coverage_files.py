"""``oddsflow coverage`` over files: coverage per bookmaker × sport and disagreements (no broker)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from streams import adapters
from streams.cli.coverage import coverage_command
from streams.contracts.canonical import CanonicalEventOddsV1
from streams.coverage import measure as coverage
from streams.coverage.report import Capture, measure_captures
from streams.kafka.captures import RawCapture, from_files
from tests.unit.streams.payloads import FIXTURES, envelope, load, sportybet_with_odds

T0 = datetime(2026, 5, 6, 10, 30, tzinfo=UTC)
BOOKS = ("sportybet", "betpawa", "bet9ja")
# SportyBet's -1.5 handicap with home and away swapped: the others quote home 4.5, away 1.18
SWAPPED: dict[tuple[str, str | None, str], str] = {
    ("16", "hcp=-1.5", "1714"): "1.17",
    ("16", "hcp=-1.5", "1715"): "4.60",
}


def run(args: list[str], stdin: bytes | None = None) -> Result:
    return CliRunner().invoke(coverage_command, args, input=stdin, catch_exceptions=False, env={})


def doc_of(result: Result) -> dict[str, Any]:
    assert result.exit_code == 0, result.output
    out: dict[str, Any] = json.loads(result.output)
    return out


def ndjson(path: Path, captures: list[tuple[str, dict[str, Any], int]]) -> Path:
    """Envelopes of ``(bookmaker, payload, seconds after T0)``, one per line."""
    path.write_bytes(b"".join(envelope(b, p, T0 + timedelta(seconds=s)) + b"\n" for b, p, s in captures))
    return path


def expected(bookmaker: str) -> CanonicalEventOddsV1:
    return adapters.normalize(bookmaker, load(bookmaker), T0, now=T0)


def test_one_match_at_three_bookmakers(tmp_path: Path) -> None:
    path = ndjson(tmp_path / "match.ndjson", [(b, load(b), 10 * i) for i, b in enumerate(BOOKS)])
    doc = doc_of(run([str(path), "--json"]))
    assert doc["captures"] == {"read": 3, "refused": {}}
    rows = {r["bookmaker"]: r for r in doc["coverage"]}
    assert set(rows) == set(BOOKS)
    for bookmaker in BOOKS:
        ev, row = expected(bookmaker), rows[bookmaker]
        assert (row["sport"], row["captures"], row["events"]) == ("soccer", 1, 1)
        assert row["lines_mapped"] == (ev.mapped_lines or len(ev.lines))
        assert row["canonical_lines"] == len(ev.lines)
        assert row["lines_unmapped"] == sum(ev.unmapped.values())
        assert row["types_mapped"] == len({ln.market_id for ln in ev.lines})
        assert {m["market"]: m["lines"] for m in row["top_unmapped"]} == ev.unmapped
    agreement = doc["agreement"]
    assert agreement["disagreements"] == [] and agreement["by_market"] == []
    assert agreement["comparisons"] >= 3 * 15
    assert (agreement["window_s"], agreement["threshold"], agreement["min_diff"]) == (60.0, 0.25, 0.03)


def test_a_wrong_price_set_is_reported_for_the_line_and_both_pairs(tmp_path: Path) -> None:
    captures = [
        ("betpawa", load("betpawa"), 0),
        ("bet9ja", load("bet9ja"), 5),
        ("sportybet", sportybet_with_odds(load("sportybet"), SWAPPED), 10),
    ]
    doc = doc_of(run([str(ndjson(tmp_path / "m.ndjson", captures)), "--json"]))
    found = doc["agreement"]["disagreements"]
    assert {(d["market_id"], d["line"], d["market"]) for d in found} == {(16, "hcp=-1.5", "asian_handicap")}
    assert sorted(d["bookmakers"][1] for d in found) == ["bet9ja", "betpawa"]
    counts = {(r["bookmaker"], r["market_id"]): r["disagreements"] for r in doc["agreement"]["by_market"]}
    assert counts == {("sportybet", 16): 2, ("betpawa", 16): 1, ("bet9ja", 16): 1}
    # the table view names them too
    table = run([str(tmp_path / "m.ndjson")])
    assert table.exit_code == 0
    assert "cross-book disagreements: 2 in" in table.output and "hcp=-1.5" in table.output


def test_captures_are_replayed_in_capture_time_order(tmp_path: Path) -> None:
    captures = [
        ("betpawa", load("betpawa"), 0),
        ("sportybet", sportybet_with_odds(load("sportybet"), SWAPPED), 120),
        ("betpawa", load("betpawa"), 100),  # listed after, captured before
    ]
    doc = doc_of(run([str(ndjson(tmp_path / "m.ndjson", captures)), "--json"]))
    [found] = doc["agreement"]["disagreements"]
    assert found["bookmakers"] == ["sportybet", "betpawa"]  # found by the capture at 120 s


def test_outside_the_window_nothing_is_compared(tmp_path: Path) -> None:
    wrong = sportybet_with_odds(load("sportybet"), SWAPPED)
    captures = [("betpawa", load("betpawa"), 0), ("sportybet", wrong, 61)]
    path = str(ndjson(tmp_path / "m.ndjson", captures))
    doc = doc_of(run([path, "--json"]))
    assert doc["agreement"]["comparisons"] == 0
    wider = doc_of(run([path, "--json", "--window-s", "90"]))
    assert len(wider["agreement"]["disagreements"]) == 1
    lenient = doc_of(run([path, "--json", "--window-s", "90", "--threshold", "0.9"]))
    assert lenient["agreement"]["disagreements"] == []


def test_bare_responses_need_their_bookmaker() -> None:
    directory = str(FIXTURES / "betpawa")
    refused = doc_of(run([directory, "--json"]))
    n = len(list((FIXTURES / "betpawa").glob("*.json")))
    assert refused["captures"] == {"read": n, "refused": {"?/decode/no_bookmaker": n}}
    doc = doc_of(run([directory, "--bookmaker", "betpawa", "--captured-at", "2026-05-06T10:30:00", "--json"]))
    assert doc["captures"]["read"] == n
    assert {r["bookmaker"] for r in doc["coverage"]} == {"betpawa"}
    assert sum(r["captures"] for r in doc["coverage"]) + sum(doc["captures"]["refused"].values()) == n


def test_refusals_are_counted_by_kind(tmp_path: Path) -> None:
    path = tmp_path / "bad.ndjson"
    path.write_bytes(
        b"not json\n"
        + envelope("betpawa", {"unexpected": True}, T0)
        + b"\n"
        + b'{"schema": "odds.raw.v1", "bookmaker": "betpawa"}\n'
    )
    doc = doc_of(run([str(path), "--json"]))
    assert doc["captures"]["read"] == 3
    refused = doc["captures"]["refused"]
    assert refused["?/decode/not_json"] == 1 and refused["?/decode/wrong_envelope"] == 1
    assert sum(v for k, v in refused.items() if k.startswith("betpawa/normalize/")) == 1
    assert doc["coverage"] == []


def test_stdin_like_produce() -> None:
    stdin = envelope("sportybet", load("sportybet"), T0) + b"\n"
    doc = doc_of(run(["--json"], stdin=stdin))
    assert [r["bookmaker"] for r in doc["coverage"]] == ["sportybet"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--since", "PT1H"], "select a topic range"),
        (["--topic", "t", "--from-offset", "3", "--since", "PT1H"], "not both"),
        (["--topic", "t", "--since", "yesterday"], "ISO date-time"),
    ],
)
def test_usage_errors(args: list[str], message: str) -> None:
    result = CliRunner().invoke(coverage_command, args, env={})
    assert result.exit_code == 2 and message in result.output


def test_measure_captures_sums_lines_over_every_normalized_capture() -> None:
    payload = load("sportybet")
    event = adapters.normalize("sportybet", payload, T0, now=T0)
    raw = RawCapture("test", "sportybet", T0, payload)
    refused = RawCapture("test", "sportybet", T0, {"not": "a capture"})
    report = measure_captures([Capture(raw, event), Capture(raw, event), Capture(refused, None)])
    [row] = report.rows
    assert row.captures == 2 and row.events == 1
    mapped = event.mapped_lines if event.mapped_lines is not None else len(event.lines)
    assert row.lines_mapped == 2 * mapped
    assert row.lines_unmapped == 2 * sum(event.unmapped.values())
    assert report == coverage.measure([("sportybet", payload, event)] * 2)


def _fields(ev: CanonicalEventOddsV1) -> dict[str, Any]:
    return {name: getattr(ev, name) for name in CanonicalEventOddsV1.__dataclass_fields__}


def test_from_files_reads_envelopes_with_their_own_time(tmp_path: Path) -> None:
    path = ndjson(tmp_path / "x.ndjson", [("bet9ja", load("bet9ja"), 42)])
    [read] = from_files((str(path),), bookmaker="betpawa", captured_at=T0, max_bytes=1 << 23)
    assert isinstance(read, RawCapture)
    assert (read.bookmaker, read.captured_at) == ("bet9ja", T0 + timedelta(seconds=42))
    assert read.origin == f"{path}:1"
