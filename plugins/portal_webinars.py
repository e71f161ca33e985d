"""Source ``portal_webinars``: a learning portal's webinar export (CSV).

One row per member and webinar: member id, webinar id and title, and either the
start and end timestamps of the viewing or the minutes watched (with a date).
Credits come from the minutes by the policy's ``records.conversion`` rule (or an
``options.conversion`` of the same shape), see ``policyengine.records.conversion``;
when the policy has several rules (``when``), the minutes are passed on and the policy
converts each record. Portal webinars are recorded automatically: status ``approved``,
source ``portal``, kind ``webinar``, recorded on the day they were earned.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from decimal import Context, Decimal
from typing import TYPE_CHECKING, Any

from policyengine import dates, hookimpl
from policyengine.decimals import round_fraction
from policyengine.errors import Diagnostic, Location
from policyengine.expr.types import STRING
from policyengine.records import parse_decimal
from policyengine.records.conversion import CONVERSION_SCHEMA, credits_from_minutes
from policyengine.sources import (
    CreditSource,
    CsvSource,
    RowContext,
    SourceOptionError,
    conversion_rule,
    mapping_option,
    policy_converts,
    source_options,
)

if TYPE_CHECKING:
    from policyengine.policy.model import Policy

COLUMNS = {
    "id": "id",
    "member": "member_id",
    "webinar_id": "webinar_id",
    "title": "webinar_title",
    "start": "start",
    "end": "end",
    "minutes": "minutes",
    "date": "date",
}
_MICROSECONDS_PER_MINUTE = Decimal(60_000_000)
# enough digits for any two instants' minutes before they are rounded to six decimals
_CONTEXT = Context(prec=40)


def minutes_between(start: dt.datetime, end: dt.datetime) -> Decimal:
    """Minutes from start to end (no float), to the numeric range's six decimals
    (rounded down: 10 seconds are 0.166666 minutes), as a minutes column would hold them."""
    microseconds = Decimal((end - start) // dt.timedelta(microseconds=1))
    return round_fraction(_CONTEXT.divide(microseconds, _MICROSECONDS_PER_MINUTE))


class PortalWebinars(CsvSource):
    name = "portal_webinars"
    description = "learning-portal webinar export (CSV); credits from minutes by the policy"
    fields = {"member": STRING, "webinar_id": STRING}
    columns = COLUMNS
    required = ("member", "webinar_id")
    options = source_options(
        "The CSV export.",
        mapping=mapping_option("Record field -> column", COLUMNS),
        conversion=CONVERSION_SCHEMA,
    )

    def check_options(self, options: Mapping[str, Any], policy: Policy | None) -> None:
        conversion = conversion_rule(options, policy)
        if not conversion:
            if policy_converts(policy):
                return  # several rules (`when`): the policy converts each record's minutes
            raise SourceOptionError(
                "path",
                "portal_webinars needs a minutes-to-credits rule",
                "give the policy records.conversion, or this source options.conversion",
            )
        try:
            credits_from_minutes(Decimal(0), conversion)
        except ValueError as err:
            raise SourceOptionError("conversion", str(err)) from None

    def record(
        self, row: Mapping[str, Any], where: Location, context: RowContext
    ) -> tuple[Mapping[str, Any] | None, Sequence[Diagnostic]]:
        # None when the policy's rules convert each record (check_options, run before
        # any row is read, refuses a source with neither)
        conversion = conversion_rule(context.options, context.policy)
        problems: list[str] = []
        times: dict[str, dt.datetime] = {}
        for key in ("start", "end"):
            if row.get(key):
                try:
                    times[key] = dates.parse_datetime(row[key], context.tz)
                except ValueError as err:
                    problems.append(f"{key}: {err}")
        member, webinar = row.get("member", ""), row.get("webinar_id", "")
        for key, value in (("member_id", member), ("webinar_id", webinar)):
            if not value:
                problems.append(f"missing {key}")
        minutes: Decimal | None = None
        if row.get("minutes"):
            try:
                minutes = parse_decimal(row["minutes"], "minutes")
            except ValueError as err:
                problems.append(str(err))
        elif "start" in times and "end" in times:
            minutes = minutes_between(times["start"], times["end"])
            if minutes < 0:
                problems.append("the viewing ends before it starts")
        elif not problems:
            problems.append("no minutes watched: give minutes, or start and end")
        earned = times.get("end") or times.get("start") or row.get("date")
        if earned is None and not problems:
            problems.append("no date: give end, start or date")
        if problems:
            return None, [Diagnostic(p, where, code="source.portal") for p in problems]
        assert minutes is not None and earned is not None
        when = earned.isoformat() if isinstance(earned, dt.datetime) else earned
        # without a rule here the policy converts the minutes (several rules, `when`)
        credits: dict[str, Decimal] = {}
        if conversion is not None:
            credits["credits"] = credits_from_minutes(minutes, conversion)
        return {
            "id": row.get("id") or f"portal-{member}-{webinar}",
            "member": member,
            "webinar_id": webinar,
            "title": row.get("title", ""),
            "kind": "webinar",
            "source": "portal",
            "status": "approved",
            "earned": when,
            "recorded": when,
            "minutes": minutes,
            **credits,
        }, []


@hookimpl
def register_sources(register: Callable[[type[CreditSource]], None]) -> None:
    register(PortalWebinars)
