"""Tests for policyengine.load.yaml_loader: positions, scalar rules, safety limits, syntax
errors."""

from __future__ import annotations

import contextlib
import itertools
import re
import sys
from collections.abc import Callable, Iterator
from decimal import Decimal
from types import FrameType
from typing import Any

import pytest
import yaml
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from yaml.composer import Composer
from yaml.scanner import Scanner

from policyengine.errors import Location, PolicyError
from policyengine.load.yaml_loader import (
    LocDict,
    LocList,
    LocStr,
    line_text,
    load_yaml_file,
    load_yaml_text,
    locate,
    locate_key,
    to_plain,
)

F = "policy.yaml"


def L(line: int, col: int) -> Location:
    return Location(F, line, col)


def error_of(text: str, **limits: int):
    with pytest.raises(PolicyError) as info:
        load_yaml_text(text, F, **limits)
    assert len(info.value.diagnostics) == 1
    return info.value.diagnostics[0]


# --- positions ---------------------------------------------------------------------------

DOC = """\
# a comment
name: Certified Thing
validity:
  months: 36
  grace: 'ninety days'
tags:
  - alpha
  -   "beta"
  - {x: 1}
flow: [1, two]
"""


def test_positions_of_keys_values_and_items() -> None:
    data = load_yaml_text(DOC, F)
    assert isinstance(data, LocDict)
    assert data.loc == L(2, 1)
    assert data.key_locs["name"] == L(2, 1)
    assert data.value_locs["name"] == L(2, 7)
    assert data["name"].loc == L(2, 7)
    assert data.key_locs["validity"] == L(3, 1)
    assert data.value_locs["validity"] == L(4, 3)  # a block mapping starts at its first key
    validity = data["validity"]
    assert validity.key_locs["months"] == L(4, 3)
    assert validity.value_locs["months"] == L(4, 11)
    assert validity["grace"].loc == L(5, 11)  # first character after the opening quote
    tags = data["tags"]
    assert isinstance(tags, LocList)
    assert tags.item_locs == [L(7, 5), L(8, 8), L(9, 5)]
    assert tags[1].loc == L(8, 8)
    assert tags[2].key_locs["x"] == L(9, 6)
    assert data["flow"].loc == L(10, 7)
    assert data["flow"].item_locs == [L(10, 8), L(10, 11)]


def test_locate_and_locate_key() -> None:
    data = load_yaml_text(DOC, F)
    assert locate(data, ["validity", "months"]) == L(4, 11)
    assert locate_key(data, ["validity", "months"]) == L(4, 3)
    assert locate(data, ["tags", 2, "x"]) == L(9, 9)
    assert locate_key(data, ["tags", 1]) == L(8, 8)
    # missing elements fall back to the deepest located ancestor
    assert locate(data, ["validity", "nope", "deeper"]) == L(4, 3)
    assert locate_key(data, ["validity", "nope"]) == L(4, 3)
    assert locate(data, []) == L(2, 1)
    assert locate({"plain": 1}, ["plain"]) is None


def test_to_plain_and_line_text() -> None:
    data = load_yaml_text(DOC, F)
    plain = to_plain(data)
    assert type(plain) is dict and type(plain["tags"]) is list
    assert type(plain["name"]) is str and type(next(iter(plain))) is str
    assert plain == {
        "name": "Certified Thing",
        "validity": {"months": 36, "grace": "ninety days"},
        "tags": ["alpha", "beta", {"x": 1}],
        "flow": [1, "two"],
    }
    assert line_text(data, 4) == "  months: 36"
    assert line_text({}, 4) is None


def char_at(value: LocStr, offset: int) -> str:
    where = value.location_at(offset)
    return value.line_text_at(offset)[where.col - 1]


def test_location_at_plain_and_quoted() -> None:
    data = load_yaml_text("a: x + y\nb: 'it''s x'\nc: \"t\\tx \\u00e9 y\"\n", F)
    assert data["a"].location_at(4) == L(1, 8)
    assert data["b"] == "it's x" and data["b"].location_at(5) == L(2, 11)
    assert char_at(data["b"], 2) == "'"
    c = data["c"]
    assert c == "t\tx \u00e9 y"
    assert c.location_at(1) == L(3, 6)  # an escape maps to its backslash
    assert c.location_at(4) == L(3, 10)
    assert c.location_at(6) == L(3, 17)
    assert char_at(c, 6) == "y"
    assert c.line_text_at(6) == 'c: "t\\tx \\u00e9 y"'
    assert c.location_at(len(c)) == L(3, 18)  # just past the end


