"""Impact of a policy change: which subjects' outcomes differ between two versions.

Both versions of a policy are evaluated on the same *subjects* (holders for a
certification policy, accounts for a credit-package policy; ``certification.py`` and
``packages.py`` build them), each reduced to flat keys a member or an administrator
would notice; subjects whose keys differ are reported with old and new values. The old
version may come from git (``git show REV:path``).
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from policyengine.ci.diff.edits import PolicyEdit
from policyengine.errors import Diagnostic, Location, PolicyError
from policyengine.policy.model import Policy

# What evaluating one subject under one version gives: (subject id, flat summary).
Outcome = Callable[[Policy], tuple[str, dict[str, Any]]]


@dataclass
class Change:
    what: str  # e.g. periods[1].status
    old: Any
    new: Any


@dataclass
class HolderImpact:
    label: str  # scenario name, holder file, or account (and cart) file
    holder: str  # holder id, or account id for a credit-package policy
    location: Location | None  # where the holder or account is written
    changes: list[Change]


NOUNS = {"certification": "holder", "credit-package": "account"}


@dataclass
class Subject:
    """A holder or an account to evaluate under both versions of a policy."""

    label: str
    location: Location | None
    outcome: Outcome  # raises PolicyError when the subject cannot be evaluated
    kind: str = "certification"  # the kind of policy it can be evaluated by


@dataclass
class PolicyImpact:
    old: str  # the label of the old version (file, or REV:path)
    new: str
    holders: int = 0  # subjects evaluated: holders, or accounts (see ``noun``)
    changed: list[HolderImpact] = field(default_factory=list)
    note: str | None = None  # e.g. "new policy: nothing to compare"
    skipped: list[tuple[str, Diagnostic]] = field(default_factory=list)  # (label, why)
    kind: str = "certification"
    # the values of the policy file that differ, where the new file has them (edits.py)
    edits: list[PolicyEdit] = field(default_factory=list)

    @property
    def noun(self) -> str:
        """What the subjects are: "holder" (certification) or "account" (credit-package)."""
        return NOUNS.get(self.kind, "holder")


def git_show(rev: str, path: str) -> str | None:
    """The text of ``path`` at revision ``rev`` (None when it does not exist there);
    PolicyError when git cannot be run or ``rev`` is not a revision."""
    where = os.path.dirname(os.path.abspath(path))
    name = os.path.basename(path)
    try:
        proc = subprocess.run(
            ["git", "show", f"{rev}:./{name}"],
            cwd=where,
            capture_output=True,
            text=True,
            check=False,
        )
    except OSError as exc:  # git is not installed (or cannot be started)
        raise PolicyError(
            Diagnostic(
                f"cannot run git: {exc.strerror or exc}",
                code="git",
                hint="install git, or compare two files: policyengine diff OLD NEW",
            )
        ) from None
    if proc.returncode != 0:
        err = proc.stderr.strip()
        if "does not exist" in err or "exists on disk, but not in" in err:
            return None
        raise PolicyError(
            Diagnostic(
                f"git show {rev}:{path} failed: {err}",
                code="git",
                hint="is --base a revision of this repository?",
            )
        )
    return proc.stdout


def _merged_keys(old: list[str], new: list[str]) -> list[str]:
    """The keys of both, in the new order; a key only in ``old`` follows its old predecessor."""
    out = list(new)
    for i, key in enumerate(old):
        if key in out:
            continue
        at = next((out.index(p) + 1 for p in reversed(old[:i]) if p in out), 0)
        out.insert(at, key)
    return out


def compare(old: dict[str, Any], new: dict[str, Any]) -> list[Change]:
    keys = _merged_keys(list(old), list(new))
    return [Change(k, old.get(k), new.get(k)) for k in keys if old.get(k) != new.get(k)]


def impact(old: Policy, new: Policy, subjects: list[Subject]) -> PolicyImpact:
    """Evaluate every subject of the policy's kind under both versions; what changes."""
    result = PolicyImpact(old.path, new.path, kind=new.kind)
    if old.kind != new.kind:
        result.note = (
            f"the policy changed kind ({old.kind} -> {new.kind}): its outcomes cannot be compared"
        )
        return result
    for s in subjects:
        if s.kind != new.kind:
            continue
        outcomes = []
        try:
            for policy in (old, new):
                outcomes.append(s.outcome(policy))
        except PolicyError as err:  # e.g. a holder file of another policy in --holders
            result.skipped.append((s.label, err.diagnostics[0]))
            continue
        result.holders += 1
        changes = compare(outcomes[0][1], outcomes[1][1])
        if changes:
            result.changed.append(HolderImpact(s.label, outcomes[1][0], s.location, changes))
    return result


def as_data(impacts: list[PolicyImpact]) -> dict[str, Any]:
    """``policyengine.diff/1``: per policy its holders (or accounts) and their changes."""
    policies = []
    for p in impacts:
        noun = p.noun
        policies.append(
            {
                "old": p.old,
                "new": p.new,
                "kind": p.kind,
                f"{noun}s": p.holders,
                "changed": len(p.changed),
                **({"note": p.note} if p.note else {}),
                "skipped": [
                    {"label": label, "why": why.render(with_source=False)}
                    for label, why in p.skipped
                ],
                f"{noun}s_changed": [
                    {
                        "label": h.label,
                        noun: h.holder,
                        "location": str(h.location) if h.location else None,
                        "changes": [
                            {"what": c.what, "old": c.old, "new": c.new} for c in h.changes
                        ],
                    }
                    for h in p.changed
                ],
            }
        )
    return {
        "format": "policyengine.diff/1",
        "policies": policies,
        "holders": sum(p.holders for p in impacts if p.noun == "holder"),
        "accounts": sum(p.holders for p in impacts if p.noun == "account"),
        "changed": sum(len(p.changed) for p in impacts),
    }
