"""Redemption decisions: may this cart be paid with prepaid credits, and recording it.

Pure functions of (policy, account history, cart, instant):

* :func:`redeem` — may this cart be paid with credits at this instant? Every reason
  it may not, the credits per item, the draws (``package.draw_order``) and, when
  allowed, the enrollments with their expiry (``enrollment.expires_after``);
* :func:`record_redemption` — the account history with the redemption appended, or
  :class:`PolicyError` when the history no longer allows it (double spending).

``redeem`` decides over the history it is given and stores nothing: a caller must
append the redemption with :func:`record_redemption` (which re-checks everything
against the history it is given) under its own lock or transaction. Every call
replays the whole history in time order (``ledger.py``, which also gives balances) and
reports a stored redemption that overdraws or uses an expired or unknown package at its
``file:line``. The policy's cart rules (``cart.item_cost``, ``cart.eligible_item``, each
``cart.rules[].refuse_when``) are :class:`~policyengine.policy.rule.Rule` objects like
those of certification policies: run-time errors point inside the expression, and
``policyengine test --coverage`` sees them. Account and cart files are read by
``files.py``. Credits are ``Decimal``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

from policyengine.decimals import ZERO, decimal_text
from policyengine.errors import Diagnostic, PolicyError
from policyengine.expr.values import add_duration
from policyengine.packages.files import (
    Account,
    Cart,
    CartItem,
    DrawRecord,
    RedeemedItem,
    Redemption,
)
from policyengine.packages.ledger import (
    Balance,
    Package,
    PackageBalance,
    balance_of,
    check_history,
    draw,
    replay,
    state,
    terms,
)
from policyengine.policy.model import CartRules, Policy
from policyengine.policy.rule import Rule

__all__ = [
    "Draw",
    "Enrollment",
    "ItemCharge",
    "Reason",
    "RedemptionDecision",
    "balance_data",
    "decision_data",
    "next_redemption_id",
    "package_data",
    "record_redemption",
    "redeem",
]


@dataclass(frozen=True)
class Reason:
    """Why the option is hidden or the redemption refused; ``code`` is stable."""

    code: str  # empty-cart, cart-rule, item-not-eligible, no-valid-package,
    # insufficient-credits, terms-not-acknowledged, history-conflict
    message: str
    rule: str | None = None
    item: str | None = None
    credits: Decimal | None = None  # the shortfall, where there is one


@dataclass(frozen=True)
class ItemCharge:
    item: CartItem
    credits: Decimal  # what the item costs in package credits (cart.item_cost)
    eligible: bool


@dataclass(frozen=True)
class Draw:
    package: Package
    credits: Decimal
    remaining_after: Decimal


@dataclass(frozen=True)
class Enrollment:
    item: CartItem
    enrolled_at: dt.datetime
    expires_on: dt.date | None  # complete the course before this date arrives


@dataclass(frozen=True)
class RedemptionDecision:
    at: dt.datetime
    option_offered: bool  # is "use my credits" shown at all?
    allowed: bool
    reasons: tuple[Reason, ...]
    items: tuple[ItemCharge, ...]
    total_credits: Decimal
    available_credits: Decimal
    draws: tuple[Draw, ...]  # only when allowed
    balance_after: Balance  # the balance as it would be after (unchanged when refused)
    enrollments: tuple[Enrollment, ...]  # only when allowed


# ----------------------------------------------------------------------------- redeem


def _evaluate(policy: Policy, rule: Rule | None, values: Mapping[str, Any]) -> Any:
    """Run one of the policy's cart rules (None when the policy has none there).

    Rules map run-time errors inside the expression in the policy file and let
    ``policyengine test --coverage`` see cart rules, item costs and eligibility (rule,
    decision and branch coverage) like every other policy expression.
    """
    return None if rule is None else rule({**policy.base_values(), **values})


def _cart(policy: Policy) -> CartRules:
    return policy.cart if policy.cart is not None else CartRules()


def _charge(policy: Policy, item: CartItem) -> ItemCharge:
    values = {"item": item.as_values()}
    rules = _cart(policy)
    cost = _evaluate(policy, rules.item_cost, values)
    cost = item.credits if cost is None else cost
    if not isinstance(cost, Decimal) or not cost.is_finite() or cost < 0:
        where = None if rules.item_cost is None else rules.item_cost.location
        raise PolicyError(
            Diagnostic(
                f"cart.item_cost gave {cost} for item '{item.id}'; an item cannot cost a negative "
                "number of credits",
                where,
                code="package.item-cost",
            )
        )
    eligible = _evaluate(policy, rules.eligible_item, values)
    return ItemCharge(item, cost, eligible is not False)


def _rule_reasons(
    policy: Policy, charges: tuple[ItemCharge, ...], total: Decimal, at: dt.datetime
) -> tuple[list[Reason], bool]:
    cart_values = {"items": tuple(c.item.as_values() for c in charges), "total_credits": total}
    values = {"cart": cart_values, "as_of": at.astimezone(policy.tz).date()}
    reasons, hidden = [], False
    for rule in _cart(policy).rules:
        if _evaluate(policy, rule.refuse_when, values) is True:
            reasons.append(Reason("cart-rule", rule.message, rule=rule.id))
            hidden = hidden or rule.hide_option
    return reasons, hidden


def _credits(n: Decimal) -> str:
    return f"{decimal_text(n)} credit{'' if n == 1 else 's'}"


def redeem(policy: Policy, account: Account, cart: Cart, at: dt.datetime) -> RedemptionDecision:
    """May ``cart`` be paid with the account's credits at ``at``? A pure decision.

    Nothing is stored: append the redemption with :func:`record_redemption`, which
    re-checks it against the history it is given (the double-spending guard).
    """
    t = terms(policy)
    at = at.astimezone(t.tz)
    pkgs, used = state(t, account, at)
    before = balance_of(t, pkgs, used, at)
    charges = tuple(_charge(policy, item) for item in cart.items)
    total = sum((c.credits for c in charges), ZERO)
    reasons: list[Reason] = []
    if not charges:
        reasons.append(
            Reason("empty-cart", "The cart is empty: add at least one course to pay with credits.")
        )
    rule_reasons, hidden = _rule_reasons(policy, charges, total, at)
    reasons.extend(rule_reasons)
    message = _cart(policy).ineligible_message
    for c in charges:
        if not c.eligible:
            reasons.append(
                Reason(
                    "item-not-eligible",
                    f"'{c.item.title or c.item.id}' ({c.item.product_type}): {message}",
                    item=c.item.id,
                )
            )
    available = before.available
    draws, short = draw(t, pkgs, used, at, total)
    if available <= 0:
        lost = [p for p in before.packages if p.status == "expired"]
        detail = "".join(
            f"; package '{p.package.id}' expired after "
            f"{p.package.last_day.isoformat()} with {_credits(p.remaining)} unused"
            for p in lost
        )
        reasons.append(
            Reason(
                "no-valid-package",
                f"No valid credit package: there are no credits to redeem at this time{detail}.",
                credits=total,
            )
        )
    elif short > 0:
        reasons.append(
            Reason(
                "insufficient-credits",
                f"The cart costs {_credits(total)} but "
                f"only {_credits(available)} are available: "
                f"{_credits(short)} short.",
                credits=short,
            )
        )
    if t.require_acknowledgement and not cart.acknowledged_terms:
        reasons.append(
            Reason(
                "terms-not-acknowledged",
                "The terms and conditions must be "
                "acknowledged before the transaction can be completed.",
            )
        )
    offered = not hidden and available > 0
    if reasons:
        return RedemptionDecision(
            at, offered, False, tuple(reasons), charges, total, available, (), before, ()
        )
    new_used = dict(used)
    out_draws = []
    for p, amount in draws:
        new_used[p.id] += amount
        out_draws.append(Draw(p, amount, p.credits - new_used[p.id]))
    conflict = replay(t, _with_redemption(account, _event(cart, charges, draws, at, "(check)")))[2]
    if conflict:
        reason = Reason(
            "history-conflict",
            "The account history already holds later redemptions "
            "that this one would leave uncovered: " + conflict[0].message,
        )
        return RedemptionDecision(
            at, offered, False, (reason,), charges, total, available, (), before, ()
        )
    expires_after = t.course_expires_after
    enrollments = tuple(
        Enrollment(
            c.item, at, None if expires_after is None else add_duration(at.date(), expires_after)
        )
        for c in charges
    )
    return RedemptionDecision(
        at,
        True,
        True,
        (),
        charges,
        total,
        available,
        tuple(out_draws),
        balance_of(t, pkgs, new_used, at),
        enrollments,
    )


def _event(
    cart: Cart,
    charges: tuple[ItemCharge, ...],
    draws: list[tuple[Package, Decimal]],
    at: dt.datetime,
    redemption_id: str,
) -> Redemption:
    items = tuple(
        RedeemedItem(c.item.id, c.item.product_type, c.credits, c.item.title) for c in charges
    )
    return Redemption(
        redemption_id,
        at,
        items,
        tuple(DrawRecord(p.id, amount) for p, amount in draws),
        cart.acknowledged_terms,
        at.isoformat(),
    )


def _with_redemption(account: Account, event: Redemption) -> Account:
    order = max((e.order for e in account.events), default=-1) + 1
    return replace(account, events=(*account.events, replace(event, order=order)))


def next_redemption_id(account: Account) -> str:
    """The id a new redemption gets when none is given: ``redemption-N``, N one more than
    the account's redemptions (or the first such id not taken)."""
    ids = {e.id for e in account.events}
    n = sum(isinstance(e, Redemption) for e in account.events) + 1
    while f"redemption-{n}" in ids:
        n += 1
    return f"redemption-{n}"


