"""Which kind of document a YAML/JSON file is, and how ``validate`` checks each kind.

Policy files, holder files, package accounts, carts, scenario test files and sources
files all live side by side in a policy repository; ``policyengine validate policies/``
checks every one of them against its own schema. A document's kind is told by its
top-level keys. The input files a sources file names (an xAPI statement array, a
records list) are data, not documents: ``check_files`` reports them as inputs of that
sources file instead of guessing their kind.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from policyengine.errors import Diagnostic, PolicyError
from policyengine.load.schema import validate_against
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

# Extra checks per kind, after the schema passed: (path, data) -> diagnostics.
# Later layers (policy compilation, scenario files) register theirs here.
CHECKS: dict[str, Callable[[str, Mapping], list[Diagnostic]]] = {}


def _check_policy(path: str, data: Mapping) -> list[Diagnostic]:
    from policyengine.policy.build import build_policy

    try:
        build_policy(path, data)
    except PolicyError as err:
        return err.diagnostics
    return []


def _check_sources(path: str, data: Mapping) -> list[Diagnostic]:
    from policyengine.sources.sources_file import check_sources_document

    return check_sources_document(path, data)


CHECKS["policy"] = _check_policy
CHECKS["sources"] = _check_sources


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
            found = []
            for root, dirs, files in os.walk(p):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                found.extend(
                    os.path.join(root, f) for f in files if f.endswith(EXTENSIONS)
                )
            yield from sorted(found)
        else:
            yield raw


def load_document(path: str) -> tuple[Any, list[Diagnostic]]:
    """A file's data with positions, or None and the problems reading it."""
    try:
        return load_yaml_file(path), []
    except PolicyError as err:
        return None, err.diagnostics
    except OSError as err:
        return None, [Diagnostic(f"cannot read {path}: {err.strerror}", code="io")]


def check_document(path: str, data: Any) -> tuple[str | None, list[Diagnostic]]:
    """Validate loaded data of any kind; returns (kind, diagnostics)."""
    kind = document_kind(data)
    if kind is None:
        return None, [
            Diagnostic(
                f"{path}: cannot tell what kind of document this is",
                hint="a policy has 'format' and 'kind'; a holder file has 'holder'; an account "
                "file has 'account'; a cart file has 'cart'; a scenario file has 'scenarios'; "
                "a sources file has 'sources' (a source's input file is checked with the "
                "sources file that names it)",
                code="document.kind",
            )
        ]
    diagnostics = validate_against(data, KINDS[kind][1])
    if not diagnostics and kind in CHECKS:
        diagnostics = CHECKS[kind](path, data)
    return kind, diagnostics


def check_file(path: str) -> tuple[str | None, list[Diagnostic]]:
    """Validate one file of any kind; returns (kind, diagnostics)."""
    data, problems = load_document(path)
    if problems:
        return None, problems
    return check_document(path, data)


@dataclass(frozen=True)
class Checked:
    """One file ``validate`` looked at: its kind ("input" for a source's input file)."""

    path: str
    kind: str | None
    diagnostics: list[Diagnostic]
    input_of: str | None = None  # the sources file naming this file as its input


def check_files(paths: Iterable[str]) -> list[Checked]:
    """Validate files of every kind; inputs of the sources files among them are not
    documents, and are listed as inputs (their rows are read by ``policyengine records``)."""
    from policyengine.sources.sources_file import input_files

    loaded = [(path, *load_document(path)) for path in paths]
    inputs: dict[str, str] = {}
    for path, data, problems in loaded:
        if not problems and document_kind(data) == "sources":
            for name in input_files(path, data):
                inputs.setdefault(os.path.normpath(name), path)
    out = []
    for path, data, problems in loaded:
        owner = inputs.get(os.path.normpath(path))
        if owner is not None and os.path.normpath(owner) != os.path.normpath(path):
            out.append(Checked(path, "input", [], owner))
        elif problems:
            out.append(Checked(path, None, problems))
        else:
            out.append(Checked(path, *check_document(path, data)))
    return out
