"""Impact of a policy change: which holders' (or accounts') outcomes differ between two versions.

Both versions of a policy are evaluated on the same *subjects*. For a certification
policy these are holders — every scenario holder of the policy (its
``<policy>.tests.yaml``) and every holder file of an optional directory — and each
outcome is reduced to what a member or an administrator would notice
(:func:`summary`): the status code and text, renewal readiness (counted, missing,
can_invoice), each period's status and completion date, and each record's disposition
and period. For a credit-package policy they are accounts — every scenario of the
policy and every account file (with every cart file) of optional directories — reduced
to the redemption decision and the balance (``impact_packages.py``). Subjects whose
summaries differ are reported with old and new values. The old version may come from
git (``git show REV:path``).
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from policyengine.errors import Diagnostic, Location, PolicyError
from policyengine.load.yaml_loader import load_yaml_file
from policyengine.policy.model import Policy


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
class PolicyImpact:
    old: str  # the label of the old version (file, or REV:path)
    new: str
    holders: int = 0  # subjects evaluated: holders, or accounts (see ``noun``)
    changed: list[HolderImpact] = field(default_factory=list)
    note: str | None = None  # e.g. "new policy: nothing to compare"
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (label, why)
    kind: str = "certification"

    @property
    def noun(self) -> str:
        """What the subjects are: "holder" (certification) or "account" (credit-package)."""
        return NOUNS.get(self.kind, "holder")


def git_show(rev: str, path: str) -> str | None:
    """The text of ``path`` at revision ``rev`` (None when it does not exist there)."""
    where = os.path.dirname(os.path.abspath(path))
    name = os.path.basename(path)
    proc = subprocess.run(["git", "show", f"{rev}:./{name}"], cwd=where,
                          capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        err = proc.stderr.strip()
        if "does not exist" in err or "exists on disk, but not in" in err:
            return None
        raise PolicyError(Diagnostic(f"git show {rev}:{path} failed: {err}", code="git",
                                     hint="is --base a revision of this repository?"))
    return proc.stdout


def summary(ev: dict[str, Any]) -> dict[str, Any]:
    """What a member or an administrator would notice of an evaluation (flat keys)."""
    out: dict[str, Any] = {"status.code": ev["status"].get("code"),
                           "status.text": ev["status"].get("text")}
    renewal = ev.get("renewal") or {}
    if renewal:
        out["renewal.can_invoice"] = renewal.get("can_invoice")
        for r in renewal.get("requirements", []):
            out[f"renewal.{r['id']}.counted"] = r.get("counted")
            out[f"renewal.{r['id']}.missing"] = r.get("missing")
    for p in ev.get("periods", []):
        out[f"periods[{p['number']}].status"] = p["status"]
        out[f"periods[{p['number']}].completed_on"] = p["completed_on"]
    for r in ev.get("records", []):
        where = f" (period {r['period']})" if r.get("period") is not None else ""
        out[f"records[{r['id']}]"] = f"{r['disposition']}{where}"
    return out


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


@dataclass
class Subject:
    """A holder or an account to evaluate under both versions of a policy."""

    label: str
    location: Location | None
    outcome: Any  # callable(policy) -> (subject id, summary); PolicyError when it cannot
    kind: str = "certification"  # the kind of policy it can be evaluated by


def holder_outcome(build: Any) -> Any:
    """An outcome callable from ``build(policy) -> (holder, records, as_of)``."""
    from policyengine.certification.engine import evaluate

    def outcome(policy: Policy) -> tuple[str, dict[str, Any]]:
        holder, records, as_of = build(policy)
        return holder.id, summary(evaluate(policy, holder, records, as_of).as_dict())

    return outcome


def scenario_subjects(policy_path: str) -> Iterator[Subject]:
    """The holder or account of every scenario of ``<policy>.tests.yaml`` (if it exists)."""
    from policyengine import dates
    from policyengine.ci.diff.packages import package_scenario_subject
    from policyengine.ci.scenarios.files import SUFFIXES, holder_for, load_file

    stem, _ext = os.path.splitext(policy_path)
    for suffix in SUFFIXES:
        path = stem + suffix
        if not os.path.exists(path):
            continue
        sf = load_file(path)
        for sc in sf.scenarios:
            if "account" in sc.data or "account_file" in sc.data:
                yield package_scenario_subject(sf, sc)
                continue
            if "as_of" not in sc.data:
                continue

            def build(policy: Policy, sf=sf, sc=sc):
                holder, records = holder_for(sf, sc, policy)
                return holder, records, dates.parse_date(str(sc.data["as_of"]))

            yield Subject(f"scenario '{sc.name}'", Location(sc.file, sc.line, 1),
                          holder_outcome(build))


def directory_subjects(directory: str, as_of: dt.date | None) -> Iterator[Subject]:
    """Every holder file (a document with a top-level ``holder``) under ``directory``."""
    from policyengine.load.kinds import document_kind, iter_files
    from policyengine.records.model import load_holder

    for path in iter_files([directory]):
        try:
            kind = document_kind(load_yaml_file(path))
        except PolicyError:
            continue
        if kind != "holder":
            continue

        def build(policy: Policy, path=path):
            holder, records = load_holder(path, policy.tz, extra_fields=policy.record_fields)
            return holder, records, as_of or dt.datetime.now(policy.tz).date()

        yield Subject(f"holder file {path}", Location(path, 1, 1), holder_outcome(build))


def impact(old: Policy, new: Policy, subjects: list[Subject]) -> PolicyImpact:
    """Evaluate every subject of the policy's kind under both versions; what changes."""
    result = PolicyImpact(old.path, new.path, kind=new.kind)
    if old.kind != new.kind:
        result.note = (f"the policy changed kind ({old.kind} -> {new.kind}): its outcomes "
                       "cannot be compared")
        return result
    for s in subjects:
        if s.kind != new.kind:
            continue
        outcomes = []
        try:
            for policy in (old, new):
                outcomes.append(s.outcome(policy))
        except PolicyError as err:  # e.g. a holder file of another policy in --holders
            result.skipped.append((s.label, err.diagnostics[0].render(with_source=False)))
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
        policies.append({
            "old": p.old, "new": p.new, "kind": p.kind, f"{noun}s": p.holders,
            "changed": len(p.changed),
            **({"note": p.note} if p.note else {}),
            "skipped": [{"label": label, "why": why} for label, why in p.skipped],
            f"{noun}s_changed": [{
                "label": h.label, noun: h.holder,
                "location": str(h.location) if h.location else None,
                "changes": [{"what": c.what, "old": c.old, "new": c.new} for c in h.changes],
            } for h in p.changed],
        })
    return {
        "format": "policyengine.diff/1",
        "policies": policies,
        "holders": sum(p.holders for p in impacts if p.noun == "holder"),
        "accounts": sum(p.holders for p in impacts if p.noun == "account"),
        "changed": sum(len(p.changed) for p in impacts),
    }
