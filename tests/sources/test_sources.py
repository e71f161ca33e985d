"""The shipped credit sources on real small files, the sources file, and ``records``.

Each source: good rows become normalized records; every bad row is reported with its
file and row (CSV line, JSON statement index and line), counted as rejected, and
does not hide the rows after it.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import textwrap
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from policyengine import load_policy, plugins_loader
from policyengine.certification.engine import evaluate
from policyengine.cli.main import main
from policyengine.errors import PolicyError
from policyengine.records.model import Holder
from policyengine.sources import SourceOptionError, SourceResult
from policyengine.sources.sources_file import load_sources_file
from tests.helpers import POLICIES

NY = ZoneInfo("America/New_York")
CONVERSION = {
    "minutes_per_credit": 50,
    "increment": Decimal("0.2"),
    "rounding": "down",
    "minimum": 1,
}


ENV = plugins_loader.load_environment()


def write(path: Path, text: str) -> Path:
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


def read(source: str, tmp_path: Path, policy=None, **options) -> SourceResult:
    cls = ENV.sources[source]
    return cls().read(options, tz=NY, policy=policy)


def lines(result: SourceResult) -> list[int]:
    return sorted({d.location.line for d in result.problems})


@pytest.fixture
def policy(tmp_path: Path):
    """The bundled CRP policy, with a minutes-to-credits rule added."""
    text = (POLICIES / "werc-crp.yaml").read_text(encoding="utf-8")
    text = text.replace(
        "records:\n",
        "records:\n  conversion: {minutes_per_credit: 50, "
        "increment: 0.2, rounding: down, minimum: 1}\n",
        1,
    )
    path = tmp_path / "crp.yaml"
    path.write_text(text, encoding="utf-8")
    return load_policy(str(path), ENV)


# ----------------------------------------------------------------------------- records_file


def test_records_file_json_holder_document(tmp_path: Path) -> None:
    path = tmp_path / "holder.json"
    path.write_text(
        json.dumps(
            {
                "holder": {"id": "M1", "designated_on": "2023-05-10"},
                "records": [
                    {"id": "r1", "earned_on": "2024-01-05", "credits": 2, "category": "ethics"},
                    {"id": "r2", "earned_on": "2024-13-01", "credits": 1},
                    {
                        "id": "r3",
                        "earned_at": "2024-02-01T01:30:00Z",
                        "credits": "1.5",
                        "tags": ["live"],
                    },
                ],
            },
            indent=2,
        ),
        encoding="utf-8",
    )
    result = read("records_file", tmp_path, path=str(path))
    assert [r.id for r in result.records] == ["r1", "r3"]
    assert result.records[1].earned_on == dt.date(2024, 1, 31)  # 8:30 pm in New York
    assert result.records[1].credits == Decimal("1.5")
    assert (result.rows_read, result.rows_rejected) == (3, 1)
    assert result.problems[0].location.line == 15  # the line of r2's earned_on
    assert "2024-13-01" in result.problems[0].message
    assert result.holder == {"id": "M1", "designated_on": "2023-05-10"}


def test_records_file_yaml_list_checks_the_record_schema(tmp_path: Path) -> None:
    path = write(
        tmp_path / "records.yaml",
        """
        - {id: a, earned_on: 2024-01-05, credits: 1}
        - {id: b, earned_on: 2024-01-06, credits: lots}
        - {id: c, earned_on: 2024-01-07, registration: 0}
        - {id: d, earned_on: 2024-01-08, credits: 0.5}
    """,
    )
    result = read("records_file", tmp_path, path=str(path))
    assert [r.id for r in result.records] == ["a", "d"]
    assert lines(result) == [2, 3]
    assert result.rows_rejected == 2


def test_records_file_csv(tmp_path: Path) -> None:
    path = write(
        tmp_path / "records.csv",
        """
        id,earned_on,recorded_on,credits,course,registration,tags,status
        a,2024-01-05,2024-01-06,1.5,C1,2,live;ethics,approved
        b,2024-01-05,,one,,,,
        c,,,1,,,,

        d,2024-02-05,,2,,x,,pending
        e,2024-02-06,,2
    """,
    )
    result = read("records_file", tmp_path, path=str(path))
    assert [r.id for r in result.records] == ["a"]
    a = result.records[0]
    assert (a.course, a.registration, a.fields["tags"]) == ("C1", 2, ("live", "ethics"))
    assert a.origin == f"{path}:2"
    assert lines(result) == [3, 4, 6, 7]
    assert (result.rows_read, result.rows_rejected) == (5, 4)  # the blank line is no row


def test_records_file_csv_without_id_column(tmp_path: Path) -> None:
    path = write(tmp_path / "records.csv", "ident,earned_on\na,2024-01-05\n")
    with pytest.raises(SourceOptionError, match="missing column 'id'"):
        read("records_file", tmp_path, path=str(path))


# ----------------------------------------------------------------------------- portal_webinars


PORTAL_CSV = """
    member_id,webinar_id,webinar_title,start,end,minutes
    M1,W1,Ethics in relocation,2024-03-01T10:00:00-05:00,2024-03-01T11:00:00-05:00,
    M1,W2,Tax update,,2024-03-02T11:00:00,75
    M1,W3,Bad time,yesterday,2024-03-02T11:00:00,
    M1,W4,Short one,2024-03-04T10:00:00,2024-03-04T10:49:00,
    M1,W5,No minutes,,,
    M1,W6,Backwards,2024-03-04T10:00:00,2024-03-04T09:00:00,
    M1,W7,Non-numeric,,2024-03-04T10:00:00,ninety
