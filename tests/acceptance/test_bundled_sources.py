"""The bundled credit-source examples in ``policies/sources/``, run as a user runs them.

Each sources file is evaluated with ``policyengine evaluate POLICY --sources FILE``
on a bundled policy, through the command line, and every outcome asserted here was
worked out by hand from the policy's rules (the reasoning is next to each test).
Each example also has a broken copy (one malformed row or statement) that must be
reported at its file and row with the counts read and rejected, exit 1, and no
traceback.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
from decimal import Decimal
from pathlib import Path

import pytest

from tests.helpers import POLICIES, ROOT, CliResult

SOURCES = POLICIES / "sources"

# sources file -> (policy, as-of date): the documented command of each example.
EXAMPLES = {
    "werc-crp-m2002.sources.yaml": ("policies/werc-crp.yaml", "2025-09-01"),
    "safety-l4001.sources.yaml": ("policies/safety-certification.yaml", "2025-03-01"),
    "werc-gms-g3105.sources.yaml": ("policies/werc-gms.yaml", "2025-09-01"),
    "werc-crp-m5005.sources.yaml": ("policies/werc-crp.yaml", "2025-09-01"),
    "werc-crp-m6006.sources.yaml": ("policies/werc-crp.yaml", "2025-09-01"),
}


def command(name: str) -> str:
    policy, as_of = EXAMPLES[name]
    return f"policyengine evaluate {policy} --sources policies/sources/{name} --as-of {as_of}"


def evaluate(cli, name: str, *extra: str, as_of: str | None = None) -> CliResult:
    policy, default = EXAMPLES[name]
    return cli(
        "evaluate",
        policy,
        "--sources",
        f"policies/sources/{name}",
        "--as-of",
        as_of or default,
        *extra,
    )


def evaluate_json(cli, name: str, as_of: str | None = None) -> dict:
    code, out, err = evaluate(cli, name, "--json", as_of=as_of)
    assert (code, err) == (0, "")
    return json.loads(out)


def periods(doc: dict) -> list[tuple]:
    return [
        (p["number"], p["kind"], p["start"], p["end"], p["status"], p["completed_on"], p["applied"])
        for p in doc["periods"]
    ]


def records(doc: dict) -> dict[str, tuple]:
    """id -> (earned_on, credits as an exact Decimal (None when not counted), disposition,
    period)."""
    return {
        r["id"]: (
            r["earned_on"],
            r.get("credits") and Decimal(r["credits"]),
            r["disposition"],
            r["period"],
        )
        for r in doc["records"]
    }


def source_records(cli, name: str) -> dict[str, tuple]:
    """id -> (credits as an exact Decimal, status, recorded_on) as the sources read them."""
    policy, _ = EXAMPLES[name]
    code, out, _ = cli("records", f"policies/sources/{name}", "--policy", policy, "-o", "json")
    assert code == 0, out
    return {
        r["id"]: (Decimal(r["credits"]), r["status"], r["recorded_on"])
        for r in json.loads(out)["records"]
    }


def requirement(doc: dict, period: int) -> tuple[Decimal, Decimal, Decimal, bool]:
    (req,) = doc["periods"][period - 1]["requirements"]
    return Decimal(req["counted"]), Decimal(req["required"]), Decimal(req["missing"]), req["met"]


# ----------------------------------------------------------------------------- the catalogue


def test_every_bundled_sources_file_is_tested_here() -> None:
    assert sorted(p.name for p in SOURCES.glob("*.sources.yaml")) == sorted(EXAMPLES)


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_each_example_documents_the_command_tested_here(name: str) -> None:
    assert f"#   {command(name)}\n" in (SOURCES / name).read_text(encoding="utf-8")
    assert command(name) in (ROOT / "docs" / "plugins.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_each_example_runs_clean_and_deterministically(cli, name: str) -> None:
    """Exit 0, nothing on stderr, the same bytes twice (and in another process, with
    another hash seed: tests/cli/test_end_to_end.py)."""
    policy, as_of = EXAMPLES[name]
    first = evaluate(cli, name)
    assert (first.returncode, first.stderr) == (0, "")
    again = cli("evaluate", policy, "--sources", f"policies/sources/{name}", "--as-of", as_of)
    assert again == (0, first.stdout, "")
    code, listed, _ = cli("records", f"policies/sources/{name}", "--policy", policy)
    assert code == 0, listed
    assert ", 0 rejected" in listed.splitlines()[-1]


# ----------------------------------------------------------------------------- lms_transcript
#
# safety-certification.yaml, learner L-4001 registered 2023-03-01, as of 2025-03-01.
# Initial period 2023-03-01..2023-12-31 (items completed from 2021-03-01 valid); renewal
# periods are calendar years (items from one year before the start valid); two approved
# course items per period; only the current registration of a course is credited.
# - FIRE-101 #1 (2021-09-15, passed): FIRE-101 #3 was known at registration, so #1 is
#   superseded; #2 (failed) is not approved and does not count.
# - At registration, FIRE-101 #3 (2022-10-03) and LADDER-110 #1 (2023-01-18) complete
#   the initial period; both predate registration: completed on the registration date.
# - 2024: LIFT-120 (2024-04-22) and CHEM-140, completed 2025-01-01T03:15Z = 21:15 on
#   2024-12-31 in Chicago, so the 2024 period completes on 2024-12-31 (read as UTC it
#   would have been 2025-01-01 and the 2024 period would have expired).
# - 2025: FIRE-101 #4 (2025-02-10): 1 of 2, in progress; the holder is certified until
#   2025-12-31. FIRE-101 #3 stays credited to the initial period.
# - L-4002's row is skipped.


def test_lms_transcript_safety_certification(cli) -> None:
    doc = evaluate_json(cli, "safety-l4001.sources.yaml")
    assert doc["holder"] == {"id": "L-4001", "name": "Jordan Rivera"}
    assert doc["status"] == {
        "code": "certified",
        "period": 3,
        "text": "certified since 2023-03-01 until 2025-12-31",
        "valid_from": "2023-03-01",
        "valid_until": "2025-12-31",
    }
    assert periods(doc) == [
        (
            1,
            "initial",
            "2023-03-01",
            "2023-12-31",
            "complete",
            "2023-03-01",
            ["lms-L-4001-FIRE-101-3", "lms-L-4001-LADDER-110-1"],
        ),
        (
            2,
            "renewal",
            "2024-01-01",
            "2024-12-31",
            "complete",
            "2024-12-31",
            ["lms-L-4001-LIFT-120-1", "lms-L-4001-CHEM-140-1"],
        ),
        (3, "renewal", "2025-01-01", "2025-12-31", "in-progress", None, ["lms-L-4001-FIRE-101-4"]),
    ]
    assert requirement(doc, 3) == (Decimal(1), Decimal(2), Decimal(1), False)
    assert records(doc) == {
        "lms-L-4001-FIRE-101-1": ("2021-09-15", Decimal("1.5"), "superseded-registration", None),
        "lms-L-4001-FIRE-101-2": ("2022-09-12", None, "not-counted", None),
        "lms-L-4001-FIRE-101-3": ("2022-10-03", Decimal("1.5"), "applied", 1),
        "lms-L-4001-LADDER-110-1": ("2023-01-18", Decimal(1), "applied", 1),
        "lms-L-4001-LIFT-120-1": ("2024-04-22", Decimal(2), "applied", 2),
        "lms-L-4001-CHEM-140-1": ("2024-12-31", Decimal("1.5"), "applied", 2),
        "lms-L-4001-FIRE-101-4": ("2025-02-10", Decimal("1.5"), "applied", 3),
    }
    assert source_records(cli, "safety-l4001.sources.yaml") == {
        "lms-L-4001-FIRE-101-1": (Decimal("1.5"), "approved", "2021-09-15"),
        "lms-L-4001-FIRE-101-2": (Decimal(0), "failed", "2022-09-12"),
        "lms-L-4001-FIRE-101-3": (Decimal("1.5"), "approved", "2022-10-03"),
        "lms-L-4001-LADDER-110-1": (Decimal(1), "approved", "2023-01-18"),
        "lms-L-4001-LIFT-120-1": (Decimal(2), "approved", "2024-04-22"),
        "lms-L-4001-CHEM-140-1": (Decimal("1.5"), "approved", "2024-12-31"),
        "lms-L-4001-FIRE-101-4": (Decimal("1.5"), "approved", "2025-02-10"),
    }
    by_id = {r["id"]: r for r in doc["records"]}
    assert by_id["lms-L-4001-FIRE-101-2"]["status"] == "failed"
    origin = by_id["lms-L-4001-CHEM-140-1"]["origin"]
    assert origin == "policies/sources/safety-lms-transcript.csv:8"


def test_lms_transcript_text_and_records_command(cli) -> None:
    out = evaluate(cli, "safety-l4001.sources.yaml")
    lines = out.stdout.splitlines()
    assert lines[:2] == [
        "Workplace Safety Certification — Jordan Rivera (L-4001), as of 2025-03-01",
        "status: certified since 2023-03-01 until 2025-12-31",
    ]
    assert (
        "  lms-L-4001-FIRE-101-1 (2021-09-15): registration 1 of course "
        "FIRE-101: only the current registration of a training item is credited"
    ) in lines
    _, listed, _ = cli(
        "records",
        "policies/sources/safety-l4001.sources.yaml",
        "--policy",
        "policies/safety-certification.yaml",
    )
    assert listed.splitlines()[-1] == "8 rows read, 0 rejected, 1 of other members skipped"


def test_lms_transcript_bad_row(cli, tmp_path: Path) -> None:
    sources = copy_example("safety-l4001.sources.yaml", tmp_path)
    edit(tmp_path / "safety-lms-transcript.csv", "2024-04-22", "2024-04-31")
    out = cli(
        "evaluate",
        str(POLICIES / "safety-certification.yaml"),
        "--sources",
        str(sources),
        "--root",
        str(tmp_path),
        "--as-of",
        "2025-03-01",
    )
    assert_reported(
        out,
        [
            (
                f"{tmp_path / 'safety-lms-transcript.csv'}:7:1: record 'lms-L-4001-LIFT-120-1': "
                "'2024-04-31' is not a valid date (YYYY-MM-DD)"
            ),
            f"{sources}: 8 rows read, 1 rejected, 1 of other members skipped; nothing was evaluated",
        ],
    )


# ----------------------------------------------------------------------------- xapi
#
# werc-gms.yaml (15 credits per cycle 8/1-7/31, America/New_York), holder g-3105
# designated 2021-11-15: first cycle 2022-08-01..2025-07-31. Credits from
# result.duration at 60 minutes per credit, 0.5 steps, rounded down:
# PT1H30M -> 1.5, PT3H -> 3, PT6H -> 6, PT2H40M (160 min) -> 2.5, PT4200S (70 min) -> 1,
# so the first cycle has 14 of 15 credits. The statement timestamped
# 2025-07-31T22:30-07:00 is 01:30 on 2025-08-01 in New York: it lands in the second
# cycle, with a backdate action to 2025-07-31. The last statement was earned
# 2025-08-29 but stored (recorded) 2025-09-03, after the as-of date. The statement of
# another learner (g-3999) is skipped.

UUID = "9b6f2e4a-1c3d-4e5f-8a7b-0000000031"


def test_xapi_statements_werc_gms(cli) -> None:
    doc = evaluate_json(cli, "werc-gms-g3105.sources.yaml")
    assert doc["status"] == {
        "code": "expired",
        "expired_since": "2025-08-01",
        "period": 1,
        "text": "expired since 2025-08-01: the renewal period 1 (2022-08-01 to 2025-07-31) "
        "is not complete",
    }
    assert doc["renewal"]["can_invoice"] is False
    assert requirement(doc, 1) == (Decimal(14), Decimal(15), Decimal(1), False)
    assert periods(doc) == [
        (
            1,
            "renewal",
            "2022-08-01",
            "2025-07-31",
            "expired",
            None,
            [UUID + "01", UUID + "02", UUID + "03", UUID + "05", UUID + "06"],
        ),
        (2, "renewal", "2025-08-01", "2028-07-31", "in-progress", None, [UUID + "07"]),
    ]
    assert records(doc) == {
        UUID + "01": ("2022-10-04", Decimal("1.5"), "applied", 1),
        UUID + "02": ("2023-03-08", Decimal(3), "applied", 1),
        UUID + "03": ("2023-09-20", Decimal(6), "applied", 1),
        UUID + "05": ("2024-02-14", Decimal("2.5"), "applied", 1),
        UUID + "06": ("2024-11-19", Decimal(1), "applied", 1),
        UUID + "07": ("2025-08-01", Decimal(1), "applied", 2),
        UUID + "08": ("2025-08-29", None, "not-yet-recorded", None),
    }
    assert {k: v[0] for k, v in source_records(cli, "werc-gms-g3105.sources.yaml").items()} == {
        UUID + "01": Decimal("1.5"),
        UUID + "02": Decimal(3),
        UUID + "03": Decimal(6),
        UUID + "05": Decimal("2.5"),
        UUID + "06": Decimal(1),
        UUID + "07": Decimal(1),
        UUID + "08": Decimal(2),
    }
    by_id = {r["id"]: r for r in doc["records"]}
    assert by_id[UUID + "05"]["title"] == "Tax essentials for assignees"
    assert by_id[UUID + "07"]["actions"] == [
        {
            "action": "backdate",
            "allowed": True,
            "period": 1,
            "to": "2025-07-31",
            "text": "earned 2025-08-01, after the cycle ended 2025-07-31 — ask staff to "
            "backdate it to 2025-07-31",
        }
    ]
    assert by_id[UUID + "08"]["recorded_on"] == "2025-09-03"


def test_xapi_stored_time_is_the_recorded_date(cli) -> None:
    """Two days later the statement stored 2025-09-03 is on record: second cycle."""
    doc = evaluate_json(cli, "werc-gms-g3105.sources.yaml", as_of="2025-09-03")
    assert records(doc)[UUID + "08"] == ("2025-08-29", Decimal(2), "applied", 2)
    assert Decimal(doc["periods"][1]["requirements"][0]["counted"]) == Decimal(3)


def test_xapi_bad_statement(cli, tmp_path: Path) -> None:
    sources = copy_example("werc-gms-g3105.sources.yaml", tmp_path)
    path = tmp_path / "werc-lrs-statements.json"
    statements = json.loads(path.read_text(encoding="utf-8"))
    statements[4]["verb"]["id"] = "http://adlnet.gov/expapi/verbs/attempted"
    path.write_text(json.dumps(statements, indent=2), encoding="utf-8")
    line = (
        path.read_text(encoding="utf-8")
        .splitlines()
        .index('      "id": "http://adlnet.gov/expapi/verbs/attempted",')
        + 1
    )
    out = cli(
        "evaluate",
        str(POLICIES / "werc-gms.yaml"),
        "--sources",
        str(sources),
        "--root",
        str(tmp_path),
        "--as-of",
        "2025-09-01",
    )
    assert_reported(
        out,
        [
            (
                f"{path}:{line}:14: statements[4]: verb 'http://adlnet.gov/expapi/verbs/attempted' "
                "is not accepted (accepted: completed, passed)"
            ),
            f"{sources}: 8 rows read, 1 rejected, 1 of other members skipped; nothing was evaluated",
        ],
    )


# ----------------------------------------------------------------------------- sql
#
# werc-crp.yaml (30 credits per cycle), holder m-5005 designated 2024-02-12: first
# cycle 2024-08-01..2027-07-31, as of 2025-09-01. The query returns m-5005's five
# attended events (the no-show is left out): the 2024-05-20 meeting predates the cycle
# (after the designation, so staff may pushdate it to 2024-08-01); 0.75 + 1.5 + 6 =
# 8.25 credits count; the 2025-08-21 roundtable awaits verification (pending).


def test_sql_dump_werc_crp(cli) -> None:
    doc = evaluate_json(cli, "werc-crp-m5005.sources.yaml")
    assert doc["status"] == {
        "code": "certified",
        "period": 1,
        "text": "certified since 2024-02-12 until 2027-07-31",
        "valid_from": "2024-02-12",
        "valid_until": "2027-07-31",
    }
    assert periods(doc) == [
        (
            1,
            "renewal",
            "2024-08-01",
            "2027-07-31",
            "in-progress",
            None,
            ["att-1003", "att-1005", "att-1006"],
        )
    ]
    assert requirement(doc, 1) == (Decimal("8.25"), Decimal(30), Decimal("21.75"), False)
    assert records(doc) == {
        "att-1001": ("2024-05-20", Decimal("1.5"), "before-first-period", None),
        "att-1003": ("2024-09-17", Decimal("0.75"), "applied", 1),
        "att-1005": ("2025-02-12", Decimal("1.5"), "applied", 1),
        "att-1006": ("2025-06-10", Decimal(6), "applied", 1),
        "att-1008": ("2025-08-21", None, "pending", None),
    }
    assert source_records(cli, "werc-crp-m5005.sources.yaml") == {
        "att-1001": (Decimal("1.5"), "approved", "2024-05-21"),
        "att-1003": (Decimal("0.75"), "approved", "2024-09-18"),
        "att-1005": (Decimal("1.5"), "approved", "2025-02-13"),
        "att-1006": (Decimal(6), "approved", "2025-06-12"),
        "att-1008": (Decimal("1.25"), "pending", "2025-08-22"),
    }
    by_id = {r["id"]: r for r in doc["records"]}
    assert by_id["att-1001"]["actions"] == [
        {
            "action": "pushdate",
            "allowed": True,
            "period": 1,
            "to": "2024-08-01",
            "text": "earned 2024-05-20, before the cycle started 2024-08-01 — ask staff to "
            "pushdate it to 2024-08-01",
        }
    ]
    assert (by_id["att-1006"]["title"], by_id["att-1006"]["recorded_on"]) == (
        "Chapter summit: global mobility trends",
        "2025-06-12",
    )


def test_sql_database_file_built_from_the_dump_gives_the_same_evaluation(
    cli, tmp_path: Path
) -> None:
    """The dump is the recipe of the database: built as `sqlite3 db < dump` builds it,
    a real database file (opened read-only) yields the same records and outcome."""
    database = tmp_path / "chapter-events.sqlite"
    db = sqlite3.connect(database)
    db.executescript((SOURCES / "werc-chapter-events.sql").read_text(encoding="utf-8"))
    db.close()
    text = (SOURCES / "werc-crp-m5005.sources.yaml").read_text(encoding="utf-8")
    sources = tmp_path / "m5005.sources.yaml"
    sources.write_text(
        text.replace("path: werc-chapter-events.sql", "path: chapter-events.sqlite"),
        encoding="utf-8",
    )
    code, out, err = cli(
        "evaluate",
        "policies/werc-crp.yaml",
        "--sources",
        str(sources),
        "--root",
        str(tmp_path),
        "--as-of",
        "2025-09-01",
        "--json",
    )
    assert (code, err) == (0, "")
    from_file = json.loads(out)
    from_dump = evaluate_json(cli, "werc-crp-m5005.sources.yaml")
    for doc in (from_file, from_dump):
        for r in doc["records"]:
            r["origin"] = r["origin"].rsplit(":", 1)[1]  # the query row, not the file
    assert from_file == from_dump


def test_sql_bad_row(cli, tmp_path: Path) -> None:
    sources = copy_example("werc-crp-m5005.sources.yaml", tmp_path)
    edit(tmp_path / "werc-chapter-events.sql", "'2025-02-12','1.5'", "'2025-02-12','TBD'")
    out = cli(
        "evaluate",
        str(POLICIES / "werc-crp.yaml"),
        "--sources",
        str(sources),
        "--root",
        str(tmp_path),
        "--as-of",
        "2025-09-01",
    )
    assert_reported(
        out,
        [
            (
                f"{tmp_path / 'werc-chapter-events.sql'}:3:1: query row 3: record 'att-1005': "
                "credits must be a number, got 'TBD'"
            ),
            f"{sources}: 5 rows read, 1 rejected; nothing was evaluated",
        ],
    )


# ----------------------------------------------------------------------------- records_file
#
# werc-crp.yaml, holder m-6006 (from the JSON export's holder:) designated 2023-03-15:
# first cycle 2023-08-01..2026-07-31, as of 2025-09-01.
# - ams-102, earned 2023-06-20 (after the designation), pushdated by staff to
#   2023-08-01 in the first cycle: accepted, counts. ams-103 was earned 2023-01-10,
#   before the designation: the pushdate is refused and it does not count.
# - Counted: 12 + 2 + 1.5 + 1.25 + 0.75 + 3 = 20.5 of 30; sheet-3 was declined by
#   staff, staff-202 is pending.


def test_records_files_werc_crp(cli) -> None:
    doc = evaluate_json(cli, "werc-crp-m6006.sources.yaml")
    assert doc["holder"] == {"id": "m-6006", "name": "Morgan Lee"}
    assert doc["status"] == {
        "code": "certified",
        "period": 1,
        "text": "certified since 2023-03-15 until 2026-07-31",
        "valid_from": "2023-03-15",
        "valid_until": "2026-07-31",
    }
    assert requirement(doc, 1) == (Decimal("20.5"), Decimal(30), Decimal("9.5"), False)
    assert periods(doc) == [
        (
            1,
            "renewal",
            "2023-08-01",
            "2026-07-31",
            "in-progress",
            None,
            ["ams-102", "ams-101", "sheet-1", "ams-104", "sheet-2", "staff-201"],
        )
    ]
    assert records(doc) == {
        "ams-101": ("2023-10-18", Decimal(12), "applied", 1),
        "ams-102": ("2023-06-20", Decimal(2), "applied", 1),
        "ams-103": ("2023-01-10", Decimal(3), "before-first-period", None),
        "ams-104": ("2024-04-09", Decimal("1.5"), "applied", 1),
        "sheet-1": ("2024-03-12", Decimal("1.25"), "applied", 1),
        "sheet-2": ("2024-10-08", Decimal("0.75"), "applied", 1),
        "sheet-3": ("2025-08-19", None, "declined", None),
        "staff-201": ("2024-12-01", Decimal(3), "applied", 1),
        "staff-202": ("2025-06-30", None, "pending", None),
    }
    assert {k: v[:2] for k, v in source_records(cli, "werc-crp-m6006.sources.yaml").items()} == {
        "ams-101": (Decimal(12), "approved"),
        "ams-102": (Decimal(2), "approved"),
        "ams-103": (Decimal(3), "approved"),
        "ams-104": (Decimal("1.5"), "approved"),
        "sheet-1": (Decimal("1.25"), "approved"),
        "sheet-2": (Decimal("0.75"), "approved"),
        "sheet-3": (Decimal("0.5"), "declined"),
        "staff-201": (Decimal(3), "approved"),
        "staff-202": (Decimal(2), "pending"),
    }
    by_id = {r["id"]: r for r in doc["records"]}
    assert by_id["ams-102"]["effective_on"] == "2023-08-01"
    assert [(a["code"], a["by"], a["to"]) for a in by_id["ams-102"]["adjustments"]] == [
        ("pushdate-accepted", "staff.ana", "2023-08-01")
    ]
    assert [a["code"] for a in by_id["ams-103"]["adjustments"]] == ["pushdate-refused"]
    assert by_id["ams-103"]["effective_on"] == "2023-01-10"
    assert by_id["sheet-1"]["origin"] == "policies/sources/m6006-chapter-sheet.csv:2"
    assert by_id["staff-201"]["origin"] == "policies/sources/m6006-staff-entries.yaml:2"


def test_records_file_bad_row(cli, tmp_path: Path) -> None:
    sources = copy_example("werc-crp-m6006.sources.yaml", tmp_path)
    edit(tmp_path / "m6006-chapter-sheet.csv", "Chicago chapter,0.75,", "Chicago chapter,")
    out = cli(
        "evaluate",
        str(POLICIES / "werc-crp.yaml"),
        "--sources",
        str(sources),
        "--root",
        str(tmp_path),
        "--as-of",
        "2025-09-01",
    )
    assert_reported(
        out,
        [
            f"{tmp_path / 'm6006-chapter-sheet.csv'}:3:1: row has 9 cells, the header has 10",
            f"{sources}: 9 rows read, 1 rejected; nothing was evaluated",
        ],
    )


# ----------------------------------------------------------------------------- helpers


def copy_example(name: str, tmp_path: Path) -> Path:
    """The sources file and every input it names, copied to ``tmp_path``."""
    from policyengine.load.yaml_loader import load_yaml_file
    from policyengine.sources.sources_file import input_files

    source = SOURCES / name
    for path in input_files(str(source), load_yaml_file(source)):
        shutil.copy(path, tmp_path)
    return Path(shutil.copy(source, tmp_path))


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    path.write_text(text.replace(old, new), encoding="utf-8")


def assert_reported(out: CliResult, messages: list[str]) -> None:
    assert out.returncode == 1
    assert out.stdout == ""
    assert "Traceback" not in out.stderr
    lines = out.stderr.splitlines()
    for message in messages:
        assert message in lines, out.stderr
