"""``policyengine records SOURCES_FILE --policy POLICY``: the records the sources yield.

Reads every source a sources file names, as ``evaluate --sources`` would, and prints
the normalized records, every problem with its file and row, and
``N rows read, N rejected``. Exits 1 when any row was rejected. The inputs must be
inside the repository root (``--root``, default the current directory) or an
``--allow-outside`` path.
"""

from __future__ import annotations

import argparse

from policyengine.cli.options import add_confinement_options, confinement, stdin_once
from policyengine.cli.reporters import add_output_option, reporter
from policyengine.cli.reporting import RecordsResult
from policyengine.policy.build import load_policy
from policyengine.sources.sources_file import load_sources_file

NAME = "records"
HELP = "read records through a sources file and show them normalized"


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("sources", metavar="SOURCES_FILE", help="a *.sources.yaml file")
    parser.add_argument(
        "--policy",
        required=True,
        metavar="POLICY",
        help="the policy (its time zone, conversion rule and record fields)",
    )
    add_output_option(parser, "records", "text for people (default) or json for machines")
    add_confinement_options(parser)


def run(args: argparse.Namespace) -> int:
    stdin_once({"SOURCES_FILE": [args.sources], "--policy": [args.policy]})
    files = confinement(args, [args.sources, args.policy])
    policy = load_policy(args.policy, args.env)
    records, problems, stats = load_sources_file(
        args.sources, tz=policy.tz, sources=policy.env.sources, policy=policy, confinement=files
    )
    reporter(args.output).report_records(RecordsResult(records, problems, stats))
    return 1 if stats.rows_rejected or problems else 0
