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
import sys

from policyengine.cli.commands.balance import (
    add_common,
    balance_lines,
    context_data,
    credits,
    header,
    load_inputs,
    usable,
)
from policyengine.packages.ledger_file import locked_all
from policyengine.packages.redeem import (
    Decision,
    decision_data,
    load_account,
    load_cart,
    record_redemption,
    redeem,
)
from policyengine.packages.files import Account, Cart, Redemption, write_account
from policyengine.packages.ledger import plain
from policyengine.policy.build import Policy
from policyengine.cli.output import dumps

NAME = "redeem"
HELP = "decide whether a cart may be paid with a member's prepaid credits"


def configure(parser: argparse.ArgumentParser) -> None:
    add_common(parser)
    parser.add_argument("--cart", required=True, metavar="FILE", help="the cart to pay")
    parser.add_argument(
        "--record", metavar="OUT",
        help="when allowed, write the account history with this redemption appended to OUT "
        "(may be the --account file itself); nothing is written when refused",
    )
    parser.add_argument("--redemption-id", metavar="ID",
                        help="id of the recorded redemption (default: redemption-N)")


def _next_id(account: Account) -> str:
    ids = {e.id for e in account.events}
    n = sum(isinstance(e, Redemption) for e in account.events) + 1
    while f"redemption-{n}" in ids:
        n += 1
    return f"redemption-{n}"


def decision_lines(d: Decision) -> list[str]:
    lines = [
        f"'use my credits' option: {'offered' if d.option_offered else 'not offered'}",
        f"redemption: {'ALLOWED' if d.allowed else 'REFUSED'}",
    ]
    if d.reasons:
        lines += ["", "reasons:"]
        for r in d.reasons:
            tag = r.code + (f" {r.rule}" if r.rule else "") + (f" {r.item}" if r.item else "")
            lines.append(f"  - [{tag}] {r.message}")
    lines += ["", f"items ({credits(d.total_credits)}; {credits(d.available_credits)} available):"]
    width = max((len(c.item.id) for c in d.items), default=0)
    for c in d.items:
        mark = "" if c.eligible else "  NOT ELIGIBLE"
        lines.append(f"  {c.item.id:<{width}}  {c.item.product_type:<16}  "
                     f"{credits(c.credits):>12}  {c.item.title}{mark}")
    if not d.items:
        lines.append("  (empty cart)")
    if d.draws:
        lines += ["", "draws:"]
        for x in d.draws:
            lines.append(f"  {x.package.id}: {credits(x.credits)}, "
                         f"{plain(x.remaining_after)} left, {usable(x.package)}")
    lines += ["", "packages after:" if d.allowed else "packages:", *balance_lines(d.balance_after)]
    if d.enrollments:
        lines += ["", "enrollments:"]
        for e in d.enrollments:
            until = (f"course expires {e.expires_on.isoformat()} (complete it before then)"
                     if e.expires_on else "no course expiry in the policy")
            lines.append(f"  {e.item.id}  {e.item.title}: {until}")
    return lines


def _decide_and_record(args: argparse.Namespace, policy: Policy, cart: Cart, at: dt.datetime
                       ) -> tuple[Account, Decision, dict[str, str] | None]:
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
        rid = args.redemption_id or _next_id(account)
        updated = record_redemption(policy, account, cart, at, rid)
        write_account(args.record, updated, policy.tz)
        return account, d, {"id": rid, "path": args.record}


def run(args: argparse.Namespace) -> int:
    policy, _, at, given = load_inputs(args, read_account=False)
    cart = load_cart(args.cart)
    account, d, recorded = _decide_and_record(args, policy, cart, at)
    if args.output == "json":
        doc = {**context_data(policy, account, at, given), "decision": decision_data(d),
               "recorded": recorded}
        sys.stdout.write(dumps(doc))
    else:
        lines = [*header(policy, account, at, given), "", *decision_lines(d)]
        if recorded:
            lines += ["", f"recorded redemption '{recorded['id']}' in {recorded['path']}"]
        elif args.record:
            lines += ["", f"nothing recorded in {args.record}"]
        sys.stdout.write("\n".join(lines) + "\n")
    return 0 if d.allowed else 1
