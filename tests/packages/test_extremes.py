"""Package accounts at the calendar's ends: a package that would expire after
9999-12-31 is a diagnostic at its purchase, never an ``OverflowError`` or a
``FunctionError`` traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from policyengine.dates import parse_datetime
from policyengine.errors import PolicyError
from policyengine.packages import balance, load_account
from tests.helpers import POLICIES, write_variant

ACCOUNT = """\
account: {id: m-1}
events:
  - type: purchase
    id: early
    at: 2025-01-01T10:00:00
    credits: 5
  - type: purchase
    id: p-9999
    at: 9999-06-01T10:00:00
    credits: 20
"""


@pytest.mark.parametrize("boundary", ["end-of-day", "purchase-time"])
def test_a_package_expiring_after_year_9999(tmp_path: Path, boundary: str) -> None:
    from policyengine.plugins_loader import load_plugins
    from policyengine.policy.build import load_policy

    path = write_variant(
        tmp_path,
        "western-cpe-package.yaml",
        "valid_for: 365 days",
        "valid_for: 1 year",
        "boundary: end-of-day",
        f"boundary: {boundary}",
    )
    policy = load_policy(str(path), load_plugins(None).environment)
    account_path = tmp_path / "account.yaml"
    account_path.write_text(ACCOUNT, encoding="utf-8")
    account = load_account(str(account_path), policy.tz)
    with pytest.raises(PolicyError) as err:
        balance(policy, account, parse_datetime("2025-03-01T10:00:00", policy.tz))
    (diag,) = err.value.diagnostics
    assert diag.message == (
        "purchase 'p-9999' at 9999-06-01T10:00:00: the package would expire after "
        "9999-12-31, the last date policyengine computes with (valid for 1 year)"
    )
    assert diag.location is not None
    assert (diag.location.file, diag.location.line) == (str(account_path), 7)
    assert diag.hint == "check the purchase's time, or the policy's package.valid_for"


def test_bundled_account_unchanged() -> None:
    from policyengine.plugins_loader import load_plugins
    from policyengine.policy.build import load_policy

    policy = load_policy(str(POLICIES / "western-cpe-package.yaml"), load_plugins(None).environment)
    account = load_account(str(POLICIES / "accounts" / "dana-two-packages.yaml"), policy.tz)
    result = balance(policy, account, parse_datetime("9999-12-30T00:00:00", policy.tz))
    assert result.available == 0


def test_account_and_cart_numbers_beyond_the_range(tmp_path: Path) -> None:
    from zoneinfo import ZoneInfo

    from policyengine.packages import load_cart

    path = tmp_path / "account.yaml"
    path.write_text(ACCOUNT.replace("credits: 20", "credits: 1e999999"), encoding="utf-8")
    with pytest.raises(PolicyError) as err:
        load_account(str(path), ZoneInfo("UTC"))
    (diag,) = err.value.diagnostics
    assert diag.message == (
        "purchase 'p-9999': credits 1E+999999 is out of range: numbers have at most 12 "
        "digits before the decimal point and 6 after it"
    )
    assert diag.location is not None and (diag.location.line, diag.location.col) == (10, 14)
    cart = tmp_path / "cart.yaml"
    cart.write_text(
        "cart:\n  items:\n    - {id: a, title: A, product_type: webcast, credits: 1, price: 1e99}\n",
        encoding="utf-8",
    )
    with pytest.raises(PolicyError) as err:
        load_cart(str(cart))
    assert [d.message for d in err.value.diagnostics] == [
        "item 'a': price 1E+99 is out of range: numbers have at most 12 digits before the "
        "decimal point and 6 after it"
    ]
