"""Which kind of document a YAML/JSON file is, and how ``validate`` checks each kind.

Policy files, holder files, package accounts, carts and scenario test files all live
side by side in a policy repository; ``policyengine validate policies/`` checks every
one of them against its own schema. A document's kind is told by its top-level keys.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path

from policyengine.errors import Diagnostic, PolicyError
from policyengine.schemacheck import validate_against
from policyengine.yamlload import load_yaml_file

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
    from policyengine.policy import build_policy

    try:
        build_policy(path, data)
    except PolicyError as err:
        return err.diagnostics
    return []


CHECKS["policy"] = _check_policy


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


def check_file(path: str) -> tuple[str | None, list[Diagnostic]]:
    """Validate one file of any kind; returns (kind, diagnostics)."""
    try:
        data = load_yaml_file(path)
    except PolicyError as err:
        return None, err.diagnostics
    except OSError as err:
        return None, [Diagnostic(f"cannot read {path}: {err.strerror}", code="io")]
    kind = document_kind(data)
    if kind is None:
        return None, [
            Diagnostic(
                f"{path}: cannot tell what kind of document this is",
                hint="a policy has 'format' and 'kind'; a holder file has 'holder'; an account "
                "file has 'account'; a cart file has 'cart'; a scenario file has 'scenarios'",
                code="document.kind",
            )
        ]
    diagnostics = validate_against(data, KINDS[kind][1])
    if not diagnostics and kind in CHECKS:
        diagnostics = CHECKS[kind](path, data)
    return kind, diagnostics
