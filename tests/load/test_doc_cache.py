"""The per-user cache of loaded documents (``load/doc_cache.py``): a hit is the document
a fresh parse gives, positions and all; a damaged, foreign or stale entry is never used;
an empty ``POLICYENGINE_CACHE_DIR`` turns it off."""

from __future__ import annotations

import hashlib
import pickle
from pathlib import Path
from typing import Any

import pytest

from policyengine.errors import PolicyError
from policyengine.load import doc_cache
from policyengine.load.cachedir import keeping_documents
from policyengine.load.yaml_loader import LocDict, LocList, LocStr, load_yaml_file
from tests.helpers import POLICIES

# Every kind of value and position the loader records: block, folded and quoted
# scalars (whose characters map back to the source), aliases (one shared value, each
# use at the alias), keys that are not strings, a byte-order mark and CRLF line ends.
TEXT = (
    "\ufeff# head\r\n"
    "name: &n 'It''s'\r\n"
    "again: *n\r\n"
    "when: |\r\n"
    "  record.credits > 1\r\n"
    "    and true\r\n"
    "fold: >-\r\n"
    "  one\r\n"
    "  two\r\n"
    'quoted: "a\\tb \\\r\n'
    '   c"\r\n'
    "numbers: [1, -2.50, 0x1f, 1e3, 007]\r\n"
    "flags: {true: yes, null: ~, 3: x}\r\n"
    "list: &l\r\n"
    "  - {a: 1}\r\n"
    "  - [b, c]\r\n"
    "copy: *l\r\n"
)


def shape(data: Any, seen: dict[int, int] | None = None) -> Any:
    """Everything a loaded value carries: types, values, every position, and which
    values are one shared object (numbered in the order first met)."""
    seen = {} if seen is None else seen
    if isinstance(data, (LocDict, LocList, LocStr)) and id(data) in seen:
        return ("same as", seen[id(data)])
    if isinstance(data, (LocDict, LocList, LocStr)):
        seen[id(data)] = len(seen)
    if isinstance(data, LocDict):
        return (
            "dict",
            data.loc,
            [
                (shape(k, seen), data.key_locs[k], data.value_locs[k], shape(v, seen))
                for k, v in data.items()
            ],
        )
    if isinstance(data, LocList):
        return ("list", data.loc, data.item_locs, [shape(v, seen) for v in data])
    if isinstance(data, LocStr):
        offsets = range(-1, len(data) + 2)
        return (
            "str",
            str(data),
            data.loc,
            data._start,
            data._end,
            data._style,
            [data.location_at(i) for i in offsets],
            [data.line_text_at(i) for i in offsets],
        )
    return (type(data).__name__, data)


def entries(cache: Path) -> list[Path]:
    folder = cache / "documents"
    return sorted(folder.iterdir()) if folder.is_dir() else []


