"""``policyengine evaluate POLICY --holder FILE``: periods, statuses and every record's fate."""

from __future__ import annotations

import argparse

from policyengine.certification.engine import evaluate
from policyengine.cli.options import add_certification_options, load_certification_inputs
from policyengine.cli.reporters import reporter
from policyengine.cli.reporting import EvaluationsResult

NAME = "evaluate"
HELP = "evaluate holders' records against a certification or designation policy"


def configure(parser: argparse.ArgumentParser) -> None:
    add_certification_options(parser, "evaluations")


def run(args: argparse.Namespace) -> int:
    policy, as_of, holders = load_certification_inputs(args)
    results = [evaluate(policy, holder, records, as_of) for holder, records in holders]
    reporter(args.output).report_evaluations(EvaluationsResult(results))
    return 0