def record_redemption(
    policy: Policy, account: Account, cart: Cart, at: dt.datetime, redemption_id: str
) -> Account:
    """The account with the redemption of ``cart`` at ``at`` appended, with its draws.

    Raises PolicyError when the history given no longer allows it (the credits were
    spent meanwhile, a package expired, the id is taken, ...): record under the same
    lock or transaction in which the history was read.
    """
    if any(e.id == redemption_id for e in account.events):
        raise PolicyError(
            Diagnostic(
                f"the account already has an event with id '{redemption_id}'",
                hint="give the redemption a new id",
                code="account.duplicate-id",
            )
        )
    decision = redeem(policy, account, cart, at)
    if not decision.allowed:
        raise PolicyError(
            [
                Diagnostic(
                    f"redemption '{redemption_id}' refused: {r.message}",
                    hint=None,
                    code=f"redeem.{r.code}",
                )
                for r in decision.reasons
            ]
        )
    draws = [(d.package, d.credits) for d in decision.draws]
    new = _with_redemption(account, _event(cart, decision.items, draws, decision.at, redemption_id))
    problems = check_history(policy, new)
    if problems:  # cannot happen after an allowed decision; kept as the last guard
        raise PolicyError(problems)
    return new


# ----------------------------------------------------------------------------- plain data


