"""Where a batch's holders come from, one at a time: JSONL, holder files, sources files.

``policyengine batch POLICY HOLDERS...`` takes, in any mix:

* a JSONL file (``*.jsonl``, or ``-`` for standard input): one holder per line, each a
  JSON object with the keys of a holder file (``holder``, ``records``); blank lines are
  skipped;
* a holder file (``*.yaml``, ``*.yml``, ``*.json`` with a top-level ``holder``), or a
  directory, searched for such files (and for sources files) in a stable order;
* a sources file (``*.sources.yaml``), read through the credit-source plugins.

Inputs are produced lazily (:func:`tasks`): a task is a small picklable description
(the line's text, or a path) that a worker process turns into a holder with
:func:`read_task`, so reading and parsing run in parallel too and memory does not grow
with the population. A JSON document takes the fast path (``load/fast.py``); any
problem sends it through the positional loader so the error has its ``file:line:col``.

A :class:`~policyengine.load.paths.Confinement` (from ``--root``/``--allow-outside``)
goes with the tasks: a file found in a directory that leads out of the repository, and
an input a sources file names outside it, become error records (docs/security.md).
"""

from __future__ import annotations

import io
import os
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import BinaryIO

from policyengine.errors import Diagnostic, Location, PolicyError
from policyengine.load.fast import NotFast, NotJson, one_colon_per_key, parse_json, validator
from policyengine.load.kinds import document_kind, iter_files
from policyengine.load.paths import (
    REGULAR_HINT,
    Confinement,
    NotRegularFile,
    PathRefused,
    open_regular,
    read_regular,
)
from policyengine.load.schema import validate_against
from policyengine.load.yaml_loader import load_yaml_file, load_yaml_text
from policyengine.policy.model import Policy
from policyengine.records.model import Holder, Record, holder_from_document, load_holder
from policyengine.records.plain import plain_holder, plain_keys
from policyengine.sources.sources_file import holder_from_sources

MAX_LINE_BYTES = 2_000_000  # one JSONL holder: the limit of a holder file


@dataclass(frozen=True)
class Task:
    """One holder to read: ``kind`` is "line" (``text`` is the JSONL line), "file" (a
    holder file) or "sources" (a sources file); ``where`` is ``file:line`` or the path."""

    kind: str
    where: str
    text: str = ""
    path: str = ""
    line: int = 0
    problem: tuple[str, int] | None = None  # a line that is not UTF-8: (message, column)


def line_task(name: str, number: int, raw: bytes | str) -> Task:
    """The task of JSONL line ``number`` of ``name``; a line that is not valid UTF-8
    becomes an error record at the first bad byte, the run going on. A byte order mark
    at the start of the file is not part of the first line."""
    if isinstance(raw, str):
        text = raw[1:] if number == 1 and raw.startswith("\ufeff") else raw
        return Task("line", f"{name}:{number}", text=text, path=name, line=number)
    if number == 1 and raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        col = len(raw[: err.start].decode("utf-8", "replace")) + 1
        problem = (f"this line is not valid UTF-8 (byte 0x{raw[err.start]:02x})", col)
        return Task("line", f"{name}:{number}", path=name, line=number, problem=problem)
    return Task("line", f"{name}:{number}", text=text, path=name, line=number)


def tasks(
    paths: Iterable[str],
    stdin: io.TextIOBase | None = None,
    confinement: Confinement | None = None,
) -> Iterator[Task]:
    """The holders of ``paths``, in order (a usage error for a path that is not there);
    files found in directories are not read when they lead outside ``confinement``."""
    for raw in paths:
        if raw == "-":
            stream = stdin if stdin is not None else sys.stdin
            yield from _lines("<stdin>", getattr(stream, "buffer", stream))
        elif os.path.isdir(raw):
            yield from _directory(raw, confinement)
        elif not os.path.exists(raw):
            raise PolicyError(
                Diagnostic(
                    f"{raw}: no such file or directory",
                    code="batch.input",
                    hint="give JSONL files, holder files, sources files "
                    "or directories (- reads JSONL from stdin)",
                )
            )
        elif raw.endswith(".jsonl"):
            with open_jsonl(raw) as fh:
                yield from _lines(raw, fh)
        elif raw.endswith(".sources.yaml"):
            yield Task("sources", raw, path=raw)
        else:
            yield Task("file", raw, path=raw)


def open_jsonl(path: str) -> BinaryIO:
    """A JSONL file for reading, streamed (no size limit: one holder per line); a FIFO or
    a device is refused with a PolicyError (a pipe is read from stdin: ``-``)."""
    try:
        return open_regular(path)
    except OSError as err:
        hint = f"{REGULAR_HINT}; pipe JSONL to standard input with -"
        raise PolicyError(
            Diagnostic(
                f"cannot read {path}: {err.strerror or err}",
                code="batch.input",
                hint=hint if isinstance(err, NotRegularFile) else None,
                path=path,
            )
        ) from None


def _lines(name: str, fh: Iterable[bytes] | Iterable[str]) -> Iterator[Task]:
    """One task per non-blank line; lines end at LF, CRLF or a lone CR, as in text mode."""
    number = 0
    for chunk in fh:
        for raw in chunk.splitlines(keepends=True) if isinstance(chunk, bytes) else [chunk]:
            number += 1
            if raw.strip():
                yield line_task(name, number, raw)


