"""``ci/diff/edits.py``: the values a policy change edited, at their place in the new
file (what ``diff -o github`` and ``-o sarif`` point at)."""

from __future__ import annotations

from policyengine.ci.diff.edits import policy_edits
from policyengine.load.yaml_loader import load_yaml_text

OLD = """\
id: p  # a comment
requirements:
  - id: total
    min: 30
  - id: ethics
    min: 2
constants:
  a: 1
  gone: 2
"""


def edits(new: str) -> list[tuple[str, str, int | None]]:
    found = policy_edits(load_yaml_text(OLD, "old.yaml"), load_yaml_text(new, "new.yaml"))
    return [(e.path, e.text(), e.location.line if e.location else None) for e in found]


def test_comments_and_layout_are_no_edit():
    relaid = OLD.replace("  # a comment", "").replace("    min: 30", "    min:   30  # why")
    assert edits(relaid) == []


def test_a_changed_value_is_at_its_line_in_the_new_file():
    new = "# header\n" + OLD.replace("min: 30", "min: 25")
    assert edits(new) == [("requirements[0].min", "requirements[0].min: 30 -> 25", 5)]


def test_added_removed_and_retyped_values():
    new = OLD.replace("  gone: 2\n", "  added: 3\n").replace("  a: 1", "  a: true")
    new = new.replace("    min: 2\n", "    min: 2\n  - id: more\n    min: 1\n")
    assert edits(new) == [
        ("requirements[2]", "requirements[2]: (absent) -> {...}", 7),
        ("constants.a", "constants.a: 1 -> true", 10),
        ("constants.added", "constants.added: (absent) -> 3", 11),
        ("constants.gone", "constants.gone: 2 -> (absent)", 10),
    ]
