"""The import structure of the project (docs/transfer.md): no module imports itself round a
circle, and tripletex imports at the top of its modules, so each module's dependencies are in
plain sight. Read from the source with ast; nothing is imported to check it."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("tripletex", "hr", "grønnjobb")
# Django's documented place to connect apps once the registry is ready.
LATE_IMPORTS_ALLOWED = {"tripletex.apps"}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _sources() -> dict[str, Path]:
    return {
        _module_name(path): path
        for package in PACKAGES
        for path in (ROOT / package).rglob("*.py")
        if "tests" not in path.parts and "migrations" not in path.parts
    }


def _imports(module: str, tree: ast.Module, known: set[str]) -> list[tuple[str, bool]]:
    """(imported project module, imported inside a function) for every import in the module."""
    found: list[tuple[str, bool]] = []
    functions = [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)]
    late = {id(n) for f in functions for n in ast.walk(f) if isinstance(n, ast.Import | ast.ImportFrom)}
    package = (
        module if (ROOT / module.replace(".", "/") / "__init__.py").exists() else module.rpartition(".")[0]
    )
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(
                    package.split(".")[: len(package.split(".")) - node.level + 1] + ([base] if base else [])
                )
            # `from package import module` depends on the module; `from module import name` on it.
            names = [f"{base}.{a.name}" if f"{base}.{a.name}" in known else base for a in node.names]
        else:
            continue
        for name in dict.fromkeys(names):
            if name in known and name != module:
                found.append((name, id(node) in late))
    return found


def _graph() -> tuple[dict[str, set[str]], list[str]]:
    sources = _sources()
    known = set(sources)
    graph: dict[str, set[str]] = {}
    late_imports: list[str] = []
    for module, path in sources.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        graph[module] = set()
        for target, late in _imports(module, tree, known):
            graph[module].add(target)
            if late and module.startswith("tripletex") and module not in LATE_IMPORTS_ALLOWED:
                late_imports.append(f"{module} → {target}")
    return graph, late_imports


class _StronglyConnected:
    """Tarjan's strongly connected groups of a module graph."""

    def __init__(self, graph: dict[str, set[str]]) -> None:
        self.graph = graph
        self.index: dict[str, int] = {}
        self.low: dict[str, int] = {}
        self.stack: list[str] = []
        self.on_stack: set[str] = set()
        self.groups: list[list[str]] = []

    def find(self) -> list[list[str]]:
        for node in sorted(self.graph):
            if node not in self.index:
                self._visit(node)
        return self.groups

    def _visit(self, node: str) -> None:
        self.index[node] = self.low[node] = len(self.index)
        self.stack.append(node)
        self.on_stack.add(node)
        for nxt in sorted(self.graph.get(node, ())):
            if nxt not in self.index:
                self._visit(nxt)
                self.low[node] = min(self.low[node], self.low[nxt])
            elif nxt in self.on_stack:
                self.low[node] = min(self.low[node], self.index[nxt])
        if self.low[node] == self.index[node]:
            self._close_group(node)

    def _close_group(self, root: str) -> None:
        """Pop the group rooted at `root`; keep it when it is a cycle (more than one module)."""
        group = []
        while True:
            member = self.stack.pop()
            self.on_stack.discard(member)
            group.append(member)
            if member == root:
                break
        if len(group) > 1:
            self.groups.append(sorted(group))


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every strongly connected group of more than one module (Tarjan)."""
    return _StronglyConnected(graph).find()


def test_no_module_imports_itself_round_a_circle():
    graph, _late = _graph()
    assert _cycles(graph) == []


def test_tripletex_imports_at_the_top_of_its_modules():
    late = _graph()[1]
    assert late == []


def test_the_checks_see_a_circle_and_a_late_import():
    # given: a made-up pair of modules that import each other, one of them inside a function
    graph = {"a": {"b"}, "b": {"a"}, "c": {"a"}}
    tree = ast.parse("def f():\n    from tripletex import dispatch\n")

    # when / then
    assert _cycles(graph) == [["a", "b"]]
    assert _imports("tripletex.x", tree, {"tripletex.dispatch", "tripletex"}) == [
        ("tripletex.dispatch", True)
    ]


def test_the_transfer_package_knows_kinds_only_through_the_registry():
    # The state machine and the services around it never name a kind's module.
    graph, _late = _graph()
    generic = [
        m
        for m in graph
        if m.startswith("tripletex.transfer.")
        and m.rpartition(".")[2] not in {"hours", "salary_lines", "registry"}
    ]
    assert generic
    naming = {
        m: sorted(graph[m] & {"tripletex.transfer.hours", "tripletex.transfer.salary_lines"}) for m in generic
    }
    assert {m: names for m, names in naming.items() if names} == {}


def test_a_process_that_only_set_django_up_knows_every_task_dispatch_sends():
    # The web process imports no task module itself; a task dispatch names must still be known there.
    code = (
        "import django; django.setup()\n"
        "from grønnjobb.celery import app\n"
        "from tripletex import dispatch\n"
        "print(sorted(name for name in dispatch.TASK_NAMES if name not in app.tasks))\n"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "grønnjobb.settings", "DJANGO_ENV": "development"}
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, env=env, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
