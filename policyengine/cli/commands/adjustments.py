"""``policyengine adjustments POLICY --holder FILE...``: the staff work list (seed 000).

Lists, per holder, the credits staff could backdate or pushdate under the policy
(with the date each would move to), the requests the policy would refuse, and the
earned-date changes already made that the policy declined or refused.
"""

from __future__ import annotations

import argparse
from typing import Any

from policyengine.certification.engine import evaluate
from policyengine.certification.result import Evaluation
from policyengine.cli.options import add_certification_options, load_certification_inputs
from policyengine.cli.reporters import reporter
from policyengine.cli.reporting import AdjustmentsResult

NAME = "adjustments"
HELP = "list credits eligible for a backdate or pushdate, and changes the policy does not allow"


def configure(parser: argparse.ArgumentParser) -> None:
    add_certification_options(parser, "adjustments")


def work_list(evaluation: Evaluation) -> dict[str, Any]:
    """One holder's work list: ``eligible`` and ``would_refuse`` actions, and the
    earned-date changes already made that the policy ``not_allowed``."""
    eligible: list[dict[str, Any]] = []
    refused: list[dict[str, Any]] = []
    changed: list[dict[str, Any]] = []
    for o in evaluation.outcomes:
        for a in o.actions:
            row = {
                "record": o.record.id,
                "title": o.record.fields.get("title", ""),
                "earned_on": o.record.earned_on.isoformat(),
                **a,
            }
            (eligible if a["allowed"] else refused).append(row)
        for d in o.decisions:
            if d.status in ("declined", "refused"):
                changed.append({"record": o.record.id, **d.as_dict()})
    return {
        "holder": evaluation.holder.id,
        "as_of": evaluation.as_of.isoformat(),
        "eligible": eligible,
        "would_refuse": refused,
        "not_allowed": changed,
    }


def run(args: argparse.Namespace) -> int:
    policy, as_of, holders = load_certification_inputs(args)
    lists = [work_list(evaluate(policy, h, recs, as_of)) for h, recs in holders]
    reporter(args.output).report_adjustments(AdjustmentsResult(policy.id, lists))
    return 0
