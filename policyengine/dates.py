"""Dates, timestamps, durations and time zones as policy and record files write them.

Conventions (also in the README, "Dates and times — the conventions"):
- a plain date is ``YYYY-MM-DD`` (``2025-07-31``): a calendar day, taken as it is;
- a timestamp is RFC 3339, ``YYYY-MM-DDTHH:MM[:SS[.ffffff]][Z|±HH:MM]`` (a space may
  stand for the ``T``, as RFC 3339 allows and SQL exports write): with an offset it is
  an instant, placed on the calendar in the policy's time zone; without one it is local
  time in the policy's time zone;
- a duration is ``N day(s)|week(s)|month(s)|year(s)``.

Exactly these forms are read, with the same message wherever a date or timestamp is
read (files and command line): Python's ``fromisoformat`` accepts more, and more on
3.11 than on 3.10 (``20250901``, week and ordinal dates), so it is not used. An instant
must lie a day inside the calendar's ends (0001-01-02 to 9999-12-30 in UTC): no time
zone is a day or more from UTC, so every later conversion of an instant that was read
has a date.
"""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from policyengine.decimals import INTEGER_DIGITS, NUMBER_RANGE, NumberRangeError, number_shown
from policyengine.errors import Location, did_you_mean, shorten
from policyengine.expr.values import INSTANT_RANGE, Duration, instant_in_range

DATE_FORM = "YYYY-MM-DD"
TIMESTAMP_FORM = "YYYY-MM-DDTHH:MM[:SS[.ffffff]][Z|±HH:MM]"
_DATE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})\Z")
_TIMESTAMP = re.compile(
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})[T ]([0-9]{2}):([0-9]{2})"
    r"(?::([0-9]{2})(?:\.([0-9]{1,6}))?)?"
    r"(?:([Zz])|([+-])([0-9]{2}):([0-9]{2}))?\Z"
)
_UNIT = r"(day|days|week|weeks|month|months|year|years)"
_DURATION = re.compile(rf"^\s*[0-9]+\s+{_UNIT}(\s+[0-9]+\s+{_UNIT})*\s*$")
_DURATION_PART = re.compile(r"([0-9]+)\s+(days?|weeks?|months?|years?)")
_UNIT_MONTHS = {"month": 1, "months": 1, "year": 12, "years": 12}
_UNIT_DAYS = {"day": 1, "days": 1, "week": 7, "weeks": 7}
ZONE_HINT = "use an IANA time zone name such as America/New_York or UTC"
# longer names get no did-you-mean: no zone is that long, and difflib is quadratic
_LONGEST_ZONE_NAME = 60


def parse_duration(text: str, where: Location | None = None) -> Duration:
    """``N unit [N unit ...]`` (``1 year``, ``1 year 30 days``) as a :class:`Duration`:
    years and months add up to its months, weeks and days to its days (applied to a date
    months first, then days). ``where``: its place in a policy file, where a date
    computed from it past the calendar's end is reported."""
    if not _DURATION.match(text):
        raise ValueError(
            f"'{shorten(text)}' is not a duration; write e.g. '365 days', '1 year' or "
            "'1 year 30 days'"
        )
    months = days = 0
    for m in _DURATION_PART.finditer(text):
        if len(m.group(1).lstrip("0")) > INTEGER_DIGITS:  # also: int() refuses 4,300 digits
            shown = f"{number_shown(m.group(1))} {m.group(2)}"
            raise NumberRangeError(f"duration {shown} is out of range: {NUMBER_RANGE}")
        n, unit = int(m.group(1)), m.group(2)
        if unit in _UNIT_MONTHS:
            months += n * _UNIT_MONTHS[unit]
        else:
            days += n * _UNIT_DAYS[unit]
    return Duration(months=months, days=days, where=where)


def _not_a_date(text: str) -> ValueError:
    return ValueError(f"'{shorten(text)}' is not a valid date ({DATE_FORM})")


def parse_date(text: str) -> dt.date:
    """A calendar day written exactly ``YYYY-MM-DD`` (a real day, year 0001 to 9999)."""
    m = _DATE.match(text)
    if m is None:
        raise _not_a_date(text)
    try:
        return dt.date(int(m[1]), int(m[2]), int(m[3]))
    except ValueError:
        raise _not_a_date(text) from None


def _not_a_timestamp(text: str) -> ValueError:
    return ValueError(
        f"'{shorten(text)}' is not a valid ISO 8601 timestamp ({TIMESTAMP_FORM}; "
        "without an offset it is local time in the policy's time zone)"
    )


def parse_datetime(text: str, tz: dt.tzinfo) -> dt.datetime:
    """An aware datetime from an RFC 3339 timestamp; without an offset, local time in
    ``tz``. ValueError when it is not one, or lies outside :data:`INSTANT_RANGE`."""
    m = _TIMESTAMP.match(text)
    if m is None:
        raise _not_a_timestamp(text)
    zone_: dt.tzinfo = tz
    if m[8]:
        zone_ = dt.timezone.utc
    elif m[9]:
        hours, minutes = int(m[10]), int(m[11])
        if hours > 23 or minutes > 59:
            raise _not_a_timestamp(text)
        offset = dt.timedelta(hours=hours, minutes=minutes)
        zone_ = dt.timezone(-offset if m[9] == "-" else offset)
    try:
        value = dt.datetime(
            int(m[1]),
            int(m[2]),
            int(m[3]),
            int(m[4]),
            int(m[5]),
            int(m[6] or 0),
            int((m[7] or "0").ljust(6, "0")),
            tzinfo=zone_,
        )
    except ValueError:
        raise _not_a_timestamp(text) from None
    if not instant_in_range(value):
        raise ValueError(f"timestamp '{text}' is out of range: {INSTANT_RANGE}")
    return value


def local_date(value: dt.datetime, tz: dt.tzinfo) -> dt.date:
    """The calendar day of an instant in ``tz``."""
    try:
        return value.astimezone(tz).date()
    except OverflowError:
        raise ValueError(
            f"timestamp '{value.isoformat()}' is out of range: {INSTANT_RANGE}"
        ) from None


def zone(name: str) -> ZoneInfo:
    """The IANA time zone ``name``; ValueError (see :func:`zone_hint`) when there is none.

    ``ZoneInfo`` raises more than ``ZoneInfoNotFoundError`` for names that are not zones:
    ``IsADirectoryError`` for a region such as ``America``, ``OSError`` for a name longer
    than the file system allows, ``ValueError`` for paths.
    """
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise ValueError(f"unknown time zone '{shorten(name)}'") from None


def zone_hint(name: str) -> str:
    """How to fix a time zone :func:`zone` refused: a did-you-mean from the zone database
    when one is close (never ``name`` itself), the zones of a region, or an example."""
    if len(name) > _LONGEST_ZONE_NAME:
        return ZONE_HINT
    known = zoneinfo.available_timezones() - {name}
    region = sorted(z for z in known if z.startswith(name.rstrip("/") + "/"))
    if name.strip("/") and region:
        examples = [z for z in ("America/New_York", "Europe/London") if z in region]
        shown = ", ".join(dict.fromkeys([*examples, *region[:3]]))
        return f"'{name}' is a region of the time zone database, not a zone: name one, e.g. {shown}"
    by_case = {z.lower(): z for z in known}
    if name.lower() in by_case:
        return f"did you mean '{by_case[name.lower()]}'?"
    return did_you_mean(name, known) or ZONE_HINT
