"""Holders and their credit records, normalized from files or from credit sources.

Every credit source (the holder file format, portal exports, uploads, LMS transcripts,
xAPI, SQL) produces the same :class:`Record`: an original earned date on the policy's
calendar, the date it was recorded, exact credits, a status, an optional course and
registration number, the staff adjustments of its earned date, and where it came
from (``origin``) so explanations can point at it. Bad values are reported with
their ``file:line:col``, all of them, never dropped silently.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from policyengine import dates
from policyengine.decimals import (
    NUMBER_HINT,
    NUMBER_LIMIT,
    NUMBER_RANGE,
    NumberRangeError,
    check_number,
    number_shown,
)
from policyengine.errors import Diagnostic, Location, PolicyError
from policyengine.expr import types as T
from policyengine.load.schema import validate_against
from policyengine.load.yaml_loader import load_yaml_file, locate
from policyengine.policy.scopes import HOLDER, RECORD

# The record's plain text fields, "" when the data does not give them (scopes.RECORD).
STRING_FIELDS = tuple(
    f.name
    for f in RECORD.fields
    if f.type == T.STRING and not f.optional and f.name not in ("id", "status")
)
# Optional record fields every record may carry (beyond the policy's and the sources').
OPTIONAL_FIELDS = {f.name: f.type for f in RECORD.fields if f.optional}
# The holder's dates read from the data (scopes.HOLDER; certified_on is computed).
HOLDER_DATES = tuple(
    f.name for f in HOLDER.fields if f.type == T.DATE and f.optional and not f.computed
)


# a number whose exponent is beyond what Decimal can hold (Decimal raises for it)
_EXPONENT = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)[eE][+-]?[0-9]+")


@dataclass(frozen=True)
class Adjustment:
    """A change of a record's earned date, as data: who, in which role, when, why."""

    to: dt.date
    by: str
    role: str
    at: dt.datetime
    on: dt.date  # the calendar date of ``at`` in the policy's time zone
    reason: str = ""


@dataclass(frozen=True)
class Record:
    """One credit or training item, normalized."""

    id: str
    earned_on: dt.date  # original earned date, in the policy's time zone
    recorded_on: dt.date
    credits: Decimal | None
    status: str = "approved"
    course: str | None = None
    registration: int | None = None
    adjustments: tuple[Adjustment, ...] = ()
    fields: Mapping[str, Any] = field(default_factory=dict)  # what expressions may read
    origin: str = ""  # "file:line" where the record came from
    order: int = 0  # position in the input, the last tie-break of every sort


@dataclass(frozen=True)
class Holder:
    id: str
    fields: Mapping[str, Any]  # holder.* as expressions see it (dates parsed)
    origin: str = ""


def record_values(
    record: Record, *, effective_on: dt.date | None = None, credits: Decimal | None = None
) -> dict[str, Any]:
    """The record as an expression sees it (``scopes.RECORD``), the one place this is built.

    ``effective_on``: the earned date that counts after adjustments (default: the
    original date); ``credits``: the credits that count (default: as recorded)."""
    values = {
        **record.fields,
        "earned_on": effective_on or record.earned_on,
        "original_earned_on": record.earned_on,
        "recorded_on": record.recorded_on,
    }
    if credits is not None:
        values["credits"] = credits
    return values


def record_key(
    record: Record,
    names: tuple[str, ...],
    effective_on: dt.date | None = None,
    credits: Decimal | None = None,
) -> tuple[object, ...] | None:
    """The values :func:`record_values` gives the fields ``names`` (with the same
    ``effective_on`` and ``credits``), each after its type (``1`` and ``True``, or a date
    and a datetime, are different keys); None when one of them is not there."""
    if len(names) == 1 and names[0] not in OWN_FIELDS:  # the usual case: one field, as given
        given = record.fields.get(names[0], _ABSENT)
        return None if given is _ABSENT else (type(given), given)
    out: list[object] = []
    for name in names:
        if name == "earned_on":
            value: object = effective_on or record.earned_on
        elif name == "original_earned_on":
            value = record.earned_on
        elif name == "recorded_on":
            value = record.recorded_on
        elif name == "credits" and credits is not None:
            value = credits
        else:
            value = record.fields.get(name, _ABSENT)
            if value is _ABSENT:
                return None
        out += (type(value), value)
    return tuple(out)


_ABSENT = object()
# what record_values adds to a record's fields (not fields themselves)
OWN_FIELDS = frozenset(("earned_on", "original_earned_on", "recorded_on", "credits"))


