"""The package's layers, enforced: imports only point down, and no module imports itself
back through a cycle. See docs/design.md for the picture.

Every ``import`` counts — at module level, inside functions and under TYPE_CHECKING —
because each one is a dependency a reader has to follow. An import inside a function
is allowed only for start-up cost or an optional dependency, with a comment saying so.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# Lowest first. A module may import from its own package and from any lower layer;
# packages in the same layer are siblings and may not import each other.
LAYERS: tuple[tuple[str, ...], ...] = (
    ("problem_codes",),
    ("errors", "decimals"),
    ("load", "schema"),
    ("expr",),
    ("dates",),
    ("policy",),
    ("records",),
    ("certification", "packages", "sources"),
    ("hookspecs",),
    ("plugins", "plugins_loader"),
    ("batch", "ledger_db"),
    ("ci",),
    ("pages",),
    ("cli",),
    ("service",),
    ("__main__",),
)
RANK = {name: i for i, layer in enumerate(LAYERS) for name in layer}
# Words an import inside a function must be explained with.
REASONS = ("start-up", "startup", "optional")


def modules() -> dict[str, Path]:
    out = {}
    for base, prefix in (
        (ROOT / "policyengine", "policyengine"),
        (ROOT / "plugins", "policyengine.plugins"),
    ):
        for path in base.rglob("*.py"):
            if "example-plugin" in str(path) or "__pycache__" in str(path):
                continue
            parts = list(path.relative_to(base).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts = parts[:-1]
            out[".".join([prefix, *parts])] = path
    return out


def imports(mods: dict[str, Path]) -> list[tuple[str, str, int, bool, Path]]:
    """(importer, imported, line, inside a function, file) for every project import."""
    found = []
    for name, path in mods.items():
        source = path.read_text(encoding="utf-8")
        tree = ast.parse(source)
        package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
        in_function: set[int] = set()
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                in_function.update(id(c) for c in ast.walk(node) if c is not node)
        for node in ast.walk(tree):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    up = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join([*up, *([node.module] if node.module else [])])
                targets = [
                    f"{base}.{a.name}" if f"{base}.{a.name}" in mods else base for a in node.names
                ]
            for target in targets:
                while target not in mods and "." in target:
                    target = target.rsplit(".", 1)[0]
                if target in mods and target != name:
                    found.append((name, target, node.lineno, id(node) in in_function, path))
    return found


def part(module: str) -> str:
    """The top-level part of the package a module belongs to (``certification``...)."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def test_every_module_belongs_to_a_layer():
    unplaced = sorted(m for m in modules() if m != "policyengine" and part(m) not in RANK)
    assert unplaced == [], "add these to LAYERS (and to docs/design.md)"


def test_imports_only_point_down():
    wrong = []
    for importer, imported, line, _local, path in imports(modules()):
        if importer == "policyengine" or imported == "policyengine":
            continue  # the root facade re-exports the public API; plugins import hookimpl
        a, b = part(importer), part(imported)
        if a == b:
            continue
        if RANK[b] >= RANK[a]:
            wrong.append(f"{path.relative_to(ROOT)}:{line}: {importer} -> {imported}")
    assert wrong == []


def test_no_import_cycles():
    graph: dict[str, set[str]] = defaultdict(set)
    for importer, imported, *_ in imports(modules()):
        graph[importer].add(imported)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    cycles: list[list[str]] = []

    def visit(v: str) -> None:  # Tarjan's strongly connected components
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for v in list(graph):
        if v not in index:
            visit(v)
    assert cycles == []


def test_imports_inside_functions_say_why():
    unexplained = []
    for _importer, imported, line, local, path in imports(modules()):
        if not local:
            continue
        lines = path.read_text(encoding="utf-8").splitlines()
        context = " ".join(lines[max(0, line - 4) : line]).lower()
        if not any(word in context for word in REASONS):
            unexplained.append(f"{path.relative_to(ROOT)}:{line}: {imported}")
    assert unexplained == []
