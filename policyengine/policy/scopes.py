"""What each expression in a policy can see: one declaration per scope, one per place.

Every object an expression reads (``record``, ``holder``, ``period``, ``cart``, ...) is
declared here once, with each field's type and meaning. Three things are built from
these declarations and nothing else:

* the checker's types: a misspelt field (``record.earnd_on``) or a date compared with
  a number is reported by ``policyengine validate`` at its line and column;
* the run-time values: the views that build what an expression sees (``record_values``
  in ``records.model``, ``Period.values`` ...) take their field lists from here, and a
  meta-test checks, on every bundled policy and scenario, that each view holds exactly
  the declared fields;
* ``docs/expressions.md``, the administrator's reference (``python -m
  policyengine.policy.reference`` writes it; a test fails when it is out of date).

A field is *always* present, or *optional*: present only when the data gives it
(``holder.birth_date``), and reading a missing one is an error naming the field.
Credit-source plugins and a policy's ``records.fields`` add optional record fields.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Mapping
from dataclasses import dataclass

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


@dataclass(frozen=True)
class Field:
    """One field of an object an expression reads."""

    name: str
    type: Type
    meaning: str
    optional: bool = False  # present only when the data gives it
    computed: bool = False  # set by the engine during evaluation, never read from data


@dataclass(frozen=True)
class ObjectScope:
    """An object expressions read (``record``, ``period``, ...), with its fields."""

    name: str  # the name expressions use
    meaning: str
    fields: tuple[Field, ...]

    def field_types(self) -> dict[str, Type]:
        return {f.name: f.type for f in self.fields}

    def object_type(self, extra: Mapping[str, Type] | None = None) -> ObjectType:
        """The checker's type of this object (``extra``: optional fields added by plugins
        and the policy's ``records.fields``)."""
        return ObjectType(self.name, {**self.field_types(), **(extra or {})})

    def names(self, *, optional: bool | None = None) -> tuple[str, ...]:
        """Field names; ``optional=False`` only those always present."""
        return tuple(f.name for f in self.fields if optional is None or f.optional == optional)


HOLDER = ObjectScope(
    "holder",
    "the member holding (or working toward) the designation",
    (
        Field("id", STRING, "the holder's id (holder file `holder.id`)"),
        Field("name", STRING, "the holder's name (empty when not given)"),
        Field(
            "status", STRING, "the holder's status in the membership system (empty when not given)"
        ),
        Field("designated_on", DATE, "when the designation was earned", optional=True),
        Field(
            "registered_on", DATE, "when the holder registered for the certification", optional=True
        ),
        Field("birth_date", DATE, "the holder's date of birth", optional=True),
        Field(
            "certified_on",
            DATE,
            "the initial certification date: present once the initial period is complete",
            optional=True,
            computed=True,
        ),
    ),
)

RECORD = ObjectScope(
    "record",
    "one credit or training item of the holder",
    (
        Field("id", STRING, "the record's id, unique within the holder"),
        Field("title", STRING, "the course or event title (empty when not given)"),
        Field("kind", STRING, "what kind of activity it was, e.g. webinar (empty when not given)"),
        Field("source", STRING, "where it came from, e.g. portal or upload (empty when not given)"),
        Field("category", STRING, "its category as the source states it (empty when not given)"),
        Field("course", STRING, "the training item's course code (empty when not given)"),
        Field("provider", STRING, "who provided it (empty when not given)"),
        Field(
            "registration",
            NUMBER,
            "the registration number of the training item (1 when not given)",
        ),
        Field(
            "credits",
            NUMBER,
            "its credits: in `records.*` rules as recorded (0 when not "
            "given); elsewhere the credits that count (after "
            "`records.credits`, the conversion or a carry-over)",
        ),
        Field("minutes", NUMBER, "its length in minutes (0 when not given)"),
        Field(
            "earned_on",
            DATE,
            "the earned date that counts: in `records.*` rules the "
            "original date; elsewhere the effective date, after the staff "
            "adjustments the policy accepts",
        ),
        Field("original_earned_on", DATE, "the earned date as recorded, before any adjustment"),
        Field("recorded_on", DATE, "when it was recorded (the earned date when not given)"),
        Field(
            "status",
            STRING,
            "approved, pending, declined or the source's own word (approved when not given)",
        ),
        Field("tags", ListType(STRING), "its tags (empty when not given)"),
        Field(
            "member",
            STRING,
            "the member id the credit source gives (records read through a sources file)",
            optional=True,
        ),
    ),
)

