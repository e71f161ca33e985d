"""What each expression in a policy can see: the object types and the scope of every place.

A policy's expressions are checked statically against these types, so a misspelled
field (``record.earnd_on``) or a date compared with a number is reported by
``policyengine validate`` with its line and column, before any member is evaluated.
Credit-source plugins and the policy's ``records.fields`` add record fields.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Mapping

from policyengine.expr.types import (
    BOOL,
    DATE,
    DATETIME,
    NUMBER,
    STRING,
    ListType,
    ObjectType,
    Type,
)

FIELD_TYPES: dict[str, Type] = {
    "number": NUMBER,
    "string": STRING,
    "bool": BOOL,
    "date": DATE,
    "datetime": DATETIME,
    "list<string>": ListType(STRING),
}

HOLDER_FIELDS: dict[str, Type] = {
    "id": STRING,
    "name": STRING,
    "designated_on": DATE,
    "registered_on": DATE,
    "birth_date": DATE,
    "status": STRING,
    # the initial certification date, once the initial period is complete
    "certified_on": DATE,
}

RECORD_FIELDS: dict[str, Type] = {
    "id": STRING,
    "title": STRING,
    "kind": STRING,
    "source": STRING,
    "category": STRING,
    "course": STRING,
    "provider": STRING,
    "registration": NUMBER,
    "credits": NUMBER,
    "minutes": NUMBER,
    # the effective earned date (after the adjustments the policy accepts)
    "earned_on": DATE,
    "original_earned_on": DATE,
    "recorded_on": DATE,
    "status": STRING,
    "tags": ListType(STRING),
}

PERIOD_START_FIELDS: dict[str, Type] = {
    "number": NUMBER,  # 1-based position among all the holder's periods
    "renewal_number": NUMBER,  # 0 for the initial period, 1 for the first renewal, ...
    "kind": STRING,  # "initial" or "renewal"
    "first_renewal": BOOL,
    "start": DATE,
}
PERIOD_FIELDS: dict[str, Type] = {
    **PERIOD_START_FIELDS,
    "end": DATE,
    "grace_end": DATE,  # end + the policy's grace period (= end without one)
    "window_start": DATE,  # end + 1 day - the policy's window (= start without one)
}
# What a status rule sees of the period the holder's status is about.
PERIOD_STATE_FIELDS: dict[str, Type] = {**PERIOD_FIELDS, "complete": BOOL, "late": BOOL}

ADJUSTMENT_FIELDS: dict[str, Type] = {
    "to": DATE,
    "by": STRING,
    "role": STRING,
    "at": DATETIME,
    "on": DATE,  # the calendar date of ``at`` in the policy's time zone
    "reason": STRING,
    "direction": STRING,  # "backdate" or "pushdate"
}

ITEM_FIELDS: dict[str, Type] = {
    "id": STRING,
    "title": STRING,
    "product_type": STRING,
    "credits": NUMBER,
    "price": NUMBER,
}

PACKAGE_FIELDS: dict[str, Type] = {
    "id": STRING,
    "credits": NUMBER,
    "purchased_at": DATETIME,
    "purchased_on": DATE,
}


def record_type(extra: Mapping[str, Type] | None = None) -> ObjectType:
    return ObjectType("record", {**RECORD_FIELDS, **(extra or {})})


def constants_type(constants: Mapping[str, Type]) -> ObjectType:
    return ObjectType("const", dict(constants))


def object_types(
    record_extra: Mapping[str, Type] | None = None,
    constants: Mapping[str, Type] | None = None,
) -> dict[str, Type]:
    """Every name an expression may use, before narrowing to one place's scope."""
    item = ObjectType("item", ITEM_FIELDS)
    return {
        "holder": ObjectType("holder", HOLDER_FIELDS),
        "record": record_type(record_extra),
        "period": ObjectType("period", PERIOD_FIELDS),
        "period_start": ObjectType("period", PERIOD_START_FIELDS),
        "period_state": ObjectType("period", PERIOD_STATE_FIELDS),
        "status": STRING,
        "year": ObjectType("year", {"number": NUMBER, "start": DATE, "end": DATE, "full": BOOL}),
        "adjustment": ObjectType("adjustment", ADJUSTMENT_FIELDS),
        "item": item,
        "cart": ObjectType("cart", {"items": ListType(item), "total_credits": NUMBER}),
        "package": ObjectType("package", PACKAGE_FIELDS),
        "const": constants_type(constants or {}),
        "as_of": DATE,
    }


# (path pattern, names in scope). Paths are dotted, list indices written as '*'.
# The first matching pattern wins. ``period_start`` is exposed to expressions as
# ``period`` (a period whose end is not known yet), and so is ``period_state`` (a period
# with its completion, for status rules).
SCOPES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("periods.initial.start", ("holder", "const")),
    ("periods.renewal.start", ("holder", "const")),
    ("periods.*.end", ("holder", "const", "period_start")),
    ("*requirements.*.per_year.min", ("holder", "period", "year", "const")),
    ("*requirements.*.min", ("holder", "period", "const")),
    ("*requirements.*.max", ("holder", "period", "const")),
    ("carry_over.max", ("holder", "period", "const")),
    ("records.*", ("record", "holder", "const")),
    ("adjustments.*", ("record", "period", "holder", "adjustment", "const")),
    ("statuses.*", ("holder", "period_state", "as_of", "status", "const")),
    ("cart.item_cost", ("item", "const")),
    ("cart.eligible_item", ("item", "const")),
    ("cart.rules.*", ("cart", "as_of", "const")),
    # validity rules, requirement filters, carry-over conditions
    ("*", ("record", "period", "holder", "const")),
)


def scope_names(path: str) -> tuple[str, ...]:
    for pattern, names in SCOPES:
        if fnmatch.fnmatchcase(path, pattern):
            return names
    raise KeyError(path)  # unreachable: the last pattern matches everything


def scope_for(path: str, types: Mapping[str, Type]) -> dict[str, Type]:
    """The names visible at ``path``, as the expression sees them."""
    out: dict[str, Type] = {}
    for name in scope_names(path):
        out["period" if name.startswith("period") else name] = types[name]
    return out
