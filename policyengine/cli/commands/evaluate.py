"""``policyengine evaluate POLICY --holder FILE``: periods, statuses and every record's fate."""

from __future__ import annotations

import argparse
import datetime as dt

from policyengine import dates
from policyengine.errors import Diagnostic, PolicyError
from policyengine.certification.engine import evaluate
from policyengine.policy.build import load_policy
from policyengine.records.model import load_holder
from policyengine.cli.reporters import add_output_option, reporter
from policyengine.cli.reporting import EvaluationsResult

NAME = "evaluate"
HELP = "evaluate holders' records against a certification or designation policy"


def add_common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("policy", metavar="POLICY", help="a certification policy file")
    parser.add_argument("--holder", action="append", default=[], metavar="FILE",
                        help="a holder file (JSON or YAML); repeat for a batch")
    parser.add_argument("--sources", action="append", default=[], metavar="FILE",
                        help="a sources file (*.sources.yaml) naming the credit sources of "
                        "one holder; repeat for a batch")
    parser.add_argument("--as-of", metavar="DATE",
                        help="evaluate as of the end of this day (default: today in the "
                        "policy's time zone)")
    add_output_option(parser, "evaluations", "text for people (default) or json for machines")
    parser.add_argument("--json", dest="output", action="store_const", const="json",
                        help="same as -o json")


def configure(parser: argparse.ArgumentParser) -> None:
    add_common(parser)


def as_of_date(args: argparse.Namespace, policy) -> dt.date:
    if args.as_of is None:
        return dt.datetime.now(policy.tz).date()
    try:
        return dates.parse_date(args.as_of)
    except ValueError as err:
        raise PolicyError(Diagnostic(f"--as-of: {err}", hint="write the date as YYYY-MM-DD",
                                     code="usage")) from None


def _readable(path: str, what: str) -> None:
    """Name the file in the message when it cannot be opened at all."""
    try:
        with open(path, "rb"):
            pass
    except OSError as err:
        raise PolicyError(Diagnostic(f"cannot read {what} file {path}: {err.strerror or err}",
                                     hint="check the path and permissions", code="io")) from None


def load_for(args: argparse.Namespace):
    """The policy, the as-of date and each holder with records, from the arguments."""
    _readable(args.policy, "policy")
    for path in args.holder:
        _readable(path, "holder")
    policy = load_policy(args.policy)
    if policy.kind != "certification":
        raise PolicyError(Diagnostic(
            f"{args.policy} is a {policy.kind} policy; this command needs a certification policy",
            policy.location("kind"), hint="use 'policyengine redeem' or 'balance' for packages",
            code="usage"))
    as_of = as_of_date(args, policy)
    extra = {k: v for k, v in _record_fields(policy).items()}
    holders = [load_holder(path, policy.tz, extra_fields=extra) for path in args.holder]
    holders.extend(_from_sources(path, policy) for path in args.sources)
    if not holders:
        raise PolicyError(Diagnostic("no holder given", hint="pass --holder FILE or --sources FILE",
                                     code="usage"))
    return policy, as_of, holders


def _from_sources(path: str, policy):
    """A holder and records read through the credit-source plugins a sources file names."""
    from policyengine.sources.sources_file import holder_from_sources

    return holder_from_sources(path, policy)


def _record_fields(policy) -> dict:
    from policyengine.policy.scopes import FIELD_TYPES

    fields = policy.get("records.fields") or {}
    return {str(k): FIELD_TYPES[str(v)] for k, v in fields.items()}


def run(args: argparse.Namespace) -> int:
    policy, as_of, holders = load_for(args)
    results = [evaluate(policy, holder, records, as_of) for holder, records in holders]
    reporter(args.output).report_evaluations(EvaluationsResult(results))
    return 0
