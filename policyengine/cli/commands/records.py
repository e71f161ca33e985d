"""``policyengine records SOURCES_FILE --policy POLICY``: the records the sources yield.

Reads every source a sources file names, as ``evaluate --sources`` would, and prints
the normalized records, every problem with its file and row, and
``N rows read, N rejected``. Exits 1 when any row was rejected.
"""

from __future__ import annotations

import argparse
import sys

from policyengine.policy.build import load_policy
from policyengine.cli.output import dumps
from policyengine.sources.base import plain_value, record_as_dict
from policyengine.sources.sources_file import load_sources_file

NAME = "records"
HELP = "read records through a sources file and show them normalized"


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("sources", metavar="SOURCES_FILE", help="a *.sources.yaml file")
    parser.add_argument("--policy", required=True, metavar="POLICY",
                        help="the policy (its time zone, conversion rule and record fields)")
    parser.add_argument(
        "-o", "--output", choices=("text", "json"), default="text",
        help="text for people (default) or json for machines",
    )


def _text_line(r) -> str:
    credits = "-" if r.credits is None else str(r.credits)
    course = f"  course {r.course}" + (f" #{r.registration}" if r.registration else "") if r.course else ""
    return (f"{r.id}  earned {r.earned_on}  recorded {r.recorded_on}  {credits} credits  "
            f"{r.status}{course}  ({r.origin})")


def run(args: argparse.Namespace) -> int:
    policy = load_policy(args.policy, args.env)
    records, problems, stats = load_sources_file(args.sources, tz=policy.tz,
                                                 sources=policy.env.sources, policy=policy)
    out = sys.stdout
    if args.output == "json":
        out.write(dumps({
            "records": [record_as_dict(r) for r in records],
            "problems": [d.as_dict() for d in problems],
            "holder": ({k: plain_value(v) for k, v in stats.holder.fields.items()}
                       if stats.holder else None),
            "sources": [
                {"source": s.source, "input": s.input, "rows_read": s.rows_read,
                 "rows_rejected": s.rows_rejected, "rows_skipped": s.rows_skipped}
                for s in stats.per_source
            ],
            "rows_read": stats.rows_read,
            "rows_rejected": stats.rows_rejected,
            "rows_skipped": stats.rows_skipped,
        }))
    else:
        for r in records:
            out.write(_text_line(r) + "\n")
        for d in problems:
            out.write(d.render() + "\n")
        skipped = f", {stats.rows_skipped} of other members skipped" if stats.rows_skipped else ""
        out.write(f"{stats.rows_read} rows read, {stats.rows_rejected} rejected{skipped}\n")
    return 1 if stats.rows_rejected or problems else 0
