"""How ``policyengine validate`` checks each kind of document.

``policyengine validate policies/`` checks every document of a policy repository
against its own schema (``load/kinds.py`` tells the kind), then what a schema cannot
say: a policy is compiled (expressions, cross-checks) and linted (``lints.py``: warnings,
which ``ignores.py`` lets a comment acknowledge), and a sources file's sources and
options are checked against the environment's credit sources. The input files a
sources file names (an xAPI statement array, a records list) are data, not documents:
``check_files`` reports them as inputs of that sources file instead of guessing their
kind. A :class:`~policyengine.load.paths.Confinement` says where the files may be that
the documents name (and that a directory walk finds): see docs/security.md.

A file a directory walk found that is not a policyengine document (docker-compose.yml,
mkdocs.yml, a JSON Schema: ``load/kinds.py`` tells) is skipped, not reported; a file
named on the command line is always checked.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from policyengine.ci.ignores import apply_ignores
from policyengine.ci.lints import policy_warnings
from policyengine.errors import Diagnostic, PolicyError
from policyengine.load.kinds import (
    KINDS,
    Found,
    document_kind,
    load_document,
    looks_like_document,
    walked_kind,
)
from policyengine.load.nodes import source_text
from policyengine.load.paths import STDIN, STDIN_NAME, Confinement
from policyengine.load.schema import validate_against
from policyengine.policy.build import build_policy
from policyengine.policy.environment import Environment
from policyengine.sources.sources_file import check_sources_document, input_files


def _check_policy(
    path: str, data: Any, env: Environment, _confinement: Confinement | None
) -> list[Diagnostic]:
    try:
        policy = build_policy(path, data, env)
    except PolicyError as err:
        return err.diagnostics
    return policy_warnings(policy, data)


def _check_sources(
    path: str, data: Any, env: Environment, confinement: Confinement | None
) -> list[Diagnostic]:
    return check_sources_document(path, data, env.sources, confinement)


# What each kind needs beyond its schema.
CHECKS = {"policy": _check_policy, "sources": _check_sources}


def check_document(
    path: str, data: Any, env: Environment, confinement: Confinement | None = None
) -> tuple[str | None, list[Diagnostic]]:
    """Validate loaded data of any kind; returns (kind, diagnostics): errors, and the
    warnings no ``# policyengine: ignore[...]`` comment acknowledges (``ignores.py``)."""
    kind, diagnostics = _check_document(path, data, env, confinement)
    return kind, apply_ignores(path, source_text(data), diagnostics)


def _check_document(
    path: str, data: Any, env: Environment, confinement: Confinement | None
) -> tuple[str | None, list[Diagnostic]]:
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
        diagnostics = CHECKS[kind](path, data, env, confinement)
    return kind, diagnostics


def check_file(
    path: str, env: Environment, confinement: Confinement | None = None
) -> tuple[str | None, list[Diagnostic]]:
    """Validate one file of any kind; returns (kind, diagnostics)."""
    data, problems = load_document(path, confinement)
    if problems:
        return None, problems
    return check_document(path, data, env, confinement)


@dataclass(frozen=True)
class Checked:
    """One file ``validate`` looked at: its kind ("input" for a source's input file)."""

    path: str
    kind: str | None
    diagnostics: list[Diagnostic]
    input_of: str | None = None  # the sources file naming this file as its input


def check_files(
    paths: Iterable[str], env: Environment, confinement: Confinement | None = None
) -> list[Checked]:
    """Validate the files ``paths`` names, each as if named on the command line (see
    :func:`check_found`)."""
    return check_found([Found(path, True) for path in paths], env, confinement)[0]


def check_found(
    found: Sequence[Found], env: Environment, confinement: Confinement | None = None
) -> tuple[list[Checked], list[str]]:
    """Validate files of every kind: what was checked, and the paths of the files a walk
    found that are not policyengine documents (skipped). Inputs of the sources files
    among them are not documents, and are listed as inputs (their rows are read by
    ``policyengine records``). ``confinement``: where the files may be, and those the
    documents name."""
    named = {os.path.normpath(f.path) for f in found if f.named}
    # a file both named and found by a walk is checked once, as named
    found = [f for f in found if f.named or os.path.normpath(f.path) not in named]
    loaded = [(f, *load_document(f.path, confinement)) for f in found]
    inputs: dict[str, str] = {}
    for f, data, problems in loaded:
        if not problems and document_kind(data) == "sources":
            for name in input_files(f.path, data):
                inputs.setdefault(os.path.normpath(name), f.path)
    out, skipped = [], []
    for f, data, problems in loaded:
        path = f.path
        owner = inputs.get(os.path.normpath(path))
        shown = STDIN_NAME if path == STDIN else path  # `-` is standard input
        if owner is not None and os.path.normpath(owner) != os.path.normpath(path):
            out.append(Checked(shown, "input", [], owner))
        elif not f.named and (
            walked_kind(data) is None
            if not problems
            else not looks_like_document(path, confinement)
        ):
            skipped.append(path)
        elif problems:
            out.append(Checked(shown, None, problems))
        else:
            out.append(Checked(shown, *check_document(shown, data, env, confinement)))
    return out, skipped
