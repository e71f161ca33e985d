"""The batch fast path (``load/fast.py``) decides nothing the full reader would decide
otherwise: a document ``fastjsonschema`` accepts is one the package's ``jsonschema``
check accepts too, and JSON parses to the values the positional loader gives."""

from __future__ import annotations

import json

import pytest

from policyengine.load.fast import NotFast, parse_json, validator
from policyengine.load.schema import validate_against
from policyengine.load.yaml_loader import load_yaml_text
from tests.records.test_plain import mutations


@pytest.mark.parametrize("kind", ["holder"])
def test_what_the_fast_validator_accepts_the_full_check_accepts(kind: str) -> None:
    agreed = refused = 0
    for doc in mutations():
        text = json.dumps(doc, default=str)
        positional = load_yaml_text(text, "doc.json")
        full = validate_against(positional, kind)
        if validator(kind)(parse_json(text)):
            assert full == [], (doc, full)
            agreed += 1
        else:  # the full reader takes it from here (and explains what is wrong, if
            refused += 1  # anything: it may also accept what the fast check refuses)
    assert agreed > 20 and refused > 20


def test_json_parses_to_the_values_the_positional_loader_gives() -> None:
    for doc in mutations():
        text = json.dumps(doc, default=str)
        assert parse_json(text) == load_yaml_text(text, "doc.json"), doc


@pytest.mark.parametrize("text", ['{"a": 1, "a": 2}', '{"a": NaN}', '{"a": Infinity}'])
def test_what_json_allows_and_the_loader_refuses_is_not_fast(text: str) -> None:
    with pytest.raises(NotFast):
        parse_json(text)
