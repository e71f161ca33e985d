"""Prepaid credit packages: validity, balances, redemption decisions and the ledger guard.

Everything here is a pure function of (policy, account history, cart, instant):

* :func:`packages` — the packages an account bought, each with its validity window
  (``package.valid_for`` and ``package.boundary`` of the policy, in its time zone);
* :func:`balance` — per package: bought, used, remaining, expiry, status and credits
  that expired unused, as of an instant;
* :func:`redeem` — may this cart be paid with credits at this instant? Every reason
  it may not, the credits per item, the draws (``package.draw_order``) and, when
  allowed, the enrollments with their expiry (``enrollment.expires_after``);
* :func:`record_redemption` — the account history with the redemption appended, or
  :class:`PolicyError` when the history no longer allows it (double spending).

``redeem`` decides over the history it is given and stores nothing: a caller must
append the redemption with :func:`record_redemption` (which re-checks everything
against the history it is given) under its own lock or transaction. Every call
replays the whole history in time order and reports a stored redemption that
overdraws or uses an expired or unknown package at its ``file:line``.
Credits are ``Decimal`` throughout.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

from policyengine.errors import Diagnostic, PolicyError
from policyengine.expr import Duration, ExprRuntimeError
from policyengine.expr.values import FunctionError, add_duration, format_decimal
from policyengine.packages_account import (
    Account, Cart, CartItem, DrawRecord, Purchase, RedeemedItem, Redemption, where,
)
from policyengine.policy import Policy

ZERO = Decimal(0)
UTC = dt.timezone.utc
BOUNDARIES = ("end-of-day", "purchase-time")
DRAW_ORDERS = ("expires-first", "purchased-first", "largest-first")


@dataclass(frozen=True)
class Terms:
    """The package terms of a credit-package policy, with their defaults filled in."""

    valid_for: Duration
    boundary: str  # "end-of-day" (default) or "purchase-time"
    draw_order: str  # "expires-first" (default), "purchased-first", "largest-first"
    require_acknowledgement: bool
    course_expires_after: Duration | None
    tz: dt.tzinfo


@dataclass(frozen=True)
class Package:
    """A package bought: usable from ``purchased_at`` until ``expires_at`` (exclusive)."""

    id: str
    credits: Decimal
    purchased_at: dt.datetime  # in the policy's time zone
    expires_at: dt.datetime  # first instant the package can no longer be used
    last_day: dt.date  # last calendar day (policy time zone) it can be used on
    origin: str = ""
    order: int = 0

    @property
    def purchased_on(self) -> dt.date:
        return self.purchased_at.date()

    def usable_at(self, at: dt.datetime) -> bool:
        return _utc(self.purchased_at) <= _utc(at) < _utc(self.expires_at)


@dataclass(frozen=True)
class PackageBalance:
    package: Package
    used: Decimal
    remaining: Decimal
    status: str  # "active", "expired", "used-up" or "not-yet-purchased"
    expired_unused: Decimal  # credits lost when the package expired (0 unless expired)


@dataclass(frozen=True)
class Balance:
    at: dt.datetime
    packages: tuple[PackageBalance, ...]

    @property
    def available(self) -> Decimal:
        return sum((p.remaining for p in self.packages if p.status == "active"), ZERO)

    @property
    def bought(self) -> Decimal:
        return sum((p.package.credits for p in self.packages), ZERO)

    @property
    def used(self) -> Decimal:
        return sum((p.used for p in self.packages), ZERO)

    @property
    def expired_unused(self) -> Decimal:
        return sum((p.expired_unused for p in self.packages), ZERO)


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
class Decision:
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


# ----------------------------------------------------------------------------- terms


def terms(policy: Policy) -> Terms:
    """The package terms of ``policy``; PolicyError when it is not a credit-package policy."""
    if policy.kind != "credit-package" or policy.get("package") is None:
        raise PolicyError(Diagnostic(
            f"policy '{policy.id}' is a {policy.kind} policy, not a credit-package policy",
            policy.location("kind"),
            hint="redeem and balance need a policy with 'kind: credit-package' and a 'package:' section",
            code="package.policy-kind",
        ))
    return Terms(
        valid_for=policy.duration("package.valid_for"),
        boundary=str(policy.get("package.boundary", "end-of-day")),
        draw_order=str(policy.get("package.draw_order", "expires-first")),
        require_acknowledgement=bool(policy.get("cart.require_acknowledgement", False)),
        course_expires_after=policy.duration("enrollment.expires_after"),
        tz=policy.tz,
    )


def _utc(value: dt.datetime) -> dt.datetime:
    return value.astimezone(UTC)


def package_for(purchase: Purchase, t: Terms) -> Package:
    """The validity window of a purchase under the policy's boundary convention.

    ``end-of-day``: usable through the end of the day purchase date + valid_for - 1 day
    (day 1 is the purchase date), in the policy's time zone. ``purchase-time``: usable
    until the same local clock time valid_for after the purchase, exclusive.
    """
    local = purchase.at.astimezone(t.tz)
    if t.boundary == "purchase-time":
        naive_end = add_duration(local.replace(tzinfo=None), t.valid_for)
        expires_at = naive_end.replace(tzinfo=t.tz)
        last_day = (_utc(expires_at) - dt.timedelta(microseconds=1)).astimezone(t.tz).date()
    else:
        first_day_after = add_duration(local.date(), t.valid_for)
        expires_at = dt.datetime.combine(first_day_after, dt.time(0), tzinfo=t.tz)
        last_day = first_day_after - dt.timedelta(days=1)
    return Package(purchase.id, purchase.credits, local, expires_at, last_day,
                   where(purchase), purchase.order)


def _sorted_events(account: Account) -> list:
    return sorted(account.events, key=lambda e: (_utc(e.at), e.order))


def _draw_key(t: Terms, remaining: Mapping[str, Decimal]):
    def key(p: Package) -> tuple:
        expires, bought = _utc(p.expires_at), _utc(p.purchased_at)
        if t.draw_order == "purchased-first":
            return (bought, expires, p.order)
        if t.draw_order == "largest-first":
            return (-remaining[p.id], expires, bought, p.order)
        return (expires, bought, p.order)

    return key


def _allocate(t: Terms, pkgs: Mapping[str, Package], used: Mapping[str, Decimal],
              at: dt.datetime, needed: Decimal) -> tuple[list[tuple[Package, Decimal]], Decimal]:
    """Draws covering ``needed`` in the policy's draw order, and the shortfall left."""
    remaining = {pid: p.credits - used[pid] for pid, p in pkgs.items()}
    usable = [p for p in pkgs.values() if p.usable_at(at) and remaining[p.id] > 0]
    draws: list[tuple[Package, Decimal]] = []
    for p in sorted(usable, key=_draw_key(t, remaining)):
        if needed <= 0:
            break
        take = min(needed, remaining[p.id])
        draws.append((p, take))
        needed -= take
    return draws, max(needed, ZERO)


