"""Exact decimals as the engine writes them.

Credits are ``decimal.Decimal`` everywhere (docs/design.md). People read them without
trailing zeros or exponents (``25.0`` -> ``25``, ``1.50`` -> ``1.5``); JSON output keeps
the exact string instead (``"25.0"``), except where a value is documented as normalized.
"""

from __future__ import annotations

from decimal import Decimal

ZERO = Decimal(0)


def decimal_text(value: Decimal | str | int) -> str:
    """A decimal for people: exact, without trailing zeros or exponent, never ``-0``."""
    number = Decimal(value)
    if number.is_zero():
        return "0"
    return format(number.normalize(), "f")
