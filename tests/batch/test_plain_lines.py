"""A plain JSONL line is parsed without the per-object check of repeated keys and its
keys are counted against its colons instead (``batch/inputs._plain_quickly``): a line
with a repeated key, or a colon inside a text, is read the careful way, with the same
result as before."""

from __future__ import annotations

import json

import pytest

from policyengine import load_policy
from policyengine.batch.inputs import _plain_quickly, line_task, read_task
from policyengine.errors import PolicyError
from policyengine.load.fast import one_colon_per_key
from policyengine.records.model import holder_from_document
from tests.helpers import POLICIES

POLICY = load_policy(str(POLICIES / "werc-gms.yaml"))
HOLDER = {"id": "h1", "designated_on": "2020-01-01"}


def _line(records: str) -> str:
    return '{"holder": ' + json.dumps(HOLDER) + ', "records": [' + records + "]}"


def test_a_plain_line_is_read_quickly_with_the_values_of_the_full_reader() -> None:
    text = _line('{"id": "r1", "credits": "2.5", "earned_on": "2021-01-01"}')
    quick = _plain_quickly(text, POLICY, "m.jsonl:1")
    assert quick is not None
    assert quick == holder_from_document(json.loads(text), POLICY.tz, origin="m.jsonl:1")


@pytest.mark.parametrize(
    "records",
    [
        # a key given twice: the later value would win without the careful parse
        '{"id": "r1", "credits": 2, "earned_on": "2021-01-01", "credits": 3}',
        '{"id": "r1", "id": "r2", "credits": 2, "earned_on": "2021-01-01"}',
    ],
)
def test_a_repeated_key_is_still_refused_at_its_line_and_column(records: str) -> None:
    text = _line(records)
    assert _plain_quickly(text, POLICY, "m.jsonl:3") is None
    with pytest.raises(PolicyError) as err:
        read_task(line_task("m.jsonl", 3, text), POLICY)
    (d,) = err.value.diagnostics
    assert d.code == "yaml.duplicate-key"
    assert d.location is not None and (d.location.file, d.location.line) == ("m.jsonl", 3)
    # the line the key was first given on is the file's line too, and so is the excerpt
    assert d.message.endswith("(first defined on line 3)")
    assert d.source_line == text


def test_a_colon_in_a_text_takes_the_careful_parse_and_reads_the_same() -> None:
    text = _line('{"id": "r1", "title": "Part 1: basics", "credits": 2, "earned_on": "2021-01-01"}')
    assert _plain_quickly(text, POLICY, "m.jsonl:1") is None  # 6 colons, 5 keys
    holder, records = read_task(line_task("m.jsonl", 1, text), POLICY)
    assert holder.id == "h1" and records[0].fields["title"] == "Part 1: basics"


def test_colons_are_counted_against_keys() -> None:
    assert one_colon_per_key('{"a": 1, "b": {"c": 2}}', 3)
    assert not one_colon_per_key('{"a": 1, "a": 2}', 1)  # parsed into one key
    assert not one_colon_per_key('{"a": "x:y"}', 1)