def _replay(t: Terms, account: Account, until: dt.datetime | None = None):
    """Packages and credits used, replaying events in time order up to ``until``.

    Returns (packages by id, used by id, problems): every stored redemption is checked
    against the balance and validity of the packages at its own time.
    """
    pkgs: dict[str, Package] = {}
    used: dict[str, Decimal] = {}
    problems: list[Diagnostic] = []

    def bad(event: Redemption, message: str, hint: str) -> None:
        problems.append(Diagnostic(f"redemption '{event.id}' at {event.at.astimezone(t.tz).isoformat()}: {message}",
                                   event.location, hint=hint, code="account.replay"))

    for event in _sorted_events(account):
        if until is not None and _utc(event.at) > _utc(until):
            break
        if isinstance(event, Purchase):
            pkgs[event.id] = package_for(event, t)
            used[event.id] = ZERO
            continue
        needed = event.credits
        if not event.draws:
            draws, short = _allocate(t, pkgs, used, event.at, needed)
            if short > 0:
                bad(event, f"needs {format_decimal(needed)} credits but only "
                    f"{format_decimal(needed - short)} were available in valid packages "
                    f"(short by {format_decimal(short)})",
                    "a redemption cannot overdraw the packages valid at its time")
            for p, amount in draws:
                used[p.id] += amount
            continue
        total = sum((d.credits for d in event.draws), ZERO)
        if total != needed:
            bad(event, f"its draws add up to {format_decimal(total)} credits but its items "
                f"cost {format_decimal(needed)}", "make the draws add up to the items' credits")
        for d in event.draws:
            p = pkgs.get(d.package)
            if p is None:
                bad(event, f"draws from package '{d.package}', which was not bought before it",
                    "name the id of an earlier purchase event")
                continue
            if not p.usable_at(event.at):
                bad(event, f"draws from package '{p.id}', which expired at "
                    f"{p.expires_at.isoformat()} (last usable day {p.last_day.isoformat()})",
                    "an expired package cannot be redeemed")
            left = p.credits - used[p.id]
            if d.credits > left:
                bad(event, f"draws {format_decimal(d.credits)} credits from package '{p.id}', "
                    f"which had only {format_decimal(left)} left", "a package cannot be overdrawn")
            used[p.id] += d.credits
    return pkgs, used, problems


