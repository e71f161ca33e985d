"""Measuring a period's requirements over the records applied to it.

A requirement counts credits (or items) of the applied records that pass its
``where`` filter and compares them with its ``min``; a requirement with ``max``
(or ``max_share``) caps how much its records contribute to every requirement,
records taken in chronological order; ``courses`` lists course ids that must be
among the applied records. All arithmetic is exact (Decimal).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from policyengine.exprrun import run
from policyengine.policy import Policy
from policyengine.records import Record

ZERO = Decimal(0)


@dataclass(frozen=True)
class Applied:
    """A record as applied to a period: its effective date and its credits."""

    record: Record
    earned_on: dt.date
    credits: Decimal

    def values(self) -> dict[str, Any]:
        return {**self.record.fields, "earned_on": self.earned_on,
                "original_earned_on": self.record.earned_on, "credits": self.credits}


@dataclass(frozen=True)
class Result:
    id: str
    label: str
    measure: str
    required: Decimal | None
    counted: Decimal
    cap: Decimal | None
    courses_missing: tuple[str, ...] = ()

    @property
    def met(self) -> bool:
        enough = self.required is None or self.counted >= self.required
        return enough and not self.courses_missing

    @property
    def missing(self) -> Decimal:
        if self.required is None:
            return ZERO
        return max(ZERO, self.required - self.counted)

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.id, "label": self.label, "measure": self.measure,
            "counted": str(self.counted), "met": self.met,
        }
        if self.required is not None:
            out["required"] = str(self.required)
            out["missing"] = str(self.missing)
        if self.cap is not None:
            out["cap"] = str(self.cap)
        if self.courses_missing:
            out["courses_missing"] = list(self.courses_missing)
        return out

    def sentence(self, period_end: dt.date) -> str:
        unit = "credit" if self.measure == "credits" else "item"
        parts = []
        if self.required is not None and self.counted < self.required:
            many = "" if self.missing == 1 else "s"
            parts.append(f"needs {show_number(self.missing)} more {unit}{many} "
                         f"({show_number(self.counted)} of {show_number(self.required)})")
        if self.courses_missing:
            parts.append("needs course " + ", ".join(self.courses_missing))
        if not parts:
            return f"{self.label}: met ({show_number(self.counted)} {unit}s)"
        return f"{self.label}: " + " and ".join(parts) + f" by {period_end}"


class Requirements:
    """The requirement list that applies to one kind of period."""

    def __init__(self, policy: Policy, period_kind: str):
        self.policy = policy
        own = policy.get(f"periods.{period_kind}.requirements")
        self.base = f"periods.{period_kind}.requirements" if own is not None else "requirements"
        self.items = list(policy.get(self.base) or [])

    def _number(self, key: str, i: int, values: dict) -> Decimal | None:
        raw = self.items[i].get(key)
        if raw is None:
            return None
        if isinstance(raw, str):
            return run(self.policy, f"{self.base}.{i}.{key}", values)
        return Decimal(raw)

    def measure(self, applied: Sequence[Applied], period: dict, holder: dict) -> list[Result]:
        policy = self.policy
        scope = {**policy.base_values(), "period": period, "holder": holder}
        matches: list[list[bool]] = []
        for i in range(len(self.items)):
            path = f"{self.base}.{i}.where"
            row = []
            for a in applied:
                ok = run(policy, path, {**scope, "record": a.values()}, default=True)
                row.append(ok is True)
            matches.append(row)
        total_min = next(
            (self._number("min", i, scope) for i, r in enumerate(self.items)
             if "where" not in r and "min" in r),
            None,
        )
        caps: list[tuple[int, Decimal]] = []
        for i, req in enumerate(self.items):
            cap = self._number("max", i, scope)
            if cap is None and "max_share" in req and total_min is not None:
                cap = Decimal(req["max_share"]) * total_min
            if cap is not None:
                caps.append((i, cap))
        # Chronological cap budgets: what each applied record may contribute.
        budgets = {i: cap for i, cap in caps}
        usable: list[Decimal] = []
        for j, a in enumerate(applied):
            amount = a.credits
            for i, _cap in caps:
                if matches[i][j]:
                    amount = min(amount, budgets[i])
            for i, _cap in caps:
                if matches[i][j]:
                    budgets[i] -= amount
            usable.append(amount)
        results = []
        for i, req in enumerate(self.items):
            measure = str(req.get("measure", "credits"))
            counted = ZERO
            for j, a in enumerate(applied):
                if matches[i][j]:
                    counted += usable[j] if measure == "credits" else Decimal(1)
            have = {a.record.course for j, a in enumerate(applied) if matches[i][j]}
            missing = tuple(c for c in req.get("courses", []) if c not in have)
            results.append(
                Result(
                    id=str(req["id"]),
                    label=str(req.get("label", req["id"])),
                    measure=measure,
                    required=self._number("min", i, scope),
                    counted=counted,
                    cap=dict(caps).get(i),
                    courses_missing=missing,
                )
            )
        return results


def show_number(value: Decimal | str) -> str:
    """A decimal for people: exact, without trailing zeros or exponent (``25.0`` -> ``25``,
    ``1.50`` -> ``1.5``). JSON keeps the exact string instead."""
    text = format(Decimal(value).normalize(), "f")
    return "0" if text in ("-0", "") else text


def all_met(results: Sequence[Result]) -> bool:
    return all(r.met for r in results)


def progress(results: Sequence[Result]) -> tuple:
    """A comparable measure of progress on the unmet requirements."""
    return tuple(
        (min(r.counted, r.required) if r.required is not None else ZERO, -len(r.courses_missing))
        for r in results
    )