"""


def test_portal_webinars_credits_by_the_policys_conversion(tmp_path: Path, policy) -> None:
    path = write(tmp_path / "webinars.csv", PORTAL_CSV)
    result = read("portal_webinars", tmp_path, policy, path=str(path))
    got = {r.fields["webinar_id"]: r.credits for r in result.records}
    assert got == {"W1": Decimal("1.2"), "W2": Decimal("1.4"), "W4": Decimal(0)}
    w1 = result.records[0]
    assert (w1.status, w1.fields["source"], w1.fields["kind"]) == ("approved", "portal", "webinar")
    assert w1.fields["minutes"] == Decimal(60) and w1.recorded_on == w1.earned_on
    assert lines(result) == [4, 6, 7, 8]
    assert (result.rows_read, result.rows_rejected) == (7, 4)


def test_portal_webinars_conversion_option_and_mapping(tmp_path: Path) -> None:
    path = write(
        tmp_path / "export.csv",
        """
        Member,Session,Watched,Day
        M9,S1,100,2024-05-01
    """,
    )
    result = read(
        "portal_webinars",
        tmp_path,
        path=str(path),
        conversion=CONVERSION,
        mapping={"member": "Member", "webinar_id": "Session", "minutes": "Watched", "date": "Day"},
    )
    assert [(r.fields["member"], r.credits, r.earned_on) for r in result.records] == [
        ("M9", Decimal(2), dt.date(2024, 5, 1))
    ]


def test_portal_webinars_with_several_rules_pass_minutes_for_the_policy(tmp_path: Path) -> None:
    """A policy whose conversion rules depend on the record (``when``): the source reads
    the minutes, leaves the credits out, and the policy converts each record."""
    text = (POLICIES / "werc-crp.yaml").read_text(encoding="utf-8")
    text = text.replace(
        "records:\n",
        "records:\n  conversion:\n"
        "    - {when: 'record.kind == \"webinar\"', minutes_per_credit: 60, increment: 0.5}\n"
        "    - {minutes_per_credit: 50}\n",
        1,
    )
    (tmp_path / "p.yaml").write_text(text, encoding="utf-8")
    pol = load_policy(str(tmp_path / "p.yaml"), ENV)
    path = write(tmp_path / "webinars.csv", PORTAL_CSV)
    result = read("portal_webinars", tmp_path, pol, path=str(path))
    got = {r.fields["webinar_id"]: (r.credits, r.fields["minutes"]) for r in result.records}
    assert got == {"W1": (None, 60), "W2": (None, 75), "W4": (None, 49)}
    holder = Holder("M1", {"designated_on": dt.date(2024, 1, 1)})
    evaluation = evaluate(pol, holder, result.records, dt.date(2024, 6, 1))
    credits = {o.record.fields["webinar_id"]: o.credits for o in evaluation.outcomes}
    # webinars by the first rule: 60 minutes a credit, in halves, rounded down
    assert credits == {"W1": Decimal(1), "W2": Decimal(1), "W4": Decimal("0.5")}


def test_portal_webinars_needs_a_conversion_rule(tmp_path: Path) -> None:
    path = write(tmp_path / "webinars.csv", PORTAL_CSV)
    with pytest.raises(SourceOptionError, match="minutes-to-credits"):
        read("portal_webinars", tmp_path, path=str(path))


# ----------------------------------------------------------------------------- member_uploads


def test_member_uploads_csv(tmp_path: Path) -> None:
    path = write(
        tmp_path / "uploads.csv",
        """
        id,member_id,title,credits,earned_on,submitted_on,status
        U1,M1,Conference,3,2024-02-01,2024-02-05,approved
        U2,M1,Course,1.5,2024-02-01,2024-02-06T10:00:00Z,
        U3,M1,Seminar,2,2024-02-01,2024-02-07,Declined
        U4,M1,Maybe,2,2024-02-01,2024-02-07,maybe
        U5,M1,No credits,,2024-02-01,2024-02-07,approved
        U6,M1,Bad date,1,2024-02-30,2024-02-07,approved
    """,
    )
    result = read("member_uploads", tmp_path, path=str(path))
    got = [(r.id, r.status, r.recorded_on, r.fields["source"]) for r in result.records]
    assert got == [
        ("U1", "approved", dt.date(2024, 2, 5), "upload"),
        ("U2", "pending", dt.date(2024, 2, 6), "upload"),
        ("U3", "declined", dt.date(2024, 2, 7), "upload"),
    ]
    assert lines(result) == [5, 6, 7]
    assert (result.rows_read, result.rows_rejected) == (6, 3)
    maybe = next(d for d in result.problems if d.location.line == 5)
    assert "pending, approved, declined" in maybe.message


def test_member_uploads_json_reports_every_problem_of_a_row(tmp_path: Path) -> None:
    path = tmp_path / "uploads.json"
    path.write_text(
        json.dumps(
            {
                "uploads": [
                    {
                        "id": "U1",
                        "member_id": "M1",
                        "credits": 2,
                        "earned_on": "2024-02-01",
                        "submitted_on": "2024-02-03",
                        "status": "approved",
                    },
                    {
                        "id": "U2",
                        "member_id": "M1",
                        "credits": "abc",
                        "earned_on": "2024-02-01",
                        "submitted_on": "2024-02-03",
                        "status": "apporved",
                    },
                    "not an upload",
                ]
            },
            indent=1,
        ),
        encoding="utf-8",
    )
    result = read("member_uploads", tmp_path, path=str(path))
    assert [r.id for r in result.records] == ["U1"]
    assert (result.rows_read, result.rows_rejected) == (3, 2)
    messages = " | ".join(d.message for d in result.problems)
    assert "apporved" in messages and "abc" in messages and "item 2" in messages
    assert any(d.hint == "did you mean 'approved'?" for d in result.problems)


# ----------------------------------------------------------------------------- lms_transcript


def test_lms_transcript_with_retakes(tmp_path: Path) -> None:
    path = write(
        tmp_path / "transcript.csv",
        """
        learner_id,course_id,course_title,completion_date,credits,registration_number,status
        M1,ETH-101,Ethics,2023-04-01,2,1,failed
        M1,ETH-101,Ethics,2023-06-01,2,2,passed
        M1,TAX-200,Tax,2023-07-01T16:00:00Z,1.5,,completed
        M1,TAX-300,Tax II,2023-07-02,1,two,completed
        M1,,No course,2023-07-03,1,1,completed
        M1,TAX-400,No date,,1,1,completed
    """,
    )
    result = read("lms_transcript", tmp_path, path=str(path))
    got = [(r.course, r.registration, r.status) for r in result.records]
    assert got == [
        ("ETH-101", 1, "failed"),
        ("ETH-101", 2, "approved"),
        ("TAX-200", None, "approved"),
    ]
    assert [r.id for r in result.records] == [
        "lms-M1-ETH-101-1",
        "lms-M1-ETH-101-2",
        "lms-M1-TAX-200-1",
    ]
    assert result.records[0].fields["source"] == "lms"
    assert lines(result) == [5, 6, 7]
    assert (result.rows_read, result.rows_rejected) == (6, 3)


# ----------------------------------------------------------------------------- xapi


def statement(n: int, **changes) -> dict:
    stmt = {
        "id": f"6690e6c9-3ef0-4ed3-8b37-7f3964730b{n:02d}",
        "actor": {"objectType": "Agent", "name": "Ann", "mbox": "mailto:ann@example.org"},
        "verb": {
            "id": "http://adlnet.gov/expapi/verbs/completed",
            "display": {"en-US": "completed"},
        },
        "object": {
            "objectType": "Activity",
            "id": "https://lms.example.org/course/ETH-101",
            "definition": {"name": {"en-US": "Ethics", "fr": "Éthique"}},
        },
        "result": {"completion": True, "duration": "PT1H15M"},
        "timestamp": "2024-03-01T23:30:00-05:00",
        "stored": "2024-03-02T04:31:02.123Z",
    }
    stmt.update(changes)
    return stmt


def test_xapi_statement_array(tmp_path: Path, policy) -> None:
    statements = [
        statement(1),
        statement(
            2,
            actor={"account": {"homePage": "https://lms.example.org", "name": "M7"}},
            verb={"id": "http://adlnet.gov/expapi/verbs/passed"},
        ),
        statement(3, verb={"id": "http://adlnet.gov/expapi/verbs/attempted"}),
        statement(4, timestamp="last tuesday"),
        statement(5, result={"duration": "P1M"}),
        statement(6, actor={"objectType": "Group", "member": []}),
    ]
    path = tmp_path / "statements.json"
    path.write_text(json.dumps(statements, indent=2), encoding="utf-8")
    result = read("xapi", tmp_path, policy, path=str(path))
    first, second = result.records
    assert (first.fields["member"], first.course, first.fields["title"]) == (
        "ann@example.org",
        "https://lms.example.org/course/ETH-101",
        "Ethics",
    )
    assert first.earned_on == dt.date(2024, 3, 1) and first.recorded_on == dt.date(2024, 3, 1)
    assert first.fields["minutes"] == Decimal(75) and first.credits == Decimal("1.4")
    assert first.id == statements[0]["id"]
    assert second.fields["member"] == "M7" and second.fields["verb"].endswith("/passed")
    assert (result.rows_read, result.rows_rejected) == (6, 4)
    by_index = {d.message.split(":")[0]: d for d in result.problems}
    assert set(by_index) == {"statements[2]", "statements[3]", "statements[4]", "statements[5]"}
    assert "attempted" in by_index["statements[2]"].message
    # the unknown verb is reported at its own line in the file
    text = path.read_text(encoding="utf-8").splitlines()
    assert "verbs/attempted" in text[by_index["statements[2]"].location.line - 1]


def test_xapi_statement_result_and_verbs_option(tmp_path: Path) -> None:
    path = tmp_path / "lrs.json"
    path.write_text(
        json.dumps(
            {
                "statements": [
                    statement(
                        1,
                        verb={"id": "http://adlnet.gov/expapi/verbs/attended"},
                        result={"extensions": {"https://example.org/credits": "2.5"}},
                    ),
                    statement(2),
                ],
                "more": "",
            }
        ),
        encoding="utf-8",
    )
    result = read(
        "xapi",
        tmp_path,
        path=str(path),
        verbs=["attended"],
        credits_extension="https://example.org/credits",
    )
    assert [r.credits for r in result.records] == [Decimal("2.5")]
    assert result.rows_rejected == 1 and "completed" in result.problems[0].message


@pytest.mark.parametrize(
    ("text", "minutes"),
    [
        ("PT1H30M", "90"),
        ("PT45M", "45"),
        ("PT90S", "1.5"),
        ("P1DT1H", "1500"),
        ("PT0.5H", "30"),
        ("P1W", "10080"),
        ("PT1H0M30S", "60.5"),
    ],
)
def test_xapi_durations(text: str, minutes: str) -> None:
    from policyengine.plugins.xapi import duration_minutes

    assert duration_minutes(text) == Decimal(minutes)


@pytest.mark.parametrize("text", ["P", "PT", "1H", "PT1X", "P1Y", "P2M", "PT-5M"])
def test_xapi_bad_durations(text: str) -> None:
    from policyengine.plugins.xapi import duration_minutes

    with pytest.raises(ValueError):
        duration_minutes(text)


# ----------------------------------------------------------------------------- sql


@pytest.fixture
def database(tmp_path: Path) -> Path:
    path = tmp_path / "credits.db"
    db = sqlite3.connect(path)
    db.executescript("""
        CREATE TABLE credits (rid TEXT, member TEXT, done TEXT, amount TEXT, course TEXT,
                              take INTEGER, state TEXT);
        INSERT INTO credits VALUES
          ('q1', 'M1', '2024-01-05', '1.5', 'C1', 1, 'approved'),
          ('q2', 'M1', '2024-01-06', 'two', 'C2', 1, 'approved'),
          ('q3', 'M2', 'not a date', '1', 'C3', 1, 'approved'),
          ('q4', 'M1', '2024-01-07T09:00:00Z', '2', 'C1', 2, 'pending');
    """)
    db.commit()
    db.close()
    return path


SQL_MAPPING = {
    "id": "rid",
    "earned": "done",
    "credits": "amount",
    "registration": "take",
    "status": "state",
}


def test_sql_source_reads_a_real_database(tmp_path: Path, database: Path) -> None:
    result = read(
        "sql",
        tmp_path,
        path=str(database),
        mapping=SQL_MAPPING,
        query="SELECT * FROM credits ORDER BY rid",
    )
    assert [(r.id, r.credits, r.registration, r.status) for r in result.records] == [
        ("q1", Decimal("1.5"), 1, "approved"),
        ("q4", Decimal(2), 2, "pending"),
    ]
    assert result.records[0].fields["member"] == "M1" and result.records[0].course == "C1"
    assert (result.rows_read, result.rows_rejected) == (4, 2)
    assert lines(result) == [2, 3]
    assert all(d.message.startswith(("query row 2:", "query row 3:")) for d in result.problems)


@pytest.mark.parametrize(
    "query",
    [
        "DELETE FROM credits",
        "UPDATE credits SET amount = '9'",
        "ATTACH DATABASE 'file:{tmp}/new.db?mode=rwc' AS evil",
        "VACUUM INTO '{tmp}/copy.db'",
        "PRAGMA writable_schema = 1",
    ],
)
def test_sql_query_may_only_read(tmp_path: Path, database: Path, query: str) -> None:
    with pytest.raises(SourceOptionError, match="query failed: not authorized") as err:
        read("sql", tmp_path, path=str(database), query=query.format(tmp=tmp_path))
    assert err.value.diagnostics[0].hint == "the query may only read: one SELECT statement"
    assert sqlite3.connect(database).execute("SELECT count(*) FROM credits").fetchone() == (4,)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["credits.db"]


def test_sql_database_is_opened_read_only(tmp_path: Path, database: Path) -> None:
    before = database.read_bytes()
    result = read(
        "sql",
        tmp_path,
        path=str(database),
        mapping=SQL_MAPPING,
        query="WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n "
        "WHERE x < 2) SELECT credits.* FROM credits JOIN n ON take = x ORDER BY rid",
    )
    assert [r.id for r in result.records] == ["q1", "q4"]
    assert database.read_bytes() == before


DUMP = """
    -- a dump as `sqlite3 credits.db .dump` writes it
    PRAGMA foreign_keys=OFF;
    BEGIN TRANSACTION;
    CREATE TABLE credits (rid TEXT, done TEXT, amount TEXT);
    INSERT INTO credits VALUES('d1','2024-01-05','0.1');
    INSERT INTO credits VALUES('d2','2024-01-06','0.2');
    COMMIT;
