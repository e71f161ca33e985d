"""Minutes to credits, by a policy's ``records.conversion`` rule, in exact decimals.

A learning portal knows how long someone watched; a policy says how minutes become
credits: ``minutes_per_credit`` (e.g. 50), an ``increment`` the credits are rounded
to (e.g. 0.2), the ``rounding`` direction (``down`` by default, ``up`` or
``half-up``) and a ``minimum`` below which nothing is earned (e.g. 1, "a minimum
first credit"). With those four, 49 minutes give 0 credits, 50 give 1, 59 give 1,
60 give 1.2, 75 give 1.4 and 100 give 2. Without an ``increment`` credits are rounded
to six decimals (the numeric range, see ``policyengine.decimals``) in the rule's
direction. No ``float`` is ever involved.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Context, Decimal, InvalidOperation
from typing import Any

from policyengine.decimals import check_number, round_fraction
from policyengine.policy.model import Conversion

# The shape of ``records.conversion``, for sources taking a conversion option.
CONVERSION_SCHEMA = {
    "type": "object",
    "description": "Minutes to credits, as a policy's records.conversion (overrides it).",
    "required": ["minutes_per_credit"],
    "additionalProperties": False,
    "properties": {
        "minutes_per_credit": {"type": "number", "exclusiveMinimum": 0},
        "increment": {"type": "number", "exclusiveMinimum": 0},
        "rounding": {"enum": ["down", "up", "half-up"]},
        "minimum": {"type": "number", "minimum": 0},
    },
}

ROUNDINGS = {"down": ROUND_FLOOR, "up": ROUND_CEILING, "half-up": ROUND_HALF_UP}

# Wide enough that dividing any realistic minute count stays exact when the true
# quotient is a whole number of increments (it is computed in one division).
_CONTEXT = Context(prec=60)


def _number(raw: Any, what: str, *, positive: bool) -> Decimal:
    if isinstance(raw, bool):
        raise ValueError(f"conversion {what} must be a number")
    try:
        value = raw if isinstance(raw, Decimal) else Decimal(str(raw).strip())
    except InvalidOperation:
        raise ValueError(f"conversion {what} must be a number, got '{raw}'") from None
    if not value.is_finite() or value < 0 or (positive and value == 0):
        need = "greater than 0" if positive else "0 or more"
        raise ValueError(f"conversion {what} must be {need}, got {raw}")
    return check_number(value, f"conversion {what}")


def tidy(value: Decimal) -> Decimal:
    """``2.0`` -> ``2``, ``1.20`` -> ``1.2`` (same value, stable text)."""
    if value == value.to_integral_value():
        return value.quantize(Decimal(1))
    return value.normalize()


def convert(
    rules: Sequence[Conversion], scope: Mapping[str, Any], fields: Mapping[str, Any]
) -> Decimal:
    """Credits of a record given without credits, by the first of a policy's
    ``records.conversion`` rules whose ``when`` is true in ``scope`` (what
    ``records.*`` expressions see); 0 when none is. ``fields`` are the record's own
    (its ``minutes``)."""
    for rule in rules:
        if rule.when is not None and rule.when(scope) is not True:
            continue
        if rule.units is not None:
            units = rule.units(scope)
            assert isinstance(units, Decimal)
            return credits_from_units(units, rule.as_mapping())
        return credits_from_minutes(fields.get("minutes", Decimal(0)), rule.as_mapping())
    return Decimal(0)


def credits_from_minutes(minutes: Decimal, conversion: Mapping[str, Any]) -> Decimal:
    """Credits for ``minutes`` under ``conversion`` (a policy's ``records.conversion``).

    Raises ValueError when the rule or the minutes are not usable numbers.
    """
    minutes = _number(minutes, "minutes", positive=False)
    per_credit = _rate(conversion, "minutes_per_credit")
    return _rounded(_CONTEXT.divide(minutes, per_credit), conversion)


def credits_from_units(units: Decimal, conversion: Mapping[str, Any]) -> Decimal:
    """Credits for ``units`` (e.g. academic quarter units) under a rule with
    ``credits_per_unit`` (e.g. 10): the product, then the rule's increment, rounding
    and minimum as for minutes.

    Raises ValueError when the rule or the units are not usable numbers.
    """
    units = _number(units, "units", positive=False)
    per_unit = _rate(conversion, "credits_per_unit")
    return _rounded(_CONTEXT.multiply(units, per_unit), conversion)


def _rate(conversion: Mapping[str, Any], key: str) -> Decimal:
    """The rule's ``minutes_per_credit`` or ``credits_per_unit``: a number above 0."""
    if key not in conversion:
        raise ValueError(f"conversion needs {key}")
    return _number(conversion[key], key, positive=True)


def _rounded(exact: Decimal, conversion: Mapping[str, Any]) -> Decimal:
    """``exact`` credits to the rule's increment in its direction, 0 below its minimum."""
    rounding = str(conversion.get("rounding", "down"))
    if rounding not in ROUNDINGS:
        raise ValueError(f"conversion rounding must be down, up or half-up, not '{rounding}'")
    minimum = _number(conversion.get("minimum", 0), "minimum", positive=False)
    if conversion.get("increment") is None:
        # to the numeric range's six decimals, in the rule's direction: 10 minutes at 60
        # per credit are 0.166666 credits (down), not 60 digits of sixes
        credits = round_fraction(exact, ROUNDINGS[rounding])
    else:
        increment = _number(conversion["increment"], "increment", positive=True)
        steps = _CONTEXT.divide(exact, increment)
        credits = steps.to_integral_value(rounding=ROUNDINGS[rounding]) * increment
    if credits < minimum:
        return Decimal(0)
    return tidy(credits)
