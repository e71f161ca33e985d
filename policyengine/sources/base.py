"""Credit sources: the base class every source plugin implements, and helpers for it.

A credit source turns one kind of raw input (a records file, a portal export, an LMS
transcript, xAPI statements, a database query) into normalized
:class:`~policyengine.records.Record` objects. Sources are registered by plugins
through the ``register_sources`` hook (see ``hookspecs.py``); the ones policyengine
ships live in ``policyengine.plugins`` and are plugins like any other.

Reading never stops at the first bad row: each bad row becomes a
:class:`~policyengine.errors.Diagnostic` naming the file and row (CSV line, JSON
statement index and line), is counted as rejected, and the rest are read.
Problems with the input as a whole (file missing, database unreadable, a required
column absent) raise :class:`SourceOptionError`, naming the option at fault.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from policyengine.decimals import within_magnitude
from policyengine.errors import Diagnostic, Location, PolicyError, shorten
from policyengine.expr.types import Type
from policyengine.load.paths import (
    REGULAR_HINT,
    Confinement,
    FileTooLarge,
    NotRegularFile,
    PathRefused,
    check_regular,
    read_regular,
)
from policyengine.load.yaml_loader import load_yaml_file
from policyengine.records.model import Record, record_from_mapping

if TYPE_CHECKING:
    from policyengine.policy.model import Policy

__all__ = [
    "CreditSource",
    "SourceOptionError",
    "SourceOptions",
    "SourceResult",
    "load_data_file",
    "normalize",
    "plain_value",
    "read_input",
    "record_as_dict",
    "record_fields",
]

# Data files (exports, statements, dumps, databases) are larger than policy files; no
# source reads a larger one (input_path, read_input, load_data_file).
MAX_DATA_BYTES = 100_000_000
_DATE_ONLY = re.compile(r"^\s*[0-9]{4}-[0-9]{2}-[0-9]{2}\s*$")


@dataclass
class SourceResult:
    """What one source read: records, problems, and how many rows were read/rejected."""

    records: list[Record] = field(default_factory=list)
    problems: list[Diagnostic] = field(default_factory=list)
    rows_read: int = 0
    rows_rejected: int = 0
    # holder fields the input itself names (a holder-format records file), if any
    holder: dict[str, Any] | None = None

    def reject(self, *problems: Diagnostic) -> None:
        """Count one rejected row and keep every problem found in it."""
        self.rows_rejected += 1
        self.problems.extend(problems)


class SourceOptionError(PolicyError):
    """The input as a whole cannot be read; ``option`` names the option at fault."""

    def __init__(self, option: str, message: str, hint: str | None = None) -> None:
        self.option = option
        super().__init__(Diagnostic(message, None, hint=hint, code=f"source.{option}"))


class CreditSource:
    """Base class of credit sources. Subclass it and register the subclass.

    Class attributes:

    - ``name``: what a sources file writes as ``source:``; lower case, unique.
    - ``description``: one line, shown by ``policyengine plugins``.
    - ``fields``: extra record fields this source provides, with their expression
      types (``{"webinar_id": STRING}``), so policies can use ``record.webinar_id``
      and ``validate`` checks them.
    - ``options``: a JSON-Schema (draft 2020-12) fragment for the ``options:`` mapping
      of a sources-file entry. ``path`` (when given) arrives resolved against the
      sources file's directory.
    """

    name: ClassVar[str] = ""
    description: ClassVar[str] = ""
    fields: ClassVar[Mapping[str, Type]] = {}
    options: ClassVar[Mapping[str, Any]] = {"type": "object"}

    def read(
        self, options: Mapping[str, Any], *, tz: dt.tzinfo, policy: Policy | None = None
    ) -> SourceResult:
        """Read the input ``options`` describe; never raise for a bad row."""
        raise NotImplementedError


# ----------------------------------------------------------------------------- helpers


def record_fields(policy: Policy | None, own: Mapping[str, Type]) -> dict[str, Type]:
    """Extra record fields: the source's own plus the policy's ``records.fields``."""
    return {**own, **(policy.records.fields if policy is not None else {})}


class SourceOptions(dict[str, Any]):
    """The options of a sources-file entry as a source's ``read`` receives them: ``path``
    already resolved, and what :func:`input_path` needs to resolve another option that
    names a file: the sources file (``named_by``) and the run's ``confinement``."""

    def __init__(
        self, options: Mapping[str, Any], *, named_by: str, confinement: Confinement
    ) -> None:
        super().__init__(options)
        self.named_by, self.confinement = named_by, confinement


def input_path(options: Mapping[str, Any], option: str = "path") -> Path:
    """The input file named by ``options[option]``: a regular file (not a FIFO or a
    device) of at most MAX_DATA_BYTES; SourceOptionError naming the option otherwise.

    ``path`` arrives resolved against the sources file; another option is resolved
    here, and confined to the repository like ``path`` (see ``load/paths.py``)."""
    raw = options.get(option)
    if not raw:
        raise SourceOptionError(option, f"option '{option}' is required")
    path = Path(str(raw))
    if option != "path" and isinstance(options, SourceOptions):
        try:
            path = Path(options.confinement.resolve(options.named_by, str(raw)))
        except PathRefused as err:
            raise SourceOptionError(option, err.message, err.hint) from None
    try:
        check_input_file(path)
    except FileNotFoundError:
        raise SourceOptionError(
            option,
            f"no such file: {shorten(str(path), 240)}",
            "paths are relative to the sources file",
        ) from None
    except OSError as err:
        raise _unreadable(option, path, err) from None
    return path


def check_input_file(path: str | Path) -> None:
    """Raise OSError unless ``path`` is a regular file of at most MAX_DATA_BYTES."""
    check_regular(path, MAX_DATA_BYTES)