def test_location_at_inside_literal_block() -> None:
    body = "".join(f"    line{n} = {n}\n" for n in range(1, 14))
    text = "name: x\nrule: |\n" + body + '    total >= 40 and hours("ethics") >= 3\nnext: 1\n'
    rule = load_yaml_text(text, F)["rule"]
    assert rule.loc == L(3, 5)
    lines = rule.split("\n")
    assert lines[13] == 'total >= 40 and hours("ethics") >= 3'
    offset = rule.index("hours(")
    where = rule.location_at(offset)
    assert where == L(16, 21)  # value line 14 is file line 16, after 4 spaces of indentation
    assert rule.line_text_at(offset) == '    total >= 40 and hours("ethics") >= 3'
    assert char_at(rule, offset) == "h"


def test_location_at_literal_keeps_extra_indentation_and_blank_lines() -> None:
    rule = load_yaml_text("r: |\n  a\n    b\n\n  c\n", F)["r"]
    assert rule == "a\n  b\n\nc\n"
    assert rule.location_at(rule.index("b")) == L(3, 5)
    assert rule.location_at(2) == L(3, 3)  # kept indentation maps to its own spaces
    assert rule.location_at(rule.index("c")) == L(5, 3)


def test_location_at_folded_and_multiline_plain() -> None:
    data = load_yaml_text("f: >\n  one\n  two\n\n  three\np: alpha\n  beta\n", F)
    folded = data["f"]
    assert folded == "one two\nthree\n"
    assert folded.loc == L(2, 3)
    assert folded.location_at(3) == L(2, 6)  # a folded space sits at the end of its line
    assert folded.location_at(4) == L(3, 3)
    assert folded.location_at(folded.index("three")) == L(5, 3)
    plain = data["p"]
    assert plain == "alpha beta"
    assert plain.location_at(5) == L(6, 9)
    assert plain.location_at(6) == L(7, 3)


def test_location_at_multiline_double_quoted() -> None:
    value = load_yaml_text('q: "ab\n  cd \\\n  ef"\n', F)["q"]
    assert value == "ab cd ef"
    assert value.location_at(3) == L(2, 3)
    assert value.location_at(6) == L(3, 3)


def test_anchor_and_tag_do_not_shift_value_position() -> None:
    data = load_yaml_text("a: &x !!str  hello\nb: *x\n", F)
    assert data["a"].loc == L(1, 14)
    assert data.value_locs["b"] == L(2, 4)  # where the alias is used
    assert data["b"] == "hello"


# --- scalars -----------------------------------------------------------------------------


def test_scalar_rules() -> None:
    data = load_yaml_text(
        "a: [no, yes, on, off, No, y, n]\n"
        "b: [true, False, TRUE, null, ~, '']\n"
        "c: [0.1, -2.50, 1e3, 3, -0, 0x1f, 0o17, 007, '12']\n"
        "d: [2025-07-31, 2025-07-31T10:00:00Z, 12:30]\n"
        "e:\n",
        F,
    )
    assert data["a"] == ["no", "yes", "on", "off", "No", "y", "n"]
    assert all(isinstance(v, LocStr) for v in data["a"])
    assert data["b"] == [True, False, True, None, None, ""]
    c = data["c"]
    assert c[0] == Decimal("0.1") and isinstance(c[0], Decimal)
    assert str(c[1]) == "-2.50"
    assert c[2] == Decimal(1000)
    assert c[3:7] == [3, 0, 31, 15] and all(type(v) is int for v in c[3:7])
    assert c[7] == "007" and c[8] == "12"
    assert data["d"] == ["2025-07-31", "2025-07-31T10:00:00Z", "12:30"]
    assert all(isinstance(v, LocStr) for v in data["d"])
    assert data["e"] is None


def test_decimal_is_exact() -> None:
    value = load_yaml_text("x: 0.1\ny: 0.2\n", F)
    assert value["x"] + value["y"] == Decimal("0.3")


