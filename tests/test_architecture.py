"""The tree's shape, checked on every run: import-linter's contracts in pyproject.toml (core never
imports gui/ or Qt; the rooms of core/ and gui/ import only downward; no circles between the
modules of a room), and no import circle between any two modules (imports inside functions count:
import-linter and grimp read every import statement, wherever it stands). Each check is also shown
to fail on a copy of the tree with a wrong-way import added on purpose."""
import shutil
import subprocess
import sys
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parent.parent
LINT = Path(sys.executable).with_name("lint-imports")


def _lint(cwd: Path) -> subprocess.CompletedProcess:
    # PYTHONPATH first, so the copy's packages are the ones analysed, not the installed ones.
    return subprocess.run([str(LINT), "--no-cache"], cwd=cwd, capture_output=True, text=True,
                          env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(cwd)}, timeout=300)


def _circles(packages: list[str]) -> list[list[str]]:
    """Strongly connected groups of two or more modules in the import graph (Tarjan's algorithm)."""
    graph = grimp.build_graph(*packages, cache_dir=None)
    edges = {m: sorted(graph.find_modules_directly_imported_by(m)) for m in graph.modules}
    index, low, on_stack, stack, found = {}, {}, set(), [], []

    def visit(start):  # iterative, so a deep chain of imports cannot overflow Python's stack
        work = [(start, iter(edges.get(start, ())))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(edges.get(child, ()))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                group = []
                while True:
                    m = stack.pop()
                    on_stack.discard(m)
                    group.append(m)
                    if m == node:
                        break
                if len(group) > 1:
                    found.append(sorted(group))

    for module in sorted(edges):
        if module not in index:
            visit(module)
    return found


@pytest.fixture(scope="module")
def tree_copy(tmp_path_factory):
    """core/, gui/ and pyproject.toml in a folder of their own, to break on purpose."""
    where = tmp_path_factory.mktemp("tree")
    for room in ("core", "gui"):
        shutil.copytree(ROOT / room, where / room, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", where)
    return where


def test_the_import_contracts_are_kept():
    result = _lint(ROOT)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert "BROKEN" not in result.stdout and "Contracts: 4 kept, 0 broken" in result.stdout


def test_no_module_imports_itself_round_a_circle():
    sys.path.insert(0, str(ROOT))
    assert _circles(["core", "gui"]) == []


def test_a_wrong_way_import_breaks_the_contracts(tree_copy):
    low = tree_copy / "core" / "pictures" / "decode.py"
    original = low.read_text()
    try:
        # pictures is the lowest room but one: importing the commands from it reverses the layers
        # and closes a circle (core.cli.common -> core.config -> ... -> core.pictures).
        low.write_text(original + "\n\ndef _wrong():\n    from core.cli import common  # noqa\n")
        result = _lint(tree_copy)
        assert result.returncode != 0
        assert "core's rooms import only downward BROKEN" in result.stdout
        assert "core.pictures.decode -> core.cli.common" in result.stdout
    finally:
        low.write_text(original)


def test_qt_in_core_breaks_the_contracts(tree_copy):
    victim = tree_copy / "core" / "paths.py"
    original = victim.read_text()
    try:
        victim.write_text(original + "\n\ndef _qt():\n    import PySide6  # noqa\n")
        result = _lint(tree_copy)
        assert result.returncode != 0
        assert "core/ never imports gui/ or Qt BROKEN" in result.stdout
    finally:
        victim.write_text(original)


def test_the_circle_finder_finds_a_circle(tmp_path, monkeypatch):
    pkg = tmp_path / "loopy"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "a.py").write_text("from loopy import b\n")
    (pkg / "b.py").write_text("def late():\n    from loopy import c  # inside a function\n")
    (pkg / "c.py").write_text("import loopy.a\n")
    (pkg / "d.py").write_text("import loopy.a\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    assert _circles(["loopy"]) == [["loopy.a", "loopy.b", "loopy.c"]]