def fresh(path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    with monkeypatch.context() as m:
        m.setenv("POLICYENGINE_CACHE_DIR", "")
        return load_yaml_file(path)


def test_a_hit_is_the_document_a_fresh_parse_gives(
    cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    path = tmp_path / "doc.yaml"
    path.write_bytes(TEXT.encode())
    expected = shape(fresh(path, monkeypatch))
    first = load_yaml_file(path)  # a miss: parsed, then written
    [entry] = entries(cache)
    second = load_yaml_file(path)  # a hit
    assert shape(first) == shape(second) == expected
    assert second["name"] is second["again"] and second["list"] is second["copy"]
    assert entries(cache) == [entry]


@pytest.mark.parametrize("path", sorted(POLICIES.rglob("*.yaml")), ids=lambda p: p.name)
def test_every_bundled_file_reads_back_the_same(
    path: Path, cache: Path, monkeypatch: pytest.MonkeyPatch
):
    load_yaml_file(path)
    assert shape(load_yaml_file(path)) == shape(fresh(path, monkeypatch))


def test_the_same_text_under_another_name_is_a_hit_named_after_that_file(
    cache: Path, tmp_path: Path
):
    (tmp_path / "a.yaml").write_text("x: [1, 2]\n")
    (tmp_path / "b.yaml").write_text("x: [1, 2]\n")
    load_yaml_file(tmp_path / "a.yaml")
    data = load_yaml_file(tmp_path / "b.yaml")
    assert len(entries(cache)) == 1
    assert str(data.value_locs["x"]) == f"{tmp_path / 'b.yaml'}:1:4"
    assert str(data["x"].item_locs[1]) == f"{tmp_path / 'b.yaml'}:1:8"


def test_a_changed_file_misses(cache: Path, tmp_path: Path):
    path = tmp_path / "doc.yaml"
    path.write_text("x: 1\n")
    assert load_yaml_file(path) == {"x": 1}
    path.write_text("x: 2\n")
    assert load_yaml_file(path) == {"x": 2}
    assert len(entries(cache)) == 2


@pytest.mark.parametrize(
    "damage",
    [
        lambda entry: b"",
        lambda entry: entry[: len(entry) // 2],
        lambda entry: entry[:-1] + bytes([entry[-1] ^ 1]),  # payload no longer matches
        lambda entry: b"garbage" + entry,
    ],
    ids=["empty", "truncated", "flipped-bit", "bad-magic"],
)
def test_a_damaged_entry_is_ignored_and_replaced(
    damage: Any, cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    path = tmp_path / "doc.yaml"
    path.write_bytes(TEXT.encode())
    load_yaml_file(path)
    [entry] = entries(cache)
    good = entry.read_bytes()
    entry.write_bytes(damage(good))
    assert shape(load_yaml_file(path)) == shape(fresh(path, monkeypatch))
    assert entry.read_bytes() == good


class Planted:
    def __reduce__(self) -> tuple[Any, ...]:
        return (exec, ("raise SystemExit('code from the cache ran')",))


def test_an_entry_naming_other_classes_is_never_unpickled(cache: Path, tmp_path: Path):
    path = tmp_path / "doc.yaml"
    path.write_text("x: 1\n")
    load_yaml_file(path)
    [entry] = entries(cache)
    payload = pickle.dumps({"x": Planted()}, protocol=5)
    entry.write_bytes(doc_cache._MAGIC + hashlib.sha256(payload).digest() + payload)
    assert load_yaml_file(path) == {"x": 1}


def test_an_empty_setting_turns_the_cache_off(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("POLICYENGINE_CACHE_DIR", "")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    path = tmp_path / "doc.yaml"
    path.write_text("x: 1\n")
    assert load_yaml_file(path) == {"x": 1}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["doc.yaml"]


def test_only_the_commands_that_ask_keep_documents(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    folder = tmp_path / "cache"
    monkeypatch.setenv("POLICYENGINE_CACHE_DIR", str(folder))
    path = tmp_path / "doc.yaml"
    path.write_text("x: 1\n")
    assert load_yaml_file(path) == {"x": 1}
    with keeping_documents(False):
        assert load_yaml_file(path) == {"x": 1}
    assert entries(folder) == []


def test_a_file_with_a_problem_is_not_cached_and_names_itself(
    cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    path = tmp_path / "doc.yaml"
    path.write_text("a: 1\nb: 2\na: 3\n")
    with pytest.raises(PolicyError) as cached:
        load_yaml_file(path)
    with monkeypatch.context() as m, pytest.raises(PolicyError) as uncached:
        m.setenv("POLICYENGINE_CACHE_DIR", "")
        load_yaml_file(path)
    assert cached.value.diagnostics == uncached.value.diagnostics
    assert [d.source_line for d in cached.value.diagnostics] == ["a: 3"]
    assert str(cached.value.diagnostics[0].location) == f"{path}:3:1"
    assert entries(cache) == []


def test_the_limits_are_part_of_the_key(cache: Path, tmp_path: Path):
    path = tmp_path / "doc.yaml"
    path.write_text("a: [[1]]\n")
    assert load_yaml_file(path) == {"a": [[1]]}
    with pytest.raises(PolicyError, match="nesting is too deep"):
        load_yaml_file(path, max_depth=2)


def test_validate_reports_the_same_with_a_warm_cache(
    cli: Any, cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    broken = tmp_path / "broken.yaml"
    text = (POLICIES / "werc-crp.yaml").read_text()
    broken.write_text(text.replace("  unused: discard\n", "  unused: discrad\n  aply: all\n"))
    args = ("validate", "-o", "json", POLICIES, broken)
    with monkeypatch.context() as m:
        m.setenv("POLICYENGINE_CACHE_DIR", "")
        expected = cli(*args)
    assert cli(*args) == expected  # empty cache
    assert entries(cache)
    assert cli(*args) == expected  # warm cache
