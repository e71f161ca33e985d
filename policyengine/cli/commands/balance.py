"""``policyengine balance POLICY --account FILE``: a member's credit packages as of an instant.

Shows every package of the account with what was bought, used and is left, its expiry
and status, and the credits that expired unused. Also holds the helpers ``redeem``
shares: reading ``--at`` and the policy.
"""

from __future__ import annotations

import argparse
import datetime as dt
from typing import Any

from policyengine import dates
from policyengine.errors import UsageError
from policyengine.packages.redeem import balance, load_account
from policyengine.policy.build import Policy, load_policy
from policyengine.cli.reporters import add_output_option, reporter
from policyengine.cli.reporting import BalanceResult

NAME = "balance"
HELP = "show a member's credit packages, balances and expiry dates as of a time"


def add_common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("policy", metavar="POLICY", help="a credit-package policy file")
    parser.add_argument("--account", required=True, metavar="FILE",
                        help="the member's account history (purchases and redemptions)")
    parser.add_argument(
        "--at", metavar="DATETIME",
        help="the instant to answer for, ISO 8601 (e.g. 2025-03-01T10:00:00); without an "
        "offset it is local time in the policy's time zone. Default: now (printed).",
    )
    add_output_option(parser, "balance", "text for people (default), json for machines")


def configure(parser: argparse.ArgumentParser) -> None:
    add_common(parser)


def parse_at(text: str | None, policy: Policy) -> tuple[dt.datetime, bool]:
    """The instant of ``--at`` in the policy's time zone, and whether it was given."""
    if text is None:
        return dt.datetime.now(policy.tz).replace(microsecond=0), False
    try:
        return dates.parse_datetime(text, policy.tz).astimezone(policy.tz), True
    except ValueError as err:
        raise UsageError(f"--at: {err}") from None


def load_inputs(args: argparse.Namespace, *, read_account: bool = True
                ) -> tuple[Policy, Any, dt.datetime, bool]:
    """The policy, account (None unless ``read_account``) and instant (``--at``, and
    whether it was given) a package command works on; UsageError when ``--at`` is not
    usable."""
    policy = load_policy(args.policy)
    at, given = parse_at(args.at, policy)
    account = load_account(args.account, policy.tz) if read_account else None
    return policy, account, at, given


def run(args: argparse.Namespace) -> int:
    policy, account, at, given = load_inputs(args)
    b = balance(policy, account, at)
    reporter(args.output).report_balance(BalanceResult(policy, account, at, given, b))
    return 0
