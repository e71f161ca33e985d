"""Sources files: which credit sources a run reads, and with which options.

A sources file (``*.sources.yaml``) is validated against ``sources.schema.json``
with ``line:col`` errors, then each entry's ``options`` against the JSON-Schema
fragment of its source::

    sources:
      - source: portal_webinars
        holder: {id: M-1001, designated_on: 2023-05-10}
        options: {path: exports/webinars.csv}
      - source: member_uploads
        options: {path: uploads.json}

Relative ``path`` options are resolved against the sources file's directory, and must
lead inside the repository (a :class:`~policyengine.load.paths.Confinement`: by
default the sources file's own directory; the CLI passes the run's root and the
paths the user allowed). Problems with the file or its options (unknown source,
missing input file, an input outside the repository) raise
:class:`PolicyError`; problems with input rows are returned, all of them, with the
counts of rows read and rejected.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from policyengine import dates
from policyengine.errors import Diagnostic, Location, PolicyError, did_you_mean
from policyengine.load.paths import REGULAR_HINT, Confinement, NotRegularFile, PathRefused
from policyengine.load.schema import validate_against
from policyengine.load.yaml_loader import line_text, load_yaml_file, locate, to_plain
from policyengine.records.model import HOLDER_DATES, Holder, Record, holder_from_mapping
from policyengine.sources.base import (
    CreditSource,
    SourceOptionError,
    SourceOptions,
    SourceResult,
    check_input_file,
)

if TYPE_CHECKING:
    from policyengine.policy.model import Policy

# Credit source classes by name (an Environment's ``sources``).
Sources = Mapping[str, type[CreditSource]]

__all__ = [
    "EntryStats",
    "FileStats",
    "check_sources_document",
    "holder_from_sources",
    "input_files",
    "load_sources_file",
]


@dataclass(frozen=True)
class EntryStats:
    """Counts for one entry of a sources file."""

    source: str
    input: str
    rows_read: int
    rows_rejected: int
    rows_skipped: int  # rows of other members than the entry's holder id


@dataclass(frozen=True)
class FileStats:
    """Counts for a whole sources file, and the holder its entries describe."""

    rows_read: int
    rows_rejected: int
    rows_skipped: int
    per_source: tuple[EntryStats, ...]
    holder: Holder | None


def _at(
    data: Any, path: list[str | int], message: str, hint: str | None = None, code: str = "sources"
) -> Diagnostic:
    where = locate(data, path)
    text = line_text(data, where.line) if where else None
    return Diagnostic(message, where, hint, code, source_line=text)


def _resolve(options: Mapping[str, Any], named_by: str, confinement: Confinement) -> SourceOptions:
    """An entry's options with ``path`` resolved and confined (PathRefused otherwise)."""
    out: dict[str, Any] = to_plain(dict(options))
    if isinstance(out.get("path"), str):
        out["path"] = confinement.resolve(named_by, out["path"])
    return SourceOptions(out, named_by=named_by, confinement=confinement)


def _outside(data: Any, i: int, err: PathRefused) -> Diagnostic:
    return _at(data, ["sources", i, "options", "path"], err.message, err.hint, "sources.outside")


def _own_holder(record: Record, holder_id: str | None) -> Record | None:
    """The record for ``holder_id``'s run, or None when it belongs to another member."""
    member = str(record.fields.get("member") or "")
    if not holder_id:
        return record
    if member and member != holder_id:
        return None
    if not member:
        return dataclasses.replace(record, fields={**record.fields, "member": holder_id})
    return record


def _check_entries(
    data: Any, registry: Sources
) -> tuple[list[Diagnostic], list[tuple[int, CreditSource | None]]]:
    fatal: list[Diagnostic] = []
    chosen: list[tuple[int, CreditSource | None]] = []
    names = sorted(registry)
    for i, entry in enumerate(data["sources"]):
        name = str(entry["source"])
        cls = registry.get(name)
        if cls is None:
            hint = did_you_mean(name, names) or ("registered sources: " + ", ".join(names))
            fatal.append(
                _at(
                    data,
                    ["sources", i, "source"],
                    f"unknown source '{name}'",
                    hint,
                    "sources.unknown",
                )
            )
            chosen.append((i, None))
            continue
        options = entry.get("options", {})
        for d in validate_against(options, f"{name} options", schema=dict(cls.options)):
            if d.location is None:  # no options: mapping at all; point at the entry
                d = _at(data, ["sources", i, "source"], d.message, d.hint, d.code)
            fatal.append(dataclasses.replace(d, message=f"{name} options: {d.message}"))
        chosen.append((i, cls()))
    return fatal, chosen


