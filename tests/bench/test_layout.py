"""bench/ stays runnable as documented: no module shadows a package, every script has a smoke
run and documents it, and the READMEs name only scripts that exist. Needs nothing running."""

from __future__ import annotations

import ast
import importlib.metadata
import re
import sys
from pathlib import Path

import pytest

from tests.bench.test_smoke import CASES

ROOT = Path(__file__).resolve().parents[2]
BENCH = ROOT / "bench"
MODULES = sorted(p for p in BENCH.glob("*.py") if p.name != "__init__.py")
DOCS = [ROOT / "README.md", BENCH / "README.md"]


def is_script(path: Path) -> bool:
    return 'if __name__ == "__main__":' in path.read_text()


SCRIPTS = [p for p in MODULES if is_script(p)]


def docstring(path: Path) -> str:
    return ast.get_docstring(ast.parse(path.read_text())) or ""


def taken_names() -> dict[str, str]:
    """Top-level import names a ``bench/<name>.py`` must not use, and who owns each.

    Run as ``python bench/x.py``, bench/ is ``sys.path[0]`` for the scripts that do not fix it
    first, and ``import <name>`` anywhere in the process would find ``bench/<name>.py``: the
    repo's packages, every installed distribution's top-level modules, the standard library.
    """
    taken = {name: "the standard library" for name in sys.stdlib_module_names}
    taken |= {
        name: f"installed {', '.join(d)}" for name, d in importlib.metadata.packages_distributions().items()
    }
    taken |= {p.parent.name: "this repo" for p in ROOT.glob("*/__init__.py")}
    taken |= {p.stem: "this repo" for p in ROOT.glob("*.py")}
    return taken


def test_no_bench_module_shadows_a_package() -> None:
    taken = taken_names()
    assert {"streams", "sinks", "faust", "aiokafka", "asyncpg", "orjson"} <= taken.keys()
    shadowing = {p.name: taken[p.stem] for p in MODULES if p.stem in taken}
    assert not shadowing, f"bench modules named like packages (rename them): {shadowing}"


def test_the_scripts_are_found() -> None:
    names = {p.stem for p in SCRIPTS}
    assert {"e2e", "normalize", "sink", "stages", "replay", "storage", "broker"} <= names
    assert not {"stack", "measure", "options"} & names  # libraries of the scripts


@pytest.mark.parametrize("path", SCRIPTS, ids=lambda p: p.stem)
def test_every_script_has_a_documented_smoke_run(path: Path) -> None:
    assert any(c.script == path.stem for c in CASES), f"no smoke case for bench/{path.name} in test_smoke.py"
    assert f".venv/bin/python bench/{path.name} --smoke" in docstring(path), "usage lines: document --smoke"


@pytest.mark.parametrize("path", SCRIPTS, ids=lambda p: p.stem)
def test_every_broker_script_takes_an_engine_and_smokes_on_both(path: Path) -> None:
    source = path.read_text()
    if not re.search(r"\b(open_stack|open_broker|shared_broker)\(", source):
        return
    assert "add_engine(" in source, f"bench/{path.name} uses a broker: give it --engine (bench/options.py)"
    assert "--engine" in docstring(path)
    brokers = {c.broker for c in CASES if c.script == path.stem}
    assert brokers in ({"kafka", "tansu"}, {"own"}), f"bench/{path.name} smoke cases: {brokers}"


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: str(p.relative_to(ROOT)))
def test_docs_name_only_existing_scripts(doc: Path) -> None:
    named = set(re.findall(r"(?<![\w/])bench/(\w+)\.py", doc.read_text()))
    if doc.parent == BENCH:
        named |= set(re.findall(r"`(\w+)\.py`", doc.read_text()))
    missing = sorted(n for n in named if not (BENCH / f"{n}.py").exists())
    assert not missing, f"{doc.name} names bench scripts that do not exist: {missing}"
