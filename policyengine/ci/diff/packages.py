"""Impact of a credit-package policy change: which accounts' decisions or balances differ.

The subjects of a ``kind: credit-package`` policy are accounts: the account (and cart,
and instant ``at``) of every scenario in ``<policy>.tests.yaml``, and every account file
under ``policyengine diff --accounts DIR`` — with every cart file under ``--carts DIR``
when given — at ``--at`` (default: now). Each is reduced by :func:`package_summary` to
what a member or an administrator would notice: whether the "use my credits" option is
offered and the redemption allowed, every refusal reason with its message (the
shortfall is in it), each item's cost and eligibility, the total, the draws, each
course's expiry, and the balance (available, expired unused, each package's status,
credits left and last usable day).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from typing import Any

from policyengine import dates
from policyengine.ci.diff.impact import Subject
from policyengine.ci.scenarios.files import Scenario, ScenarioFile
from policyengine.ci.scenarios.packages import scenario_account, scenario_at, scenario_cart
from policyengine.errors import Diagnostic, Location, PolicyError
from policyengine.packages.files import Account, Cart, load_account, load_cart
from policyengine.packages.ledger import balance
from policyengine.packages.redeem import balance_data, decision_data, redeem
from policyengine.policy.model import Policy

KIND = "credit-package"


def _reason_key(r: dict[str, Any]) -> str:
    extra = r.get("rule") or r.get("item")
    return f"{r['code']} {extra}" if extra else str(r["code"])


def package_summary(decision: dict[str, Any] | None, balance: dict[str, Any]) -> dict[str, Any]:
    """Flat keys of a decision (``decision_data``, may be None) and a balance (``balance_data``)."""
    out: dict[str, Any] = {}
    if decision is not None:
        out["decision.option_offered"] = decision["option_offered"]
        out["decision.allowed"] = decision["allowed"]
        for r in decision["reasons"]:
            out[f"decision.reasons[{_reason_key(r)}]"] = r["message"]
        out["decision.total_credits"] = decision["total_credits"]
        for item in decision["items"]:
            eligible = "" if item["eligible"] else ", not eligible"
            out[f"decision.items[{item['id']}]"] = f"{item['credits']} credits{eligible}"
        for d in decision["draws"]:
            out[f"decision.draws[{d['package']}]"] = (
                f"{d['credits']} credits ({d['remaining_after']} left)"
            )
        for e in decision["enrollments"]:
            out[f"decision.enrollments[{e['item']}].expires_on"] = e["expires_on"]
    out["balance.available"] = balance["available"]
    out["balance.expired_unused"] = balance["expired_unused"]
    for p in balance["packages"]:
        where = f"balance.packages[{p['id']}]"
        out[f"{where}.status"] = p["status"]
        out[f"{where}.remaining"] = p["remaining"]
        out[f"{where}.last_day"] = p["last_day"]
    return out


def _outcome(
    policy: Policy, account: Account, cart: Cart | None, at: dt.datetime
) -> tuple[str, dict[str, Any]]:
    decision = None
    if cart is not None:
        decision = decision_data(redeem(policy, account, cart, at))
    return account.id, package_summary(decision, balance_data(balance(policy, account, at)))


def package_scenario_subject(sf: ScenarioFile, sc: Scenario) -> Subject:
    """The account (cart, ``at``) of a credit-package scenario as a diff subject."""

    def outcome(policy: Policy) -> tuple[str, dict[str, Any]]:
        account = scenario_account(policy, sf, sc)
        has_cart = "cart" in sc.data or "cart_file" in sc.data
        cart = scenario_cart(sf, sc) if has_cart else None
        return _outcome(policy, account, cart, scenario_at(sf, sc, policy.tz))

    return Subject(f"scenario '{sc.name}'", Location(sc.file, sc.line, 1), outcome, KIND)


def parse_at(text: str | None, tz: dt.tzinfo) -> dt.datetime:
    """``--at`` in ``tz`` (local time without an offset); now when not given."""
    if text is None:
        return dt.datetime.now(tz).replace(microsecond=0)
    try:
        return dates.parse_datetime(text, tz).astimezone(tz)
    except ValueError as err:
        raise PolicyError(
            Diagnostic(f"--at: {err}", code="usage", hint="e.g. --at 2025-03-01T10:00:00")
        ) from None


def account_subjects(
    accounts: Sequence[str], carts: Sequence[str] | None, at: str | None
) -> Iterator[Subject]:
    """The account files ``accounts`` at ``at``: each one's balance, and its decision on
    every cart file of ``carts`` (one subject per account and cart). The files are those
    ``inputs.files_of_kind`` found."""
    cart_paths: list[str | None] = list(carts) if carts else [None]
    for path in accounts:
        for cart_path in cart_paths:

            def outcome(
                policy: Policy, path: str = path, cart_path: str | None = cart_path
            ) -> tuple[str, dict[str, Any]]:
                cart = load_cart(cart_path) if cart_path else None
                return _outcome(
                    policy, load_account(path, policy.tz), cart, parse_at(at, policy.tz)
                )

            label = f"account file {path}" + (f", cart file {cart_path}" if cart_path else "")
            yield Subject(label, Location(path, 1, 1), outcome, KIND)