def check_history(policy: Policy, account: Account) -> list[Diagnostic]:
    """Every problem of the account history (overdrawn, expired or unknown packages)."""
    return _replay(terms(policy), account)[2]


def _state(t: Terms, account: Account, at: dt.datetime):
    problems = _replay(t, account)[2]
    if problems:
        raise PolicyError(problems)
    pkgs, used, _ = _replay(t, account, at)
    return pkgs, used


def _balance_of(t: Terms, pkgs: Mapping[str, Package], used: Mapping[str, Decimal],
                at: dt.datetime) -> Balance:
    out = []
    for p in sorted(pkgs.values(), key=lambda p: (_utc(p.purchased_at), p.order)):
        remaining = p.credits - used[p.id]
        if remaining <= 0:
            status, lost = "used-up", ZERO
        elif _utc(at) >= _utc(p.expires_at):
            status, lost = "expired", remaining
        else:
            status, lost = "active", ZERO
        out.append(PackageBalance(p, used[p.id], remaining, status, lost))
    return Balance(at.astimezone(t.tz), tuple(out))


def packages(policy: Policy, account: Account) -> tuple[Package, ...]:
    """Every package the account bought, in purchase order, with its validity."""
    t = terms(policy)
    events = [e for e in _sorted_events(account) if isinstance(e, Purchase)]
    return tuple(package_for(e, t) for e in events)


def balance(policy: Policy, account: Account, at: dt.datetime) -> Balance:
    """Each package's balance as of ``at`` (events after ``at`` are not counted)."""
    t = terms(policy)
    pkgs, used = _state(t, account, at)
    return _balance_of(t, pkgs, used, at)


# ----------------------------------------------------------------------------- redeem


def _evaluate(policy: Policy, dotted: str, values: Mapping[str, Any]) -> Any:
    compiled = policy.expression(dotted)
    if compiled is None:
        return None
    try:
        return compiled({**policy.base_values(), **values})
    except ExprRuntimeError as err:
        raise PolicyError(Diagnostic(f"{dotted}: {err.message}", policy.location(dotted),
                                     hint=err.hint, code="package.expression")) from None


def _charge(policy: Policy, item: CartItem) -> ItemCharge:
    values = {"item": item.as_values()}
    cost = _evaluate(policy, "cart.item_cost", values)
    cost = item.credits if cost is None else cost
    if not isinstance(cost, Decimal) or not cost.is_finite() or cost < 0:
        raise PolicyError(Diagnostic(
            f"cart.item_cost gave {cost} for item '{item.id}'; an item cannot cost a negative "
            "number of credits", policy.location("cart.item_cost"), code="package.item-cost"))
    eligible = _evaluate(policy, "cart.eligible_item", values)
    return ItemCharge(item, cost, eligible is not False)


def _rule_reasons(policy: Policy, charges: tuple[ItemCharge, ...], total: Decimal,
                  at: dt.datetime) -> tuple[list[Reason], bool]:
    cart_values = {"items": tuple(c.item.as_values() for c in charges), "total_credits": total}
    values = {"cart": cart_values, "as_of": at.astimezone(policy.tz).date()}
    reasons, hidden = [], False
    for i, rule in enumerate(policy.get("cart.rules") or []):
        if _evaluate(policy, f"cart.rules.{i}.refuse_when", values) is True:
            reasons.append(Reason("cart-rule", str(rule["message"]), rule=str(rule["id"])))
            hidden = hidden or bool(rule.get("hide_option", False))
    return reasons, hidden


def _credits(n: Decimal) -> str:
    return f"{format_decimal(n)} credit{'' if n == 1 else 's'}"


