"""Tests for policyengine.load.schema: plain-English diagnostics at exact positions."""

from __future__ import annotations

import json
from decimal import Decimal
from importlib import resources
from pathlib import Path

import pytest

from policyengine.errors import Location
from policyengine.load import schema
from policyengine.load.schema import load_schema, validate_against
from policyengine.load.yaml_loader import load_yaml_file, load_yaml_text
from tests.helpers import POLICIES, ROOT

F = "p.yaml"

SCHEMA = {
    "type": "object",
    "required": ["name", "validity"],
    "additionalProperties": False,
    "properties": {
        "name": {"type": "string", "description": "Name shown to people."},
        "validity": {
            "type": "object",
            "description": "How long a certification stays valid.",
            "additionalProperties": False,
            "properties": {
                "months": {"type": "integer", "minimum": 1},
                "grace_days": {"type": "integer"},
            },
        },
        "kind": {"enum": ["certification", "credit-package"]},
        "format": {"const": 1},
        "code": {"type": "string", "pattern": "^[a-z]+$", "description": "Lowercase letters."},
        "start": {"type": "string", "format": "date"},
        "ratio": {"type": "number", "minimum": 0.1, "multipleOf": 0.05},
        "tags": {"type": "array", "items": {"type": "string"}, "uniqueItems": True},
        "requirements": {
            "type": "array",
            "items": {
                "oneOf": [
                    {
                        "type": "object",
                        "additionalProperties": False,
                        "required": ["kind", "hours"],
                        "properties": {"kind": {"const": "hours"}, "hours": {"type": "number"}},
                    },
                    {
                        "type": "object",
                        "additionalProperties": False,
                        "required": ["kind", "course"],
                        "properties": {
                            "kind": {"const": "course"},
                            "course": {"type": "string", "description": "Course code."},
                        },
                    },
                    {"type": "string"},
                ]
            },
        },
    },
}


def check(text: str, schema: dict = SCHEMA):
    return validate_against(load_yaml_text(text, F), "test", schema=schema)


def L(line: int, col: int) -> Location:
    return Location(F, line, col)


def test_valid_document_has_no_diagnostics() -> None:
    assert check("name: X\nvalidity: {months: 36}\nratio: 0.15\nstart: 2025-07-31\n") == []


def test_unknown_key_with_did_you_mean_at_the_key() -> None:
    [diag] = check("name: X\nvalidity:\n  months: 3\n  grace_dyas: 5\n")
    assert diag.message == "unknown key 'grace_dyas'"
    assert diag.location == L(4, 3)
    assert diag.hint == "did you mean 'grace_days'?"
    assert diag.code == "schema.unknown-key"
    assert diag.source_line == "  grace_dyas: 5" and diag.width == len("grace_dyas")


def test_unknown_key_without_close_match_lists_allowed_keys() -> None:
    [diag] = check("name: X\nvalidity:\n  zzz: 1\n")
    assert diag.hint == "allowed keys here: grace_days, months"
    assert diag.location == L(3, 3)


def test_misspelled_required_key() -> None:
    diags = check("name: X\nvaildity:\n  months: 3\n")
    assert [(d.code, d.location) for d in diags] == [
        ("schema.required", L(1, 1)),
        ("schema.unknown-key", L(2, 1)),
    ]
    assert diags[0].message == "missing required key 'validity'"
    assert diags[0].hint == "How long a certification stays valid."
    assert diags[1].hint == "did you mean 'validity'?"


def test_missing_required_points_at_the_mapping() -> None:
    [diag] = check("# header\n\nvalidity:\n  months: 3\n")
    assert diag.location == L(3, 1)
    assert diag.message == "missing required key 'name'" and diag.hint == "Name shown to people."


