"""The formatter behind ``policyengine fmt`` (``ci/formatter.py``, ``ci/key_order.py``):
key order, indentation, quoting, comments, and the guarantee that a formatted file
means exactly what it meant (issue 15, item 10)."""

from __future__ import annotations

import random
import textwrap
from collections.abc import Iterable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

from policyengine.ci import formatter
from policyengine.ci.formatter import format_text
from policyengine.ci.key_order import Shape
from policyengine.errors import PolicyError
from policyengine.load.kinds import KINDS, document_kind
from policyengine.load.yaml_loader import load_yaml_text
from tests.helpers import POLICIES

HEAD = "format: 1\nkind: certification\nid: x\nname: X\ntimezone: UTC\n"


def fmt(text: str, schema: str | None = "policy") -> str:
    return format_text(textwrap.dedent(text), schema, "t.yaml")


def bundled() -> list[Path]:
    """Every bundled policyengine document (not a source's records list)."""
    found = []
    for path in sorted(POLICIES.rglob("*.yaml")):
        if document_kind(load_yaml_text(path.read_text(encoding="utf-8"), str(path))):
            found.append(path)
    return found


def schema_of(text: str) -> str:
    kind = document_kind(load_yaml_text(text, "t.yaml"))
    assert kind is not None
    return KINDS[kind][1]


def test_policy_keys_follow_the_schema_and_comments_move_with_them() -> None:
    text = """\
        # the file's header stays on top
        kind: certification
        format: 1
        id: x
        name: X
        timezone: UTC

        # about the allocation
        allocation:
          apply: all
          # why discard
          unused: discard

        requirements:
          - id: total
            min: 30
        """
    assert fmt(text) == textwrap.dedent(
        """\
        # the file's header stays on top
        format: 1
        kind: certification
        id: x
        name: X
        timezone: UTC

        requirements:
          - id: total
            min: 30

        # about the allocation
        allocation:
          # why discard
          unused: discard
          apply: all
        """
    )


def test_list_items_are_ordered_too_and_keep_their_dash() -> None:
    text = HEAD + textwrap.dedent(
        """\
        requirements:
          - min: 30
            # the label people see
            label: Total
            id: total
          - {min: 4, where: record.category == "ethics", id: ethics, label: Ethics}
        """
    )
    assert fmt(text).split("requirements:\n")[1] == (
        "  - id: total\n"
        "    # the label people see\n"
        "    label: Total\n"
        "    min: 30\n"
        '  - {id: ethics, label: Ethics, where: record.category == "ethics", min: 4}\n'
    )


def test_keys_the_schema_does_not_list_keep_their_order_after_the_listed_ones() -> None:
    shape = Shape.of("policy")
    assert shape.sorted_keys(["zeta", "kind", "alpha", "format"]) == [
        "format",
        "kind",
        "zeta",
        "alpha",
    ]
    assert Shape().sorted_keys(["b", "a"]) == ["b", "a"]
    # $ref into another schema file (scenarios -> holder) and into $defs
    record = Shape.of("scenarios").child("scenarios").item(0).child("records").item(0)
    assert record.order()[:2] == ["id", "title"]


def test_indentation_becomes_two_spaces_with_comments_alongside() -> None:
    text = HEAD + textwrap.dedent(
        """\
        constants:
            # a comment above a key follows it
            hours: 30
        requirements:
            -   id: total
                min: const.hours
        """
    )
    assert fmt(text).split("timezone: UTC\n")[1] == textwrap.dedent(
        """\
        constants:
          # a comment above a key follows it
          hours: 30
        requirements:
          - id: total
            min: const.hours
        """
    )


@pytest.mark.parametrize(
    "written, formatted",
    [
        ('"Total"', "Total"),
        ("'Total'", "Total"),
        ('"it\'s"', "it's"),
        ("'say \"hi\"'", 'say "hi"'),
        ("'\"x\" in record.tags'", "'\"x\" in record.tags'"),
        ('"#a\\"b"', "'#a\"b'"),
        ('"a\\\\b"', "a\\b"),
        ('"#a\\\\b"', "'#a\\b'"),
        ('"line\\nbreak"', '"line\\nbreak"'),
        ("'#x'", '"#x"'),
        ("'a: b'", '"a: b"'),
        ("''", '""'),
        ("' padded '", '" padded "'),
        ('"été"', "été"),
        ('"a\\x1bb"', '"a\\eb"'),
        # what YAML 1.1 (the project's loader) reads as something else stays quoted
        ("'yes'", '"yes"'),
        ("'off'", '"off"'),
        ("'012'", '"012"'),
        ("'1:30'", '"1:30"'),
        ("'1.50'", '"1.50"'),
        ("'2020-01-01'", '"2020-01-01"'),
        ("'null'", '"null"'),
        ("'~'", '"~"'),
        ("'true'", '"true"'),
        # plain scalars keep their text
        ("1.50", "1.50"),
        ("1.2e3", "1.2e3"),
        (".5", ".5"),
        ("0x1F", "0x1F"),
        ("012", "012"),
        ("2025-02-30", "2025-02-30"),
        ("2025-03-01T10:00:00-08:00", "2025-03-01T10:00:00-08:00"),
        ("2020-01-01", "2020-01-01"),
        ("~", "null"),
        ("", "null"),
        ('record.kind == "webinar"', 'record.kind == "webinar"'),
    ],
)
def test_quoting_is_consistent_and_never_changes_a_value(written: str, formatted: str) -> None:
    text = HEAD + f"constants:\n  v: {written}\n".replace("v: \n", "v:\n")
    out = fmt(text)
    assert out.endswith(f"constants:\n  v: {formatted}\n")
    assert load_yaml_text(out, "a") == load_yaml_text(text, "b")


