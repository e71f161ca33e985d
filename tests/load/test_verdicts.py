"""Passes of package schemas remembered per user (``load/verdicts.py``): a recorded pass
skips the check, a document with a problem is checked every time, and only documents
made of the loader's own values are recorded."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from policyengine.load import schema
from policyengine.load.verdicts import verdict_key
from policyengine.load.yaml_loader import load_yaml_file, load_yaml_text
from tests.helpers import POLICIES

HOLDER = "holder: {id: m-1, name: Pat, designated_on: 2022-06-15}\n"


def recorded(cache: Path) -> list[str]:
    folder = cache / "valid"
    return sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []


def no_checks(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(name: str) -> Any:
        raise AssertionError("the schema was checked")

    monkeypatch.setattr(schema, "_checker", refuse)


def test_a_recorded_pass_skips_the_check(cache: Path, monkeypatch: pytest.MonkeyPatch):
    data = load_yaml_file(POLICIES / "werc-crp.yaml")
    assert schema.validate_against(data, "policy") == []
    assert len(recorded(cache)) == 1
    no_checks(monkeypatch)
    assert schema.validate_against(data, "policy") == []
    with pytest.raises(AssertionError, match="checked"):  # another schema: not recorded
        schema.validate_against(data, "holder")


def test_a_document_with_a_problem_is_checked_every_time(
    cache: Path, monkeypatch: pytest.MonkeyPatch
):
    data = load_yaml_text(HOLDER.replace("Pat", "Pat, extra: 1"), "h.yaml")
    first = schema.validate_against(data, "holder")
    assert first and schema.validate_against(data, "holder") == first
    assert recorded(cache) == []


def test_the_key_tells_types_and_values_apart(cache: Path):
    keys = [
        verdict_key(value, "holder", [])
        for value in (
            {"a": 1},
            {"a": Decimal(1)},
            {"a": Decimal("1.0")},
            {"a": True},
            {"a": "1"},
            {"a": [1]},
            {1: 1},
        )
    ]
    assert None not in keys and len(set(keys)) == len(keys)
    assert verdict_key({"a": 1}, "holder", []) != verdict_key({"a": 1}, "policy", [])
    assert verdict_key({"a": 1}, "holder", []) != verdict_key({"a": 1}, "holder", ["date"])


@pytest.mark.parametrize("value", [(1, 2), 1.5, {"a": [object()]}, type("D", (dict,), {})()])
def test_values_the_loader_does_not_make_are_never_recorded(cache: Path, value: object):
    assert verdict_key(value, "holder", []) is None


def test_an_empty_setting_turns_the_record_off(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("POLICYENGINE_CACHE_DIR", "")
    assert verdict_key(load_yaml_text(HOLDER, "h.yaml"), "holder", []) is None
    assert schema.validate_against(load_yaml_text(HOLDER, "h.yaml"), "holder") == []


def test_a_schema_that_passed_the_meta_schema_is_not_checked_again(
    cache: Path, monkeypatch: pytest.MonkeyPatch
):
    options = {"type": "object", "properties": {"path": {"type": "string", "minLength": 1}}}
    schema.check_schema(options)
    assert len(recorded(cache)) == 1

    def refuse(value: object) -> None:
        raise AssertionError("the meta-schema was checked")

    monkeypatch.setattr(schema.Draft202012Validator, "check_schema", refuse)
    schema.check_schema(options)
    with pytest.raises(AssertionError, match="checked"):
        schema.check_schema({**options, "minProperties": 1})


def test_a_schema_that_fails_the_meta_schema_fails_every_time(cache: Path):
    for _ in range(2):
        with pytest.raises(jsonschema.SchemaError, match="is not of type 'integer'"):
            schema.check_schema({"type": "string", "minLength": "one"})
    assert recorded(cache) == []


def test_nothing_is_recorded_outside_the_commands_that_ask(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv("POLICYENGINE_CACHE_DIR", str(tmp_path / "cache"))
    data = load_yaml_text(HOLDER, "h.yaml")
    assert verdict_key(data, "holder", []) is None
    assert schema.validate_against(data, "holder") == []
    assert recorded(tmp_path / "cache") == []