def package_data(p: PackageBalance) -> dict[str, Any]:
    """One package's balance as JSON-ready data (decimals as strings, ISO times)."""
    pkg = p.package
    return {
        "id": pkg.id,
        "bought": decimal_text(pkg.credits),
        "used": decimal_text(p.used),
        "remaining": decimal_text(p.remaining),
        "status": p.status,
        "purchased_at": pkg.purchased_at.isoformat(),
        "expires_at": pkg.expires_at.isoformat(),
        "last_day": pkg.last_day.isoformat(),
        "expired_unused": decimal_text(p.expired_unused),
        "expired_at": pkg.expires_at.isoformat() if p.status == "expired" else None,
        "origin": pkg.origin,
    }


def balance_data(b: Balance) -> dict[str, Any]:
    """A balance as JSON-ready data."""
    return {
        "at": b.at.isoformat(),
        "packages": [package_data(p) for p in b.packages],
        "available": decimal_text(b.available),
        "bought": decimal_text(b.bought),
        "used": decimal_text(b.used),
        "expired_unused": decimal_text(b.expired_unused),
    }


def decision_data(d: RedemptionDecision) -> dict[str, Any]:
    """A decision as JSON-ready data."""
    return {
        "at": d.at.isoformat(),
        "option_offered": d.option_offered,
        "allowed": d.allowed,
        "reasons": [
            {
                k: (decimal_text(v) if isinstance(v, Decimal) else v)
                for k, v in (
                    ("code", r.code),
                    ("message", r.message),
                    ("rule", r.rule),
                    ("item", r.item),
                    ("credits", r.credits),
                )
                if v is not None
            }
            for r in d.reasons
        ],
        "items": [
            {
                "id": c.item.id,
                "title": c.item.title,
                "product_type": c.item.product_type,
                "credits": decimal_text(c.credits),
                "eligible": c.eligible,
            }
            for c in d.items
        ],
        "total_credits": decimal_text(d.total_credits),
        "available_credits": decimal_text(d.available_credits),
        "draws": [
            {
                "package": x.package.id,
                "credits": decimal_text(x.credits),
                "remaining_after": decimal_text(x.remaining_after),
                "expires_at": x.package.expires_at.isoformat(),
                "last_day": x.package.last_day.isoformat(),
            }
            for x in d.draws
        ],
        "balance_after": balance_data(d.balance_after),
        "enrollments": [
            {
                "item": e.item.id,
                "title": e.item.title,
                "enrolled_at": e.enrolled_at.isoformat(),
                "expires_on": e.expires_on.isoformat() if e.expires_on else None,
            }
            for e in d.enrollments
        ],
    }
