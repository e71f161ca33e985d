"""``policyengine adjustments POLICY --holder FILE...``: the staff work list (seed 000).

Lists, per holder, the credits staff could backdate or pushdate under the policy
(with the date each would move to), the requests the policy would refuse, and the
earned-date changes already made that the policy declined or refused.
"""

from __future__ import annotations

import argparse
import sys

from policyengine.cli.commands.evaluate import add_common, load_for
from policyengine.certification.engine import evaluate
from policyengine.cli.output import dumps

NAME = "adjustments"
HELP = "list credits eligible for a backdate or pushdate, and changes the policy does not allow"


def configure(parser: argparse.ArgumentParser) -> None:
    add_common(parser)


def work_list(evaluation) -> dict:
    eligible, refused, changed = [], [], []
    for o in evaluation.outcomes:
        for a in o.actions:
            row = {"record": o.record.id, "title": o.record.fields.get("title", ""),
                   "earned_on": o.record.earned_on.isoformat(), **a}
            (eligible if a["allowed"] else refused).append(row)
        for d in o.decisions:
            if d.status in ("declined", "refused"):
                changed.append({"record": o.record.id, **d.as_dict()})
    return {"holder": evaluation.holder.id, "as_of": evaluation.as_of.isoformat(),
            "eligible": eligible, "would_refuse": refused, "not_allowed": changed}


def run(args: argparse.Namespace) -> int:
    policy, as_of, holders = load_for(args)
    lists = [work_list(evaluate(policy, h, recs, as_of)) for h, recs in holders]
    if args.output == "json":
        sys.stdout.write(dumps({"format": "policyengine.adjustments/1", "policy": policy.id,
                                "holders": lists}))
        return 0
    out = []
    for wl in lists:
        out.append(f"holder {wl['holder']} (as of {wl['as_of']}):")
        for row in wl["eligible"]:
            out.append(f"  {row['action']} {row['record']} ({row['earned_on']}) to {row['to']}: "
                       f"{row['text']}")
        for row in wl["would_refuse"]:
            out.append(f"  no {row['action']} for {row['record']}: {row['text']}")
        for row in wl["not_allowed"]:
            out.append(f"  {row['status']} change on {row['record']} by {row['by']} "
                       f"({row['role']}) to {row['to']}: {row['explanation']}")
        if len(out) and out[-1].startswith("holder "):
            out.append("  nothing to do")
    sys.stdout.write("\n".join(out) + "\n")
    return 0
