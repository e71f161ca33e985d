"""``policyengine batch``: a membership through one policy, streamed, in order, exact.

Whatever runs it — this process, worker processes (``--jobs``), a Dask cluster — the
output is the same bytes as evaluating each holder on its own; bad data gives an error
record at its ``file:line:col`` and the run goes on; input is consumed as output is
written, never all at once.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import random
from collections.abc import Iterator
from pathlib import Path

import pytest

from policyengine import load_policy
from policyengine.batch.inputs import Task, tasks
from policyengine.batch.run import Settings, run
from policyengine.batch.summary import summary
from policyengine.certification.engine import evaluate
from policyengine.records.model import holder_from_document, load_holder
from tests.helpers import POLICIES

GMS = str(POLICIES / "werc-gms.yaml")
AS_OF = "2026-06-30"


def population(path: Path, n: int, seed: int = 5) -> list[dict]:
    """``n`` werc-gms holders with 0-12 records each, written as JSONL."""
    rng = random.Random(seed)
    docs = []
    for i in range(n):
        start = dt.date(2016, 1, 1) + dt.timedelta(days=rng.randrange(0, 2000))
        records = [
            {
                "id": f"r{j}",
                "earned_on": (start + dt.timedelta(days=rng.randrange(0, 3000))).isoformat(),
                "credits": rng.choice([0.5, 1, 1.5, 2, 3]),
                "kind": "webinar",
            }
            for j in range(rng.randrange(0, 13))
        ]
        docs.append(
            {"holder": {"id": f"m{i}", "designated_on": start.isoformat()}, "records": records}
        )
    path.write_text("".join(json.dumps(d) + "\n" for d in docs), encoding="utf-8")
    return docs


def test_each_output_line_is_the_holders_own_evaluation(tmp_path, cli):
    docs = population(tmp_path / "pop.jsonl", 40)
    done = cli("batch", GMS, tmp_path / "pop.jsonl", "--as-of", AS_OF)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert len(lines) == 40
    policy = load_policy(GMS)
    for number, (line, doc) in enumerate(zip(lines, docs, strict=True), 1):
        holder, records = holder_from_document(doc, policy.tz)
        alone = evaluate(policy, holder, records, dt.date.fromisoformat(AS_OF))
        expected = summary(alone, f"{tmp_path / 'pop.jsonl'}:{number}")
        assert json.loads(line) == json.loads(json.dumps(expected)), number
    assert done.stderr.startswith("40 holders: ")


def test_bad_lines_give_error_records_at_their_place_and_the_run_goes_on(tmp_path, cli):
    population(tmp_path / "pop.jsonl", 3)
    text = (tmp_path / "pop.jsonl").read_text(encoding="utf-8").splitlines()
    text.insert(
        1,
        '{"holder": {"id": "x"}, "records": [{"id": "a", "earned_on": "2024-02-30", "credits": 1}]}',
    )
    text.insert(3, '{"holder": {"id": "y"}, "recrds": []}')
    text.insert(4, "")  # blank lines are skipped, not errors
    (tmp_path / "pop.jsonl").write_text("\n".join(text) + "\n", encoding="utf-8")
    done = cli("batch", GMS, tmp_path / "pop.jsonl", "--as-of", AS_OF)
    assert done.returncode == 1  # some holder had bad data
    out = [json.loads(x) for x in done.stdout.splitlines()]
    assert [("error" in o, o["input"].rsplit(":", 1)[1]) for o in out] == [
        (False, "1"),
        (True, "2"),
        (False, "3"),
        (True, "4"),
        (False, "6"),
    ]
    bad_date = out[1]["error"][0]
    assert (bad_date["file"], bad_date["line"]) == (str(tmp_path / "pop.jsonl"), 2)
    assert "not a valid date" in bad_date["message"]
    assert out[3]["error"][0]["line"] == 4 and "recrds" in out[3]["error"][0]["message"]
    assert "2 with bad data" in done.stderr and "Traceback" not in done.stderr


def test_an_unfinished_line_is_reported_on_that_line(tmp_path, cli):
    path = tmp_path / "pop.jsonl"
    path.write_text('{"holder": {"id": broken\r\n', encoding="utf-8")
    done = cli("batch", GMS, path, "--as-of", AS_OF)
    assert done.returncode == 1
    error = json.loads(done.stdout)["error"][0]
    assert (error["line"], error["col"], error["code"]) == (1, 19, "batch.json"), error
    assert error["message"] == "not JSON: Expecting value"


def test_a_line_must_be_json_not_yaml(tmp_path, cli):
    """A JSONL line is JSON: YAML's flow style (accepted before, through the positional
    loader) and stray text are refused at the line and column json reports."""
    path = tmp_path / "pop.jsonl"
    path.write_text(
        '{holder: {id: a, designated_on: 2022-06-15}}\n]\n{"holder": {"id": "b"}}\n',
        encoding="utf-8",
    )
    done = cli("batch", GMS, path, "--as-of", AS_OF)
    assert done.returncode == 1
    errors = [json.loads(line)["error"][0] for line in done.stdout.splitlines()]
    assert [(e["line"], e["col"], e["code"]) for e in errors[:2]] == [
        (1, 2, "batch.json"),
        (2, 1, "batch.json"),
    ]
    assert errors[0]["message"] == "not JSON: Expecting property name enclosed in double quotes"
    assert errors[2]["code"] != "batch.json"  # JSON, but not a whole holder: the schema says


def test_a_byte_order_mark_before_the_first_line_is_skipped(tmp_path, cli):
    path = tmp_path / "pop.jsonl"
    path.write_bytes(
        b'\xef\xbb\xbf{"holder": {"id": "a", "designated_on": "2022-06-15"}, "records": []}\n'
    )
    done = cli("batch", GMS, path, "--as-of", AS_OF)
    assert done.returncode == 0, done.stdout
    assert json.loads(done.stdout)["holder"] == "a"


@pytest.mark.parametrize("output", ["jsonl", "csv", "json"])
def test_worker_processes_give_the_same_bytes(tmp_path, cli, output):
    population(tmp_path / "pop.jsonl", 300)
    one = cli("batch", GMS, tmp_path / "pop.jsonl", "--as-of", AS_OF, "-o", output)
    two = cli("batch", GMS, tmp_path / "pop.jsonl", "--as-of", AS_OF, "-o", output, "--jobs", "2")
    assert one.returncode == two.returncode == 0
    assert one.stdout == two.stdout and one.stdout
    if output == "json":
        doc = json.loads(one.stdout)
        assert doc["format"] == "policyengine.batch/1" and len(doc["results"]) == 300
    if output == "csv":
        assert one.stdout.splitlines()[0].endswith(
            "total.counted,total.required,total.missing,total.met"
        )


def test_holder_files_directories_and_sources_files_mix(tmp_path, cli):
    done = cli(
        "batch",
        GMS,
        POLICIES / "holders" / "werc-gms-seed-examples.yaml",
        POLICIES / "sources" / "werc-gms-g3105.sources.yaml",
        "--as-of",
        AS_OF,
        "--explain",
    )
    assert done.returncode == 0, done.stderr
    first, second = (json.loads(x) for x in done.stdout.splitlines())
    policy = load_policy(GMS)
    holder, records = load_holder(
        str(POLICIES / "holders" / "werc-gms-seed-examples.yaml"), policy.tz
    )
    alone = evaluate(policy, holder, records, dt.date.fromisoformat(AS_OF))
    assert first["holder"] == holder.id and first["status"] == alone.status["code"]
    assert [r["disposition"] for r in first["records"]] == [
        o.disposition.code for o in alone.outcomes
    ]
    assert second["input"].endswith("werc-gms-g3105.sources.yaml")


def test_input_is_read_as_output_is_written(tmp_path):
    """Memory does not grow with the population: with worker processes, the first
    result arrives when only a bounded part of the input has been read."""
    population(tmp_path / "pop.jsonl", 2000)
    consumed = itertools.count()

    def counted(source: Iterator[Task]) -> Iterator[Task]:
        for task in source:
            next(consumed)
            yield task

    settings = Settings(GMS, None, dt.date.fromisoformat(AS_OF))
    results = run(settings, counted(tasks([str(tmp_path / "pop.jsonl")])), jobs=2)
    next(results)
    read_before_first = next(consumed)
    assert read_before_first <= 2 * 4 * 64 + 64  # jobs x chunks in flight x chunk size
    assert sum(1 for _ in results) == 1999


def test_usage_errors(tmp_path, cli):
    assert cli("batch", GMS, tmp_path / "missing.jsonl").returncode == 2
    assert cli("batch", GMS, "-", "--jobs", "-1").returncode == 2
    assert cli("batch", GMS, "-", "--partitions", "3").returncode == 2
    bad_date = cli("batch", GMS, "-", "--as-of", "2026-13-01")
    assert bad_date.returncode == 2 and "--as-of" in bad_date.stderr


def test_the_dask_engine_gives_the_local_bytes(tmp_path, cli):
    pytest.importorskip("distributed")
    population(tmp_path / "pop.jsonl", 200)
    local = cli("batch", GMS, tmp_path / "pop.jsonl", "--as-of", AS_OF)
    dask = cli(
        "batch",
        GMS,
        tmp_path / "pop.jsonl",
        "--as-of",
        AS_OF,
        "--engine",
        "dask",
        "--jobs",
        "2",
        "--partitions",
        "4",
    )
    assert dask.returncode == local.returncode == 0, dask.stderr
    assert dask.stdout == local.stdout
