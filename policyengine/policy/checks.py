"""Rules about a policy document that its JSON Schema cannot state.

Numbers within the numeric range, unique ids in every list, exactly one of
``length``/``end`` per period, a requirement
tree that is a tree (``within``), and the combinations optimal allocation and
carry-over cannot solve (docs/requirements.md). Each problem is a diagnostic at the
offending key.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from decimal import Decimal
from typing import Any

from policyengine import dates
from policyengine.decimals import NUMBER_HINT, NumberRangeError, check_number
from policyengine.errors import Diagnostic, did_you_mean
from policyengine.load.yaml_loader import locate, locate_key


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
    ("requirements",),
    ("periods", "initial", "requirements"),
    ("periods", "renewal", "requirements"),
)


def cross_checks(data: Any) -> Iterator[Diagnostic]:
    """Rules the schema cannot say: unique ids, one of length/end, valid durations,
    numbers in the numeric range."""
    yield from number_checks(data)
    yield from conversion_checks(data)
    yield from look_back_checks(data)
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


def conversion_checks(data: Any) -> Iterator[Diagnostic]:
    """Each ``records.conversion`` rule converts from minutes or from ``units``, and in
    a list only the last rule may go without ``when`` (the rules after it would never
    be used)."""
    raw = value_at(data, ("records", "conversion"))
    listed = raw if isinstance(raw, list) else [] if raw is None else [raw]
    base: list[str | int] = ["records", "conversion"]
    for i, rule in enumerate(listed):
        if not isinstance(rule, Mapping):
            continue  # the schema says so
        here = [*base, i] if isinstance(raw, list) else base
        if ("minutes_per_credit" in rule) == ("credits_per_unit" in rule):
            yield Diagnostic(
                "a conversion rule needs exactly one of 'minutes_per_credit' and "
                "'credits_per_unit'",
                locate(data, here),
                hint="minutes_per_credit: 50 converts minutes; credits_per_unit: 15 with "
                "units: record.semester_units converts another quantity",
                code="policy.conversion",
            )
        elif ("units" in rule) != ("credits_per_unit" in rule):
            key = "units" if "units" in rule else "credits_per_unit"
            yield Diagnostic(
                "'units' and 'credits_per_unit' go together"
                + (" (minutes are converted with minutes_per_credit)" if key == "units" else ""),
                locate_key(data, [*here, key]) or locate(data, here),
                hint="units: record.semester_units gives the quantity, credits_per_unit: 15 "
                "what one unit is worth",
                code="policy.conversion",
            )
        if isinstance(raw, list) and "when" not in rule and i < len(raw) - 1:
            yield Diagnostic(
                f"conversion rule {i + 1} has no 'when', so the rules after it are never used",
                locate(data, here),
                hint="give it a 'when', or move it to the end of the list (the default rule)",
                code="policy.conversion",
            )


def look_back_checks(data: Any) -> Iterator[Diagnostic]:
    """A look-back window lets a record count in several periods: each period is
    measured on its own records, so records must not move between periods (no
    carry-forward, no carry-over), and it replaces ``window``."""
    periods = data.get("periods") or {}
    if "look_back" not in periods:
        return
    here = locate_key(data, ["periods", "look_back"])
    if "window" in periods:
        yield Diagnostic(
            "'look_back' and 'window' both say which records a period counts; give one",
            here,
            hint="look_back may reach over earlier periods; window only narrows a period",
            code="policy.look-back",
        )
    if (data.get("allocation") or {}).get("unused") != "discard":
        yield Diagnostic(
            "a look-back window needs allocation.unused: discard",
            here,
            hint="a record counts in every period whose window holds it, so it is never "
            "carried forward to one: add allocation: {unused: discard}",
            code="policy.look-back",
        )
    if "carry_over" in data:
        yield Diagnostic(
            "carry_over does not go with a look-back window",
            locate_key(data, ["carry_over"]) or here,
            hint="with look_back a record already counts in every later window that holds it",
            code="policy.look-back",
        )


# the keys whose values are durations ('3 years'), wherever they stand
_DURATIONS = ("length", "grace", "window", "look_back", "valid_for", "expires_after")


def number_checks(data: Any) -> Iterator[Diagnostic]:
    """Every number of the policy, and every duration's count, within the numeric range
    (``decimals.NUMBER_RANGE``), each refused at its position: a minimum of 1e99999999
    would otherwise overflow the sums of allocation."""
    for path, value in _leaves(data, ()):
        try:
            if isinstance(value, (int, Decimal)) and not isinstance(value, bool):
                check_number(Decimal(value), "number")
            elif isinstance(value, str) and path and path[-1] in _DURATIONS:
                dates.parse_duration(value)
        except NumberRangeError as err:
            yield Diagnostic(
                str(err),
                locate(data, list(path)),
                hint=NUMBER_HINT,
                code="policy.number",
            )


def _leaves(node: Any, path: tuple[str | int, ...]) -> Iterator[tuple[tuple[str | int, ...], Any]]:
    if isinstance(node, Mapping):
        for key, value in node.items():
            yield from _leaves(value, (*path, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _leaves(value, (*path, i))
    else:
        yield path, node


def requirement_checks(data: Any) -> Iterator[Diagnostic]:
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
                    code="policy.within",
                )
                continue
            seen: set[int] = {i}
            j: int | None = ids[str(parent)]
            while j is not None and j not in seen:
                seen.add(j)
                up = items[j].get("within")
                j = ids.get(str(up)) if up is not None else None
            if j is not None:
                yield Diagnostic(
                    f"requirement '{req.get('id')}' is within itself (a cycle of 'within')",
                    locate(data, [*base, i, "within"]),
                    hint="categories nest like a tree",
                    code="policy.within",
                )
        for i, req in enumerate(items):
            if "per" in req and "max" not in req and "max_share" not in req:
                yield Diagnostic(
                    "'per' makes a cap per group, and this requirement has no cap",
                    locate_key(data, [*base, i, "per"]),
                    hint="add max: 8 for at most 8 credits counted per group (a minimum per "
                    "group is not supported)",
                    code="policy.cap-per",
                )
            if "where" not in req and req.get("carried_may_count") is False:
                yield Diagnostic(
                    "carried credits always count toward the total (a requirement without 'where')",
                    locate_key(data, [*base, i, "carried_may_count"]),
                    hint="limit what carries with carry_over.max and carry_over.where, or "
                    "use per_year.carried_may_count",
                    code="policy.carry-over",
                )
        has_children = {str(r["within"]) for r in items if r.get("within") is not None}
        categories = [r for r in items if "where" in r and "min" in r]
        capped = [r for r in items if ("max" in r or "max_share" in r)]
        for i, req in enumerate(items):
            if "per_year" not in req:
                continue
            if str(req.get("id")) in has_children and "where" in req:
                yield Diagnostic(
                    f"per-year minimums on '{req.get('id')}', which has categories within "
                    "it, are not supported",
                    locate_key(data, [*base, i, "per_year"]),
                    hint="put the per-year minimum on a category without sub-categories",
                    code="policy.per-year",
                )
            elif "where" not in req and optimal and categories and capped:
                yield Diagnostic(
                    "a per-year minimum on the total together with caps and categories is "
                    "not supported by optimal allocation (a capped credit's year and category "
                    "would be two choices at once)",
                    locate_key(data, [*base, i, "per_year"]),
                    hint="use order: chronological, or drop the caps or the per-year minimum",
                    code="policy.per-year",
                )
    carry = data.get("carry_over")
    if carry is not None and (data.get("allocation") or {}).get("unused") != "discard":
        yield Diagnostic(
            "carry_over needs 'allocation.unused: discard' (with carry-forward, unused "
            "records already stay available for later periods)",
            locate_key(data, ["carry_over"]),
            hint="add allocation: {unused: discard}",
            code="policy.carry-over",
        )