def _check_holder_dates(data: Any) -> Iterator[Diagnostic]:
    for i, entry in enumerate(data["sources"]):
        for key, value in (entry.get("holder") or {}).items():
            if key in HOLDER_DATES:
                try:
                    dates.parse_date(str(value))
                except ValueError as err:
                    yield _at(
                        data,
                        ["sources", i, "holder", key],
                        f"holder {key}: {err}",
                        code="sources.holder",
                    )


def load_sources_file(
    path: str | os.PathLike[str],
    *,
    tz: dt.tzinfo,
    sources: Sources,
    policy: Policy | None = None,
    confinement: Confinement | None = None,
) -> tuple[list[Record], list[Diagnostic], FileStats]:
    """Read every source a sources file names: (records, row problems, counts).

    ``sources``: the credit sources by name (``Environment.sources``); ``confinement``:
    where its inputs may be (default: under the sources file's directory). Raises
    PolicyError listing every problem with the file itself or its options.
    """
    registry = sources
    filename = os.fspath(path)
    confinement = confinement or Confinement.around(filename)
    data = load_yaml_file(filename)
    schema_problems = validate_against(data, "sources")
    if schema_problems:
        raise PolicyError(schema_problems)
    fatal, chosen = _check_entries(data, registry)
    if fatal:
        raise PolicyError(fatal)
    records: list[Record] = []
    problems: list[Diagnostic] = []
    per_source: list[EntryStats] = []
    holder_fields: dict[str, Any] = {}
    seen: dict[str, str] = {}
    for i, source in chosen:
        assert source is not None
        entry = data["sources"][i]
        try:
            options = _resolve(entry.get("options", {}), filename, confinement)
        except PathRefused as err:
            fatal.append(_outside(data, i, err))
            continue
        try:
            result = source.read(options, tz=tz, policy=policy)
        except SourceOptionError as err:
            place: list[str | int] = ["sources", i, "options", err.option]
            for d in err.diagnostics:
                fatal.append(_at(data, place, d.message, d.hint, d.code))
            continue
        except PolicyError as err:  # an input file that is not valid JSON/YAML, ...
            fatal.extend(err.diagnostics)
            continue
        if not isinstance(result, SourceResult):
            raise PolicyError(
                _at(
                    data,
                    ["sources", i, "source"],
                    f"source '{source.name}' returned {type(result).__name__}, not a SourceResult",
                    code="sources.plugin",
                )
            )
        entry_holder = {**(result.holder or {}), **to_plain(dict(entry.get("holder", {})))}
        for key, value in entry_holder.items():
            if key in holder_fields and holder_fields[key] != value:
                fatal.append(
                    _at(
                        data,
                        ["sources", i, "holder", key]
                        if key in entry.get("holder", {})
                        else ["sources", i],
                        f"holder {key} '{value}' differs from '{holder_fields[key]}' given earlier",
                        code="sources.holder",
                    )
                )
            holder_fields.setdefault(key, value)
        skipped = rejected = 0
        for record in result.records:
            mine = _own_holder(record, entry_holder.get("id"))
            if mine is None:
                skipped += 1
                continue
            if mine.id in seen:
                rejected += 1
                problems.append(
                    Diagnostic(
                        f"duplicate record id '{mine.id}' (also at {seen[mine.id]})",
                        _location_of(mine.origin),
                        hint="give every record its own id",
                        code="record.duplicate-id",
                    )
                )
                continue
            seen[mine.id] = mine.origin
            records.append(dataclasses.replace(mine, order=len(records)))
        problems.extend(result.problems)
        per_source.append(
            EntryStats(
                source.name,
                str(options.get("path", "")),
                result.rows_read,
                result.rows_rejected + rejected,
                skipped,
            )
        )
    if fatal:
        raise PolicyError(fatal)
    holder = None
    if holder_fields.get("id"):
        holder = holder_from_mapping(holder_fields, tz, None, problems)
    stats = FileStats(
        rows_read=sum(s.rows_read for s in per_source),
        rows_rejected=sum(s.rows_rejected for s in per_source),
        rows_skipped=sum(s.rows_skipped for s in per_source),
        per_source=tuple(per_source),
        holder=holder,
    )
    return records, problems, stats