def test_wrong_type() -> None:
    [diag] = check("name: X\nvalidity:\n  months: abc\n")
    assert diag.message == "expected a whole number, got a string ('abc')"
    assert diag.location == L(3, 11) and diag.code == "schema.type"
    [diag] = check("name: 12.5\nvalidity: {}\n")
    assert diag.message == "expected a string, got a number (12.5)"
    [diag] = check("name:\nvalidity: {}\n")
    assert diag.message.startswith("expected a string, got nothing")
    assert "{" not in check("name: {a: 1}\nvalidity: {}\n")[0].message


def test_enum_and_const() -> None:
    [diag] = check("name: X\nvalidity: {}\nkind: certifcation\n")
    assert diag.message == "'certifcation' is not one of: certification, credit-package"
    assert diag.hint == "did you mean 'certification'?"
    assert diag.location == L(3, 7) and diag.code == "schema.enum"
    [diag] = check("name: X\nvalidity: {}\nformat: 2\n")
    assert diag.message == "2 is not one of: 1" and diag.code == "schema.const"


def test_pattern_and_format_use_description() -> None:
    diags = check("name: X\nvalidity: {}\ncode: ABC\nstart: 2025-13-01\n")
    assert [d.code for d in diags] == ["schema.pattern", "schema.format"]
    # never a regular expression: a pattern the engine does not know gets the hint
    assert diags[0].message == "'ABC' is not written the way this key needs (see the hint)"
    assert diags[0].hint == "Lowercase letters." and diags[0].location == L(3, 7)
    assert diags[1].message == "'2025-13-01' is not a valid date"
    assert diags[1].location == L(4, 8)


def test_decimals_are_numbers_and_bounds_are_exact() -> None:
    assert check("name: X\nvalidity: {months: 3.0}\nratio: 0.1\n") == []
    [diag] = check("name: X\nvalidity: {}\nratio: 0.05\n")
    assert diag.message == "0.05 must be at least 0.1" and diag.code == "schema.minimum"
    [diag] = check("name: X\nvalidity: {}\nratio: 0.12\n")
    assert diag.code == "schema.multipleOf"
    [diag] = check("name: X\nvalidity: {months: 2.5}\n")
    assert diag.message == "expected a whole number, got a number (2.5)"
    [diag] = check("name: X\nvalidity: {months: 0}\n")
    assert diag.message == "0 must be at least 1"


def test_one_of_reports_the_best_match() -> None:
    text = (
        "name: X\nvalidity: {}\nrequirements:\n"
        "  - kind: hours\n    hours: lots\n"
        "  - kind: course\n"
        "  - 3\n"
    )
    diags = check(text)
    assert [(d.message, d.location) for d in diags] == [
        ("expected a number, got a string ('lots')", L(5, 12)),
        ("missing required key 'course'", L(6, 5)),
        ("expected a mapping of keys to values or a string, got a number (3)", L(7, 5)),
    ]
    assert diags[1].hint == "Course code."


def test_unique_items_and_sorting_and_dedup() -> None:
    diags = check("tags: [a, a]\nname: 1\n")
    assert [d.location.line for d in diags] == [1, 1, 2]
    assert "unique" in diags[1].message or "unique" in diags[0].message
    assert len(diags) == len(set(diags))


def test_unevaluated_properties_with_refs() -> None:
    schema = {
        "$defs": {
            "base": {
                "properties": {"title": {"type": "string", "description": "Title."}},
                "required": ["title"],
            }
        },
        "type": "object",
        "allOf": [{"$ref": "#/$defs/base"}],
        "properties": {"items": {"type": "array"}},
        "unevaluatedProperties": False,
    }
    diags = check("titel: x\nitems: []\n", schema)
    assert [(d.code, d.location, d.hint) for d in diags] == [
        ("schema.required", L(1, 1), "Title."),
        ("schema.unknown-key", L(1, 1), "did you mean 'title'?"),
    ]
    # an invalid known key is reported for its value only, not as "unknown"
    assert [d.code for d in check("title: 3\n", schema)] == ["schema.type"]


