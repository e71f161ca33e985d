"""Which kind of document a YAML/JSON file is, and finding such files.

Policy files, holder files, package accounts, carts, scenario test files and sources
files all live side by side in a policy repository. A document's kind is told by its
top-level keys; each kind has its own JSON Schema (``load/schema.py``). A file found
by walking a directory is repository content like the files it names: loading it with
a :class:`~policyengine.load.paths.Confinement` refuses a symbolic link that leads out.

A directory of a real repository holds other YAML and JSON too (docker-compose.yml,
mkdocs.yml, JSON Schemas, Kubernetes manifests). A walk does not enter dot-directories
or :data:`PRUNED_DIRS` and passes over dot-files; :func:`walked_kind` and
:func:`looks_like_document` tell the files it finds that are not policyengine
documents, which ``validate`` skips (and counts). A file named on the command line is
always checked. ``--exclude GLOB`` (:func:`excluded`) leaves out files either way.
"""

from __future__ import annotations

import fnmatch
import os
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from functools import cache
from pathlib import Path, PurePosixPath
from typing import Any, NamedTuple

from policyengine.errors import Diagnostic, PolicyError
from policyengine.load.paths import Confinement, PathRefused, open_regular
from policyengine.load.schema import load_schema
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


# Directories a walk does not enter (besides dot-directories): build output and
# installed packages, which hold copies of documents or unrelated YAML.
PRUNED_DIRS = frozenset({"build", "dist", "node_modules", "__pycache__", "site-packages"})


class Found(NamedTuple):
    """A file to check: ``named`` on the command line, or found walking a directory."""

    path: str
    named: bool


def _posix(path: str) -> str:
    text = PurePosixPath(Path(path).as_posix()).as_posix()
    return text[2:] if text.startswith("./") else text


def excluded(path: str, patterns: Sequence[str], base: str | None = None) -> bool:
    """Whether a ``--exclude`` glob matches ``path``: the path as given, the path below
    the walked directory ``base`` (for a file a walk found), or one of the names in the
    latter (the file's, a directory's on the way). So ``build``, ``*.tests.yaml``,
    ``vendor/*`` and ``policies/drafts/*`` all work; ``*`` crosses ``/`` as in
    ``fnmatch``."""
    if not patterns:
        return False
    given = _posix(path)
    below = _posix(os.path.relpath(path, base)) if base is not None else given
    candidates = {given, below, *PurePosixPath(below).parts}
    return any(fnmatch.fnmatchcase(c, p.rstrip("/")) for c in candidates for p in patterns)


def walk_files(paths: Iterable[str], exclude: Sequence[str] = ()) -> Iterator[Found]:
    """Files named, and YAML/JSON files found under directories, in a stable order,
    without those ``exclude`` matches. A walk skips dot-directories, dot-files and
    :data:`PRUNED_DIRS`."""
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            found: list[str] = []
            for root, dirs, files in os.walk(p):
                dirs[:] = sorted(
                    d
                    for d in dirs
                    if not d.startswith(".")
                    and d not in PRUNED_DIRS
                    and not excluded(os.path.join(root, d), exclude, raw)
                )
                found.extend(
                    os.path.join(root, f)
                    for f in files
                    if f.endswith(EXTENSIONS) and not f.startswith(".")
                )
            yield from (Found(f, False) for f in sorted(found) if not excluded(f, exclude, raw))
        elif not excluded(raw, exclude):
            yield Found(raw, True)


def iter_files(paths: Iterable[str], exclude: Sequence[str] = ()) -> Iterator[str]:
    """The paths of :func:`walk_files`."""
    return (found.path for found in walk_files(paths, exclude))


@cache
def _policy_kinds() -> frozenset[str]:
    return frozenset(load_schema("policy")["properties"]["kind"]["enum"])


def walked_kind(data: object) -> str | None:
    """:func:`document_kind` of a file found by a walk, or None when it is not a
    policyengine document: besides mappings without any of our keys, a ``kind:`` that is
    not a kind of policy and no ``format:`` (a Kubernetes manifest, say)."""
    kind = document_kind(data)
    if kind == "policy" and isinstance(data, Mapping) and "format" not in data:
        return kind if data.get("kind") in _policy_kinds() else None
    return kind


# A top-level key that tells one of our kinds (in YAML at column 0, in JSON quoted).
_OUR_KEYS = "|".join(sorted({"format", *(key for key, _ in KINDS.values())}))
_YAML_KEY = re.compile(rf"^[\"']?(?:{_OUR_KEYS})[\"']?[ \t]*:", re.MULTILINE)
_JSON_KEY = re.compile(rf'"(?:{_OUR_KEYS})"\s*:')
PEEK_BYTES = 65536


def looks_like_document(path: str, confinement: Confinement | None = None) -> bool:
    """For a file a walk found that does not load (a YAML error, a tag we refuse, as in
    mkdocs.yml's ``!!python/name:``): whether its first bytes hold a key of ours, so that
    a broken policy is still reported. True when it cannot be read (that error is
    reported) or is outside ``confinement`` (it is not read)."""
    try:
        if confinement is not None:
            confinement.check(path)
        with open_regular(path) as handle:
            head = handle.read(PEEK_BYTES).decode("utf-8", "replace")
    except (OSError, PathRefused):
        return True
    pattern = _JSON_KEY if path.endswith(".json") else _YAML_KEY
    return pattern.search(head) is not None


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
