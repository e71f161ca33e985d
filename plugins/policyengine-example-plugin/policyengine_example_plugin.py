"""An example policyengine plugin: a conference-attendance source and a date function.

Registered through the entry-point group ``policyengine`` (see pyproject.toml). It
shows the two hooks a plugin usually implements:

- ``register_sources``: ``ConferenceAttendance`` reads JSON lines, one attended
  session per line, and turns each into a normalized record; a bad line is
  reported with its line number and counted as rejected, the others still read;
- ``register_functions``: ``business_days_between(a, b)``, typed
  ``(date, date) -> number`` so ``policyengine validate`` checks its calls.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from policyengine import hookimpl
from policyengine.errors import Diagnostic, Location
from policyengine.expr.functions import Function
from policyengine.expr.types import DATE, NUMBER, STRING
from policyengine.records import parse_decimal
from policyengine.sources import CreditSource, SourceResult, input_path, normalize, record_fields

if TYPE_CHECKING:
    from policyengine.policy.model import Policy


class ConferenceAttendance(CreditSource):
    """Sessions attended at a conference, from a JSON-lines file."""

    name = "conference_attendance"
    description = "conference sessions attended (JSON lines); credits from hours"
    fields = {"member": STRING, "session": STRING}
    options = {
        "type": "object",
        "required": ["path"],
        "additionalProperties": False,
        "properties": {
            "path": {"type": "string", "description": "The JSON-lines file."},
            "credits_per_hour": {
                "type": "number",
                "exclusiveMinimum": 0,
                "description": "Credits per hour attended (default 1).",
            },
        },
    }

    def read(
        self, options: Mapping[str, Any], *, tz: dt.tzinfo, policy: Policy | None = None
    ) -> SourceResult:
        path = input_path(options)
        rate = Decimal(str(options.get("credits_per_hour", 1)))
        extra = record_fields(policy, self.fields)
        result = SourceResult()
        with open(path, encoding="utf-8") as handle:
            for number, line in enumerate(handle, start=1):
                if not line.strip():
                    continue
                result.rows_read += 1
                where = Location(str(path), number, 1)
                try:
                    row = json.loads(line, parse_float=Decimal)
                    if not isinstance(row, dict):
                        raise ValueError("a line must hold one JSON object")
                    hours = parse_decimal(row.get("hours"), "hours")
                except ValueError as err:  # json.JSONDecodeError is a ValueError
                    result.reject(Diagnostic(str(err), where, code="source.conference"))
                    continue
                normalize(
                    {
                        "id": f"conf-{row.get('member')}-{row.get('session')}",
                        "member": row.get("member"),
                        "session": row.get("session"),
                        "title": row.get("title", ""),
                        "kind": "conference",
                        "source": "conference",
                        "earned": row.get("date"),
                        "credits": hours * rate,
                    },
                    tz,
                    result,
                    where=where,
                    extra_fields=extra,
                )
        return result


def business_days_between(a: dt.date, b: dt.date) -> Decimal:
    """Monday-to-Friday days from ``a`` (included) to ``b`` (excluded); negative if b < a."""
    if b < a:
        return -business_days_between(b, a)
    weeks, extra = divmod((b - a).days, 7)
    days = weeks * 5 + sum(1 for i in range(extra) if (a.weekday() + i) % 7 < 5)
    return Decimal(days)


@hookimpl
def register_sources(register: Callable[[type[CreditSource]], None]) -> None:
    register(ConferenceAttendance)


@hookimpl
def register_functions(register: Callable[[Function], None]) -> None:
    register(
        Function(
            "business_days_between",
            (DATE, DATE),
            NUMBER,
            business_days_between,
            "Monday-to-Friday days from the first date (included) to the second (excluded)",
        )
    )
