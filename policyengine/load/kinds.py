"""Which kind of document a YAML/JSON file is, and finding such files.

Policy files, holder files, package accounts, carts, scenario test files and sources
files all live side by side in a policy repository. A document's kind is told by its
top-level keys; each kind has its own JSON Schema (``load/schema.py``). A file found
by walking a directory is repository content like the files it names: loading it with
a :class:`~policyengine.load.paths.Confinement` refuses a symbolic link that leads out.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from policyengine.errors import Diagnostic, PolicyError
from policyengine.load.paths import Confinement, PathRefused
from policyengine.load.yaml_loader import load_yaml_file

EXTENSIONS = (".yaml", ".yml", ".json")

# kind -> (top-level key that identifies it, schema name)
KINDS: dict[str, tuple[str, str]] = {
    "policy": ("kind", "policy"),
    "holder": ("holder", "holder"),
    "account": ("account", "account"),
    "cart": ("cart", "cart"),
    "scenarios": ("scenarios", "scenarios"),
    "sources": ("sources", "sources"),
}


def document_kind(data: object) -> str | None:
    if not isinstance(data, Mapping):
        return None
    if "kind" in data or "format" in data:
        return "policy"
    for kind, (key, _schema) in KINDS.items():
        if key in data:
            return kind
    return None


def iter_files(paths: Iterable[str]) -> Iterator[str]:
    """Files named, and YAML/JSON files found under directories, in a stable order."""
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            found: list[str] = []
            for root, dirs, files in os.walk(p):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                found.extend(os.path.join(root, f) for f in files if f.endswith(EXTENSIONS))
            yield from sorted(found)
        else:
            yield raw


def load_document(
    path: str, confinement: Confinement | None = None
) -> tuple[Any, list[Diagnostic]]:
    """A file's data with positions, or None and the problems reading it (one of them:
    ``path`` leads outside ``confinement``, when one is given)."""
    try:
        if confinement is not None:
            confinement.check(path)
    except PathRefused as err:
        return None, [Diagnostic(err.message, hint=err.hint, code="path.outside")]
    try:
        return load_yaml_file(path), []
    except PolicyError as err:
        return None, err.diagnostics
    except OSError as err:
        return None, [Diagnostic(f"cannot read {path}: {err.strerror}", code="io", path=path)]
