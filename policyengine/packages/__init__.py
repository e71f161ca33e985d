"""Prepaid credit packages: accounts, carts, balances, redemptions and the ledger file.

The public API, re-exported here: :func:`purchased_packages` (the packages an account
bought, each with its validity window), :func:`balance` (per package: bought, used,
remaining, expiry, status), :func:`redeem` (may this cart be paid with credits?) and
:func:`record_redemption` (append it, re-checked). ``files`` reads and writes account
and cart files, ``ledger`` replays a history, ``ledger_file`` locks an account file
while a redemption is recorded in it.
"""

from policyengine.packages.files import (
    Account,
    Cart,
    CartItem,
    load_account,
    load_cart,
    write_account,
)
from policyengine.packages.ledger import (
    Balance,
    Package,
    PackageBalance,
    Terms,
    balance,
    check_history,
    package_for,
    purchased_packages,
    terms,
)
from policyengine.packages.redeem import (
    Draw,
    Enrollment,
    ItemCharge,
    Reason,
    RedemptionDecision,
    balance_data,
    decision_data,
    next_redemption_id,
    package_data,
    record_redemption,
    redeem,
)

__all__ = [
    "Account",
    "Balance",
    "Cart",
    "CartItem",
    "Draw",
    "Enrollment",
    "ItemCharge",
    "Package",
    "PackageBalance",
    "Reason",
    "RedemptionDecision",
    "Terms",
    "balance",
    "balance_data",
    "check_history",
    "decision_data",
    "load_account",
    "load_cart",
    "next_redemption_id",
    "package_data",
    "package_for",
    "purchased_packages",
    "record_redemption",
    "redeem",
    "terms",
    "write_account",
]
