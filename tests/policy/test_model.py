"""The typed policy model: defaults stated once, sections built at load, no string paths.

A default lives in the model's dataclass and the JSON Schema states the same one
(editors show it to administrators); these tests keep the two equal and make sure no
module outside ``policyengine/policy/`` reads the policy document by its keys.
"""

from __future__ import annotations

import ast
import dataclasses
from decimal import Decimal
from typing import Any

import pytest

from policyengine import load_policy
from policyengine.load.schema import load_schema
from policyengine.policy import model
from tests.helpers import ROOT

SCHEMA = load_schema("policy")

# (model class, field, JSON pointer of the schema property holding the same default)
DEFAULTS = [
    (model.Allocation, "order", "/properties/allocation/properties/order"),
    (model.Allocation, "unused", "/properties/allocation/properties/unused"),
    (model.Allocation, "apply", "/properties/allocation/properties/apply"),
    (
        model.Allocation,
        "current_registration_only",
        "/properties/allocation/properties/current_registration_only",
    ),
    (model.Policy, "certification_date", "/properties/certification_date"),
    (model.PeriodRules, "layout", "/properties/periods/properties/renewal/properties/layout"),
    (model.Periods, "completion_date", "/properties/periods/properties/completion_date"),
    (model.Periods, "window_from", "/properties/periods/properties/window_from"),
    (model.Requirement, "measure", "/$defs/requirement/properties/measure"),
    (model.Requirement, "carried_may_count", "/$defs/requirement/properties/carried_may_count"),
    (model.PerYear, "years", "/$defs/requirement/properties/per_year/properties/years"),
    (
        model.PerYear,
        "carried_may_count",
        "/$defs/requirement/properties/per_year/properties/carried_may_count",
    ),
    (
        model.DateChangeRule,
        "allowed",
        "/properties/adjustments/properties/backdate/properties/allowed",
    ),
    (
        model.DateChangeRule,
        "allowed",
        "/properties/adjustments/properties/pushdate/properties/allowed",
    ),
    (model.PackageTerms, "boundary", "/properties/package/properties/boundary"),
    (model.PackageTerms, "draw_order", "/properties/package/properties/draw_order"),
    (
        model.PackageTerms,
        "require_acknowledgement",
        "/properties/cart/properties/require_acknowledgement",
    ),
    (
        model.CartRules,
        "require_acknowledgement",
        "/properties/cart/properties/require_acknowledgement",
    ),
    (model.CartRules, "ineligible_message", "/properties/cart/properties/ineligible_message"),
    (
        model.CartRule,
        "hide_option",
        "/properties/cart/properties/rules/items/properties/hide_option",
    ),
    (model.Conversion, "rounding", "/$defs/conversionRule/properties/rounding"),
    (model.Conversion, "minimum", "/$defs/conversionRule/properties/minimum"),
]


def pointer(path: str) -> Any:
    node: Any = SCHEMA
    for part in path.strip("/").split("/"):
        node = node[part]
    return node


@pytest.mark.parametrize(
    ("cls", "name", "path"), DEFAULTS, ids=[f"{c.__name__}.{n}" for c, n, _ in DEFAULTS]
)
def test_model_default_equals_the_schema_default(cls: type, name: str, path: str) -> None:
    default = {f.name: f.default for f in dataclasses.fields(cls)}[name]
    schema_default = pointer(path)["default"]
    assert default == (Decimal(schema_default) if isinstance(default, Decimal) else schema_default)


def test_every_schema_default_is_one_the_model_states() -> None:
    """A default in the schema that no model field states would be stated only once,
    in prose the engine ignores."""
    found: list[str] = []

    def walk(node: Any, path: str) -> None:
        if isinstance(node, dict):
            if "default" in node:
                found.append(path)
            for key, value in node.items():
                walk(value, f"{path}/{key}")
        elif isinstance(node, list):
            for i, value in enumerate(node):
                walk(value, f"{path}/{i}")

    walk(SCHEMA, "")
    listed = {p for _, _, p in DEFAULTS} | {
        "/properties/periods/properties/initial/properties/layout"
    }
    assert set(found) <= listed


def test_sections_are_typed_with_defaults_filled_in() -> None:
    crp = load_policy(str(ROOT / "policies/werc-crp.yaml"))
    assert crp.allocation.unused == "discard" and crp.allocation.order == "chronological"
    assert crp.periods is not None and crp.periods.renewal is not None
    assert crp.periods.renewal.layout == "back-to-back"
    assert crp.adjustments is not None and crp.adjustments.roles
    total = crp.periods.renewal.requirements.items[0]
    assert (total.measure, total.min) == ("credits", Decimal(30))
    pkg = load_policy(str(ROOT / "policies/western-cpe-package.yaml"))
    assert pkg.package is not None and pkg.package.boundary == "end-of-day"
    assert pkg.cart is not None and [r.id for r in pkg.cart.rules] == ["flexcast"]


def test_a_misspelt_option_is_an_attribute_error_not_none() -> None:
    crp = load_policy(str(ROOT / "policies/werc-crp.yaml"))
    with pytest.raises(AttributeError):
        crp.allocation.oder  # type: ignore[attr-defined]  # noqa: B018


def test_no_module_outside_the_policy_package_reads_the_document_by_key() -> None:
    """The string seam the model replaced: ``policy.get("allocation.unused")``,
    ``policy.document[...]``, ``policy.location("...")``."""
    offenders = []
    for path in sorted((ROOT / "policyengine").rglob("*.py")):
        if path.parent.name == "policy" and path.parent.parent.name == "policyengine":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Attribute)
                and node.attr in ("document", "get_path")
                and isinstance(node.value, ast.Name)
                and node.value.id == "policy"
            ):
                offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}")
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in ("get", "location", "expression", "duration")
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id == "policy"
            ):
                offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert offenders == []
