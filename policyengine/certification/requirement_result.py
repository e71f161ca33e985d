"""How a measured requirement reads: counts, per-year counts, the "needs ..." sentence.

A :class:`RequirementResult` is one requirement of one period after allocation; ``as_dict`` is
its part of the evaluation JSON (docs/evaluation.md) and ``sentence`` says what is
missing in plain words ("needs 1.5 more credits (2.5 of 4) by 2026-12-31").
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, NamedTuple

from policyengine.decimals import ZERO, decimal_text
from policyengine.expr.values import add_months


@dataclass(frozen=True)
class YearResult:
    number: int  # 1-based year of the period
    start: dt.date
    end: dt.date
    required: Decimal
    counted: Decimal

    @property
    def met(self) -> bool:
        return self.counted >= self.required

    @property
    def missing(self) -> Decimal:
        return max(ZERO, self.required - self.counted)

    def as_dict(self) -> dict[str, Any]:
        return {
            "year": self.number,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "required": str(self.required),
            "counted": str(self.counted),
            "missing": str(self.missing),
            "met": self.met,
        }


class RequirementResult(NamedTuple):
    """One requirement of one period, measured (a named tuple: one is made for each
    requirement of each period of each holder, three times faster than a frozen
    dataclass)."""

    id: str
    label: str
    measure: str
    required: Decimal | None
    counted: Decimal
    cap: Decimal | None
    courses_missing: tuple[str, ...] = ()
    years: tuple[YearResult, ...] = ()
    # a cap per group (``per``): the expression, and the groups that reached the cap
    # with what each counted
    cap_per: str | None = None
    capped_groups: tuple[tuple[str, Decimal], ...] = ()

    @property
    def met(self) -> bool:
        enough = self.required is None or self.counted >= self.required
        return enough and not self.courses_missing and all(y.met for y in self.years)

    @property
    def missing(self) -> Decimal:
        if self.required is None:
            return ZERO
        return max(ZERO, self.required - self.counted)

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.id,
            "label": self.label,
            "measure": self.measure,
            "counted": str(self.counted),
            "met": self.met,
        }
        if self.required is not None:
            out["required"] = str(self.required)
            out["missing"] = str(self.missing)
        if self.cap is not None:
            out["cap"] = str(self.cap)
        if self.cap_per is not None:
            out["cap_per"] = self.cap_per
            out["capped_groups"] = [
                {"group": g, "counted": str(amount)} for g, amount in self.capped_groups
            ]
        if self.courses_missing:
            out["courses_missing"] = list(self.courses_missing)
        if self.years:
            out["per_year"] = [y.as_dict() for y in self.years]
        return out

    def sentence(self, period_end: dt.date, as_of: dt.date | None = None) -> str:
        """What the requirement still needs, and by when; once a deadline has passed
        (``as_of`` after it), what it lacked when it passed."""
        unit = "credit" if self.measure == "credits" else "item"

        def short(amount: Decimal, detail: str, deadline: dt.date) -> str:
            if as_of is not None and as_of > deadline:
                units = f"{decimal_text(amount)} {unit}{'' if amount == 1 else 's'}"
                return f"was {units} short {detail} when it ended {deadline}"
            return f"needs {_more(amount, unit)} {detail} by {deadline}"

        parts = []
        if self.required is not None and self.counted < self.required:
            counts = f"({decimal_text(self.counted)} of {decimal_text(self.required)})"
            parts.append(short(self.missing, counts, period_end))
        for y in self.years:
            if not y.met:
                detail = (
                    f"in year {y.number} ({y.start} to {y.end}: {decimal_text(y.counted)} of "
                    f"{decimal_text(y.required)})"
                )
                parts.append(short(y.missing, detail, y.end))
        if self.courses_missing:
            courses = ", ".join(self.courses_missing)
            if as_of is not None and as_of > period_end:
                parts.append(f"was missing course {courses} when it ended {period_end}")
            else:
                parts.append(f"needs course {courses} by {period_end}")
        if not parts:
            return f"{self.label}: met ({decimal_text(self.counted)} {unit}s)"
        return f"{self.label}: " + " and ".join(parts)


def _more(amount: Decimal, unit: str) -> str:
    return f"{decimal_text(amount)} more {unit}{'' if amount == 1 else 's'}"


def period_years(start: dt.date, end: dt.date, kind: str) -> list[tuple[dt.date, dt.date]]:
    """The years of a period, inclusive ends: ``period`` counts years from the start (the
    last may be shorter); ``calendar`` takes the calendar years overlapping it, clipped."""
    spans = []
    if kind == "calendar":
        year = start.year
        while dt.date(year, 1, 1) <= end:
            spans.append((max(start, dt.date(year, 1, 1)), min(end, dt.date(year, 12, 31))))
            year += 1
        return spans
    n, begin = 1, start
    while begin <= end:
        nxt = add_months(start, 12 * n)
        spans.append((begin, min(end, nxt - dt.timedelta(days=1))))
        begin, n = nxt, n + 1
    return spans


def year_values(number: int, start: dt.date, end: dt.date, kind: str) -> dict[str, Any]:
    """What a per-year minimum sees as ``year``: its number (1-based), first and last
    day, and whether it is a whole year (a calendar year not clipped by the period, or
    twelve months from the period start)."""
    if kind == "calendar":
        full = (start.month, start.day, end.month, end.day) == (1, 1, 12, 31)
    else:
        full = add_months(start, 12) - dt.timedelta(days=1) == end
    return {"number": Decimal(number), "start": start, "end": end, "full": full}


def all_met(results: Sequence[RequirementResult]) -> bool:
    return all(r.met for r in results)