def test_core_tags_are_allowed() -> None:
    data = load_yaml_text("a: !!str 12\nb: !!float 1\nc: !!int '7'\nd: !!str no\n", F)
    assert data == {"a": "12", "b": Decimal(1), "c": 7, "d": "no"}
    assert isinstance(data["b"], Decimal)
    assert error_of("c: !!int x\n").code == "yaml.tag"


@pytest.mark.parametrize("text", ["x: .inf\n", "x: -.Inf\n", "x: .nan\n", "x: !!float .NaN\n"])
def test_infinite_and_nan_refused(text: str) -> None:
    diag = error_of(text)
    assert diag.message == "infinite/NaN numbers are not allowed"
    assert diag.location.line == 1


def test_keys() -> None:
    data = load_yaml_text("1: a\ntrue: b\n1.5: c\nno: d\n", F)
    assert list(data) == [1, "true", "1.5", "no"]
    assert data.key_locs["true"] == L(2, 1)
    diag = error_of("? [a, b]\n: 1\n")
    assert diag.code == "yaml.key-type"


def test_empty_documents() -> None:
    assert load_yaml_text("", F) is None
    assert load_yaml_text("# nothing\n", F) is None


# --- errors ------------------------------------------------------------------------------


def test_duplicate_key_names_both_lines() -> None:
    diag = error_of("a: 1\nb:\n  x: 1\n  y: 2\n  x: 3\n")
    assert diag.message == "duplicate key 'x' (first defined on line 3)"
    assert diag.location == L(5, 3)
    assert diag.code == "yaml.duplicate-key"
    assert error_of("{a: 1, a: 2}").location == L(1, 8)


def test_bad_indentation() -> None:
    diag = error_of("a:\n  b: 1\n c: 2\n")
    assert diag.location == L(3, 2)
    assert "indentation" in diag.message and "indentation" in diag.hint
    assert diag.code == "yaml.syntax"
    diag = error_of("a: 1\n  b: 2\n")
    assert diag.location == L(2, 4)


def test_tab_indentation() -> None:
    diag = error_of("a:\n\tb: 1\n")
    assert diag.location == L(2, 1)
    assert "tab" in diag.message
    assert diag.hint == "indent with spaces, not tabs"


def test_unclosed_quote_and_bracket() -> None:
    diag = error_of('a: "abc\nb: 1\n')
    assert "quote" in diag.hint and "line 1" in diag.message
    assert "bracket" in error_of("a: [1, 2\n").hint


def test_python_tag_is_refused_and_never_executed(tmp_path) -> None:
    marker = tmp_path / "executed"
    diag = error_of(f'x: 1\ncmd: !!python/object/apply:os.system ["touch {marker}"]\n')
    assert diag.message == (
        "unsupported tag '!!python/object/apply:os.system'; policy files may not contain tags"
    )
    assert diag.location == L(2, 6)
    assert diag.hint and diag.code == "yaml.tag"
    assert not marker.exists()


@pytest.mark.parametrize(
    "text, where",
    [
        ("a: !foo 1\n", L(1, 4)),
        ("a: &x !foo [1]\n", L(1, 7)),
        ("- !!binary aGk=\n", L(1, 3)),
        ("!!python/name:os.system\n", L(1, 1)),
    ],
)
def test_other_tags_refused(text: str, where: Location) -> None:
    diag = error_of(text)
    assert diag.code == "yaml.tag" and diag.location == where


def test_merge_keys_refused() -> None:
    diag = error_of("base: &b {x: 1}\nother:\n  <<: *b\n")
    assert diag.code == "yaml.merge-key" and diag.location == L(3, 3)
    assert load_yaml_text("a: '<<'\n", F) == {"a": "<<"}


def test_aliases_are_shared_plain_data() -> None:
    data = load_yaml_text("base: &b {x: 1}\nother: *b\n", F)
    assert data["other"] == {"x": 1}


def test_undefined_alias_and_duplicate_anchor() -> None:
    assert error_of("a: *nope\n").code == "yaml.alias"
    diag = error_of("a: &x 1\nb: &x 2\n")
    assert "line 1" in diag.message and diag.location == L(2, 4)


