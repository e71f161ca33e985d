"""The batch's shortcut for plain holder documents: checked and built in one pass.

Most JSONL holders of a batch are "plain": the holder's own keys, and records that give
only the plain fields (:data:`PLAIN_KEYS`: ids, texts, ``credits``/``minutes``,
``earned_on``/``recorded_on`` dates, ``status``, ``tags``, ``registration``), each a value
the JSON Schema accepts. For those, :func:`plain_holder` checks the shape with a few
type tests (never accepting what the schema refuses) and builds the same
:class:`Holder` and :class:`Record` values as
:func:`~policyengine.records.model.holder_from_document`, from parsed dates and numbers
remembered per text (the same dates and credits recur across a population). Anything
else — another key, a value of another type, a date or number the full reader would
refuse, a repeated record id — returns None, and the caller takes the full path (the
schema validator, then ``holder_from_document``), which decides and reports as before.
``tests/records/test_plain.py`` checks that both paths build equal values.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from policyengine import dates
from policyengine.decimals import NUMBER_LIMIT
from policyengine.errors import Diagnostic
from policyengine.expr import types as T
from policyengine.records.model import (
    OPTIONAL_FIELDS,
    STRING_FIELDS,
    Holder,
    Record,
    holder_from_mapping,
    parse_decimal,
)

# What the schema says of each plain key's value, as a type test here (stricter, never looser).
_TEXTS = ("id", "status", *STRING_FIELDS)
PLAIN_KEYS = frozenset(
    (*_TEXTS, "credits", "minutes", "earned_on", "recorded_on", "tags", "registration")
)
_HOLDER_KEYS = frozenset(("id", "name", "designated_on", "registered_on", "birth_date", "status"))
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")  # the schema's pattern, without a final \n
_NUMBER = re.compile(r"-?[0-9]+(?:\.[0-9]+)?")  # the schema's pattern for a number as text
_ZERO, _ONE = Decimal(0), Decimal(1)
# The type each plain key's value must have (None: credits and minutes, checked when read).
_TYPES: dict[str, type | None] = {
    **dict.fromkeys(_TEXTS, str),
    "earned_on": str,
    "recorded_on": str,
    "credits": None,
    "minutes": None,
    "tags": list,
    "registration": int,
}
# Dates and number texts read so far, by their text (parsing is a pure function of it:
# a cache, bounded, of what the full reader would build again).
_CACHED = 65_536
_DATES: dict[str, dt.date] = {}
_NUMBERS: dict[str, Decimal] = {}
_new_record = object.__new__
# A plain record's fields before its values are read: record_from_mapping's keys, in its
# order, with its defaults (the id is always given)
_BLANK: dict[str, Any] = {
    "id": "",
    "status": "approved",
    **dict.fromkeys(STRING_FIELDS, ""),
    "registration": _ONE,
    "credits": _ZERO,
    "minutes": _ZERO,
    "tags": (),
}
_BLANK_TEXTS = frozenset(_TEXTS)


def _date(text: Any) -> dt.date | None:
    """The date of a ``YYYY-MM-DD`` text (remembered), None when it is not one."""
    known = _DATES.get(text)
    if known is not None or type(text) is not str:
        return known
    if not _DATE.fullmatch(text):
        return None
    try:
        value = dates.parse_date(text)
    except ValueError:
        return None
    if len(_DATES) < _CACHED:
        _DATES[text] = value
    return value


def _number(raw: Any) -> Decimal | None:
    """``parse_decimal(raw)`` for a value the schema accepts (remembered for a text), or
    None (not one, or one the full reader refuses)."""
    known = _NUMBERS.get(raw) if type(raw) is str else None
    if known is not None:
        return known
    kind = type(raw)
    if kind is str and not _NUMBER.fullmatch(raw):
        return None
    if kind is not str and kind is not int and kind is not Decimal:
        return None
    try:
        value = parse_decimal(raw, "credits")  # the name is in messages only
    except ValueError:
        return None
    if kind is str and len(_NUMBERS) < _CACHED:
        _NUMBERS[raw] = value
    return value


def plain_keys(extra_fields: Mapping[str, T.Type] | None) -> frozenset[str]:
    """The record keys this path takes under a policy declaring ``extra_fields``."""
    return PLAIN_KEYS - set(OPTIONAL_FIELDS) - set(extra_fields or ())


def plain_holder(
    data: Any, tz: dt.tzinfo, keys: frozenset[str], origin: str
) -> tuple[Holder, list[Record]] | None:
    """The holder of a plain document (``keys``: :func:`plain_keys`), else None."""
    if type(data) is not dict or not data.keys() <= {"holder", "records"} or "holder" not in data:
        return None
    raw_holder = data["holder"]
    if not _plain_holder(raw_holder):
        return None
    problems: list[Diagnostic] = []
    holder = holder_from_mapping(raw_holder, tz, data, problems)
    raws = data.get("records", [])
    if problems or type(raws) is not list:
        return None
    records: list[Record] = []
    seen: set[str] = set()
    for index, raw in enumerate(raws):
        record = _record(raw, keys, index, origin)
        if record is None or record.id in seen:
            return None
        seen.add(record.id)
        records.append(record)
    return holder, records


def _plain_holder(raw: Any) -> bool:
    if type(raw) is not dict or not raw.keys() <= _HOLDER_KEYS:
        return False
    for key, value in raw.items():
        if type(value) is not str:
            return False
        if key.endswith(("_on", "_date")) and not _DATE.fullmatch(value):
            return False
    return bool(raw.get("id"))


def _record(raw: Any, keys: frozenset[str], index: int, origin: str) -> Record | None:
    """``record_from_mapping`` of a plain record, or None when it is not one or is bad."""
    if type(raw) is not dict or not raw.keys() <= keys:
        return None
    # the fields in record_from_mapping's order, texts as given
    fields: dict[str, Any] = _BLANK.copy()
    for key, value in raw.items():
        want = _TYPES[key]
        if want is not None and type(value) is not want:
            return None
        if key in _BLANK_TEXTS:
            fields[key] = value
    rid = fields["id"]
    if not rid:
        return None
    earned = _date(raw.get("earned_on"))
    recorded = _date(raw.get("recorded_on")) if "recorded_on" in raw else earned
    if earned is None or recorded is None:
        return None
    credits = minutes = None
    if "credits" in raw and (credits := _number(raw["credits"])) is None:
        return None
    if "minutes" in raw and (minutes := _number(raw["minutes"])) is None:
        return None
    registration = raw.get("registration")
    if registration is not None and not 1 <= registration < NUMBER_LIMIT:
        return None
    tags = raw.get("tags")
    if tags:
        for tag in tags:
            if type(tag) is not str:
                return None
    if registration:
        fields["registration"] = Decimal(registration)
    if credits is not None:
        fields["credits"] = credits
    if minutes is not None:
        fields["minutes"] = minutes
    if tags:
        fields["tags"] = tuple(tags)
    record = _new_record(Record)
    # what Record(...) sets, without the frozen dataclass's one __setattr__ per field
    # (tests/records/test_plain.py checks this names every field)
    record.__dict__.update(
        id=rid,
        earned_on=earned,
        recorded_on=recorded,
        credits=credits,
        status=fields["status"],
        course=raw.get("course") or None,
        registration=registration,
        adjustments=(),
        fields=fields,
        origin=origin,
        order=index,
    )
    return record
