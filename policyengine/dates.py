"""Dates, timestamps, durations and time zones as policy and record files write them.

Conventions (also in the README):
- a plain date (``2025-07-31``) is a calendar day and is taken as it is;
- a timestamp with an offset (``2025-07-31T23:30:00-07:00``) is an instant, placed on
  the calendar in the policy's time zone; a timestamp without an offset is read as
  local time in the policy's time zone;
- a duration is ``N day(s)|week(s)|month(s)|year(s)``.
"""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from policyengine.expr.values import Duration

_DURATION = re.compile(r"^\s*([0-9]+)\s+(day|days|week|weeks|month|months|year|years)\s*$")
_UNIT_MONTHS = {"month": 1, "months": 1, "year": 12, "years": 12}
_UNIT_DAYS = {"day": 1, "days": 1, "week": 7, "weeks": 7}


def parse_duration(text: str) -> Duration:
    m = _DURATION.match(text)
    if not m:
        raise ValueError(f"'{text}' is not a duration; write e.g. '365 days' or '1 year'")
    n, unit = int(m.group(1)), m.group(2)
    if unit in _UNIT_MONTHS:
        return Duration(months=n * _UNIT_MONTHS[unit], days=0)
    return Duration(months=0, days=n * _UNIT_DAYS[unit])


def parse_date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(str(text))
    except ValueError:
        raise ValueError(f"'{text}' is not a valid date (YYYY-MM-DD)") from None


def parse_datetime(text: str, tz: dt.tzinfo) -> dt.datetime:
    """An aware datetime; a timestamp without offset is local time in ``tz``."""
    raw = str(text).strip()
    if raw.endswith(("Z", "z")):
        raw = raw[:-1] + "+00:00"
    try:
        value = dt.datetime.fromisoformat(raw)
    except ValueError:
        raise ValueError(f"'{text}' is not a valid ISO 8601 timestamp") from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=tz)
    return value


def local_date(value: dt.datetime, tz: dt.tzinfo) -> dt.date:
    """The calendar day of an instant in ``tz``."""
    return value.astimezone(tz).date()


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone '{name}'") from None