def test_recursive_alias_refused() -> None:
    diag = error_of("a: &loop\n  - *loop\n")
    assert diag.code == "yaml.alias-cycle"
    assert diag.location.line == 1


# The safety limits are checked by the work the loader does, not by the clock: a count of
# executed Python lines (the same on a fast or a loaded machine), or of calls to the PyYAML
# scanner and composer methods the loader inherits.


class WorkBudgetExceeded(BaseException):
    """Raised inside the code under test once it has executed more lines than allowed."""


@contextlib.contextmanager
def line_budget(limit: int) -> Iterator[None]:
    """Run the body with at most ``limit`` Python lines executed (below the body's own
    frame); past that, :class:`WorkBudgetExceeded` stops the code where it is, so a
    runaway computation fails the test at once instead of hanging it."""
    executed = 0

    def trace(frame: FrameType, event: str, arg: Any) -> Callable[..., Any]:
        nonlocal executed
        if event == "line":
            executed += 1
            if executed > limit:
                raise WorkBudgetExceeded(f"more than {limit} lines executed")
        return trace

    previous = sys.gettrace()
    sys.settrace(trace)
    try:
        yield
    finally:
        sys.settrace(previous)


def count_calls(monkeypatch: pytest.MonkeyPatch, cls: type, *names: str) -> list[int]:
    """From now on, count the calls of the methods ``names`` of ``cls`` together: the
    count is the one item of the list returned."""
    calls = [0]

    def counting(original: Callable[..., Any]) -> Callable[..., Any]:
        def counted(self: Any, *args: Any, **kwargs: Any) -> Any:
            calls[0] += 1
            return original(self, *args, **kwargs)

        return counted

    for name in names:
        monkeypatch.setattr(cls, name, counting(getattr(cls, name)))
    return calls