"""


@pytest.mark.parametrize(("name", "fmt"), [("credits.sql", None), ("credits.txt", "sql")])
def test_sql_source_reads_a_text_dump(tmp_path: Path, name: str, fmt: str | None) -> None:
    path = write(tmp_path / name, DUMP)
    options = {"format": fmt} if fmt else {}
    result = read(
        "sql",
        tmp_path,
        path=str(path),
        query="SELECT * FROM credits ORDER BY rid",
        mapping={"id": "rid", "earned": "done", "credits": "amount"},
        **options,
    )
    assert [(r.id, r.credits) for r in result.records] == [
        ("d1", Decimal("0.1")),
        ("d2", Decimal("0.2")),
    ]
    assert sum(r.credits for r in result.records) == Decimal("0.3")


def test_sql_dump_errors_name_the_statement_line(tmp_path: Path) -> None:
    path = write(
        tmp_path / "bad.sql",
        DUMP.replace("INSERT INTO credits VALUES('d2'", "INSERT INTO credit VALUES('d2'"),
    )
    with pytest.raises(SourceOptionError, match=r"bad\.sql:6: no such table: credit"):
        read("sql", tmp_path, path=str(path), query="SELECT * FROM credits")


@pytest.mark.parametrize(
    "statement",
    [
        "ATTACH DATABASE '{tmp}/side.db' AS side;",
        "VACUUM INTO '{tmp}/copy.db';",
        "PRAGMA writable_schema = 1;",
    ],
)
def test_sql_dump_cannot_touch_files(tmp_path: Path, statement: str) -> None:
    path = write(tmp_path / "evil.sql", DUMP + "    " + statement.format(tmp=tmp_path) + "\n")
    with pytest.raises(SourceOptionError, match=r"evil\.sql:8: not authorized") as err:
        read("sql", tmp_path, path=str(path), query="SELECT * FROM credits")
    assert "only create and fill tables" in err.value.diagnostics[0].hint
    assert sorted(p.name for p in tmp_path.iterdir()) == ["evil.sql"]


def test_sql_dump_of_a_file_that_is_not_a_dump(tmp_path: Path) -> None:
    path = write(tmp_path / "notes.sql", "id,earned_on\nr1,2024-01-01\n")
    with pytest.raises(SourceOptionError, match=r"notes\.sql:1: near \"id\": syntax error"):
        read("sql", tmp_path, path=str(path), query="SELECT 1")


def test_sql_bad_query_and_mapping(tmp_path: Path, database: Path) -> None:
    with pytest.raises(SourceOptionError, match="no such table"):
        read("sql", tmp_path, path=str(database), query="SELECT * FROM nope")
    with pytest.raises(SourceOptionError, match="no column when"):
        read(
            "sql",
            tmp_path,
            path=str(database),
            query="SELECT * FROM credits",
            mapping={"earned": "when"},
        )


# ----------------------------------------------------------------------------- sources file


def test_sources_file_combines_sources(tmp_path: Path, database: Path, policy) -> None:
    (tmp_path / "data").mkdir()
    write(tmp_path / "data" / "webinars.csv", PORTAL_CSV)
    write(
        tmp_path / "data" / "uploads.csv",
        """
        id,member_id,credits,earned_on,submitted_on,status
        U1,M1,3,2024-02-01,2024-02-05,approved
        U2,M2,3,2024-02-01,2024-02-05,approved
    """,
    )
    path = write(
        tmp_path / "run.sources.yaml",
        f"""
        sources:
          - source: portal_webinars
            holder: {{id: M1, designated_on: "2023-05-10"}}
            options: {{path: data/webinars.csv}}
          - source: member_uploads
            holder: {{id: M1}}
            options: {{path: data/uploads.csv}}
          - source: sql
            holder: {{id: M1}}
            options:
              path: {database.name}
              query: SELECT * FROM credits WHERE member = 'M1' AND rid = 'q1'
              mapping: {{id: rid, earned: done, credits: amount}}
    """,
    )
    records, problems, stats = load_sources_file(path, tz=NY, sources=ENV.sources, policy=policy)
    assert [r.id for r in records] == ["portal-M1-W1", "portal-M1-W2", "portal-M1-W4", "U1", "q1"]
    assert [r.order for r in records] == [0, 1, 2, 3, 4]
    assert (stats.rows_read, stats.rows_rejected, stats.rows_skipped) == (10, 4, 1)
    assert stats.holder is not None and stats.holder.fields["designated_on"] == dt.date(2023, 5, 10)
    assert [s.source for s in stats.per_source] == ["portal_webinars", "member_uploads", "sql"]
    assert len(problems) == 4 and problems[0].location.file == str(
        tmp_path / "data" / "webinars.csv"
    )


def test_unknown_source_gets_did_you_mean(tmp_path: Path) -> None:
    path = write(
        tmp_path / "x.sources.yaml",
        """
        sources:
          - source: records_file
            options: {path: a.json}
          - source: portal_webinar
            options: {path: w.csv}
    """,
    )
    with pytest.raises(PolicyError) as err:
        load_sources_file(path, tz=NY, sources=ENV.sources)
    (d,) = err.value.diagnostics
    assert (d.location.line, d.location.col) == (4, 13)
    assert d.hint == "did you mean 'portal_webinars'?"


def test_sources_file_schema_and_option_errors_have_positions(tmp_path: Path) -> None:
    path = write(
        tmp_path / "x.sources.yaml",
        """
        sources:
          - source: xapi
            optoins: {path: s.json}
    """,
    )
    with pytest.raises(PolicyError) as err:
        load_sources_file(path, tz=NY, sources=ENV.sources)
    (d,) = err.value.diagnostics
    assert (d.location.line, d.message, d.hint) == (
        3,
        "unknown key 'optoins'",
        "did you mean 'options'?",
    )
    path = write(
        tmp_path / "y.sources.yaml",
        """
        sources:
          - source: xapi
            options:
              path: s.json
              verb: [completed]
    """,
    )
    with pytest.raises(PolicyError) as err:
        load_sources_file(path, tz=NY, sources=ENV.sources)
    (d,) = err.value.diagnostics
    assert d.location.line == 5 and "verb" in d.message and d.hint == "did you mean 'verbs'?"


def test_missing_input_file_points_at_the_path_option(tmp_path: Path) -> None:
    path = write(
        tmp_path / "x.sources.yaml",
        """
        sources:
          - source: lms_transcript
            options:
              path: nowhere.csv
    """,
    )
    with pytest.raises(PolicyError) as err:
        load_sources_file(path, tz=NY, sources=ENV.sources)
    (d,) = err.value.diagnostics
    assert (d.location.line, d.location.col) == (4, 13) and "nowhere.csv" in d.message


def test_duplicate_record_ids_across_sources(tmp_path: Path) -> None:
    write(tmp_path / "a.csv", "id,earned_on,credits\nr1,2024-01-01,1\n")
    write(tmp_path / "b.csv", "id,earned_on,credits\nr1,2024-01-02,1\n")
    path = write(
        tmp_path / "x.sources.yaml",
        """
        sources:
          - {source: records_file, options: {path: a.csv}}
          - {source: records_file, options: {path: b.csv}}
    """,
    )
    records, problems, stats = load_sources_file(path, tz=NY, sources=ENV.sources)
    assert len(records) == 1 and stats.rows_rejected == 1
    assert "duplicate record id 'r1'" in problems[0].message
    assert (problems[0].location.file, problems[0].location.line) == (str(tmp_path / "b.csv"), 2)


def test_sources_files_are_a_document_kind(tmp_path: Path) -> None:
    from policyengine.ci.validate import check_file

    write(tmp_path / "s.json", "[]\n")
    path = write(
        tmp_path / "x.sources.yaml", "sources:\n  - {source: xapi, options: {path: s.json}}\n"
    )
    assert check_file(str(path), ENV) == ("sources", [])


# ----------------------------------------------------------------------------- records command


@pytest.mark.parametrize("output", ["text", "json"])
def test_records_command(tmp_path: Path, capsys, output: str) -> None:
    write(
        tmp_path / "uploads.csv",
        """
        id,member_id,credits,earned_on,submitted_on,status
        U1,M1,3,2024-02-01,2024-02-05,approved
        U2,M1,x,2024-02-01,2024-02-05,approved
    """,
    )
    path = write(
        tmp_path / "run.sources.yaml",
        """
        sources:
          - source: member_uploads
            holder: {id: M1}
            options: {path: uploads.csv}
    """,
    )
    policy = str(POLICIES / "werc-crp.yaml")
    code = main(["records", str(path), "--policy", policy, "-o", output, "--root", str(tmp_path)])
    out = capsys.readouterr().out
    assert code == 1
    if output == "json":
        doc = json.loads(out)
        assert [r["id"] for r in doc["records"]] == ["U1"]
        assert doc["records"][0]["credits"] == "3"
        assert (doc["rows_read"], doc["rows_rejected"]) == (2, 1)
        assert doc["problems"][0]["line"] == 3
    else:
        assert out.splitlines()[0].startswith(
            "U1  earned 2024-02-01  recorded 2024-02-05  3 credits"
        )
        assert f"{tmp_path / 'uploads.csv'}:3:1:" in out
        assert out.endswith("2 rows read, 1 rejected\n")


def test_records_command_clean_run_exits_0(tmp_path: Path, capsys) -> None:
    write(tmp_path / "r.csv", "id,earned_on,credits\nr1,2024-01-01,1\n")
    path = write(
        tmp_path / "run.sources.yaml",
        "sources:\n  - {source: records_file, options: {path: r.csv}}\n",
    )
    policy = str(POLICIES / "werc-crp.yaml")
    assert main(["records", str(path), "--policy", policy, "--root", str(tmp_path)]) == 0
    assert capsys.readouterr().out.endswith("1 rows read, 0 rejected\n")


def test_check_sources_document_for_validate(tmp_path: Path) -> None:
    from policyengine.load.yaml_loader import load_yaml_file
    from policyengine.sources.sources_file import check_sources_document

    write(tmp_path / "s.json", "[]\n")
    write(tmp_path / "db.sql", DUMP)
    path = write(
        tmp_path / "x.sources.yaml",
        """
        sources:
          - {source: xapi, options: {path: s.json}}
          - {source: sqll, options: {path: db.sql, query: SELECT 1}}
          - {source: sql, options: {path: db.sql}}
          - source: lms_transcript
            options:
              path: exports/transcript.csv
    """,
    )
    problems = check_sources_document(str(path), load_yaml_file(path), ENV.sources)
    assert [(d.location.line, d.location.col, d.message) for d in problems] == [
        (3, 14, "unknown source 'sqll'"),
        (4, 28, "sql options: missing required key 'query'"),
        (7, 13, f"no such file: {tmp_path / 'exports' / 'transcript.csv'}"),
    ]
    assert problems[0].hint == "did you mean 'sql'?"
    assert problems[2].hint == f"paths are relative to the sources file's directory ({tmp_path})"


def test_csv_that_is_not_utf8_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_bytes(
        b"learner_id,course_id,completion_date\nM1,C1,2024-01-01\nM1,Caf\xe9,2024-01-02\n"
    )
    with pytest.raises(SourceOptionError, match=r"t\.csv:3: not valid UTF-8"):
        read("lms_transcript", tmp_path, path=str(path))


# ----------------------------------------------------------------------------- validate


def test_validate_reports_a_broken_sources_file(tmp_path: Path, capsys) -> None:
    write(tmp_path / "statements.json", "[]\n")
    path = write(
        tmp_path / "broken.sources.yaml",
        """
        sources:
          - source: xapi
            options: {path: statements.json, verb: [completed]}
          - source: lms_transcrpt
            options: {path: transcript.csv}
          - source: sql
            options:
              path: missing.sql
              query: SELECT * FROM credits
    """,
    )
    code = main(["validate", str(path), "--root", str(tmp_path)])
    out = capsys.readouterr().out
    assert code == 1
    assert out.splitlines() == [
        f"{path}:3:38: xapi options: unknown key 'verb'",
        "        options: {path: statements.json, verb: [completed]}",
        "                                         ^^^^",
        "  hint: did you mean 'verbs'?",
        f"{path}:4:13: unknown source 'lms_transcrpt'",
        "      - source: lms_transcrpt",
        "                ^",
        "  hint: did you mean 'lms_transcript'?",
        f"{path}:5:21: no such file: {tmp_path / 'transcript.csv'}",
        "        options: {path: transcript.csv}",
        "                        ^",
        f"  hint: paths are relative to the sources file's directory ({tmp_path})",
        f"{path}:8:13: no such file: {tmp_path / 'missing.sql'}",
        "          path: missing.sql",
        "                ^",
        f"  hint: paths are relative to the sources file's directory ({tmp_path})",
        "1 file checked, 4 problems",
    ]


def test_validate_sources_file_without_options_or_with_a_bad_date(tmp_path: Path, capsys) -> None:
    path = write(
        tmp_path / "x.sources.yaml",
        """
        sources:
          - source: records_file
            holder: {id: M1, designated_on: 2023-13-01}
    """,
    )
    assert main(["validate", "-o", "json", str(path)]) == 1
    doc = json.loads(capsys.readouterr().out)
    assert doc["files"][0]["kind"] == "sources"
    assert [(p["line"], p["col"], p["message"]) for p in doc["files"][0]["problems"]] == [
        (2, 13, "records_file options: missing required key 'path'"),
        (3, 37, "holder designated_on: '2023-13-01' is not a valid date (YYYY-MM-DD)"),
    ]


def test_validate_lists_the_inputs_of_sources_files(tmp_path: Path, capsys) -> None:
    """A source's input (an xAPI array, a records list) is data, not a document."""
    write(tmp_path / "statements.json", "[]\n")
    write(tmp_path / "records.yaml", "- {id: a, earned_on: 2024-01-05}\n")
    write(tmp_path / "stray.json", "[]\n")
    sources = write(
        tmp_path / "m1.sources.yaml",
        """
        sources:
          - {source: xapi, holder: {id: M1}, options: {path: statements.json}}
          - {source: records_file, options: {path: records.yaml}}
    """,
    )
    assert main(["validate", str(tmp_path)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == f"{sources}: ok (sources)"
    assert out[1] == (
        f"{tmp_path / 'records.yaml'}: input of {sources} (its rows are checked "
        "by 'policyengine records')"
    )
    assert out[2] == (
        f"{tmp_path / 'statements.json'}: input of {sources} (its rows are "
        "checked by 'policyengine records')"
    )
    # data no sources file names is not a document: a walk skips it, naming it does not
    assert out[-1] == (
        "3 files checked, 0 problems, 1 skipped (not policyengine documents; -o json lists them)"
    )
    assert main(["validate", str(tmp_path), str(tmp_path / "stray.json")]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[3] == f"{tmp_path / 'stray.json'}: cannot tell what kind of document this is"
    assert out[-1] == "4 files checked, 1 problem"
    (tmp_path / "stray.json").unlink()
    assert main(["validate", "-o", "json", str(tmp_path)]) == 0
    files = {Path(f["path"]).name: f for f in json.loads(capsys.readouterr().out)["files"]}
    assert files["statements.json"] == {
        "path": str(tmp_path / "statements.json"),
        "kind": "input",
        "valid": True,
        "problems": [],
        "input_of": str(sources),
    }


def test_validate_the_bundled_sources_directory(capsys) -> None:
    assert main(["validate", str(POLICIES / "sources")]) == 0
    out = capsys.readouterr().out.splitlines()
    inputs = sorted(Path(line.split(":")[0]).name for line in out if ": input of " in line)
    assert inputs == [
        "m6006-ams-export.json",
        "m6006-staff-entries.yaml",
        "werc-lrs-statements.json",
    ]
    assert out[-1] == "8 files checked, 0 problems"
