"""The subjects of a certification policy's impact diff: holders, and their summaries.

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
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from policyengine import dates
from policyengine.certification.engine import evaluate
from policyengine.ci.diff.impact import Outcome, Subject
from policyengine.ci.diff.packages import package_scenario_subject
from policyengine.ci.scenarios.files import (
    SUFFIXES,
    Scenario,
    ScenarioFile,
    holder_for,
    load_file,
)
from policyengine.errors import Location
from policyengine.policy.model import Policy
from policyengine.records.model import Holder, Record, load_holder

Build = Callable[[Policy], tuple[Holder, Sequence[Record], dt.date]]


def summary(ev: dict[str, Any]) -> dict[str, Any]:
    """What a member or an administrator would notice of an evaluation (flat keys)."""
    out: dict[str, Any] = {
        "status.code": ev["status"].get("code"),
        "status.text": ev["status"].get("text"),
    }
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


def holder_outcome(build: Build) -> Outcome:
    """An outcome callable from ``build(policy) -> (holder, records, as_of)``."""

    def outcome(policy: Policy) -> tuple[str, dict[str, Any]]:
        holder, records, as_of = build(policy)
        return holder.id, summary(evaluate(policy, holder, records, as_of).as_dict())

    return outcome


def scenario_subjects(policy_path: str) -> Iterator[Subject]:
    """The holder or account of every scenario of ``<policy>.tests.yaml`` (if it exists)."""
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

            def build(
                policy: Policy, sf: ScenarioFile = sf, sc: Scenario = sc
            ) -> tuple[Holder, Sequence[Record], dt.date]:
                holder, records = holder_for(sf, sc, policy)
                return holder, records, dates.parse_date(str(sc.data["as_of"]))

            yield Subject(
                f"scenario '{sc.name}'", Location(sc.file, sc.line, 1), holder_outcome(build)
            )


def holder_file_subjects(paths: Sequence[str], as_of: dt.date | None) -> Iterator[Subject]:
    """The holder files ``paths`` (found by ``inputs.files_of_kind``), as of ``as_of``."""
    for path in paths:

        def build(policy: Policy, path: str = path) -> tuple[Holder, Sequence[Record], dt.date]:
            holder, records = load_holder(path, policy.tz, extra_fields=policy.record_fields)
            return holder, records, as_of or dt.datetime.now(policy.tz).date()

        yield Subject(f"holder file {path}", Location(path, 1, 1), holder_outcome(build))
