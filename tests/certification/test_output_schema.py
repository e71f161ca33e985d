"""The JSON Schema of ``evaluate --json`` (``policyengine schema evaluation``,
policyengine/schema/evaluation.schema.json): every bundled holder's evaluation on
several days matches it, every evaluation the other tests make is checked against it
too (``tests.helpers.evaluate_holder``), and docs/evaluation.md names exactly the keys
it allows (issue 14, item 7)."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest

from policyengine import load_policy
from policyengine.certification.dispositions import CODES
from policyengine.certification.engine import evaluate
from policyengine.load.schema import load_schema
from policyengine.load.yaml_loader import load_yaml_file
from policyengine.records.model import holder_from_document
from tests.helpers import POLICIES, ROOT, check_evaluation_output

SCHEMA = load_schema("evaluation")
HOLDERS = {
    "cpa-uaa-licensed-2018.yaml": "cpa-uaa.yaml",
    "safety-seed-expired.yaml": "safety-certification.yaml",
    "werc-crp-second-cycle.yaml": "werc-crp.yaml",
    "werc-crp-seed-examples.yaml": "werc-crp.yaml",
    "werc-gms-seed-examples.yaml": "werc-gms.yaml",
}
DAYS = ["2010-06-01", "2013-03-01", "2020-01-01", "2023-06-15", "2025-09-01", "2026-12-01"]


def test_every_bundled_holder_file_is_listed() -> None:
    assert sorted(p.name for p in (POLICIES / "holders").glob("*.yaml")) == sorted(HOLDERS)


@pytest.mark.parametrize("holder_file", sorted(HOLDERS))
def test_bundled_evaluations_match_the_schema(holder_file: str) -> None:
    policy = load_policy(str(POLICIES / HOLDERS[holder_file]))
    data = load_yaml_file(str(POLICIES / "holders" / holder_file))
    holder, records = holder_from_document(data, policy.tz, extra_fields=policy.record_fields)
    for day in DAYS:
        doc = evaluate(policy, holder, records, dt.date.fromisoformat(day)).as_dict()
        check_evaluation_output(json.loads(json.dumps(doc)))


def test_the_schema_knows_every_disposition_code() -> None:
    assert SCHEMA["$defs"]["record"]["properties"]["disposition"]["enum"] == list(CODES)


def _documented(key: str) -> list[str]:
    """The keys docs/evaluation.md lists for table row ``key``: its first ``{...}``."""
    doc = (ROOT / "docs" / "evaluation.md").read_text(encoding="utf-8")
    row = re.search(rf"^\| `{re.escape(key)}` \|[^`]*`\{{([^}}]*)\}}`", doc, re.MULTILINE)
    assert row is not None, key
    parts = re.sub(r"\(.*?\)|\[.*?\]", "", row.group(1)).split(",")
    names = [part.split(":")[0].replace("?", "").strip() for part in parts]
    return sorted(n for n in names if n)


@pytest.mark.parametrize(
    ("row", "definition"),
    [
        ("status", "status"),
        ("periods[]", "period"),
        ("periods[].requirements[]", "requirement"),
        ("records[]", "record"),
        ("records[].adjustments[]", "adjustment"),
        ("records[].actions[]", "action"),
    ],
)
def test_the_docs_name_exactly_the_keys_the_schema_allows(row: str, definition: str) -> None:
    assert _documented(row) == sorted(SCHEMA["$defs"][definition]["properties"])


def test_the_schema_command_prints_it(cli) -> None:
    code, out, _err = cli("schema", "evaluation")
    assert code == 0 and json.loads(out)["$id"].endswith("/evaluation.schema.json")