def parse_decimal(raw: Any, what: str) -> Decimal:
    """An exact decimal from a YAML/JSON number or string; never via float. Every number
    a source reads comes through here, so all of them obey the numeric range
    (``decimals.check_number``: a :class:`NumberRangeError`, a ``ValueError``)."""
    if isinstance(raw, bool):
        raise ValueError(f"{what} must be a number, not {str(raw).lower()}")
    if type(raw) is int and 0 <= raw < NUMBER_LIMIT:  # the usual case, in range as it is
        return Decimal(raw)
    text: str | None = None
    if isinstance(raw, (int, Decimal)):
        value = Decimal(raw)
    else:
        text = str(raw).strip()
        try:
            value = Decimal(text)
        except InvalidOperation:  # not a number, or an exponent beyond what Decimal holds
            if _EXPONENT.fullmatch(text):
                raise NumberRangeError(
                    f"{what} {number_shown(text)} is out of range: {NUMBER_RANGE}"
                ) from None
            raise ValueError(f"{what} must be a number, got '{number_shown(text)}'") from None
    if not value.is_finite():
        raise ValueError(f"{what} must be a finite number, got '{raw}'")
    check_number(value, what, text)
    if value < 0:
        raise ValueError(f"{what} cannot be negative, got {raw}")
    return value


def _hint(key: str, err: ValueError) -> str | None:
    """How to fix a bad date, timestamp or number of a record."""
    if isinstance(err, NumberRangeError):
        return NUMBER_HINT
    if key.endswith("_at"):
        return "write e.g. 2025-07-31T23:30:00-07:00 (no offset: the policy's time zone)"
    return "write YYYY-MM-DD, e.g. 2025-07-31" if key.endswith("_on") else None


def _loc(data: Any, path: Sequence[Any]) -> Location | None:
    try:
        return locate(data, list(path))
    except Exception:  # noqa: BLE001 - plain dicts from the API have no positions
        return None


def _origin(loc: Location | None, fallback: str) -> str:
    return f"{loc.file}:{loc.line}" if loc else fallback


def convert_field(raw: Any, type_: T.Type, tz: dt.tzinfo, what: str) -> Any:
    """A raw value as the expression type ``type_`` expects it."""
    if type_ == T.NUMBER:
        return parse_decimal(raw, what)
    if type_ == T.DATE:
        return dates.parse_date(str(raw))
    if type_ == T.DATETIME:
        return dates.parse_datetime(str(raw), tz)
    if type_ == T.BOOL:
        if not isinstance(raw, bool):
            raise ValueError(f"{what} must be true or false")
        return raw
    if isinstance(type_, T.ListType):
        if not isinstance(raw, list):
            raise ValueError(f"{what} must be a list")
        return tuple(str(x) for x in raw)
    return str(raw)


def holder_from_mapping(
    raw: Mapping[str, Any], tz: dt.tzinfo, data: Any, problems: list[Diagnostic]
) -> Holder:
    fields: dict[str, Any] = {"id": str(raw.get("id", "")), "name": str(raw.get("name", ""))}
    fields["status"] = str(raw.get("status", ""))
    for key in HOLDER_DATES:
        if key in raw:
            try:
                fields[key] = dates.parse_date(str(raw[key]))
            except ValueError as err:
                problems.append(
                    Diagnostic(str(err), _loc(data, ["holder", key]), code="holder.date")
                )
    return Holder(fields["id"], fields, _origin(_loc(data, ["holder"]), "holder"))


def _typed_fields(
    raw: Mapping[str, Any], extra: Mapping[str, T.Type] | None
) -> Iterator[tuple[str, T.Type]]:
    """The optional and the policy's own fields ``raw`` gives, with their types (the
    policy's type wins), in the order of ``{**OPTIONAL_FIELDS, **extra}``."""
    for key, type_ in OPTIONAL_FIELDS.items():
        if key in raw:
            yield key, (extra.get(key, type_) if extra else type_)
    if extra:
        for key, type_ in extra.items():
            if key in raw and key not in OPTIONAL_FIELDS:
                yield key, type_


