"""The text lines ``balance`` and ``redeem`` print for people: the header (policy,
account, instant), one line per package with what is left, and a redemption decision
with its reasons, items, draws and enrollments."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING

from policyengine.decimals import decimal_text

if TYPE_CHECKING:
    from policyengine.packages.files import Account
    from policyengine.packages.ledger import Balance, Package
    from policyengine.packages.redeem import RedemptionDecision
    from policyengine.policy.model import Policy


def header(policy: Policy, account: Account, at: dt.datetime, given: bool) -> list[str]:
    who = account.id + (f" ({account.name})" if account.name else "")
    when = at.isoformat() + ("" if given else "  (now: pass --at for a repeatable answer)")
    return [
        f"policy   {policy.id} ({policy.name}), time zone {policy.tz}",
        f"account  {who}",
        f"as of    {when}",
    ]


def credits(n: Decimal) -> str:
    return f"{decimal_text(n)} credit{'' if n == 1 else 's'}"


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
            amounts = f"used {decimal_text(p.used)} of {credits(pkg.credits)}"
        elif p.status == "used-up":
            amounts = f"all {credits(pkg.credits)} used"
        else:
            amounts = (
                f"{decimal_text(p.remaining)} of {credits(pkg.credits)} left "
                f"(used {decimal_text(p.used)})"
            )
        line = (
            f"  {pkg.id:<{width}}  {p.status:<8}  {amounts}, bought "
            f"{pkg.purchased_at.date().isoformat()}, {usable(pkg)}"
        )
        if p.status == "expired":
            line += f"; {credits(p.expired_unused)} expired unused at {pkg.expires_at.isoformat()}"
        lines.append(line)
    if not b.packages:
        lines.append("  (no packages bought)")
    lines.append(
        f"available {credits(b.available)} (bought {decimal_text(b.bought)}, used "
        f"{decimal_text(b.used)}, expired unused {decimal_text(b.expired_unused)})"
    )
    return lines


def decision_lines(d: RedemptionDecision) -> list[str]:
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
        lines.append(
            f"  {c.item.id:<{width}}  {c.item.product_type:<16}  "
            f"{credits(c.credits):>12}  {c.item.title}{mark}"
        )
    if not d.items:
        lines.append("  (empty cart)")
    if d.draws:
        lines += ["", "draws:"]
        for x in d.draws:
            lines.append(
                f"  {x.package.id}: {credits(x.credits)}, "
                f"{decimal_text(x.remaining_after)} left, {usable(x.package)}"
            )
    lines += ["", "packages after:" if d.allowed else "packages:", *balance_lines(d.balance_after)]
    if d.enrollments:
        lines += ["", "enrollments:"]
        for e in d.enrollments:
            until = (
                f"course expires {e.expires_on.isoformat()} (complete it before then)"
                if e.expires_on
                else "no course expiry in the policy"
            )
            lines.append(f"  {e.item.id}  {e.item.title}: {until}")
    return lines
