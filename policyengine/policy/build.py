"""Loading a policy file: YAML with positions -> JSON Schema -> compiled expressions.

``load_policy`` returns a :class:`Policy` whose every expression is compiled once,
in the scope of the place it stands (see ``scopes.py``), or raises
:class:`PolicyError` with every problem found, each at its ``file:line:col``.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from policyengine.policy import scopes
from policyengine import dates
from policyengine.errors import Diagnostic, Location, PolicyError, did_you_mean
from policyengine.expr import ExprError, Scope, compile_expression
from policyengine.expr import types as T
from policyengine.expr.compiler import CompiledExpression
from policyengine.expr.functions import FunctionRegistry, builtin_functions
from policyengine.load.schema import load_schema, validate_against
from policyengine.load.yaml_loader import LocDict, LocStr, load_yaml_file, locate, locate_key

_TYPE_NAMES = {"bool": T.BOOL, "number": T.NUMBER, "date": T.DATE, "string": T.STRING}


@dataclass
class Policy:
    """A validated policy with its expressions compiled."""

    path: str
    data: LocDict
    tz: dt.tzinfo
    constants: dict[str, Any]
    expressions: dict[str, CompiledExpression] = field(default_factory=dict)

    @property
    def kind(self) -> str:
        return str(self.data["kind"])

    @property
    def id(self) -> str:
        return str(self.data["id"])

    @property
    def name(self) -> str:
        return str(self.data["name"])

    def get(self, dotted: str, default: Any = None) -> Any:
        """The raw value at a dotted path (``periods.renewal.length``), or ``default``."""
        return value_at(self.data, dotted.split("."), default)

    def expression(self, dotted: str) -> CompiledExpression | None:
        return self.expressions.get(dotted)

    def duration(self, dotted: str):
        raw = self.get(dotted)
        return None if raw is None else dates.parse_duration(str(raw))

    def location(self, dotted: str) -> Location | None:
        path = [int(p) if p.isdigit() else p for p in dotted.split(".")]
        return locate(self.data, path)

    def base_values(self) -> dict[str, Any]:
        """Values every expression of this policy may read (``const``)."""
        return {"const": self.constants}


def value_at(data: Any, path: Sequence[str | int], default: Any = None) -> Any:
    """The value at ``path`` (keys and list indices, as str or int), or ``default``."""
    node = data
    for part in path:
        if isinstance(node, Mapping) and part in node:
            node = node[part]
        elif isinstance(node, list) and str(part).isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return default
    return node


# Every place a policy lists requirements.
REQUIREMENT_LISTS = (
    ("requirements",), ("periods", "initial", "requirements"), ("periods", "renewal", "requirements"),
)


def has_cap(requirement: Mapping[str, Any]) -> bool:
    """Whether a requirement caps what its records count (``max`` or ``max_share``)."""
    return "max" in requirement or "max_share" in requirement


def load_policy(
    path: str,
    *,
    functions: FunctionRegistry | None = None,
    record_fields: Mapping[str, T.Type] | None = None,
) -> Policy:
    """Load, validate and compile a policy file; raise PolicyError listing every problem."""
    data = load_yaml_file(path)
    diagnostics = validate_against(data, "policy")
    if diagnostics:
        raise PolicyError(diagnostics)
    return build_policy(path, data, functions=functions, record_fields=record_fields)


def build_policy(
    path: str,
    data: LocDict,
    *,
    functions: FunctionRegistry | None = None,
    record_fields: Mapping[str, T.Type] | None = None,
) -> Policy:
    """Compile a schema-valid policy document; raise PolicyError listing every problem."""
    problems: list[Diagnostic] = []
    tz = _time_zone(data, problems)
    constants, constant_types = _constants(data, problems)
    extra_fields = dict(default_record_fields() if record_fields is None else record_fields)
    for name, type_name in (data.get("records", {}) or {}).get("fields", {}).items():
        extra_fields[str(name)] = scopes.FIELD_TYPES[str(type_name)]
    types = scopes.object_types(extra_fields, constant_types)
    registry = functions or default_functions()
    policy = Policy(path, data, tz, constants)
    for dotted, text, expected in iter_expressions(data):
        scope = Scope(scopes.scope_for(dotted, types), registry)
        try:
            policy.expressions[dotted] = compile_expression(str(text), scope, expected=expected)
        except ExprError as err:
            problems.append(expression_diagnostic(text, err))
    problems.extend(_cross_checks(data))
    problems.extend(_requirement_checks(data))
    if problems:
        raise PolicyError(sorted(problems, key=_sort_key))
    return policy


@functools.lru_cache(maxsize=1)
def _builtin_registry() -> FunctionRegistry:
    return builtin_functions()


def default_functions() -> FunctionRegistry:
    """Built-in functions plus those registered by plugins (when plugins are loaded)."""
    try:
        from policyengine.plugins_loader import function_registry
    except ImportError:
        return _builtin_registry()
    return function_registry()


def default_record_fields() -> dict[str, T.Type]:
    """Record fields the registered credit sources declare (``record.verb`` of xapi, ...)."""
    try:
        from policyengine.plugins_loader import source_fields
    except ImportError:
        return {}
    return source_fields()


def expression_diagnostic(text: Any, err: ExprError) -> Diagnostic:
    """Point an expression error at its line and column inside the YAML file."""
    if isinstance(text, LocStr):
        loc = text.location_at(err.offset)
        line = text.line_text_at(err.offset)
    else:
        loc, line = None, None
    width = max(1, (err.end or err.offset + 1) - err.offset)
    if line is not None and loc is not None:
        width = min(width, max(1, len(line) - loc.col + 1))
    return Diagnostic(
        err.message, loc, hint=err.hint, code="expression", source_line=line, width=width
    )


def iter_expressions(data: Mapping) -> Iterator[tuple[str, Any, T.Type]]:
    """Every expression of a policy document: (dotted path, text, expected type).

    The JSON Schema marks expression strings with ``x-expression: <type>``; walking the
    document with the schema keeps the schema the single place that says which values
    are expressions.
    """
    schema = load_schema("policy")
    yield from _walk(data, schema, schema, "")


def _walk(node: Any, sch: Any, root: dict, path: str) -> Iterator[tuple[str, Any, T.Type]]:
    if not isinstance(sch, dict):
        return
    if "$ref" in sch:
        ref = sch["$ref"]
        target: Any = root
        for part in ref.lstrip("#/").split("/"):
            target = target[part]
        yield from _walk(node, target, root, path)
        return
    for key in ("anyOf", "oneOf"):
        if key in sch and isinstance(node, str):
            for branch in sch[key]:
                if "x-expression" in branch:
                    yield path, node, _TYPE_NAMES[branch["x-expression"]]
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


def _time_zone(data: LocDict, problems: list[Diagnostic]) -> dt.tzinfo:
    try:
        return dates.zone(str(data["timezone"]))
    except ValueError as err:
        problems.append(
            Diagnostic(
                str(err),
                locate(data, ["timezone"]),
                hint="use an IANA time zone name such as America/New_York or UTC",
                code="policy.timezone",
            )
        )
        return dt.timezone.utc


def _constants(data: LocDict, problems: list[Diagnostic]) -> tuple[dict, dict]:
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


def _cross_checks(data: LocDict) -> Iterator[Diagnostic]:
    """Rules the schema cannot say: unique ids, one of length/end, valid durations."""
    for kind in ("initial", "renewal"):
        period = (data.get("periods") or {}).get(kind)
        if period is None:
            continue
        if ("length" in period) == ("end" in period):
            yield Diagnostic(
                f"the {kind} period needs exactly one of 'length' and 'end'",
                locate(data, ["periods", kind]),
                hint="write 'length: 3 years' or an 'end:' expression, not both",
                code="policy.period-end",
            )
    for lists in (*REQUIREMENT_LISTS, ("cart", "rules")):
        seen: dict[str, int] = {}
        for i, item in enumerate(value_at(data, lists) or []):
            ident = str(item.get("id", ""))
            if ident in seen:
                first = locate(data, [*lists, seen[ident], "id"])
                yield Diagnostic(
                    f"duplicate id '{ident}' (first used on line {first.line if first else '?'})",
                    locate(data, [*lists, i, "id"]),
                    hint="every requirement and rule needs its own id",
                    code="policy.duplicate-id",
                )
            seen.setdefault(ident, i)


def _requirement_checks(data: LocDict) -> Iterator[Diagnostic]:
    """The requirement tree must be a tree, and within what optimal allocation can solve
    (docs/requirements.md)."""
    optimal = (data.get("allocation") or {}).get("order") == "optimal"
    for base in REQUIREMENT_LISTS:
        items = value_at(data, base) or []
        ids = {str(r.get("id")): i for i, r in enumerate(items)}
        for i, req in enumerate(items):
            parent = req.get("within")
            if parent is None:
                continue
            if str(parent) not in ids or ids[str(parent)] == i:
                yield Diagnostic(
                    f"'within: {parent}' names no other requirement of this list",
                    locate(data, [*base, i, "within"]),
                    hint=did_you_mean(str(parent), [k for k in ids if k != req.get("id")])
                    or "name the id of the category this one is part of",
                    code="policy.within")
                continue
            seen, j = {i}, ids[str(parent)]
            while j is not None and j not in seen:
                seen.add(j)
                up = items[j].get("within")
                j = ids.get(str(up)) if up is not None else None
            if j is not None:
                yield Diagnostic(f"requirement '{req.get('id')}' is within itself (a cycle of "
                                 "'within')", locate(data, [*base, i, "within"]),
                                 hint="categories nest like a tree", code="policy.within")
        for i, req in enumerate(items):
            if "where" not in req and req.get("carried_may_count") is False:
                yield Diagnostic(
                    "carried credits always count toward the total (a requirement without "
                    "'where')", locate_key(data, [*base, i, "carried_may_count"]),
                    hint="limit what carries with carry_over.max and carry_over.where, or "
                    "use per_year.carried_may_count", code="policy.carry-over")
        has_children = {str(r["within"]) for r in items if r.get("within") is not None}
        categories = [r for r in items if "where" in r and "min" in r]
        capped = [r for r in items if has_cap(r)]
        for i, req in enumerate(items):
            if "per_year" not in req:
                continue
            if str(req.get("id")) in has_children and "where" in req:
                yield Diagnostic(
                    f"per-year minimums on '{req.get('id')}', which has categories within "
                    "it, are not supported", locate_key(data, [*base, i, "per_year"]),
                    hint="put the per-year minimum on a category without sub-categories",
                    code="policy.per-year")
            elif "where" not in req and optimal and categories and capped:
                yield Diagnostic(
                    "a per-year minimum on the total together with caps and categories is "
                    "not supported by optimal allocation (a capped credit's year and category "
                    "would be two choices at once)", locate_key(data, [*base, i, "per_year"]),
                    hint="use order: chronological, or drop the caps or the per-year minimum",
                    code="policy.per-year")
    carry = data.get("carry_over")
    if carry is not None and (data.get("allocation") or {}).get("unused") != "discard":
        yield Diagnostic(
            "carry_over needs 'allocation.unused: discard' (with carry-forward, unused "
            "records already stay available for later periods)", locate_key(data, ["carry_over"]),
            hint="add allocation: {unused: discard}", code="policy.carry-over")


def _sort_key(d: Diagnostic) -> tuple:
    loc = d.location
    return (loc.file, loc.line, loc.col) if loc else ("", 0, 0)