def test_flow_lists_keep_the_braces_of_one_key_mappings() -> None:
    text = "description: d\nscenarios:\n  - name: n\n    expect: {records: {r: {adjustments: [{code: backdate-accepted}]}}}\n"
    assert fmt(text, "scenarios") == text


def test_a_hash_inside_a_block_scalar_is_text_not_a_comment() -> None:
    text = HEAD + textwrap.dedent(
        """\
        constants:
            note: |
                # not a comment
                text
            hours: 30
        """
    )
    out = fmt(text)
    assert "  note: |\n    # not a comment\n    text\n  hours: 30\n" in out


def test_a_file_without_a_final_newline_gets_one() -> None:
    assert fmt(HEAD.rstrip("\n")) == HEAD


def test_invalid_yaml_is_reported_at_its_position() -> None:
    with pytest.raises(PolicyError) as err:
        fmt(HEAD + "constants: [1, 2\n")
    d = err.value.diagnostics[0]
    assert d.location is not None and d.location.file == "t.yaml"
    assert d.location.line >= 6


def test_a_result_that_would_mean_something_else_is_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The safety net: if a step of the formatter ever changed a value, nothing is
    returned. The step is broken on purpose here to show the net holds."""

    def breaks_a_value(value: object, shape: Shape) -> None:
        if isinstance(value, dict) and "id" in value:
            value["id"] = "changed"

    monkeypatch.setattr(formatter, "_normalize", breaks_a_value)
    with pytest.raises(PolicyError) as err:
        fmt(HEAD)
    assert err.value.diagnostics[0].message == (
        "t.yaml: formatting would change what it means at id"
    )
    assert err.value.diagnostics[0].code == "fmt.meaning"


@pytest.mark.parametrize("path", bundled(), ids=lambda p: str(p.relative_to(POLICIES)))
def test_bundled_documents_format_once_for_all(path: Path) -> None:
    """Idempotent, and the same data: fmt twice is fmt once."""
    text = path.read_text(encoding="utf-8")
    once = format_text(text, schema_of(text), str(path))
    assert format_text(once, schema_of(text), str(path)) == once
    assert load_yaml_text(once, "a") == load_yaml_text(text, "b")


def _reshuffled(text: str, seed: int) -> str:
    """The same document with every block mapping's keys in a random order (each key
    with the comments above it, as the formatter moves them)."""
    lines = text.splitlines(keepends=True)
    rng = random.Random(seed)

    class Shuffled(Shape):
        def sorted_keys(self, keys: Iterable[str]) -> list[str]:
            out = list(keys)
            rng.shuffle(out)
            return out

        def child(self, key: str) -> Shape:
            return Shuffled()

        def item(self, index: int) -> Shape:
            return Shuffled()

    data = YAML().load(text)
    content = formatter._content_lines(text)
    formatter._reorder_map(data, Shuffled(), 0, len(lines), lines, content, top=True)
    return "".join(lines)


@settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    path=st.sampled_from(bundled()),
    seed=st.integers(0, 2**16),
)
def test_any_key_order_formats_to_the_schema_order_once_for_all(path: Path, seed: int) -> None:
    """Property: whatever order a bundled document's keys are written in, fmt gives the
    same data, in the schema's order at the top level, and fmt again changes nothing."""
    text = path.read_text(encoding="utf-8")
    schema = schema_of(text)
    shuffled = _reshuffled(text, seed)
    assert load_yaml_text(shuffled, "a") == load_yaml_text(text, "b")
    once = format_text(shuffled, schema, str(path))
    assert format_text(once, schema, str(path)) == once
    assert load_yaml_text(once, "a") == load_yaml_text(text, "b")
    top = list(load_yaml_text(once, "a"))
    assert top == Shape.of(schema).sorted_keys(top)


def test_a_document_with_aliases_keeps_its_key_order() -> None:
    """Moving keys could put `*hours` before `&hours`; the rest is still formatted, and
    the anchors and aliases stay (so a second run sees them too)."""
    text = "kind: certification\nformat: 1\nconstants:\n    a: &hours 30\n    b: *hours\n"
    out = "kind: certification\nformat: 1\nconstants:\n  a: &hours 30\n  b: *hours\n"
    assert fmt(text) == out
    assert fmt(out) == out