def record_from_mapping(
    raw: Mapping[str, Any],
    tz: dt.tzinfo,
    *,
    index: int,
    data: Any = None,
    path: Sequence[Any] = (),
    extra_fields: Mapping[str, T.Type] | None = None,
    origin: str | None = None,
) -> tuple[Record | None, list[Diagnostic]]:
    """Normalize one raw record; returns (record or None, problems)."""
    problems: list[Diagnostic] = []

    def here() -> Location | None:  # the record's place, looked up only when needed
        return _loc(data, path)

    def bad(key: str, message: str, hint: str | None = None) -> None:
        problems.append(
            Diagnostic(message, _loc(data, [*path, key]) or here(), hint=hint, code="record")
        )

    rid = str(raw.get("id", f"#{index + 1}"))
    earned: dt.date | None = None
    try:
        if "earned_at" in raw:
            earned = dates.local_date(dates.parse_datetime(str(raw["earned_at"]), tz), tz)
        elif "earned_on" in raw:
            earned = dates.parse_date(str(raw["earned_on"]))
        else:
            bad("id", f"record '{rid}' has no earned date", "add earned_on: YYYY-MM-DD")
    except ValueError as err:
        key = "earned_at" if "earned_at" in raw else "earned_on"
        bad(key, f"record '{rid}': {err}", _hint(key, err))
    recorded = earned
    try:
        if "recorded_at" in raw:
            recorded = dates.local_date(dates.parse_datetime(str(raw["recorded_at"]), tz), tz)
        elif "recorded_on" in raw:
            recorded = dates.parse_date(str(raw["recorded_on"]))
    except ValueError as err:
        key = "recorded_at" if "recorded_at" in raw else "recorded_on"
        bad(key, f"record '{rid}': {err}", _hint(key, err))
    credits = minutes = None
    for key in ("credits", "minutes"):
        if key in raw:
            try:
                value = parse_decimal(raw[key], key)
            except ValueError as err:
                bad(key, f"record '{rid}': {err}", _hint(key, err))
                continue
            if key == "credits":
                credits = value
            else:
                minutes = value
    registration = raw.get("registration")
    if registration is not None and (
        isinstance(registration, bool)
        or not isinstance(registration, int)
        or not 1 <= registration < NUMBER_LIMIT
    ):
        bad(
            "registration",
            f"record '{rid}': registration must be a whole number from 1 to {NUMBER_LIMIT - 1}",
        )
        registration = None
    adjustments: list[Adjustment] = []
    for i, adj in enumerate(raw.get("adjustments") or []):
        key = "at"  # the value being read, where a bad one is reported
        try:
            at = dates.parse_datetime(str(adj[key]), tz)
            key = "to"
            adjustments.append(
                Adjustment(
                    to=dates.parse_date(str(adj[key])),
                    by=str(adj.get("by", "")),
                    role=str(adj.get("role", "")),
                    at=at,
                    on=dates.local_date(at, tz),
                    reason=str(adj.get("reason", "")),
                )
            )
        except (KeyError, ValueError) as err:
            problems.append(
                Diagnostic(
                    f"record '{rid}', adjustment {i + 1}: {err}",
                    _loc(data, [*path, "adjustments", i, key])
                    or _loc(data, [*path, "adjustments", i])
                    or here(),
                    hint="an adjustment needs to, by, role and at",
                    code="record.adjustment",
                )
            )
    fields: dict[str, Any] = {"id": rid, "status": str(raw.get("status", "approved"))}
    for key in STRING_FIELDS:
        fields[key] = str(raw.get(key, ""))
    fields["registration"] = Decimal(registration or 1)
    fields["credits"] = credits if credits is not None else Decimal(0)
    fields["minutes"] = minutes if minutes is not None else Decimal(0)
    tags = raw.get("tags") or ()
    if isinstance(tags, (list, tuple)):
        fields["tags"] = tuple(str(t) for t in tags)
    else:
        fields["tags"] = ()
        bad(
            "tags",
            f"record '{rid}': tags must be a list of strings, not {type(tags).__name__}"
            f" {str(tags)[:40]!r}",
            hint="give tags as a list, or as one text with ';' between them",
        )
    for key, type_ in _typed_fields(raw, extra_fields):
        try:
            fields[key] = convert_field(raw[key], type_, tz, key)
        except ValueError as err:
            bad(key, f"record '{rid}': {err}")
    if problems or earned is None or recorded is None:
        return None, problems
    return (
        Record(
            id=rid,
            earned_on=earned,
            recorded_on=recorded,
            credits=credits,
            status=fields["status"],
            course=str(raw["course"]) if raw.get("course") else None,
            registration=registration,
            adjustments=tuple(adjustments),
            fields=fields,
            origin=origin or _origin(here(), f"record {index + 1}"),
            order=index,
        ),
        [],
    )


def load_holder(
    path: str, tz: dt.tzinfo, *, extra_fields: Mapping[str, T.Type] | None = None
) -> tuple[Holder, list[Record]]:
    """Read a holder file (JSON or YAML); raise PolicyError listing every problem."""
    data = load_yaml_file(path)
    problems = validate_against(data, "holder")
    if problems:
        raise PolicyError(problems)
    return holder_from_document(data, tz, extra_fields=extra_fields)


def holder_from_document(
    data: Mapping[Any, Any],
    tz: dt.tzinfo,
    *,
    extra_fields: Mapping[str, T.Type] | None = None,
    origin: str | None = None,
) -> tuple[Holder, list[Record]]:
    """The holder and records of a holder document. ``origin``: where every record comes
    from, for a document without positions (a JSONL line); otherwise each record's own
    ``file:line``."""
    problems: list[Diagnostic] = []
    holder = holder_from_mapping(data["holder"], tz, data, problems)
    records: list[Record] = []
    seen: dict[str, int] = {}
    for i, raw in enumerate(data.get("records") or []):
        record, errs = record_from_mapping(
            raw,
            tz,
            index=i,
            data=data,
            path=["records", i],
            extra_fields=extra_fields,
            origin=origin,
        )
        problems.extend(errs)
        if record is None:
            continue
        if record.id in seen:
            problems.append(
                Diagnostic(
                    f"duplicate record id '{record.id}' "
                    f"(first used by record {seen[record.id] + 1})",
                    _loc(data, ["records", i, "id"]),
                    hint="give every record its own id",
                    code="record.duplicate-id",
                )
            )
        seen.setdefault(record.id, i)
        records.append(record)
    if problems:
        raise PolicyError(problems)
    return holder, records