def test_false_subschema_and_property_names() -> None:
    schema = {
        "type": "object",
        "properties": {"secret": False},
        "propertyNames": {"pattern": "^[a-z]+$"},
    }
    diags = check("ok: 1\nsecret: 2\nBad: 3\n", schema)
    assert [(d.code, d.location) for d in diags] == [
        ("schema.not-allowed", L(2, 1)),
        ("schema.pattern", L(3, 1)),
    ]


def test_plain_data_without_positions() -> None:
    diags = validate_against({"validity": {}}, "test", schema=SCHEMA)
    assert [d.message for d in diags] == ["missing required key 'name'"]
    assert diags[0].location is None


def test_real_policy_schema_smoke() -> None:
    if not (resources.files("policyengine.schema") / "policy.schema.json").is_file():
        pytest.skip("policy.schema.json not written yet")
    schema = load_schema("policy")
    assert schema["$schema"].endswith("2020-12/schema")
    assert load_schema("policy") is schema  # cached
    data = load_yaml_text("format: 1\nkind: certifcation\nid: x\nname: X\ntimezon: UTC\n", F)
    diags = validate_against(data, "policy")
    codes = {d.code for d in diags}
    assert "schema.unknown-key" in codes
    unknown = next(d for d in diags if d.code == "schema.unknown-key")
    assert unknown.location == L(5, 1) and unknown.hint == "did you mean 'timezone'?"
    assert all(d.location is not None for d in diags)
    assert all(
        isinstance(v, (int, str, Decimal, list, dict, bool)) or v is None
        for v in load_schema("policy").values()
    )


def test_unknown_schema_name() -> None:
    with pytest.raises(ValueError):
        load_schema("no-such-schema")


def test_every_pattern_of_the_shipped_schemas_has_a_sentence() -> None:
    """A value failing a ``pattern`` is told what it should be, in words (issue: the error
    for a duration such as ``length: 1 year 30 days`` showed the raw regex)."""
    patterns: set[str] = set()

    def walk(node: object) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("pattern"), str):
                patterns.add(node["pattern"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    for path in sorted((ROOT / "policyengine" / "schema").glob("*.json")):
        walk(json.loads(path.read_text(encoding="utf-8")))
    assert patterns and sorted(patterns - set(schema._PATTERN_WORDS)) == []


def test_a_duration_that_is_not_one_is_explained_in_words(tmp_path: Path) -> None:
    text = (POLICIES / "werc-crp.yaml").read_text(encoding="utf-8")
    assert "length: 3 years" in text
    bad = tmp_path / "p.yaml"
    bad.write_text(text.replace("length: 3 years", "length: 1.5 years", 1), "utf-8")
    messages = [d.message for d in schema.validate_against(load_yaml_file(str(bad)), "policy")]
    assert messages == [
        "'1.5 years' is not a duration: whole numbers, each with a unit "
        "(days, weeks, months or years), e.g. '3 years' or '1 year 30 days'"
    ]


def test_a_duration_with_two_units_is_valid(tmp_path: Path) -> None:
    text = (POLICIES / "werc-crp.yaml").read_text(encoding="utf-8")
    good = tmp_path / "p.yaml"
    good.write_text(text.replace("length: 3 years", "length: 1 year 30 days", 1), "utf-8")
    assert schema.validate_against(load_yaml_file(str(good)), "policy") == []


def test_every_shipped_schema_is_a_valid_draft_2020_12_schema() -> None:
    """The package's own schemas are not checked against the meta-schema when loaded (it
    cost about 10 ms a schema on every start of validate); they are checked here."""
    import jsonschema

    names = sorted(
        p.name[: -len(".schema.json")]
        for p in (ROOT / "policyengine" / "schema").glob("*.schema.json")
    )
    assert "policy" in names and "holder" in names
    for name in names:
        jsonschema.Draft202012Validator.check_schema(load_schema(name))
