"""``policyengine balance POLICY --account FILE``: a member's credit packages as of an instant.

Shows every package of the account with what was bought, used and is left, its expiry
and status, and the credits that expired unused. Also holds the helpers ``redeem``
shares: reading ``--at`` and the policy, and the text lines of a balance.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from typing import Any

from policyengine import dates
from policyengine.errors import UsageError
from policyengine.packages.redeem import Balance, Package, balance, balance_data, load_account
from policyengine.packages.ledger import plain
from policyengine.policy.build import Policy, load_policy
from policyengine.cli.output import dumps

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
    parser.add_argument("-o", "--output", choices=("text", "json"), default="text",
                        help="text for people (default), json for machines")


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


def header(policy: Policy, account: Any, at: dt.datetime, given: bool) -> list[str]:
    who = account.id + (f" ({account.name})" if account.name else "")
    when = at.isoformat() + ("" if given else "  (now: pass --at for a repeatable answer)")
    return [
        f"policy   {policy.id} ({policy.name}), time zone {policy.tz}",
        f"account  {who}",
        f"as of    {when}",
    ]


def credits(n: Any) -> str:
    return f"{plain(n)} credit{'' if n == 1 else 's'}"


def usable(pkg: Package) -> str:
    """``usable through 2025-06-09`` (end-of-day) or ``usable until <instant>``."""
    if pkg.expires_at.time() == dt.time(0):
        return f"usable through {pkg.last_day.isoformat()}"
    return f"usable until {pkg.expires_at.isoformat()} (exclusive)"


def balance_lines(b: Balance) -> list[str]:
    lines = []
    width = max((len(p.package.id) for p in b.packages), default=0)
    for p in b.packages:
        pkg = p.package
        if p.status == "expired":
            amounts = f"used {plain(p.used)} of {credits(pkg.credits)}"
        elif p.status == "used-up":
            amounts = f"all {credits(pkg.credits)} used"
        else:
            amounts = f"{plain(p.remaining)} of {credits(pkg.credits)} left (used {plain(p.used)})"
        line = (f"  {pkg.id:<{width}}  {p.status:<8}  {amounts}, bought "
                f"{pkg.purchased_at.date().isoformat()}, {usable(pkg)}")
        if p.status == "expired":
            line += f"; {credits(p.expired_unused)} expired unused at {pkg.expires_at.isoformat()}"
        lines.append(line)
    if not b.packages:
        lines.append("  (no packages bought)")
    lines.append(f"available {credits(b.available)} (bought {plain(b.bought)}, used "
                 f"{plain(b.used)}, expired unused {plain(b.expired_unused)})")
    return lines


def context_data(policy: Policy, account: Any, at: dt.datetime, given: bool) -> dict[str, Any]:
    return {
        "policy": {"id": policy.id, "name": policy.name, "timezone": str(policy.tz)},
        "account": {"id": account.id, "name": account.name},
        "at": at.isoformat(),
        "at_given": given,
    }


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
    if args.output == "json":
        sys.stdout.write(dumps({**context_data(policy, account, at, given),
                                "balance": balance_data(b)}))
    else:
        sys.stdout.write("\n".join([*header(policy, account, at, given), "", *balance_lines(b)]) + "\n")
    return 0
