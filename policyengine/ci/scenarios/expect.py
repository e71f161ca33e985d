"""Partial matching of an expected outcome (from a scenario file) against an actual one.

Only what is written is asserted:

- a mapping matches when every key written matches (other keys are ignored);
- a list matches item by item and must have the same length — except the evaluation's
  ``periods``, matched by ``number``, and ``records``, a mapping by record id;
- a number matches a decimal string of the same value (``25`` matches ``"25.0"``);
- everything else by equality (dates are ISO strings on both sides).

Credit-package outcomes (:func:`match_package`, ``decision`` and ``balance``) add: a
refusal reason may be written as its code alone (``reasons: [insufficient-credits]``);
``packages``, ``items`` and ``enrollments`` may be a list (by position, same length)
or a mapping by package / item id (only the ids written); a timestamp without an
offset is local time in the policy's time zone (``2025-01-14T00:00:00`` matches
``"2025-01-14T00:00:00-08:00"``).

Each mismatch carries the path of the value (``periods[number=1].status``), the
expected and actual values, and where the expected value is written in the file.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from policyengine import dates
from policyengine.errors import Location
from policyengine.load.yaml_loader import locate

MISSING = object()


@dataclass(frozen=True)
class Mismatch:
    path: str  # e.g. periods[number=1].status
    expected: Any
    actual: Any  # MISSING when the actual outcome has no such value
    location: Location | None  # where the expected value is written
    note: str | None = None  # context for people, e.g. why a redemption was refused

    def as_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "expected": json_ready(self.expected),
            "actual": None if self.actual is MISSING else json_ready(self.actual),
            "actual_missing": self.actual is MISSING,
            "location": str(self.location) if self.location else None,
            **({"note": self.note} if self.note else {}),
        }

    def text(self) -> str:
        got = "nothing" if self.actual is MISSING else show(self.actual)
        return f"{self.path}: expected {show(self.expected)}, got {got}" + (
            f" ({self.note})" if self.note else ""
        )


def json_ready(value: Any) -> Any:
    """JSON-friendly plain data (Loc* containers to dict/list/str, decimals to strings)."""
    if isinstance(value, dict):
        return {str(k): json_ready(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_ready(v) for v in value]
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
    return bool(expected == actual)


class Matcher:
    """Collects mismatches between ``expected`` (loaded YAML) and ``actual`` (plain data)."""

    def __init__(self, root: Any, base: list[Any]):
        self.root = root  # the scenario file's data (for locations)
        self.base = base  # path of the 'expect' mapping inside it
        self.mismatches: list[Mismatch] = []

    def _loc(self, ypath: list[Any]) -> Location | None:
        return locate(self.root, [*self.base, *ypath])

    def fail(
        self, path: str, ypath: list[Any], expected: Any, actual: Any, note: str | None = None
    ) -> None:
        self.mismatches.append(Mismatch(path, expected, actual, self._loc(ypath), note))

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


def match_evaluation(
    expect: Any, actual: dict[str, Any], root: Any, base: list[Any]
) -> list[Mismatch]:
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


# Lists of a package outcome that may be written as a mapping by this key.
KEYED = {"packages": "id", "items": "id", "enrollments": "item"}


class PackageMatcher(Matcher):
    """Matching of ``decision`` / ``balance`` (``packages.decision_data`` / ``balance_data``)."""

    def __init__(self, root: Any, base: list[Any], tz: dt.tzinfo):
        super().__init__(root, base)
        self.tz = tz

    def match(self, expected: Any, actual: Any, path: str, ypath: list[Any]) -> None:
        key = path.rsplit(".", 1)[-1]
        if key in KEYED and isinstance(expected, dict) and isinstance(actual, (list, tuple)):
            by_id = {str(a.get(KEYED[key])): a for a in actual if isinstance(a, dict)}
            for ident, value in expected.items():
                where = f"{path}[{ident}]"
                if str(ident) not in by_id:
                    self.fail(
                        where,
                        [*ypath, ident],
                        value,
                        MISSING,
                        f"there are: {', '.join(by_id) or 'none'}",
                    )
                else:
                    self.match(value, by_id[str(ident)], where, [*ypath, ident])
        elif key == "reasons" and isinstance(expected, list) and isinstance(actual, (list, tuple)):
            for i, value in enumerate(expected[: len(actual)]):
                if isinstance(value, str):
                    self.match(value, actual[i].get("code"), f"{path}[{i}].code", [*ypath, i])
                else:
                    self.match(value, actual[i], f"{path}[{i}]", [*ypath, i])
            if len(expected) != len(actual):
                self.fail(
                    path,
                    ypath,
                    [v if isinstance(v, str) else v.get("code") for v in expected],
                    [r.get("code") for r in actual],
                )
        elif isinstance(expected, str) and isinstance(actual, str) and "T" in expected:
            if not self._same_instant(expected, actual):
                self.fail(path, ypath, expected, actual)
        else:
            super().match(expected, actual, path, ypath)

    def _same_instant(self, expected: str, actual: str) -> bool:
        try:
            return dates.parse_datetime(expected, self.tz) == dates.parse_datetime(actual, self.tz)
        except ValueError:
            return str(expected) == actual


def _refusal(decision: Any) -> str | None:
    reasons = decision.get("reasons") if isinstance(decision, dict) else None
    if not reasons:
        return None
    return "refused: " + "; ".join(f"[{r.get('code')}] {r.get('message')}" for r in reasons)


def match_package(
    expect: Any, actual: dict[str, Any], root: Any, base: list[Any], tz: dt.tzinfo
) -> list[Mismatch]:
    """Compare a credit-package scenario's ``expect`` (``decision``, ``balance``)."""
    m = PackageMatcher(root, base, tz)
    m.match(expect, actual, "", [])
    # An unexpected refusal says why, next to the first mismatch of the decision.
    why = _refusal(actual.get("decision"))
    for i, mm in enumerate(m.mismatches):
        if why and mm.path.startswith("decision.") and mm.note is None:
            m.mismatches[i] = Mismatch(mm.path, mm.expected, mm.actual, mm.location, why)
            break
    return m.mismatches


__all__ = ["MISSING", "Mismatch", "json_ready", "match_evaluation", "match_package", "show"]
