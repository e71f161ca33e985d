"""Partial matching of an expected outcome (from a scenario file) against an actual one.

Only what is written is asserted:

- a mapping matches when every key written matches (other keys are ignored);
- a list matches item by item and must have the same length — except the evaluation's
  ``periods``, matched by ``number``, and ``records``, a mapping by record id;
- a number matches a decimal string of the same value (``25`` matches ``"25.0"``);
- everything else by equality (dates are ISO strings on both sides).

Each mismatch carries the path of the value (``periods[number=1].status``), the
expected and actual values, and where the expected value is written in the file.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from policyengine.errors import Location
from policyengine.yamlload import locate

MISSING = object()


@dataclass(frozen=True)
class Mismatch:
    path: str  # e.g. periods[number=1].status
    expected: Any
    actual: Any  # MISSING when the actual outcome has no such value
    location: Location | None  # where the expected value is written

    def as_dict(self) -> dict[str, Any]:
        return {"path": self.path, "expected": plain(self.expected),
                "actual": None if self.actual is MISSING else plain(self.actual),
                "actual_missing": self.actual is MISSING,
                "location": str(self.location) if self.location else None}

    def text(self) -> str:
        got = "nothing" if self.actual is MISSING else show(self.actual)
        return f"{self.path}: expected {show(self.expected)}, got {got}"


def plain(value: Any) -> Any:
    """JSON-friendly plain data (Loc* containers to dict/list/str, decimals to strings)."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, str):
        return str(value)
    return value


def show(value: Any) -> str:
    """A value as written in YAML flow style: strings quoted, null, true/false."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, Decimal)):
        return str(value)
    if isinstance(value, str):
        return "'" + str(value).replace("'", "''") + "'"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {show(v)}" for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(show(v) for v in value) + "]"
    return str(value)


def _number(value: Any) -> Decimal | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, Decimal)):
        return Decimal(value)
    if isinstance(value, str):
        try:
            n = Decimal(value.strip())
        except InvalidOperation:
            return None
        return n if n.is_finite() else None
    return None


def _scalar_equal(expected: Any, actual: Any) -> bool:
    if isinstance(expected, bool) or isinstance(actual, bool):
        return type(expected) is type(actual) and expected == actual
    if isinstance(expected, (int, Decimal)):
        n = _number(actual)
        return n is not None and n == Decimal(expected)
    if isinstance(expected, str) and isinstance(actual, str):
        return str(expected) == str(actual)
    return expected == actual


class Matcher:
    """Collects mismatches between ``expected`` (loaded YAML) and ``actual`` (plain data)."""

    def __init__(self, root: Any, base: list[Any]):
        self.root = root  # the scenario file's data (for locations)
        self.base = base  # path of the 'expect' mapping inside it
        self.mismatches: list[Mismatch] = []

    def _loc(self, ypath: list[Any]) -> Location | None:
        return locate(self.root, [*self.base, *ypath])

    def fail(self, path: str, ypath: list[Any], expected: Any, actual: Any) -> None:
        self.mismatches.append(Mismatch(path, expected, actual, self._loc(ypath)))

    def match(self, expected: Any, actual: Any, path: str, ypath: list[Any]) -> None:
        if isinstance(expected, dict):
            if not isinstance(actual, dict):
                self.fail(path, ypath, expected, actual)
                return
            for key, value in expected.items():
                sub = f"{path}.{key}" if path else str(key)
                if key not in actual:
                    self.fail(sub, [*ypath, key], value, MISSING)
                else:
                    self.match(value, actual[key], sub, [*ypath, key])
        elif isinstance(expected, list):
            if not isinstance(actual, (list, tuple)):
                self.fail(path, ypath, expected, actual)
                return
            for i, value in enumerate(expected):
                if i < len(actual):
                    self.match(value, actual[i], f"{path}[{i}]", [*ypath, i])
            if len(expected) != len(actual):
                self.fail(f"{path} (length)", ypath, len(expected), len(actual))
        elif not _scalar_equal(expected, actual):
            self.fail(path, ypath, expected, actual)


def match_evaluation(expect: Any, actual: dict[str, Any], root: Any,
                     base: list[Any]) -> list[Mismatch]:
    """Compare a scenario's ``expect`` with ``Evaluation.as_dict()``."""
    m = Matcher(root, base)
    for key, value in expect.items():
        if key == "periods":
            by_number = {p["number"]: p for p in actual.get("periods", [])}
            for i, period in enumerate(value):
                number = period.get("number")
                where = f"periods[number={number}]"
                if number not in by_number:
                    m.fail(where, ["periods", i], period, MISSING)
                else:
                    m.match(period, by_number[number], where, ["periods", i])
        elif key == "period_count":
            m.match(value, len(actual.get("periods", [])), "period_count", [key])
        elif key == "records":
            by_id = {r["id"]: r for r in actual.get("records", [])}
            for rid, rec in value.items():
                where = f"records[{rid}]"
                if rid not in by_id:
                    m.fail(where, ["records", rid], rec, MISSING)
                else:
                    m.match(rec, by_id[rid], where, ["records", rid])
        elif key in actual:
            m.match(value, actual[key], str(key), [key])
        else:
            m.fail(str(key), [key], value, MISSING)
    return m.mismatches


def match_data(expect: Any, actual: dict[str, Any], root: Any, base: list[Any]) -> list[Mismatch]:
    """Compare plain ``expect`` with any plain ``actual`` mapping (package decisions)."""
    m = Matcher(root, base)
    m.match(expect, actual, "", [])
    return m.mismatches


__all__ = ["MISSING", "Mismatch", "match_data", "match_evaluation",
           "plain", "show"]
