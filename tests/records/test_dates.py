"""Dates, timestamps and time zones as records, policies and the command line give them.

Exactly the documented forms are read, on every Python version (``date.fromisoformat``
grew lenient in 3.11: ``20250901`` and week dates became dates there), with the same
message wherever they are read; instants are kept a day inside the calendar's ends so
that every time zone has a date for them; time zones that cannot be loaded are a
message with a hint, never an ``OSError``.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from policyengine import dates
from policyengine.errors import PolicyError
from policyengine.records.model import load_holder
from tests.helpers import ROOT

LA = ZoneInfo("America/Los_Angeles")


@pytest.mark.parametrize(
    "text",
    [
        "20250901",  # basic format: a date on 3.11, refused on 3.10
        "2025-9-1",
        "2025-09-1",
        "2025-W36-1",  # week date
        "2025W361",
        "2025-244",  # ordinal date
        "2025-09-01T10",
        "2025-09-01T10:00",
        " 2025-09-01",
        "2025-09-01\n",
        "\uff12\uff10\uff12\uff15-09-01",  # full-width digits
        "\u0662\u0660\u0662\u0665-09-01",  # Arabic-Indic digits
        "2025-02-29",
        "2025-13-01",
        "0000-01-01",
        "+2025-09-01",
        "",
    ],
)
def test_dates_refused(text: str) -> None:
    with pytest.raises(ValueError) as err:
        dates.parse_date(text)
    assert str(err.value) == f"'{text}' is not a valid date (YYYY-MM-DD)"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2025-09-01", dt.date(2025, 9, 1)),
        ("2024-02-29", dt.date(2024, 2, 29)),
        ("0001-01-01", dt.date(1, 1, 1)),
        ("9999-12-31", dt.date(9999, 12, 31)),
    ],
)
def test_dates_accepted(text: str, expected: dt.date) -> None:
    assert dates.parse_date(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "20250901T100000",
        "2025-09-01T10",  # hours alone
        "2025-09-01T1000",
        "2025-9-1T10:00",
        "2025-W36-1T10:00",
        "2025-244T10:00",
        "2025-09-01",
        "2025-09-01T10:00:00.",
        "2025-09-01T10:00:00.1234567",  # more than microseconds
        "2025-09-01T10:00.5",  # a fraction needs seconds
        "2025-09-01T10:00:00+0100",  # RFC 3339 offsets have a colon
        "2025-09-01T10:00:00+01",
        "2025-09-01T10:00:00+01:00:30",
        "2025-09-01T10:00:00+24:00",
        "2025-09-01T10:00:00 +01:00",
        "2025-09-01T24:00",
        "2025-09-01T10:60",
        "2025-09-01T10:00:60",  # a leap second has no datetime
        "2025-09-01X10:00",
        "2025-02-30T10:00",
        "2025-09-01T10:00:00UTC",
        " 2025-09-01T10:00",
        "soon",
    ],
)
def test_timestamps_refused(text: str) -> None:
    with pytest.raises(ValueError) as err:
        dates.parse_datetime(text, LA)
    assert str(err.value).startswith(f"'{text}' is not a valid ISO 8601 timestamp (")
    assert "YYYY-MM-DDTHH:MM[:SS[.ffffff]][Z|±HH:MM]" in str(err.value)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2025-09-01T10:00", dt.datetime(2025, 9, 1, 10, 0, tzinfo=LA)),
        ("2025-09-01T10:00:30", dt.datetime(2025, 9, 1, 10, 0, 30, tzinfo=LA)),
        ("2025-09-01T10:00:30.5", dt.datetime(2025, 9, 1, 10, 0, 30, 500000, tzinfo=LA)),
        ("2025-09-01T10:00:30.123456", dt.datetime(2025, 9, 1, 10, 0, 30, 123456, tzinfo=LA)),
        ("2025-09-01 10:00:30", dt.datetime(2025, 9, 1, 10, 0, 30, tzinfo=LA)),
        ("2025-09-01T17:00:00Z", dt.datetime(2025, 9, 1, 17, tzinfo=dt.timezone.utc)),
        ("2025-09-01T17:00:00z", dt.datetime(2025, 9, 1, 17, tzinfo=dt.timezone.utc)),
        ("2025-09-01T10:00:00-07:00", dt.datetime(2025, 9, 1, 17, tzinfo=dt.timezone.utc)),
        ("2025-09-01T23:30:00+14:00", dt.datetime(2025, 9, 1, 9, 30, tzinfo=dt.timezone.utc)),
        ("0001-01-02T00:00:00Z", dt.datetime(1, 1, 2, tzinfo=dt.timezone.utc)),
        ("9999-12-30T23:59:59Z", dt.datetime(9999, 12, 30, 23, 59, 59, tzinfo=dt.timezone.utc)),
    ],
)
def test_timestamps_accepted(text: str, expected: dt.datetime) -> None:
    value = dates.parse_datetime(text, LA)
    assert value == expected and value.tzinfo is not None


@pytest.mark.parametrize(
    "text",
    [
        "9999-12-31T23:59:59-12:00",  # 10000-01-01 in UTC
        "9999-12-31T23:59:59",  # local time in Los Angeles: also after 9999 in UTC
        "9999-12-31T00:00:00Z",  # in range in UTC, but 10000-01-01 in Kiritimati
        "0001-01-01T00:00:00+14:00",  # year 0 in UTC
        "0001-01-01T12:00:00Z",
    ],
)
def test_instants_a_day_inside_the_calendar(text: str) -> None:
    """Every instant read has a date in every time zone (offsets stay below a day), so
    converting it anywhere later cannot overflow."""
    with pytest.raises(ValueError) as err:
        dates.parse_datetime(text, LA)
    assert str(err.value) == (
        f"timestamp '{text}' is out of range: instants are read from 0001-01-02 to "
        "9999-12-30 (UTC), so that every time zone has a date for them"
    )


def test_local_date_out_of_range_is_a_value_error() -> None:
    """An instant from the Python API, not read by parse_datetime, at the edge."""
    late = dt.datetime(9999, 12, 31, 23, tzinfo=dt.timezone.utc)
    with pytest.raises(ValueError, match="out of range"):
        dates.local_date(late, ZoneInfo("Pacific/Kiritimati"))


def test_holder_timestamp_at_the_edge_is_a_diagnostic(tmp_path: Path) -> None:
    path = tmp_path / "h.yaml"
    path.write_text(
        "holder: {id: m-1, name: X}\n"
        "records:\n"
        "  - id: r1\n"
        "    credits: 1\n"
        "    earned_at: 9999-12-31T23:59:59-12:00\n"
        "  - id: r2\n"
        "    credits: 1\n"
        "    earned_on: 2025-01-01\n"
        "    recorded_at: 0001-01-01T00:00:00+14:00\n"
        "  - id: r3\n"
        "    credits: 1\n"
        "    earned_on: 2025-01-01\n"
        "    adjustments:\n"
        "      - {to: 2025-01-02, by: a, role: staff, at: 9999-12-31T23:00:00Z}\n",
        encoding="utf-8",
    )
    with pytest.raises(PolicyError) as err:
        load_holder(str(path), ZoneInfo("America/New_York"))
    found = [
        (d.location and (d.location.line, d.location.col), d.message) for d in err.value.diagnostics
    ]
    assert found == [
        (
            (5, 16),
            "record 'r1': timestamp '9999-12-31T23:59:59-12:00' is out of range: instants are "
            "read from 0001-01-02 to 9999-12-30 (UTC), so that every time zone has a date for them",
        ),
        (
            (9, 18),
            "record 'r2': timestamp '0001-01-01T00:00:00+14:00' is out of range: instants are "
            "read from 0001-01-02 to 9999-12-30 (UTC), so that every time zone has a date for them",
        ),
        (
            (14, 50),
            "record 'r3', adjustment 1: timestamp '9999-12-31T23:00:00Z' is out of range: "
            "instants are read from 0001-01-02 to 9999-12-30 (UTC), so that every time zone "
            "has a date for them",
        ),
    ]


# ----------------------------------------------------------------------------- zones


def test_a_zone_database_directory_is_not_a_zone() -> None:
    """``America`` is a directory of the zone database: IsADirectoryError inside zoneinfo."""
    with pytest.raises(ValueError) as err:
        dates.zone("America")
    assert str(err.value) == "unknown time zone 'America'"
    hint = dates.zone_hint("America")
    assert hint.startswith("'America' is a region of the time zone database, not a zone:")
    assert "America/New_York" in hint


def test_an_over_long_zone_name() -> None:
    """A name longer than the file system allows: OSError (File name too long) inside."""
    name = "A" * 300
    with pytest.raises(ValueError) as err:
        dates.zone(name)
    assert str(err.value) == f"unknown time zone '{'A' * 40}… (300 characters)'"
    assert dates.zone_hint(name) == "use an IANA time zone name such as America/New_York or UTC"


@pytest.mark.parametrize(
    ("name", "suggestion"),
    [
        ("America/New_Yrok", "America/New_York"),
        ("america/new_york", "America/New_York"),
        ("Europe/Pariss", "Europe/Paris"),
    ],
)
def test_a_misspelt_zone_gets_a_did_you_mean(name: str, suggestion: str) -> None:
    with pytest.raises(ValueError):
        dates.zone(name)
    assert dates.zone_hint(name) == f"did you mean '{suggestion}'?"


@pytest.mark.parametrize("name", ["America", "America/", "../etc/zones", "Nowhere/Land", ""])
def test_a_zone_hint_never_suggests_the_name_it_refused(name: str) -> None:
    assert f"'{name}'?" not in dates.zone_hint(name)


def test_policy_with_a_bad_zone_is_a_diagnostic(tmp_path: Path) -> None:
    from policyengine.plugins_loader import load_plugins
    from policyengine.policy.build import load_policy

    env = load_plugins(None).environment
    text = (Path(__file__).parents[2] / "policies" / "safety-certification.yaml").read_text()
    for name, hint in [
        ("America", "'America' is a region of the time zone database"),
        ("America/New_Yrok", "did you mean 'America/New_York'?"),
        ("B" * 5000, "use an IANA time zone name"),
    ]:
        path = tmp_path / "p.yaml"
        path.write_text(text.replace("America/Chicago", name), encoding="utf-8")
        with pytest.raises(PolicyError) as err:
            load_policy(str(path), env)
        (diag,) = err.value.diagnostics
        assert diag.message.startswith("unknown time zone") and diag.location is not None
        assert (diag.location.line, diag.location.col) == (9, 11)
        assert diag.hint is not None and diag.hint.startswith(hint)


# ----------------------------------------------------------------------------- no system zones

_VALIDATE_ALL = (
    "import os, sys, zoneinfo\n"
    "assert zoneinfo.TZPATH and not any(os.listdir(p) for p in zoneinfo.TZPATH)\n"
    "from policyengine.cli.main import main\n"
    "sys.exit(main(['validate', 'policies/']))\n"
)


def _without_system_zones(tmp_path: Path, prelude: str = "") -> subprocess.CompletedProcess[str]:
    """``validate policies/`` where zoneinfo finds no system zone database (as on
    Windows or a slim container): PYTHONTZPATH names an empty directory."""
    empty = tmp_path / "no-zoneinfo"
    empty.mkdir()
    return subprocess.run(
        [sys.executable, "-c", prelude + _VALIDATE_ALL],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONTZPATH": str(empty), "NO_COLOR": "1"},
        timeout=300,
        check=False,
    )


def test_bundled_policies_validate_without_a_system_zone_database(tmp_path: Path) -> None:
    """The tzdata dependency carries the zones: every bundled policy still loads."""
    done = _without_system_zones(tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.endswith(" 0 problems\n") and "unknown time zone" not in done.stdout


def test_without_tzdata_either_the_zones_are_unknown(tmp_path: Path) -> None:
    """What the test above guards against: with tzdata hidden too, zoneinfo knows no zone
    and every policy fails on its time zone (so the test above can fail)."""
    done = _without_system_zones(tmp_path, prelude="import sys\nsys.modules['tzdata'] = None\n")
    assert done.returncode == 1
    assert "unknown time zone 'America/New_York'" in done.stdout
