"""The holder, account and cart files ``policyengine diff`` evaluates, found without
dropping any.

``--holders``, ``--accounts`` and ``--carts`` name a directory (or one file). In CI a
mistyped or unreadable path must not pass as "0 of 17 holders change", so:

- the path itself must exist and be readable, else :class:`InputPathError` (the CLI
  makes it a usage error); a file given directly must be of the wanted kind; a
  directory must hold at least one file of that kind;
- every file under a directory is read: one that cannot be read (permissions, a
  dangling link) or parsed, a subdirectory that cannot be listed, and a file of the
  wanted kind that breaks its schema are *problems*, with their ``file:line:col``;
- files of other kinds (policies, scenario files, a source's input data) are not ours
  and are passed over, as ``validate`` reports them.

Each file is read once per run, not once per policy compared.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

from policyengine.errors import Diagnostic, PolicyError
from policyengine.load.kinds import KINDS, document_kind, iter_files
from policyengine.load.schema import validate_against
from policyengine.load.yaml_loader import load_yaml_file

# ``yaml_loader`` reports an unreadable file with this code and without its name
_IO_CODE = "yaml.io"


class InputPathError(Exception):
    """The path given on the command line names nothing usable (a usage error)."""


@dataclass
class Inputs:
    """The files of one kind under a path, and the problems found reading the others."""

    files: list[str] = field(default_factory=list)
    problems: list[Diagnostic] = field(default_factory=list)


def _io_problem(path: str, err: OSError | str) -> Diagnostic:
    why = err if isinstance(err, str) else (err.strerror or str(err))
    hint = "check the path and permissions"
    return Diagnostic(f"cannot read {path}: {why}", code="io", hint=hint, path=path)


def _load(path: str) -> tuple[Any, list[Diagnostic]]:
    """A document, or None and its problems (named after the file when it is unreadable)."""
    try:
        return load_yaml_file(path), []
    except PolicyError as err:
        return None, [
            _io_problem(path, d.message.removeprefix("cannot read file: "))
            if d.code == _IO_CODE and d.location is None
            else d
            for d in err.diagnostics
        ]


def _unlistable(directory: str) -> list[Diagnostic]:
    """The subdirectories under ``directory`` that cannot be listed (``os.walk`` and
    :func:`iter_files` pass over them in silence)."""
    problems: list[Diagnostic] = []

    def report(err: OSError) -> None:
        name = err.filename if isinstance(err.filename, str) else directory
        problems.append(
            Diagnostic(
                f"cannot read directory {name}: {err.strerror or err}",
                code="io",
                hint="check the path and permissions",
            )
        )

    for _root, dirs, _files in os.walk(directory, onerror=report):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
    return problems


def _what(kind: str | None) -> str:
    if kind is None:
        return "it is no known kind of document"
    return f"it is {'an' if kind[0] in 'aeiou' else 'a'} {kind} file"


def _check_path(path: str) -> None:
    if not os.path.exists(path):
        raise InputPathError(f"no such file or directory: {path}")
    if os.path.isdir(path):
        try:
            os.listdir(path)
        except OSError as err:
            raise InputPathError(f"cannot read directory {path}: {err.strerror}") from None
        return
    try:
        with open(path, "rb"):
            pass
    except OSError as err:
        raise InputPathError(f"cannot read {path}: {err.strerror}") from None


def files_of_kind(path: str, kind: str) -> Inputs:
    """Every file of ``kind`` (``holder``, ``account``, ``cart``) at or under ``path``."""
    _check_path(path)
    found = Inputs()
    if os.path.isdir(path):
        found.problems.extend(_unlistable(path))
    for name in iter_files([path]):
        data, problems = _load(name)
        if problems:
            found.problems.extend(problems)
            continue
        its = document_kind(data)
        if its != kind:
            if not os.path.isdir(path):
                raise InputPathError(f"{path} is not a {kind} file ({_what(its)})")
            continue
        schema_problems = validate_against(data, KINDS[kind][1])
        if schema_problems:
            found.problems.extend(schema_problems)
            continue
        found.files.append(name)
    if not found.files and not found.problems:
        raise InputPathError(f"no {kind} files under {path}")
    return found