def _directory(root: str, confinement: Confinement | None) -> Iterator[Task]:
    for path in iter_files([root]):
        if confinement is not None and not confinement.admits(path):
            yield Task("file", path, path=path)  # read_task says why it is not read
            continue
        if path.endswith(".sources.yaml"):
            yield Task("sources", path, path=path)
            continue
        try:
            kind = document_kind(load_yaml_file(path))
        except PolicyError:
            kind = "holder" if path.endswith(".json") else None  # reported when read
        if kind == "holder":
            yield Task("file", path, path=path)


def count(paths: Iterable[str]) -> int | None:
    """How many holders ``paths`` hold, when that is cheap to know (for a progress ETA):
    JSONL lines are counted; stdin and directories are not."""
    total = 0
    for raw in paths:
        if raw == "-" or os.path.isdir(raw) or not os.path.exists(raw):
            return None
        if raw.endswith(".jsonl"):
            try:
                with open_regular(raw) as fh:
                    total += sum(1 for line in fh if line.strip())
            except OSError:
                return None  # reading the holders says what is wrong
        else:
            total += 1
    return total


# ----------------------------------------------------------------------------- reading


def read_task(
    task: Task, policy: Policy, confinement: Confinement | None = None
) -> tuple[Holder, list[Record]]:
    """The holder a task names, for ``policy``; PolicyError (at ``file:line:col``) when
    its data is bad, or when the file leads outside ``confinement``."""
    if confinement is not None and task.kind in ("file", "sources"):
        try:
            confinement.check(task.path)
        except PathRefused as err:
            raise PolicyError(Diagnostic(err.message, None, err.hint, "batch.outside")) from None
    if task.kind == "sources":
        return holder_from_sources(task.path, policy, confinement)
    if task.kind == "file":
        if task.path.endswith(".json"):
            fast = _fast(_read(task.path), policy, task.where)
            if fast is not None:
                return fast
        return load_holder(task.path, policy.tz, extra_fields=policy.record_fields)
    return _from_line(task, policy)


def _read(path: str) -> str:
    try:
        return read_regular(path, MAX_LINE_BYTES).decode("utf-8")
    except (OSError, UnicodeDecodeError):
        return ""  # the positional loader says what is wrong


def _fast(
    text: str, policy: Policy, where: str, line: int | None = None, path: str = ""
) -> tuple[Holder, list[Record]] | None:
    """The holder from a JSON document with no problem, else None. ``line``: the text is
    that line of the JSONL file ``path``, which must be JSON: its syntax error is the
    diagnostic (a holder file may be YAML; the positional loader reports its problems)."""
    if not text or len(text) > MAX_LINE_BYTES:
        return None
    quick = _plain_quickly(text, policy, where)
    if quick is not None:
        return quick
    try:
        data = parse_json(text)
    except NotJson as err:
        if line is None:
            return None
        raise PolicyError(
            Diagnostic(
                f"not JSON: {err.message}",
                Location(path, line, err.col),
                hint='each line of a JSONL file is one JSON object: {"holder": {...}, '
                '"records": [...]}',
                code="batch.json",
            )
        ) from None
    except NotFast:
        return None
    plain = plain_holder(data, policy.tz, plain_keys(policy.record_fields), where)
    if plain is not None:
        return plain
    if not validator("holder")(data):
        return None
    try:
        return holder_from_document(
            data, policy.tz, extra_fields=policy.record_fields, origin=where
        )
    except PolicyError:
        return None


def _plain_quickly(text: str, policy: Policy, where: str) -> tuple[Holder, list[Record]] | None:
    """A plain holder document (:func:`plain_holder`) parsed without a check of repeated
    keys per object, which then counts its keys against its colons instead; None when
    it is not plain or has a colon in a text (the careful parse decides, as before)."""
    try:
        data = parse_json(text, repeats=True)
    except NotFast:
        return None
    plain = plain_holder(data, policy.tz, plain_keys(policy.record_fields), where)
    if plain is None:
        return None
    # a plain document: {"holder": {...}, "records": [{...}, ...]}, flat objects only
    keys = len(data) + len(data["holder"]) + sum(map(len, data.get("records", ())))
    return plain if one_colon_per_key(text, keys) else None


def _from_line(task: Task, policy: Policy) -> tuple[Holder, list[Record]]:
    if task.problem is not None:
        message, col = task.problem
        raise PolicyError(
            Diagnostic(
                message,
                Location(task.path, task.line, col),
                hint="save the file as UTF-8",
                code="batch.encoding",
            )
        )
    if len(task.text) > MAX_LINE_BYTES:
        raise PolicyError(
            Diagnostic(
                f"the holder on this line is larger than {MAX_LINE_BYTES:,} bytes",
                Location(task.path, task.line, 1),
                hint="split the holder's records",
                code="batch.too-large",
            )
        )
    fast = _fast(task.text.rstrip("\r\n"), policy, task.where, task.line, task.path)
    if fast is not None:
        return fast
    # The slow path, for its diagnostics: the line alone, read with positions (and lines
    # named in messages) at the line's place in the file; without its line end, so an
    # unfinished line's error is on that line
    data = load_yaml_text(task.text.rstrip("\r\n"), task.path, first_line=task.line)
    problems = validate_against(data, "holder")
    if problems:
        raise PolicyError(problems)
    return holder_from_document(
        data, policy.tz, extra_fields=policy.record_fields, origin=task.where
    )
