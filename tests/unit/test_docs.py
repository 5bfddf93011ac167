"""The documentation stays walkable: a short README, links that resolve, contracts in docstrings.

* ``README.md`` is at most 15,000 bytes: results, operations and design notes live in
  ``docs/``, history in ``CHANGELOG.md``.
* No module docstring of ``streams/``, ``sinks/``, ``bench/`` or ``alembic/`` carries a
  calendar date (``2026-12-07``): dated measurements and history belong in the docs. A
  date-time given as an example of a format (``2026-11-21T18:00``, ``2026-05-06 11:00:00``)
  is a contract, not history, and is allowed.
* No docstring points to ``shared/docs``: that folder is not in the repository.
* Every relative link of ``README.md``, ``CHANGELOG.md`` and ``docs/*.md`` names a file or
  folder that exists, and its ``#anchor``, if any, a heading of that file (GitHub's slugs).
* The ``bench/<name>.py`` scripts the docs name exist (``CHANGELOG.md`` may name old ones).

Needs nothing running.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
README_LIMIT = 15_000
CODE_DIRS = ("streams", "sinks", "bench", "alembic")
# a calendar date, unless it starts a date-time (a format example): "2026-11-21T18:00", "2026-05-06 11:00"
DATE = re.compile(r"\b20\d\d-\d\d-\d\d\b(?![T ]\d\d:)")
SHARED = re.compile(r"shared/docs")
LINK = re.compile(r"(?<!!)\[[^\]]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")
FENCE = re.compile(r"^(```|~~~).*?^\1", re.M | re.S)
HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*#*\s*$", re.M)


def markdown_docs() -> list[Path]:
    return [ROOT / "README.md", ROOT / "CHANGELOG.md", *sorted((ROOT / "docs").glob("*.md"))]


def python_files() -> list[Path]:
    return sorted(p for d in CODE_DIRS for p in (ROOT / d).rglob("*.py") if ".venv" not in p.parts)


def docstrings(path: Path) -> list[tuple[str, str]]:
    """(where, docstring) of the module and of every class and function in ``path``."""
    tree = ast.parse(path.read_text())
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            text = ast.get_docstring(node, clean=False)
            if text:
                name = "module" if isinstance(node, ast.Module) else node.name
                found.append((f"{path.relative_to(ROOT)}:{name}", text))
    return found


def module_docstring(path: Path) -> str:
    return ast.get_docstring(ast.parse(path.read_text()), clean=False) or ""


def slug(heading: str) -> str:
    """GitHub's anchor of a heading: link text kept, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading).strip().lower()
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def anchors(path: Path) -> set[str]:
    seen: dict[str, int] = {}
    out = set()
    for heading in HEADING.findall(FENCE.sub("", path.read_text())):
        base = slug(heading)
        n = seen.get(base, 0)
        seen[base] = n + 1
        out.add(base if n == 0 else f"{base}-{n}")
    return out


def broken_links(doc: Path) -> list[str]:
    broken = []
    for target in LINK.findall(FENCE.sub("", doc.read_text())):
        if re.match(r"[a-z][a-z0-9+.-]*:", target):  # http:, https:, mailto:
            continue
        file_part, _, anchor = target.partition("#")
        dest = (doc.parent / file_part).resolve() if file_part else doc
        if not dest.exists():
            broken.append(f"{target} (no {dest.relative_to(ROOT) if dest.is_relative_to(ROOT) else dest})")
        elif anchor and dest.suffix == ".md" and anchor not in anchors(dest):
            broken.append(f"{target} (no heading #{anchor} in {dest.name})")
    return broken


def test_readme_is_short() -> None:
    size = (ROOT / "README.md").stat().st_size
    assert size <= README_LIMIT, f"README.md is {size:,} bytes (limit {README_LIMIT:,}): move detail to docs/"


def test_no_module_docstring_carries_a_date() -> None:
    dated = {str(p.relative_to(ROOT)): DATE.findall(module_docstring(p)) for p in python_files()}
    dated = {path: dates for path, dates in dated.items() if dates}
    assert not dated, f"module docstrings with a date (move it to docs/ or CHANGELOG.md): {dated}"


def test_no_docstring_points_to_shared_docs() -> None:
    pointing = [where for p in python_files() for where, text in docstrings(p) if SHARED.search(text)]
    assert not pointing, f"docstrings pointing to shared/docs (not in the repository): {pointing}"


@pytest.mark.parametrize("doc", markdown_docs(), ids=lambda p: str(p.relative_to(ROOT)))
def test_relative_links_resolve(doc: Path) -> None:
    assert not broken_links(doc), f"{doc.relative_to(ROOT)}: broken links {broken_links(doc)}"


@pytest.mark.parametrize(
    "doc", [d for d in markdown_docs() if d.name != "CHANGELOG.md"], ids=lambda p: str(p.relative_to(ROOT))
)
def test_docs_name_only_existing_bench_scripts(doc: Path) -> None:
    named = set(re.findall(r"(?<![\w/])bench/(\w+)\.py", doc.read_text()))
    missing = sorted(n for n in named if not (ROOT / "bench" / f"{n}.py").exists())
    assert not missing, f"{doc.name} names bench scripts that do not exist: {missing}"


def test_the_checks_catch_what_they_guard(tmp_path: Path) -> None:
    """The patterns themselves: a dated docstring, a broken link and a missing anchor are found."""
    assert DATE.search("figures of 2026-12-07, Kafka")
    assert not DATE.search('``--to-datetime 2026-11-21T18:00``, ``"2026-05-06 11:00:00"``')
    assert slug("Sink flags (`ODDS_SINK__*`)") == "sink-flags-odds_sink__"
    assert slug("Engines: what differs between Apache Kafka and tansu") == (
        "engines-what-differs-between-apache-kafka-and-tansu"
    )
    doc = ROOT / "docs" / "_probe_test_docs.md"
    try:
        doc.write_text("# Probe\n\n[a](missing.md) [b](#probe) [c](#nope) [d](TAXONOMY.md)\n")
        assert broken_links(doc) == [
            "missing.md (no docs/missing.md)",
            "#nope (no heading #nope in _probe_test_docs.md)",
        ]
    finally:
        doc.unlink()