def redeem(policy: Policy, account: Account, cart: Cart, at: dt.datetime) -> Decision:
    """May ``cart`` be paid with the account's credits at ``at``? A pure decision.

    Nothing is stored: append the redemption with :func:`record_redemption`, which
    re-checks it against the history it is given (the double-spending guard).
    """
    t = terms(policy)
    at = at.astimezone(t.tz)
    pkgs, used = _state(t, account, at)
    before = _balance_of(t, pkgs, used, at)
    charges = tuple(_charge(policy, item) for item in cart.items)
    total = sum((c.credits for c in charges), ZERO)
    reasons: list[Reason] = []
    if not charges:
        reasons.append(Reason("empty-cart", "The cart is empty: add at least one course to "
                              "pay with credits."))
    rule_reasons, hidden = _rule_reasons(policy, charges, total, at)
    reasons.extend(rule_reasons)
    message = str(policy.get("cart.ineligible_message", "credits cannot pay for this product"))
    for c in charges:
        if not c.eligible:
            reasons.append(Reason("item-not-eligible", f"'{c.item.title or c.item.id}' "
                                  f"({c.item.product_type}): {message}", item=c.item.id))
    available = before.available
    draws, short = _allocate(t, pkgs, used, at, total)
    if available <= 0:
        lost = [p for p in before.packages if p.status == "expired"]
        detail = "".join(f"; package '{p.package.id}' expired on {p.package.expires_at.date().isoformat()} "
                         f"with {_credits(p.remaining)} unused" for p in lost)
        reasons.append(Reason("no-valid-package", f"No valid credit package: there are no "
                              f"credits to redeem at this time{detail}.", credits=total))
    elif short > 0:
        reasons.append(Reason("insufficient-credits", f"The cart costs {_credits(total)} but "
                              f"only {_credits(available)} are available: "
                              f"{_credits(short)} short.", credits=short))
    if t.require_acknowledgement and not cart.acknowledged_terms:
        reasons.append(Reason("terms-not-acknowledged", "The terms and conditions must be "
                              "acknowledged before the transaction can be completed."))
    offered = not hidden and available > 0
    if reasons:
        return Decision(at, offered, False, tuple(reasons), charges, total, available, (),
                        before, ())
    new_used = dict(used)
    out_draws = []
    for p, amount in draws:
        new_used[p.id] += amount
        out_draws.append(Draw(p, amount, p.credits - new_used[p.id]))
    conflict = _replay(t, _with_redemption(account, _event(cart, charges, draws, at, "(check)")))[2]
    if conflict:
        reason = Reason("history-conflict", "The account history already holds later redemptions "
                        "that this one would leave uncovered: " + conflict[0].message)
        return Decision(at, offered, False, (reason,), charges, total, available, (), before, ())
    expires_after = t.course_expires_after
    enrollments = tuple(
        Enrollment(c.item, at, None if expires_after is None else add_duration(at.date(), expires_after))
        for c in charges
    )
    return Decision(at, True, True, (), charges, total, available, tuple(out_draws),
                    _balance_of(t, pkgs, new_used, at), enrollments)


def _event(cart: Cart, charges: tuple[ItemCharge, ...], draws, at: dt.datetime,
           redemption_id: str) -> Redemption:
    items = tuple(RedeemedItem(c.item.id, c.item.product_type, c.credits, c.item.title)
                  for c in charges)
    return Redemption(redemption_id, at, items,
                      tuple(DrawRecord(p.id, amount) for p, amount in draws),
                      cart.acknowledged_terms, at.isoformat())


def _with_redemption(account: Account, event: Redemption) -> Account:
    order = max((e.order for e in account.events), default=-1) + 1
    return replace(account, events=(*account.events, replace(event, order=order)))


def record_redemption(policy: Policy, account: Account, cart: Cart, at: dt.datetime,
                      redemption_id: str) -> Account:
    """The account with the redemption of ``cart`` at ``at`` appended, with its draws.

    Raises PolicyError when the history given no longer allows it (the credits were
    spent meanwhile, a package expired, the id is taken, ...): record under the same
    lock or transaction in which the history was read.
    """
    if any(e.id == redemption_id for e in account.events):
        raise PolicyError(Diagnostic(f"the account already has an event with id '{redemption_id}'",
                                     hint="give the redemption a new id", code="account.duplicate-id"))
    decision = redeem(policy, account, cart, at)
    if not decision.allowed:
        raise PolicyError([
            Diagnostic(f"redemption '{redemption_id}' refused: {r.message}", hint=None,
                       code=f"redeem.{r.code}")
            for r in decision.reasons
        ])
    draws = [(d.package, d.credits) for d in decision.draws]
    new = _with_redemption(account, _event(cart, decision.items, draws, decision.at, redemption_id))
    problems = check_history(policy, new)
    if problems:  # cannot happen after an allowed decision; kept as the last guard
        raise PolicyError(problems)
    return new
