"""Which values of a policy file a change edited, and where they are in the new file.

``diff -o github`` and ``-o sarif`` point their annotations at the policy line whose
value changed (``requirements[0].credits: 60 -> 45`` at ``policies/x.yaml:31``), the
line a reviewer sees in the pull request, rather than at the scenarios whose outcomes
the change moves. Both versions are compared as loaded YAML, value by value, so a
comment or a re-indented block is no edit; a key added or removed is one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from policyengine.errors import Location
from policyengine.load.nodes import LocDict, LocList, to_plain

MISSING = object()


@dataclass(frozen=True)
class PolicyEdit:
    """One value of the policy that differs: its path, old and new values (plain data,
    None when absent), and where the new file has it (or its nearest parent)."""

    path: str  # e.g. requirements[0].credits
    old: Any
    new: Any
    location: Location | None

    def text(self) -> str:
        return f"{self.path or '(document)'}: {_show(self.old)} -> {_show(self.new)}"


def _show(value: Any) -> str:
    if value is MISSING:
        return "(absent)"
    if isinstance(value, (dict, list)):
        return "{...}" if isinstance(value, dict) else "[...]"
    if isinstance(value, bool):
        return "true" if value else "false"
    return "null" if value is None else str(value)


def _join(path: str, key: Any) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else str(key)


def _plain(value: Any) -> Any:
    return value if value is MISSING else to_plain(value)


def policy_edits(old: Any, new: Any) -> list[PolicyEdit]:
    """Every leaf value that differs between two loaded versions of a policy, in the
    new file's order (removed keys where their parent is)."""
    out: list[PolicyEdit] = []
    _compare(old, new, "", getattr(new, "loc", None), out)
    return out


def _compare(old: Any, new: Any, path: str, where: Location | None, out: list[PolicyEdit]) -> None:
    if isinstance(old, dict) and isinstance(new, dict):
        key_locs = new.key_locs if isinstance(new, LocDict) else {}
        value_locs = new.value_locs if isinstance(new, LocDict) else {}
        for key in new:
            here = value_locs.get(key) or key_locs.get(key) or where
            if key not in old:
                out.append(
                    PolicyEdit(_join(path, key), MISSING, _plain(new[key]), key_locs.get(key))
                )
            else:
                _compare(old[key], new[key], _join(path, key), here, out)
        for key in old:
            if key not in new:
                out.append(PolicyEdit(_join(path, key), _plain(old[key]), MISSING, where))
        return
    if isinstance(old, list) and isinstance(new, list):
        item_locs = new.item_locs if isinstance(new, LocList) else []
        for i in range(max(len(old), len(new))):
            here = item_locs[i] if i < len(item_locs) else where
            if i >= len(old):
                out.append(PolicyEdit(_join(path, i), MISSING, _plain(new[i]), here))
            elif i >= len(new):
                out.append(PolicyEdit(_join(path, i), _plain(old[i]), MISSING, where))
            else:
                _compare(old[i], new[i], _join(path, i), here, out)
        return
    before, after = to_plain(old), to_plain(new)
    if type(before) is not type(after) or before != after:  # 1 -> true is an edit
        out.append(PolicyEdit(path, before, after, where))