_PERIOD_START = (
    Field("number", NUMBER, "the period's position among all the holder's periods, from 1"),
    Field(
        "renewal_number", NUMBER, "0 for the initial period, 1 for the first renewal period, ..."
    ),
    Field("kind", STRING, "initial or renewal"),
    Field("first_renewal", BOOL, "whether it is the first renewal period"),
    Field("start", DATE, "its first day (inclusive)"),
    Field(
        "previous_end",
        DATE,
        "the last day of the period before it in the holder's chain (a new expiry date "
        "counted from the old one: add_months(period.previous_end, 24))",
        optional=True,
    ),
)
_PERIOD = (
    *_PERIOD_START,
    Field("end", DATE, "its last day (inclusive)"),
    Field("grace_end", DATE, "the last day of its grace period (its end without one)"),
    Field(
        "window_start", DATE, "the first day of its recertification window (its start without one)"
    ),
)
PERIOD = ObjectScope("period", "a period (cycle) of the holder's certification", _PERIOD)
PERIOD_START = ObjectScope(
    "period", "the period being laid out: its end is not known yet", _PERIOD_START
)
PERIOD_STATE = ObjectScope(
    "period",
    "the period the holder's status is about",
    (
        *_PERIOD,
        Field("complete", BOOL, "whether its requirements are met"),
        Field("late", BOOL, "whether it was completed by credits earned in its grace period"),
    ),
)
YEAR = ObjectScope(
    "year",
    "one year of a period, for per-year minimums",
    (
        Field("number", NUMBER, "the year's position in the period, from 1"),
        Field("start", DATE, "its first day (inclusive)"),
        Field("end", DATE, "its last day (inclusive)"),
        Field(
            "full",
            BOOL,
            "whether it is a whole year: a calendar year not clipped by the "
            "period, or twelve months from the period start",
        ),
    ),
)
ADJUSTMENT = ObjectScope(
    "adjustment",
    "a change of a record's earned date",
    (
        Field("to", DATE, "the new earned date"),
        Field("by", STRING, "who made the change"),
        Field("role", STRING, "the role they made it in, e.g. staff or member"),
        Field("at", DATETIME, "when the change was made"),
        Field("on", DATE, "the calendar day of `at` in the policy's time zone"),
        Field("reason", STRING, "why (empty when not given)"),
        Field("direction", STRING, "backdate or pushdate"),
    ),
)
ITEM = ObjectScope(
    "item",
    "one product in a checkout cart",
    (
        Field("id", STRING, "the product's id"),
        Field("title", STRING, "the product's title"),
        Field("product_type", STRING, "e.g. webcast, self-study, seminar, flexcast"),
        Field("credits", NUMBER, "the CPE credits the product carries"),
        Field("price", NUMBER, "its price (0 when not given)"),
    ),
)
CART = ObjectScope(
    "cart",
    "the products a member wants to pay with credits",
    (
        Field("items", ListType(ITEM.object_type()), "the products, each an `item`"),
        Field("total_credits", NUMBER, "the credits of all products together"),
    ),
)

OBJECTS: tuple[ObjectScope, ...] = (
    HOLDER,
    RECORD,
    PERIOD,
    PERIOD_START,
    PERIOD_STATE,
    YEAR,
    ADJUSTMENT,
    ITEM,
    CART,
)


@dataclass(frozen=True)
class Name:
    """A plain (non-object) name some places see."""

    name: str
    type: Type
    meaning: str


STATUS = Name(
    "status",
    STRING,
    "the built-in status code: certified, grace, expired, "
    "in-progress, not-registered, not-certified or no-period",
)
AS_OF = Name(
    "as_of",
    DATE,
    "the day the answer is for: the as-of date, or the checkout's day in the policy's time zone",
)
CONST = "const"  # the policy's constants: one field per entry of `constants`

