"""The house rules of the layout: no import circle, ``sinks → streams`` only, short top levels.

The import graph is read from the source (every ``import``, also those inside functions: a
lazy import that closes a circle is still a circle).
"""

from __future__ import annotations

import ast
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
PACKAGES = ("streams", "sinks", "api")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for pkg in PACKAGES for p in (ROOT / pkg).rglob("*.py")}


def imported(tree: ast.AST, known: set[str]) -> set[str]:
    """The project modules a module imports (``from a.b import c`` counts ``a.b.c`` when
    that is a module, else ``a.b``)."""
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names if a.name in known}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for a in node.names:
                sub = f"{node.module}.{a.name}"
                if sub in known:
                    out.add(sub)
                elif node.module in known:
                    out.add(node.module)
    return out


Graph = dict[str, set[str]]


def import_graph() -> Graph:
    """Module → the project modules it imports (a package's ``__init__`` importing its own
    submodules is left out: that is how a package exposes them, not a circle)."""
    mods = modules()
    return {
        name: {t for t in imported(ast.parse(path.read_text()), set(mods)) if not t.startswith(name + ".")}
        for name, path in mods.items()
    }


def circle(graph: Graph) -> list[str] | None:
    """One import circle of ``graph``, or ``None``."""
    try:
        tuple(TopologicalSorter(graph).static_order())
    except CycleError as exc:
        return list(exc.args[1])
    return None


def edges(graph: Graph) -> list[tuple[str, str]]:
    return [(a, b) for a, targets in graph.items() for b in targets]


def test_the_graph_reader_sees_a_circle() -> None:
    tree = ast.parse("from pkg.cli.root import cli\nfrom pkg.cli import main\nfrom pkg.cli import other")
    known = {"pkg.cli.root", "pkg.cli", "pkg.cli.main"}
    assert imported(tree, known) == {"pkg.cli.root", "pkg.cli.main", "pkg.cli"}
    assert circle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) is not None
    assert circle({"a": {"b"}, "b": {"c"}, "c": set()}) is None


def test_no_import_circle() -> None:
    assert circle(import_graph()) is None


def test_streams_never_imports_sinks() -> None:
    wrong = [(a, b) for a, b in edges(import_graph()) if a.startswith("streams") and b.startswith("sinks")]
    assert wrong == []


def test_the_stages_do_not_import_each_other() -> None:
    wrong = [
        (a, b)
        for a, b in edges(import_graph())
        if a.startswith("streams.stages.normalize") and b.startswith("streams.stages.match")
    ]
    assert wrong == []


@pytest.mark.parametrize("package", PACKAGES)
def test_top_level_fits_on_one_screen(package: str) -> None:
    entries = [p for p in (ROOT / package).iterdir() if p.name != "__pycache__"]
    assert len(entries) <= 20, sorted(p.name for p in entries)