def _unreadable(option: str, path: Path, err: OSError) -> SourceOptionError:
    hint = (
        REGULAR_HINT
        if isinstance(err, NotRegularFile)
        else "split the input, or check that this is the right file"
        if isinstance(err, FileTooLarge)
        else "paths are relative to the sources file"
    )
    message = f"cannot read {shorten(str(path), 240)}: {err.strerror or err}"
    return SourceOptionError(option, message, hint)


def read_input(path: Path, option: str = "path") -> bytes:
    """The bytes of an input file (a regular file of at most MAX_DATA_BYTES), for a
    source that parses the file itself; SourceOptionError naming ``option`` otherwise."""
    try:
        return read_regular(path, MAX_DATA_BYTES)
    except OSError as err:
        raise _unreadable(option, path, err) from None


def load_data_file(path: Path) -> Any:
    """A JSON or YAML data file with positions (see yamlload); PolicyError if unreadable."""
    return load_yaml_file(path, max_bytes=MAX_DATA_BYTES)


def columns(options: Mapping[str, Any], defaults: Mapping[str, str]) -> dict[str, str]:
    """Record field -> CSV column: the defaults, overridden by ``options['mapping']``."""
    return {**defaults, **{str(k): str(v) for k, v in (options.get("mapping") or {}).items()}}


def data_items(
    path: Path, keys: tuple[str, ...], result: SourceResult, data: Any = None
) -> Iterator[tuple[int, Location, Mapping[str, Any]]]:
    """Items of a JSON/YAML list (the document, or the list under one of ``keys``).

    Yields ``(index, location, item)``; an item that is not a mapping is rejected.
    ``data`` is the loaded file, when the caller has loaded it already.
    """
    if data is None:
        data = load_data_file(path)
    items = data
    if isinstance(data, Mapping):
        found = [k for k in keys if k in data]
        if not found:
            raise SourceOptionError(
                "path",
                f"{path}: expected a list, or a mapping with "
                + " or ".join(f"'{k}'" for k in keys),
            )
        items = data[found[0]]
    if not isinstance(items, list):
        raise SourceOptionError("path", f"{path}: expected a list of items")
    fallback = Location(str(path), 1, 1)
    locs = getattr(items, "item_locs", [])
    for i, item in enumerate(items):
        where = locs[i] if i < len(locs) else fallback
        result.rows_read += 1
        if not isinstance(item, Mapping):
            result.reject(
                Diagnostic(
                    f"item {i} is not a mapping of keys to values", where, code="source.item"
                )
            )
            continue
        yield i, where, item


def _prepare(raw: Mapping[str, Any]) -> dict[str, Any]:
    """Text cells as record_from_mapping expects them: blanks dropped, numbers typed."""
    out: dict[str, Any] = {}
    for key, value in raw.items():
        if value is None or (isinstance(value, str) and not value.strip()):
            continue
        out[key] = value
    reg = out.get("registration")
    # int(Decimal("1E+999999999999999999")) would not end: out of range, left to be refused
    if (
        isinstance(reg, str)
        and reg.strip().isascii()
        and reg.strip().isdigit()
        and len(reg.strip()) <= 40
    ) or (isinstance(reg, Decimal) and within_magnitude(reg) and reg == reg.to_integral_value()):
        out["registration"] = int(reg)
    if isinstance(out.get("tags"), str):
        out["tags"] = [t.strip() for t in out["tags"].split(";") if t.strip()]
    for base in ("earned", "recorded"):
        if base in out:  # a date or a timestamp, told apart by its shape
            value = out.pop(base)
            if isinstance(value, (dt.date, dt.datetime)):
                value = value.isoformat()
            out[f"{base}_on" if _DATE_ONLY.match(str(value)) else f"{base}_at"] = str(value).strip()
    return out


def normalize(
    raw: Mapping[str, Any],
    tz: dt.tzinfo,
    result: SourceResult,
    *,
    where: Location,
    extra_fields: Mapping[str, Type],
    label: str = "",
    problems: Sequence[Diagnostic] = (),
) -> Record | None:
    """One raw row -> a Record added to ``result``, or a rejected row with its problems.

    ``raw`` uses record field names (``earned``/``recorded`` may hold a date or a
    timestamp). Problems without a position of their own are placed at ``where``;
    ``label`` (e.g. "statement 3") prefixes their messages. ``problems`` already
    found in the row (by the source's own checks) reject it too, reported together
    with those found here.
    """
    record, found = record_from_mapping(
        _prepare(raw),
        tz,
        index=len(result.records),
        extra_fields=extra_fields,
        origin=f"{where.file}:{where.line}",
    )
    if record is None or problems:
        prefix = f"{label}: " if label else ""
        result.reject(
            *problems,
            *(
                Diagnostic(prefix + p.message, p.location or where, p.hint, p.code)
                for p in found or ([] if problems else [Diagnostic("row rejected", where)])
            ),
        )
        return None
    result.records.append(record)
    return record


def plain_value(value: Any) -> Any:
    """A field value as JSON data: decimals as strings, dates ISO 8601, lists."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, (tuple, list)):
        return [plain_value(v) for v in value]
    return value


def record_as_dict(record: Record) -> dict[str, Any]:
    """A record as plain JSON data (decimals as strings, dates ISO 8601)."""
    return {
        "id": record.id,
        "earned_on": record.earned_on.isoformat(),
        "recorded_on": record.recorded_on.isoformat(),
        "credits": None if record.credits is None else str(record.credits),
        "status": record.status,
        "course": record.course,
        "registration": record.registration,
        "origin": record.origin,
        "fields": {k: plain_value(v) for k, v in sorted(record.fields.items())},
    }
