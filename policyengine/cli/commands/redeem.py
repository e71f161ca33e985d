"""``policyengine redeem POLICY --account FILE --cart FILE``: may this cart be paid with credits?

Prints whether the "use my credits" option is offered, every reason the redemption is
refused, the credits per item, the draws from each package with what is left, and the
enrollments with their expiry. Exit 0 when allowed, 1 when refused or an input is
invalid, 2 on a usage error. With ``--record OUT`` an allowed redemption is appended to
the account history and the history written to OUT, the read, the decision and the
write all under one exclusive lock on the account file (see ``ledgerfile``).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os

from policyengine.cli.options import add_package_options, load_package_inputs
from policyengine.cli.reporters import reporter
from policyengine.cli.reporting import RedemptionResult
from policyengine.errors import UsageError
from policyengine.load.paths import STDIN
from policyengine.packages import (
    RedemptionDecision,
    load_account,
    load_cart,
    next_redemption_id,
    record_redemption,
    redeem,
)
from policyengine.packages.files import Account, Cart, write_account
from policyengine.packages.ledger_file import locked_all
from policyengine.policy.model import Policy

NAME = "redeem"
HELP = "decide whether a cart may be paid with a member's prepaid credits"


def configure(parser: argparse.ArgumentParser) -> None:
    add_package_options(parser, "redemption")
    parser.add_argument("--cart", required=True, metavar="FILE", help="the cart to pay")
    parser.add_argument(
        "--record",
        metavar="OUT",
        help="when allowed, write the account history with this redemption appended to OUT "
        "(may be the --account file itself); nothing is written when refused",
    )
    parser.add_argument(
        "--redemption-id",
        metavar="ID",
        help="id of the recorded redemption (default: redemption-N)",
    )


def _decide_and_record(
    args: argparse.Namespace, policy: Policy, cart: Cart, at: dt.datetime
) -> tuple[Account, RedemptionDecision, dict[str, str] | None]:
    """Read the account, decide, and with ``--record`` append the redemption, all under
    one exclusive lock on the account file (and OUT when it exists): two checkouts can
    never both spend the same credits."""
    if not args.record:
        account = load_account(args.account, policy.tz)
        return account, redeem(policy, account, cart, at), None
    paths = [args.account] + ([args.record] if os.path.exists(args.record) else [])
    with locked_all(paths):
        account = load_account(args.account, policy.tz)
        d = redeem(policy, account, cart, at)
        if not d.allowed:
            return account, d, None
        rid = args.redemption_id or next_redemption_id(account)
        updated = record_redemption(policy, account, cart, at, rid)
        write_account(args.record, updated, policy.tz)
        return account, d, {"id": rid, "path": args.record}


def run(args: argparse.Namespace) -> int:
    if args.record and args.account == STDIN:
        raise UsageError(
            "--record needs --account to be a file (it is locked while the "
            "redemption is written), not - (standard input)"
        )
    policy, at, given = load_package_inputs(args)
    cart = load_cart(args.cart)
    account, d, recorded = _decide_and_record(args, policy, cart, at)
    reporter(args.output).report_redemption(
        RedemptionResult(policy, account, at, given, d, recorded, args.record)
    )
    return 0 if d.allowed else 1