def laughs(levels: int) -> str:
    """A "billion laughs" file: each of ``levels`` anchors is a list of 9 aliases of the
    one before, so the last one expands to 9 ** levels strings."""
    names = "abcdefghijklmnopqrstuvwxyz"[:levels]
    lines = ['a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for prev, name in itertools.pairwise(names):
        lines.append(f"{name}: &{name} [" + ", ".join([f"*{prev}"] * 9) + "]")
    return "\n".join(lines) + "\n"


def test_billion_laughs_refused_quickly() -> None:
    # 9 ** 9 (387 million) and 9 ** 12 strings once expanded; refused within 200,000
    # executed lines (about 50,000 are needed), so the expansion is measured, not done.
    for levels in (9, 12):
        with line_budget(200_000):
            diag = error_of(laughs(levels))
        assert diag.code == "yaml.alias-expansion"
        assert diag.location == L(2, 8)
    # moderate reuse of anchors is fine
    assert load_yaml_text("\n".join(laughs(9).splitlines()[:3]) + "\n", F)["c"][0][0][0] == "lol"


def test_deep_nesting_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    """Refused at the depth limit, having composed only the levels the limit allows and
    scanned the same tokens whether the file nests 10,000 or 100,000 levels deep: the
    work is bounded by the limit, not by the input."""
    composed = count_calls(monkeypatch, Composer, "compose_sequence_node", "compose_mapping_node")
    scanned = count_calls(monkeypatch, Scanner, "fetch_more_tokens")
    work = []
    for levels in (10_000, 100_000):
        composed[0] = scanned[0] = 0
        diag = error_of("[" * levels + "]" * levels)
        # the 65th '[': the depth guard, not the RecursionError fallback (which says 1:1)
        assert diag.code == "yaml.too-deep" and diag.location == L(1, 65)
        work.append((composed[0], scanned[0]))
    assert work[0] == work[1]
    assert work[0][0] == 64  # lists composed: the default max_depth
    assert work[0][1] < 10_000
    block = "".join(" " * i + f"k{i}:\n" for i in range(100)) + " " * 100 + "v: 1\n"
    assert error_of(block).code == "yaml.too-deep"
    composed[0] = 0
    assert error_of("a: [[[1]]]\n", max_depth=3).code == "yaml.too-deep"
    assert composed[0] == 3  # the mapping and two lists
    assert load_yaml_text("a: [[1]]\n", F, max_depth=3) == {"a": [[1]]}


def test_deep_nesting_through_aliases_refused() -> None:
    text = "a0: &a0 [1]\n" + "".join(f"a{i}: &a{i} [*a{i - 1}]\n" for i in range(1, 70))
    assert error_of(text).code == "yaml.too-deep"


def test_second_document_refused() -> None:
    diag = error_of("a: 1\n---\nb: 2\n")
    assert diag.code == "yaml.multiple-documents" and diag.location == L(2, 1)


def test_control_character_refused() -> None:
    diag = error_of("a: b\x07c\n")
    assert diag.location == L(1, 5) and "U+0007" in diag.message


def test_text_too_large() -> None:
    diag = error_of("a: " + "x" * 100 + "\n", max_bytes=50)
    assert diag.code == "yaml.too-large" and "limit is 50" in diag.message


def test_file_too_large_is_checked_before_parsing(tmp_path) -> None:
    path = tmp_path / "big.yaml"
    path.write_bytes(b"a: [" + b"[" * 5000)  # would be a syntax error if it were parsed
    with pytest.raises(PolicyError) as info:
        load_yaml_file(path, max_bytes=1000)
    diag = info.value.diagnostics[0]
    assert diag.code == "yaml.too-large" and diag.location.file == str(path)
    assert "5004 bytes" in diag.message


def test_load_file_positions_bom_and_encoding(tmp_path) -> None:
    path = tmp_path / "p.yaml"
    path.write_bytes("\ufeffname: café\n".encode())
    data = load_yaml_file(path)
    assert data == {"name": "café"} and data.value_locs["name"] == Location(str(path), 1, 7)
    path.write_bytes(b"name: ok\nbad: \xff\xfe\n")
    with pytest.raises(PolicyError) as info:
        load_yaml_file(path)
    diag = info.value.diagnostics[0]
    assert diag.code == "yaml.encoding" and diag.location == Location(str(path), 2, 6)
    with pytest.raises(PolicyError) as info:
        load_yaml_file(tmp_path / "missing.yaml")
    assert info.value.diagnostics[0].code == "yaml.io"


def test_crlf_line_endings() -> None:
    data = load_yaml_text("a: 1\r\nb: |\r\n  x\r\n  y\r\n", F)
    assert data["b"] == "x\ny\n"
    assert data.key_locs["b"] == L(2, 1)
    assert data["b"].location_at(2) == L(4, 3)


# --- property: any string survives a dump/load round trip, and positions point at it -----
# (NEL and the Unicode line/paragraph separators are left out: PyYAML's own dumper and
# loader disagree about them, independently of this module. So are numbers written with
# an exponent and no dot, such as 1e3: PyYAML's YAML 1.1 dumper leaves them unquoted,
# and this loader reads them as numbers, as YAML 1.2 does; see the test below.)
TEXT = st.characters(codec="utf-8", exclude_characters="\x85\u2028\u2029")
EXPONENT_NO_DOT = re.compile(r"[-+]?[0-9]+[eE][-+]?[0-9]+")


def test_exponent_numbers_without_a_dot_are_numbers() -> None:
    data = load_yaml_text("a: 1e3\nb: 0E0\nc: '1e3'\n", F)
    assert (data["a"], data["b"], data["c"]) == (Decimal("1E+3"), Decimal(0), "1e3")


@settings(max_examples=300, deadline=None)
@given(
    st.dictionaries(st.text(TEXT, min_size=1, max_size=8), st.text(TEXT, max_size=120), max_size=4),
    st.sampled_from([None, "'", '"', "|"]),
)
def test_round_trip_and_positions(data: dict, style: str | None) -> None:
    if style is None:  # quoted styles keep such strings strings
        assume(not any(EXPONENT_NO_DOT.fullmatch(v) for v in data.values()))
    text = yaml.safe_dump(data, allow_unicode=True, default_style=style, width=40)
    loaded = load_yaml_text(text, F)
    assert to_plain(loaded or {}) == data
    for key, value in (loaded or {}).items():
        for offset, ch in enumerate(value):
            where = value.location_at(offset)
            line = value.line_text_at(offset)
            assert where.line >= loaded.key_locs[key].line
            if ch.strip() and where.col <= len(line):
                assert line[where.col - 1] in (ch, "\\"), (text, key, offset)