# What each scope name is, as the checker sees it before narrowing to one place.
_SCOPE_NAMES: dict[str, ObjectScope | Name] = {
    "holder": HOLDER,
    "record": RECORD,
    "period": PERIOD,
    "period_start": PERIOD_START,
    "period_state": PERIOD_STATE,
    "year": YEAR,
    "adjustment": ADJUSTMENT,
    "item": ITEM,
    "cart": CART,
    "status": STATUS,
    "as_of": AS_OF,
}


@dataclass(frozen=True)
class Place:
    """Where in a policy an expression stands, and which names it sees there.

    ``pattern`` matches the expression's dotted path (list indices written as ``*``);
    ``names`` are keys of the scope table (``period_start`` and ``period_state`` are
    seen as ``period``)."""

    pattern: str
    names: tuple[str, ...]
    meaning: str


# The first matching place wins.
PLACES: tuple[Place, ...] = (
    Place("periods.initial.start", ("holder", "const"), "when the initial period starts"),
    Place("periods.renewal.start", ("holder", "const"), "when the first renewal period starts"),
    Place(
        "periods.restart.*",
        ("record", "holder", "const"),
        "`periods.restart`: the record that restarts the periods after a lapse, and the "
        "new chain's first day",
    ),
    Place(
        "periods.*.end",
        ("holder", "const", "period_start"),
        "when a period ends (instead of `length`)",
    ),
    Place(
        "*requirements.*.per_year.min",
        ("holder", "period", "year", "const"),
        "a per-year minimum, once per year of the period",
    ),
    Place("*requirements.*.min", ("holder", "period", "const"), "a requirement's minimum"),
    Place("*requirements.*.max", ("holder", "period", "const"), "a requirement's cap"),
    Place(
        "carry_over.max", ("holder", "period", "const"), "how much may carry over from the period"
    ),
    Place(
        "records.*",
        ("record", "holder", "const"),
        "`records.counts_when`, `records.credits` and a conversion rule's `when` and "
        "`units`: each record, before any period",
    ),
    Place(
        "adjustments.*",
        ("record", "period", "holder", "adjustment", "const"),
        "`to` and `when` of a backdate or pushdate rule",
    ),
    Place(
        "statuses.*",
        ("holder", "period_state", "as_of", "status", "const"),
        "`when` of a policy-defined status",
    ),
    Place("cart.item_cost", ("item", "const"), "the credits one product costs"),
    Place("cart.eligible_item", ("item", "const"), "whether credits may pay for a product"),
    Place("cart.rules.*", ("cart", "as_of", "const"), "`refuse_when` of a cart rule"),
    Place(
        "*",
        ("record", "period", "holder", "const"),
        "validity rules, requirement filters (`where`), a cap's groups (`per`) and "
        "`carry_over.where`",
    ),
)


def place_of(path: str) -> Place:
    """The place of the expression at the dotted ``path`` (indices as digits)."""
    for place in PLACES:
        if fnmatch.fnmatchcase(path, place.pattern):
            return place
    raise KeyError(path)  # unreachable: the last pattern matches everything


def object_types(
    record_extra: Mapping[str, Type] | None = None,
    constants: Mapping[str, Type] | None = None,
) -> dict[str, Type]:
    """Every scope name's type, before narrowing to one place."""
    out: dict[str, Type] = {}
    for key, decl in _SCOPE_NAMES.items():
        if isinstance(decl, Name):
            out[key] = decl.type
        else:
            out[key] = decl.object_type(record_extra if decl is RECORD else None)
    out[CONST] = ObjectType("const", dict(constants or {}))
    return out


def scope_for(path: str, types: Mapping[str, Type]) -> dict[str, Type]:
    """The names visible at ``path``, as the expression sees them."""
    return {_seen_as(name): types[name] for name in place_of(path).names}


def _seen_as(name: str) -> str:
    return "period" if name.startswith("period") else name


def declaration(name: str) -> ObjectScope | Name | None:
    """The declaration behind a scope-table name (None for ``const``)."""
    return _SCOPE_NAMES.get(name)
