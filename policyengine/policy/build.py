"""Loading a policy file: YAML with positions -> JSON Schema -> typed, compiled :class:`Policy`.

``load_policy`` returns a :class:`~policyengine.policy.model.Policy` whose every
expression is compiled once, in the scope of the place it stands (``scopes.py``), against
the functions and record fields of the :class:`Environment` it is given, and whose
sections are typed dataclasses (``model.py``). It raises :class:`PolicyError` with every
problem found, each at its ``file:line:col``. This module is the only one that reads
the policy document by its keys.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from decimal import Decimal
from typing import Any, cast

from policyengine import dates
from policyengine.errors import Diagnostic, Location, PolicyError
from policyengine.expr import ExprError, Scope, compile_expression
from policyengine.expr import types as T
from policyengine.expr.values import Duration
from policyengine.load.nodes import LocDict, LocStr
from policyengine.load.schema import load_schema, validate_against
from policyengine.load.yaml_loader import load_yaml_file, load_yaml_text, locate
from policyengine.policy import scopes
from policyengine.policy.checks import REQUIREMENT_LISTS, cross_checks, requirement_checks
from policyengine.policy.environment import Environment
from policyengine.policy.model import (
    Adjustments,
    Allocation,
    Amount,
    CarryOver,
    CartRule,
    CartRules,
    Conversion,
    DateChangeRule,
    PackageTerms,
    PeriodRules,
    Periods,
    PerYear,
    Policy,
    RecordRules,
    Requirement,
    RequirementList,
    Restart,
    StatusRule,
)
from policyengine.policy.rule import Rule, expression_diagnostic

# "any": an expression of any type (a cap's `per`, whose values only name groups)
_TYPE_NAMES: dict[str, T.Type | None] = {
    "bool": T.BOOL,
    "number": T.NUMBER,
    "date": T.DATE,
    "string": T.STRING,
    "any": None,
}


def load_policy(path: str, env: Environment) -> Policy:
    """Load, validate and compile a policy file; raise PolicyError listing every problem."""
    return _checked(path, load_yaml_file(path), env)


def load_policy_text(text: str, label: str, env: Environment) -> Policy:
    """A policy from text (e.g. a git revision); diagnostics name ``label``."""
    return _checked(label, load_yaml_text(text, label), env)


def _checked(path: str, data: Any, env: Environment) -> Policy:
    diagnostics = validate_against(data, "policy")
    if diagnostics:
        raise PolicyError(diagnostics)
    return build_policy(path, data, env)


def build_policy(path: str, data: LocDict, env: Environment) -> Policy:
    """Compile a schema-valid policy document; raise PolicyError listing every problem."""
    problems: list[Diagnostic] = []
    tz = _time_zone(data, problems)
    constants, constant_types = _constants(data, problems)
    declared = {
        str(name): scopes.FIELD_TYPES[str(type_name)]
        for name, type_name in _get(data, "records", "fields", default={}).items()
    }
    types = scopes.object_types({**env.record_fields, **declared}, constant_types)
    rules: dict[str, Rule] = {}
    for dotted, text, expected in iter_expressions(data):
        scope = scopes.scope_for(dotted, types)
        try:
            compiled = compile_expression(str(text), Scope(scope, env.functions), expected=expected)
        except ExprError as err:
            problems.append(expression_diagnostic(text, err))
            continue
        rules[dotted] = Rule(dotted, text, compiled, path, scope)
    problems.extend(cross_checks(data))
    problems.extend(requirement_checks(data))
    if problems:
        raise PolicyError(sorted(problems, key=_sort_key))
    return _Sections(path, data, rules, declared).policy(tz, constants, env)


def iter_expressions(data: Mapping[Any, Any]) -> Iterator[tuple[str, Any, T.Type | None]]:
    """Every expression of a policy document: (dotted path, text, expected type).

    The JSON Schema marks expression strings with ``x-expression: <type>``; walking the
    document with the schema keeps the schema the single place that says which values
    are expressions.
    """
    schema = load_schema("policy")
    yield from _walk(data, schema, schema, "")


def _walk(
    node: Any, sch: Any, root: dict[str, Any], path: str
) -> Iterator[tuple[str, Any, T.Type | None]]:
    if not isinstance(sch, dict):
        return
    if "$ref" in sch:
        target: Any = root
        for part in sch["$ref"].lstrip("#/").split("/"):
            target = target[part]
        yield from _walk(node, target, root, path)
        return
    for key in ("anyOf", "oneOf"):
        if key in sch and isinstance(node, str):
            for branch in sch[key]:
                if "x-expression" in branch:
                    yield path, node, _TYPE_NAMES[branch["x-expression"]]
            return
        if key in sch:
            # a rule or a list of rules: the branches take different JSON types, so at
            # most one of them finds anything in the node
            for branch in sch[key]:
                yield from _walk(node, branch, root, path)
            return
    if "x-expression" in sch and isinstance(node, str):
        yield path, node, _TYPE_NAMES[sch["x-expression"]]
        return
    if isinstance(node, Mapping):
        props = sch.get("properties", {})
        for key, value in node.items():
            sub = props.get(key, sch.get("additionalProperties"))
            yield from _walk(value, sub, root, f"{path}.{key}" if path else str(key))
    elif isinstance(node, list) and "items" in sch:
        for i, value in enumerate(node):
            yield from _walk(value, sch["items"], root, f"{path}.{i}")


def _get(data: Any, *path: str | int, default: Any = None) -> Any:
    node = data
    for part in path:
        if isinstance(node, Mapping) and part in node:
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int) and part < len(node):
            node = node[part]
        else:
            return default
    return node


class _Sections:
    """Builds the typed sections from a checked document and its compiled rules."""

    def __init__(
        self, path: str, data: LocDict, rules: dict[str, Rule], declared: dict[str, T.Type]
    ) -> None:
        self.path, self.data, self.rules, self.declared = path, data, rules, declared

    def rule(self, dotted: str) -> Rule | None:
        return self.rules.get(dotted)

    def amount(self, dotted: str, raw: Any) -> Amount | None:
        """A number-or-expression value: the compiled rule, or the exact number."""
        if raw is None:
            return None
        compiled = self.rules.get(dotted)
        if compiled is not None:
            return compiled
        return Decimal(raw) if isinstance(raw, int) else cast(Decimal, raw)

    def duration(self, raw: Any) -> Duration | None:
        if raw is None:
            return None
        return dates.parse_duration(str(raw), raw.loc if isinstance(raw, LocStr) else None)

    def location(self, *path: str | int) -> Location | None:
        return locate(self.data, list(path))

    def policy(self, tz: dt.tzinfo, constants: dict[str, Any], env: Environment) -> Policy:
        d = self.data
        lists: dict[tuple[str, ...], RequirementList] = {
            base: self.requirement_list(base)
            for base in REQUIREMENT_LISTS
            if _get(d, *base) is not None
        }
        return Policy(
            path=self.path,
            kind=d["kind"],
            id=str(d["id"]),
            name=str(d["name"]),
            tz=tz,
            constants=constants,
            env=env,
            rules=self.rules,
            records=self.records(),
            periods=self.periods(lists),
            allocation=Allocation(**dict(_get(d, "allocation", default={}))),
            certification_date=d.get("certification_date", "registration"),
            carry_over=self.carry_over(),
            adjustments=self.adjustments(),
            statuses=tuple(
                StatusRule(
                    str(s["id"]), str(s.get("label", s["id"])), self.rules[f"statuses.{i}.when"]
                )
                for i, s in enumerate(d.get("statuses") or [])
            ),
            package=self.package(tz),
            cart=self.cart(),
            requirement_lists=tuple(lists.values()),
            kind_location=self.location("kind"),
        )

    def records(self) -> RecordRules:
        raw = _get(self.data, "records", "conversion")
        listed = raw if isinstance(raw, list) else [] if raw is None else [raw]
        conversions = []
        for i, rule in enumerate(listed):
            here = "records.conversion" + (f".{i}" if isinstance(raw, list) else "")
            numbers = {k: v for k, v in rule.items() if k not in ("when", "units")}
            conversions.append(
                Conversion(
                    **numbers,
                    units=self.rule(f"{here}.units"),
                    when=self.rule(f"{here}.when"),
                )
            )
        return RecordRules(
            counts_when=self.rule("records.counts_when"),
            credits=self.rule("records.credits"),
            conversions=tuple(conversions),
            fields=self.declared,
        )

    def requirement_list(self, base: tuple[str, ...]) -> RequirementList:
        dotted = ".".join(base)
        items = []
        for i, raw in enumerate(_get(self.data, *base, default=[])):
            here = f"{dotted}.{i}"
            per_year = raw.get("per_year")
            items.append(
                Requirement(
                    index=i,
                    id=str(raw["id"]),
                    label=str(raw.get("label", raw["id"])),
                    measure=raw.get("measure", "credits"),
                    where=self.rule(f"{here}.where"),
                    within=None if raw.get("within") is None else str(raw["within"]),
                    min=self.amount(f"{here}.min", raw.get("min")),
                    max=self.amount(f"{here}.max", raw.get("max")),
                    max_share=None if raw.get("max_share") is None else Decimal(raw["max_share"]),
                    per=self.rule(f"{here}.per"),
                    per_year=None
                    if per_year is None
                    else PerYear(
                        min=self.amount(f"{here}.per_year.min", per_year.get("min")),
                        years=per_year.get("years", "period"),
                        carried_may_count=per_year.get("carried_may_count", True),
                    ),
                    courses=tuple(str(c) for c in raw.get("courses", [])),
                    carried_may_count=raw.get("carried_may_count", True),
                    location=self.location(*base, i),
                    cap_location=self.location(*base, i, "max" if "max" in raw else "max_share"),
                )
            )
        return RequirementList(dotted, tuple(items))

    def periods(self, lists: dict[tuple[str, ...], RequirementList]) -> Periods | None:
        section = self.data.get("periods")
        if section is None:
            return None
        top = lists.get(("requirements",), RequirementList("requirements"))

        def one(kind: str) -> PeriodRules | None:
            raw = section.get(kind)
            if raw is None:
                return None
            own = lists.get(("periods", kind, "requirements"))
            return PeriodRules(
                kind=cast(Any, kind),
                start=self.rules[f"periods.{kind}.start"],
                end=self.rule(f"periods.{kind}.end"),
                length=self.duration(raw.get("length")),
                validity=self.rule(f"periods.{kind}.validity") or self.rule("validity"),
                validity_text=raw.get("validity_text") or self.data.get("validity_text"),
                requirements=own if own is not None else top,
                layout=raw.get("layout", "back-to-back"),
                limit=raw.get("limit"),
                location=self.location("periods", kind),
            )

        return Periods(
            one("initial"),
            one("renewal"),
            self.duration(section.get("grace")),
            self.duration(section.get("window")),
            section.get("completion_date", "earned"),
            section.get("window_from", "day-after-end"),
            self.duration(section.get("look_back")),
            self.restart(),
        )

    def restart(self) -> Restart | None:
        when = self.rule("periods.restart.when")
        if when is None:
            return None
        return Restart(when, self.rule("periods.restart.start"))

    def carry_over(self) -> CarryOver | None:
        raw = self.data.get("carry_over")
        if raw is None:
            return None
        limit = self.amount("carry_over.max", raw.get("max"))
        assert limit is not None  # required by the schema
        return CarryOver(limit, self.rule("carry_over.where"), self.location("carry_over"))

    def adjustments(self) -> Adjustments | None:
        raw = self.data.get("adjustments")
        if raw is None:
            return None

        def one(direction: str) -> DateChangeRule | None:
            rule = raw.get(direction)
            if rule is None:
                return None
            return DateChangeRule(
                cast(Any, direction),
                allowed=rule.get("allowed", True),
                to=self.rule(f"adjustments.{direction}.to"),
                when=self.rule(f"adjustments.{direction}.when"),
                refusal=None if rule.get("refusal") is None else str(rule["refusal"]),
            )

        return Adjustments(
            tuple(str(r) for r in raw.get("roles", [])), one("backdate"), one("pushdate")
        )

    def package(self, tz: dt.tzinfo) -> PackageTerms | None:
        raw = self.data.get("package")
        if raw is None:
            return None
        expires = _get(self.data, "enrollment", "expires_after")
        valid_for = self.duration(raw["valid_for"])
        assert valid_for is not None
        return PackageTerms(
            valid_for=valid_for,
            valid_for_text=str(raw["valid_for"]),
            tz=tz,
            boundary=raw.get("boundary", "end-of-day"),
            draw_order=raw.get("draw_order", "expires-first"),
            require_acknowledgement=bool(
                _get(self.data, "cart", "require_acknowledgement", default=False)
            ),
            course_expires_after=self.duration(expires),
            course_expires_after_text=None if expires is None else str(expires),
            valid_for_location=self.location("package", "valid_for"),
            require_acknowledgement_location=self.location("cart", "require_acknowledgement"),
            course_expires_after_location=self.location("enrollment", "expires_after"),
        )

    def cart(self) -> CartRules | None:
        raw = self.data.get("cart")
        if raw is None:
            return None
        return CartRules(
            item_cost=self.rule("cart.item_cost"),
            eligible_item=self.rule("cart.eligible_item"),
            ineligible_message=str(raw.get("ineligible_message", CartRules.ineligible_message)),
            rules=tuple(
                CartRule(
                    str(r["id"]),
                    self.rules[f"cart.rules.{i}.refuse_when"],
                    str(r["message"]),
                    bool(r.get("hide_option", False)),
                )
                for i, r in enumerate(raw.get("rules") or [])
            ),
            require_acknowledgement=bool(raw.get("require_acknowledgement", False)),
            location=self.location("cart"),
        )


def _time_zone(data: LocDict, problems: list[Diagnostic]) -> dt.tzinfo:
    name = str(data["timezone"])
    try:
        return dates.zone(name)
    except ValueError as err:
        problems.append(
            Diagnostic(
                str(err),
                locate(data, ["timezone"]),
                hint=dates.zone_hint(name),
                code="policy.timezone",
            )
        )
        return dt.timezone.utc


def _constants(
    data: LocDict, problems: list[Diagnostic]
) -> tuple[dict[str, Any], dict[str, T.Type]]:
    values: dict[str, Any] = {}
    types: dict[str, T.Type] = {}
    for name, raw in (data.get("constants") or {}).items():
        name = str(name)
        if isinstance(raw, bool):
            values[name], types[name] = raw, T.BOOL
        elif isinstance(raw, (int, Decimal)):
            values[name], types[name] = Decimal(raw), T.NUMBER
        elif isinstance(raw, str) and len(raw) == 10 and raw[4:5] == "-" and raw[7:8] == "-":
            try:
                values[name], types[name] = dates.parse_date(raw), T.DATE
            except ValueError as err:
                problems.append(Diagnostic(str(err), locate(data, ["constants", name])))
        else:
            values[name], types[name] = str(raw), T.STRING
    return values, types


def _sort_key(d: Diagnostic) -> tuple[str, int, int]:
    loc = d.location
    return (loc.file, loc.line, loc.col) if loc else ("", 0, 0)


__all__ = ["build_policy", "iter_expressions", "load_policy", "load_policy_text"]
