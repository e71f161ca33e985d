"""Credit-package scenarios: building an account, a cart and an instant from a scenario.

A scenario of a ``kind: credit-package`` policy gives ``at`` (an instant; without an
offset it is local time in the policy's time zone), the account (``account`` +
``events`` inline, or ``account_file``, whose events are followed by the scenario's
``events`` if any) and, when it expects a ``decision``, the cart (``cart`` inline or
``cart_file``). Its outcome is ``{"decision": redeem.decision_data(...),
"balance": redeem.balance_data(...)}`` — only the parts the scenario expects.

Every problem (a bad timestamp, a duplicate event id, a decision expected without a
cart, an ``account_file``/``cart_file`` outside the repository: see
``ScenarioFile.named_file``) is a :class:`PolicyError` at the scenario's
``file:line:col``. While coverage is
recorded, the package terms that are not expressions are reported too: whether a
package was seen usable and seen expired (``package.valid_for``), whether a cart with
and without the terms acknowledged was seen (``cart.require_acknowledgement``), and
whether a course expiry was computed (``enrollment.expires_after``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any

from policyengine import dates
from policyengine.ci.coverage import Recorder
from policyengine.errors import Diagnostic, PolicyError
from policyengine.load.yaml_loader import LocDict, locate
from policyengine.packages import balance, balance_data, decision_data, redeem
from policyengine.packages.files import (
    account_from_document,
    cart_from_document,
    load_account,
    load_cart,
)
from policyengine.policy.model import Policy

PACKAGE_EXPECT = ("decision", "balance")


def sub_document(sc: Any, keys: dict[str, str]) -> LocDict:
    """A document made of some keys of ``sc`` (renamed), keeping their positions."""
    doc = LocDict()
    doc.loc = getattr(sc, "loc", None)
    for new, old in keys.items():
        if old in sc:
            doc[new] = sc[old]
            if isinstance(sc, LocDict) and old in sc.value_locs:
                doc.value_locs[new] = sc.value_locs[old]
                doc.key_locs[new] = sc.key_locs[old]
    return doc


def scenario_at(sf: Any, sc: Any, tz: dt.tzinfo) -> dt.datetime:
    """The scenario's ``at`` in ``tz``; PolicyError at its position when it is not a time."""
    try:
        return dates.parse_datetime(str(sc.data["at"]), tz).astimezone(tz)
    except ValueError as err:
        raise PolicyError(
            Diagnostic(
                str(err),
                locate(sf.data, ["scenarios", sc.index, "at"]),
                hint="write an ISO 8601 instant, e.g. 2025-03-01T10:00:00 (local time in the "
                "policy's time zone) or 2025-03-01T10:00:00-08:00",
                code="scenarios.at",
            )
        ) from None


def scenario_account(policy: Policy, sf: Any, sc: Any) -> Any:
    """The account of a package scenario: inline, or a file plus the scenario's events."""
    data = sc.data
    doc = sub_document(data, {"account": "account", "events": "events"})
    if "account_file" not in data:
        return account_from_document(doc, policy.tz, path=sf.path)
    account = load_account(sf.named_file(["scenarios", sc.index, "account_file"]), policy.tz)
    if not data.get("events"):
        return account
    more = account_from_document(doc, policy.tz, path=sf.path).events
    taken = {e.id for e in account.events}
    problems = [
        Diagnostic(
            f"event id '{e.id}' is already used in {data['account_file']}",
            locate(sf.data, ["scenarios", sc.index, "events", i, "id"]),
            hint="give every purchase and redemption its own id",
            code="account.duplicate-id",
        )
        for i, e in enumerate(more)
        if e.id in taken
    ]
    if problems:
        raise PolicyError(problems)
    start = len(account.events)
    events = (*account.events, *(replace(e, order=start + i) for i, e in enumerate(more)))
    return replace(account, events=events)


def scenario_cart(sf: Any, sc: Any) -> Any:
    """The cart of a package scenario; PolicyError when it has none."""
    data = sc.data
    if "cart_file" in data:
        return load_cart(sf.named_file(["scenarios", sc.index, "cart_file"]))
    if "cart" not in data:
        raise PolicyError(
            Diagnostic(
                f"scenario '{sc.name}' expects a redemption decision but has no cart",
                locate(sf.data, ["scenarios", sc.index, "expect", "decision"]),
                hint="add 'cart:' (acknowledged_terms, items) or 'cart_file:' to the scenario, "
                "or expect only a 'balance'",
                code="scenarios.cart",
            )
        )
    return cart_from_document(sub_document(data, {"cart": "cart"}), path=sf.path)


def check_package_scenario(policy: Policy, sf: Any, sc: Any) -> None:
    """PolicyError when the scenario is not one a credit-package policy can run."""
    data, here = sc.data, ["scenarios", sc.index]
    if "account" not in data and "account_file" not in data:
        raise PolicyError(
            Diagnostic(
                f"scenario '{sc.name}' tests a credit-package policy: it needs 'account' (with "
                "'events') or 'account_file', and 'at'",
                locate(sf.data, here),
                hint="holders and as_of are for certification policies",
                code="scenarios.kind",
            )
        )
    wrong = [k for k in data["expect"] if k not in PACKAGE_EXPECT]
    if wrong:
        raise PolicyError(
            [
                Diagnostic(
                    f"'{k}' is expected of certification policies; a credit-package scenario "
                    "expects 'decision' and/or 'balance'",
                    locate(sf.data, [*here, "expect", k]),
                    hint="see docs/ci.md, 'Scenario files'",
                    code="scenarios.kind",
                )
                for k in wrong
            ]
        )


def package_outcome(
    policy: Policy, sf: Any, sc: Any, recorder: Recorder | None = None
) -> dict[str, Any]:
    """The ``decision`` and/or ``balance`` a package scenario expects, as plain data."""
    check_package_scenario(policy, sf, sc)
    account = scenario_account(policy, sf, sc)
    at = scenario_at(sf, sc, policy.tz)
    out: dict[str, Any] = {}
    expect = sc.data["expect"]
    if "decision" in expect:
        cart = scenario_cart(sf, sc)
        decision = redeem(policy, account, cart, at)
        if recorder is not None:
            _record(policy, recorder, decision.balance_after, cart, decision)
        out["decision"] = decision_data(decision)
    if "balance" in expect:
        bal = balance(policy, account, at)
        if recorder is not None:
            _record(policy, recorder, bal, None, None)
        out["balance"] = balance_data(bal)
    return out


def _record(policy: Policy, recorder: Recorder, bal: Any, cart: Any, decision: Any) -> None:
    """Coverage of the package terms that are not expressions (see the module docstring)."""
    terms = policy.package
    for p in bal.packages:
        recorder.hit(policy, "package.valid_for", p.package.usable_at(bal.at))
    if cart is not None and terms is not None and terms.require_acknowledgement:
        recorder.hit(policy, "cart.require_acknowledgement", cart.acknowledged_terms)
    if (
        decision is not None
        and decision.enrollments
        and terms is not None
        and terms.course_expires_after is not None
    ):
        recorder.hit(policy, "enrollment.expires_after")
