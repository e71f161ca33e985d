"""The typed policy: every section of a policy file as frozen dataclasses, built once at load.

``build.py`` turns a schema-valid document into a :class:`Policy`; everything after
loading reads these attributes, never the YAML: a misspelt option is an attribute error
mypy reports, not a silent ``None``. Defaults are the dataclass defaults below, and a
test checks that each equals the ``default`` the JSON Schema states for the same key.
Expressions are :class:`~policyengine.policy.rule.Rule` attributes (``None`` where the
policy has none). A number-or-expression value (a requirement's ``min``, ``carry_over.max``)
is an :data:`Amount`: a ``Decimal`` or a ``Rule``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal

from policyengine.errors import Location
from policyengine.expr import types as T
from policyengine.expr.types import Type
from policyengine.expr.values import Duration
from policyengine.policy import scopes
from policyengine.policy.environment import Environment
from policyengine.policy.rule import Rule

Amount = Decimal | Rule


def resolve_amount(value: Amount | None, values: Mapping[str, object]) -> Decimal | None:
    """The number an :data:`Amount` stands for (a rule is run on ``values``)."""
    if value is None or isinstance(value, Decimal):
        return value
    result = value(values)
    assert isinstance(result, Decimal)  # the checker typed the rule as a number
    return result


# ----------------------------------------------------------------------------- requirements


@dataclass(frozen=True)
class PerYear:
    """``per_year``: a minimum in each year of the period."""

    min: Amount | None
    years: Literal["period", "calendar"] = "period"
    carried_may_count: bool = True


@dataclass(frozen=True)
class Requirement:
    """One entry of a requirement list: the total, a category, a cap or a course list."""

    index: int  # position in its list
    id: str
    label: str
    measure: Literal["credits", "items"] = "credits"
    where: Rule | None = None
    within: str | None = None
    min: Amount | None = None
    max: Amount | None = None
    max_share: Decimal | None = None
    per: Rule | None = None  # the cap applies to each group of records with one value of it
    per_year: PerYear | None = None
    courses: tuple[str, ...] = ()
    carried_may_count: bool = True
    location: Location | None = None
    cap_location: Location | None = None  # of its max or max_share

    @property
    def has_cap(self) -> bool:
        """Whether it caps what its records count (``max`` or ``max_share``)."""
        return self.max is not None or self.max_share is not None

    @property
    def counts_credits(self) -> bool:
        return self.measure == "credits"


@dataclass(frozen=True)
class RequirementList:
    """The requirements of one kind of period (its own list, or the policy's)."""

    path: str  # 'requirements' or 'periods.<kind>.requirements': names coverage items
    items: tuple[Requirement, ...] = ()


# ----------------------------------------------------------------------------- periods


@dataclass(frozen=True)
class PeriodRules:
    """``periods.initial`` or ``periods.renewal``: how one kind of period is laid out."""

    kind: Literal["initial", "renewal"]
    start: Rule
    end: Rule | None  # exactly one of end and length
    length: Duration | None
    validity: Rule | None  # its own, else the policy's top-level ``validity``
    validity_text: str | None  # likewise
    requirements: RequirementList
    layout: Literal["back-to-back", "rolling"] = "back-to-back"
    limit: int | None = None  # renewal periods at most
    location: Location | None = None


@dataclass(frozen=True)
class Restart:
    """``periods.restart``: what starts a new chain of periods after a lapse."""

    when: Rule
    start: Rule | None = None  # the new chain's first day (default: the record's date)


@dataclass(frozen=True)
class Periods:
    initial: PeriodRules | None
    renewal: PeriodRules | None
    grace: Duration | None = None
    window: Duration | None = None
    # the date a period counts as completed on: the last applied record's earned
    # (effective) date, or the date it was recorded
    completion_date: Literal["earned", "recorded"] = "earned"
    # what `window` counts back from: the first expired day (end + 1 day) or the end
    window_from: Literal["day-after-end", "end"] = "day-after-end"
    # a look-back window (may reach over earlier periods: records count in every period
    # whose window holds them), counted back like `window`
    look_back: Duration | None = None
    restart: Restart | None = None

    def of(self, kind: str) -> PeriodRules:
        rules = self.initial if kind == "initial" else self.renewal
        assert rules is not None, f"no {kind} period in this policy"
        return rules


# ----------------------------------------------------------------------------- records


@dataclass(frozen=True)
class Conversion:
    """One ``records.conversion`` rule: minutes (or another quantity) to credits (see
    ``records.conversion``). A policy may list several, each with a ``when``."""

    minutes_per_credit: Decimal | None = None
    increment: Decimal | None = None
    rounding: Literal["down", "up", "half-up"] = "down"
    minimum: Decimal = Decimal(0)
    # instead of minutes: credits = units * credits_per_unit (academic units to hours)
    credits_per_unit: Decimal | None = None
    units: Rule | None = None
    when: Rule | None = None  # which records the rule is for (the first that matches)

    @property
    def plain(self) -> bool:
        """A rule for every record, from minutes: what a credit source can apply
        itself when it reads minutes."""
        return self.when is None and self.minutes_per_credit is not None

    def as_mapping(self) -> dict[str, Any]:
        """The rule's numbers, in the shape ``records.conversion`` functions take."""
        out: dict[str, Any] = {"rounding": self.rounding, "minimum": self.minimum}
        if self.minutes_per_credit is not None:
            out["minutes_per_credit"] = self.minutes_per_credit
        if self.credits_per_unit is not None:
            out["credits_per_unit"] = self.credits_per_unit
        if self.increment is not None:
            out["increment"] = self.increment
        return out


@dataclass(frozen=True)
class RecordRules:
    """``records``: which records count and what each is worth."""

    counts_when: Rule | None = None
    credits: Rule | None = None
    # ``records.conversion``: one rule, or several tried in order (the first whose
    # ``when`` is true converts a record given without credits)
    conversions: tuple[Conversion, ...] = ()
    fields: Mapping[str, Type] = field(default_factory=dict)  # declared extra record fields

    @property
    def conversion(self) -> Conversion | None:
        """The policy's one rule for every record, from minutes, if that is what it has
        (credit sources convert minutes with it as they read them)."""
        if len(self.conversions) == 1 and self.conversions[0].plain:
            return self.conversions[0]
        return None


# ----------------------------------------------------------------------------- allocation


@dataclass(frozen=True)
class Allocation:
    """``allocation``: how records go to periods and to requirements."""

    order: Literal["chronological", "optimal"] = "chronological"
    unused: Literal["carry-forward", "discard"] = "carry-forward"
    apply: Literal["until-complete", "all"] = "until-complete"
    current_registration_only: bool = False


@dataclass(frozen=True)
class CarryOver:
    """``carry_over``: unneeded credits moved to the next period."""

    max: Amount
    where: Rule | None = None
    location: Location | None = None


# ----------------------------------------------------------------------------- adjustments


@dataclass(frozen=True)
class DateChangeRule:
    """``adjustments.backdate`` or ``adjustments.pushdate``."""

    direction: Literal["backdate", "pushdate"]
    allowed: bool = True
    to: Rule | None = None
    when: Rule | None = None
    refusal: str | None = None


@dataclass(frozen=True)
class Adjustments:
    """``adjustments``: who may change earned dates, and which changes are accepted."""

    roles: tuple[str, ...] = ()
    backdate: DateChangeRule | None = None
    pushdate: DateChangeRule | None = None

    def rule(self, direction: str) -> DateChangeRule | None:
        return self.backdate if direction == "backdate" else self.pushdate


@dataclass(frozen=True)
class StatusRule:
    """One entry of ``statuses``: a holder status the policy defines."""

    id: str
    label: str
    when: Rule


# ----------------------------------------------------------------------------- packages


@dataclass(frozen=True)
class PackageTerms:
    """``package`` (with ``cart.require_acknowledgement`` and ``enrollment``): when
    prepaid credits may be used."""

    valid_for: Duration
    valid_for_text: str
    tz: dt.tzinfo
    boundary: Literal["purchase-time", "end-of-day"] = "end-of-day"
    draw_order: Literal["expires-first", "purchased-first", "largest-first"] = "expires-first"
    require_acknowledgement: bool = False
    course_expires_after: Duration | None = None
    course_expires_after_text: str | None = None
    # where each term is written (coverage and diagnostics point there)
    valid_for_location: Location | None = None
    require_acknowledgement_location: Location | None = None
    course_expires_after_location: Location | None = None


@dataclass(frozen=True)
class CartRule:
    """One entry of ``cart.rules``."""

    id: str
    refuse_when: Rule
    message: str
    hide_option: bool = False


@dataclass(frozen=True)
class CartRules:
    """``cart``: what an item costs, which items credits may pay for, and cart rules."""

    item_cost: Rule | None = None
    eligible_item: Rule | None = None
    ineligible_message: str = "credits cannot pay for this product"
    rules: tuple[CartRule, ...] = ()
    require_acknowledgement: bool = False
    location: Location | None = None


# ----------------------------------------------------------------------------- the policy


@dataclass(frozen=True, eq=False)
class Policy:
    """A validated policy with its expressions compiled, read through typed sections."""

    path: str
    kind: Literal["certification", "credit-package"]
    id: str
    name: str
    tz: dt.tzinfo
    constants: Mapping[str, Any]
    env: Environment
    rules: Mapping[str, Rule]  # every expression by dotted path (coverage, diagnostics)
    records: RecordRules = field(default_factory=RecordRules)
    periods: Periods | None = None
    allocation: Allocation = field(default_factory=Allocation)
    certification_date: Literal["registration", "last-item"] = "registration"
    carry_over: CarryOver | None = None
    adjustments: Adjustments | None = None
    statuses: tuple[StatusRule, ...] = ()
    package: PackageTerms | None = None
    cart: CartRules | None = None
    # every requirement list the file has, in file order: the top-level one, then the
    # initial and renewal periods' own (coverage lists their entries)
    requirement_lists: tuple[RequirementList, ...] = ()
    kind_location: Location | None = None

    @property
    def record_fields(self) -> dict[str, Type]:
        """Every optional record field records may carry: the sources' and the policy's."""
        return {**self.env.record_fields, **self.records.fields}

    @property
    def constant_types(self) -> dict[str, Type]:
        """Each constant's type, as the checker saw it (from its value: ``build._constants``)."""
        out: dict[str, Type] = {}
        for name, value in self.constants.items():
            if isinstance(value, bool):
                out[name] = T.BOOL
            elif isinstance(value, Decimal):
                out[name] = T.NUMBER
            elif isinstance(value, dt.date):
                out[name] = T.DATE
            else:
                out[name] = T.STRING
        return out

    def names_at(self, path: str) -> dict[str, Type]:
        """The names an expression at the dotted ``path`` of this policy sees, with their
        types: the same the checker gave the policy's own expressions there."""
        types = scopes.object_types(self.record_fields, self.constant_types)
        return scopes.scope_for(path, types)

    def base_values(self) -> dict[str, Any]:
        """Values every expression of this policy may read (``const``)."""
        return {"const": self.constants}

    def requirements_for(self, kind: str) -> RequirementList:
        """The requirement list periods of ``kind`` are measured against."""
        rules = None
        if self.periods is not None:
            rules = self.periods.initial if kind == "initial" else self.periods.renewal
        if rules is not None:
            return rules.requirements
        top = [r for r in self.requirement_lists if r.path == "requirements"]
        return top[0] if top else RequirementList("requirements")
