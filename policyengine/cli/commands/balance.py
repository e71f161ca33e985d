"""``policyengine balance POLICY --account FILE``: a member's credit packages as of an instant.

Shows every package of the account with what was bought, used and is left, its expiry
and status, and the credits that expired unused.
"""

from __future__ import annotations

import argparse

from policyengine.cli.options import add_package_options, load_package_inputs
from policyengine.cli.reporters import reporter
from policyengine.cli.reporting import BalanceResult
from policyengine.packages import balance, load_account

NAME = "balance"
HELP = "show a member's credit packages, balances and expiry dates as of a time"


def configure(parser: argparse.ArgumentParser) -> None:
    add_package_options(parser, "balance")


def run(args: argparse.Namespace) -> int:
    policy, at, given = load_package_inputs(args)
    account = load_account(args.account, policy.tz)
    b = balance(policy, account, at)
    reporter(args.output).report_balance(BalanceResult(policy, account, at, given, b))
    return 0
