"""The ledger of prepaid credit packages: validity windows, draw order, replay, balances.

A package bought at an instant is usable from that instant until ``expires_at``
(exclusive), per the policy's ``package.valid_for`` and ``package.boundary`` in the
policy's time zone. An account's history is replayed in time order (file order breaks
ties); every stored redemption is checked against the packages valid at its own time,
so an overdrawn, expired or unknown package is reported at the redemption's
``file:line``. Balances as of an instant are derived from the history, never stored.
Credits are ``Decimal`` throughout. ``packages.py`` builds redemption decisions on this.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from policyengine.decimals import ZERO, decimal_text
from policyengine.errors import Diagnostic, PolicyError
from policyengine.expr.values import (
    LAST_DATE_TEXT,
    DateOutOfRange,
    add_duration,
    instant_in_range,
)
from policyengine.packages.files import Account, Purchase, Redemption, where
from policyengine.policy.model import PackageTerms, Policy

# The package terms, with their defaults filled in (built with the policy).
Terms = PackageTerms

UTC = dt.timezone.utc
BOUNDARIES = ("end-of-day", "purchase-time")
DRAW_ORDERS = ("expires-first", "purchased-first", "largest-first")


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
    status: str  # "active", "expired" or "used-up" (a package bought after the day is left out)
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


# ----------------------------------------------------------------------------- terms


def terms(policy: Policy) -> Terms:
    """The package terms of ``policy``; PolicyError when it is not a credit-package policy."""
    if policy.kind != "credit-package" or policy.package is None:
        raise PolicyError(
            Diagnostic(
                f"policy '{policy.id}' is a {policy.kind} policy, not a credit-package policy",
                policy.kind_location,
                hint="redeem and balance need a policy with 'kind: credit-package' and a "
                "'package:' section",
                code="package.policy-kind",
            )
        )
    return policy.package


def _utc(value: dt.datetime) -> dt.datetime:
    return value.astimezone(UTC)


def package_for(purchase: Purchase, t: Terms) -> Package:
    """The validity window of a purchase under the policy's boundary convention.

    ``end-of-day``: usable through the end of the day purchase date + valid_for - 1 day
    (day 1 is the purchase date), in the policy's time zone. ``purchase-time``: usable
    until the same local clock time valid_for after the purchase, exclusive.
    """
    local = purchase.at.astimezone(t.tz)
    try:
        if t.boundary == "purchase-time":
            # calendar arithmetic on the local clock time (add_duration keeps it a datetime)
            naive_end = add_duration(local.replace(tzinfo=None), t.valid_for)
            expires_at = naive_end.replace(tzinfo=t.tz)
            last_day = (_utc(expires_at) - dt.timedelta(microseconds=1)).astimezone(t.tz).date()
        else:
            first_day_after = add_duration(local.date(), t.valid_for)
            expires_at = dt.datetime.combine(first_day_after, dt.time(0), tzinfo=t.tz)
            last_day = first_day_after - dt.timedelta(days=1)
        if not instant_in_range(expires_at):
            raise OverflowError("expiry out of range")
    except (DateOutOfRange, OverflowError):
        # the purchase is what is at fault: valid_for is the same for every package
        raise PolicyError(
            Diagnostic(
                f"purchase '{purchase.id}' at {purchase.at_text or purchase.at.isoformat()}: "
                f"the package would expire after {LAST_DATE_TEXT} (valid for {t.valid_for_text})",
                purchase.location,
                hint="check the purchase's time, or the policy's package.valid_for",
                code="package.expiry",
            )
        ) from None
    return Package(
        purchase.id, purchase.credits, local, expires_at, last_day, where(purchase), purchase.order
    )


def _sorted_events(account: Account) -> list[Purchase | Redemption]:
    return sorted(account.events, key=lambda e: (_utc(e.at), e.order))


def _draw_key(t: Terms, remaining: Mapping[str, Decimal]) -> Callable[[Package], tuple[Any, ...]]:
    def key(p: Package) -> tuple[Any, ...]:
        expires, bought = _utc(p.expires_at), _utc(p.purchased_at)
        if t.draw_order == "purchased-first":
            return (bought, expires, p.order)
        if t.draw_order == "largest-first":
            return (-remaining[p.id], expires, bought, p.order)
        return (expires, bought, p.order)

    return key


def draw(
    t: Terms,
    pkgs: Mapping[str, Package],
    used: Mapping[str, Decimal],
    at: dt.datetime,
    needed: Decimal,
) -> tuple[list[tuple[Package, Decimal]], Decimal]:
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


def replay(
    t: Terms, account: Account, until: dt.datetime | None = None
) -> tuple[dict[str, Package], dict[str, Decimal], list[Diagnostic]]:
    """Packages and credits used, replaying events in time order up to ``until``.

    Returns (packages by id, used by id, problems): every stored redemption is checked
    against the balance and validity of the packages at its own time.
    """
    pkgs: dict[str, Package] = {}
    used: dict[str, Decimal] = {}
    problems: list[Diagnostic] = []

    def bad(event: Redemption, message: str, hint: str) -> None:
        problems.append(
            Diagnostic(
                f"redemption '{event.id}' at {event.at.astimezone(t.tz).isoformat()}: {message}",
                event.location,
                hint=hint,
                code="account.replay",
            )
        )

    for event in _sorted_events(account):
        if until is not None and _utc(event.at) > _utc(until):
            break
        if isinstance(event, Purchase):
            pkgs[event.id] = package_for(event, t)
            used[event.id] = ZERO
            continue
        needed = event.credits
        if not event.draws:
            draws, short = draw(t, pkgs, used, event.at, needed)
            if short > 0:
                bad(
                    event,
                    f"needs {decimal_text(needed)} credits but only "
                    f"{decimal_text(needed - short)} were available in valid packages "
                    f"(short by {decimal_text(short)})",
                    "a redemption cannot overdraw the packages valid at its time",
                )
            for p, amount in draws:
                used[p.id] += amount
            continue
        total = sum((d.credits for d in event.draws), ZERO)
        if total != needed:
            bad(
                event,
                f"its draws add up to {decimal_text(total)} credits but its items "
                f"cost {decimal_text(needed)}",
                "make the draws add up to the items' credits",
            )
        for d in event.draws:
            drawn = pkgs.get(d.package)
            if drawn is None:
                bad(
                    event,
                    f"draws from package '{d.package}', which was not bought before it",
                    "name the id of an earlier purchase event",
                )
                continue
            if not drawn.usable_at(event.at):
                bad(
                    event,
                    f"draws from package '{drawn.id}', which expired at "
                    f"{drawn.expires_at.isoformat()} "
                    f"(last usable day {drawn.last_day.isoformat()})",
                    "an expired package cannot be redeemed",
                )
            left = drawn.credits - used[drawn.id]
            if d.credits > left:
                bad(
                    event,
                    f"draws {decimal_text(d.credits)} credits from package '{drawn.id}', "
                    f"which had only {decimal_text(left)} left",
                    "a package cannot be overdrawn",
                )
            used[drawn.id] += d.credits
    return pkgs, used, problems


def check_history(policy: Policy, account: Account) -> list[Diagnostic]:
    """Every problem of the account history (overdrawn, expired or unknown packages)."""
    return replay(terms(policy), account)[2]


def state(
    t: Terms, account: Account, at: dt.datetime
) -> tuple[dict[str, Package], dict[str, Decimal]]:
    problems = replay(t, account)[2]
    if problems:
        raise PolicyError(problems)
    pkgs, used, _ = replay(t, account, at)
    return pkgs, used


def balance_of(
    t: Terms, pkgs: Mapping[str, Package], used: Mapping[str, Decimal], at: dt.datetime
) -> Balance:
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


def purchased_packages(policy: Policy, account: Account) -> tuple[Package, ...]:
    """Every package the account bought, in purchase order, with its validity."""
    t = terms(policy)
    events = [e for e in _sorted_events(account) if isinstance(e, Purchase)]
    return tuple(package_for(e, t) for e in events)


def balance(policy: Policy, account: Account, at: dt.datetime) -> Balance:
    """Each package's balance as of ``at`` (events after ``at`` are not counted)."""
    t = terms(policy)
    pkgs, used = state(t, account, at)
    return balance_of(t, pkgs, used, at)