def _location_of(origin: str) -> Location | None:
    file, _, line = origin.rpartition(":")
    return Location(file, int(line), 1) if file and line.isdigit() else None


def holder_from_sources(
    path: str, policy: Policy, confinement: Confinement | None = None
) -> tuple[Holder, list[Record]]:
    """The holder and records a sources file yields, for ``evaluate --sources``.

    Raises PolicyError when any row was rejected (every problem, then the counts:
    ``N rows read, N rejected``) or when the file names no holder.
    """
    records, problems, stats = load_sources_file(
        path, tz=policy.tz, sources=policy.env.sources, policy=policy, confinement=confinement
    )
    if problems:
        skipped = f", {stats.rows_skipped} of other members skipped" if stats.rows_skipped else ""
        raise PolicyError(
            [
                *problems,
                Diagnostic(
                    f"{path}: {stats.rows_read} rows read, "
                    f"{stats.rows_rejected} rejected{skipped}; "
                    "nothing was evaluated",
                    hint="fix the rows above; 'policyengine records' lists what the sources read",
                    code="sources.rejected",
                ),
            ]
        )
    if stats.holder is None:
        raise PolicyError(
            Diagnostic(
                f"{path}: the sources file names no holder",
                hint="add holder: {id: ..., designated_on: ...}",
                code="sources.holder",
            )
        )
    return stats.holder, records


def input_files(path: str, data: Any) -> list[str]:
    """The input files (``options.path``) a sources document names, resolved (not
    confined: this only names them)."""
    base = os.path.dirname(path)
    out = []
    for entry in (data.get("sources") if isinstance(data, Mapping) else None) or []:
        options = entry.get("options") if isinstance(entry, Mapping) else None
        if isinstance(options, Mapping) and isinstance(options.get("path"), str):
            out.append(os.path.normpath(os.path.join(base, options["path"])))
    return out


def check_sources_document(
    path: str, data: Mapping[str, Any], sources: Sources, confinement: Confinement | None = None
) -> list[Diagnostic]:
    """``validate``'s check of a schema-valid sources file: known sources, valid options,
    valid holder dates, input files that exist (regular files, at most MAX_DATA_BYTES)
    inside ``confinement`` (default: the sources file's directory).

    Inputs are not read (that is ``policyengine records``' job).
    """
    problems = _check_entries(data, sources)[0]
    problems.extend(_check_holder_dates(data))
    base = os.path.dirname(path)
    for i, entry in enumerate(data["sources"]):
        raw = (entry.get("options") or {}).get("path")
        if not isinstance(raw, str):
            continue
        try:
            resolved = (confinement or Confinement.around(path)).resolve(path, raw)
        except PathRefused as err:
            problems.append(_outside(data, i, err))
            continue
        try:
            check_input_file(resolved)
        except OSError as err:
            missing = isinstance(err, FileNotFoundError)
            problems.append(
                _at(
                    data,
                    ["sources", i, "options", "path"],
                    f"no such file: {resolved}"
                    if missing
                    else f"cannot read {resolved}: {err.strerror or err}",
                    f"paths are relative to the sources file's directory ({base or '.'})"
                    if missing
                    else REGULAR_HINT
                    if isinstance(err, NotRegularFile)
                    else None,
                    "sources.input",
                )
            )
    return sorted(problems, key=lambda d: (d.location.line, d.location.col) if d.location else (0,))
