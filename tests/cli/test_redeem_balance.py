"""``policyengine redeem`` and ``policyengine balance`` on the bundled Western CPE files."""

from __future__ import annotations

import json
import shutil

import pytest

from tests.helpers import ROOT

POLICY = "policies/western-cpe-package.yaml"
DANA = "policies/accounts/dana-two-packages.yaml"
SAM = "policies/accounts/sam-expired.yaml"
AT = "2025-03-01T10:00:00"


@pytest.fixture
def redeem(cli):
    """``redeem(cart, *options)``: redeem ``policies/carts/<cart>.yaml`` from Dana's account
    (or ``account=``) at 2025-03-01 10:00."""

    def run(cart: str, *extra: str, account: str = DANA):
        return cli(
            "redeem",
            POLICY,
            "--account",
            account,
            "--cart",
            f"policies/carts/{cart}.yaml",
            "--at",
            AT,
            *extra,
        )

    return run


def test_redeem_eligible_cart_is_allowed_and_shows_draws_and_enrollments(redeem):
    r = redeem("eligible-only")
    assert r.returncode == 0, r.stderr
    assert "redemption: ALLOWED" in r.stdout
    assert "pkg-2024-06: 7.5 credits, 8.5 left, usable through 2025-06-09" in r.stdout
    assert "course expires 2026-03-01" in r.stdout
    assert "as of    2025-03-01T10:00:00-08:00" in r.stdout


def test_redeem_json_has_decimals_as_strings(redeem):
    r = redeem("eligible-only", "-o", "json")
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)["decision"]
    assert doc["allowed"] is True and doc["total_credits"] == "7.5"
    assert doc["draws"] == [
        {
            "package": "pkg-2024-06",
            "credits": "7.5",
            "remaining_after": "8.5",
            "expires_at": "2025-06-10T00:00:00-07:00",
            "last_day": "2025-06-09",
        }
    ]
    assert [e["expires_on"] for e in doc["enrollments"]] == ["2026-03-01", "2026-03-01"]


def test_redeem_with_flexcast_does_not_offer_the_option_and_exits_1(redeem):
    r = redeem("with-flexcast", "-o", "json")
    assert r.returncode == 1
    doc = json.loads(r.stdout)["decision"]
    assert doc["option_offered"] is False and doc["allowed"] is False
    assert doc["reasons"][0]["code"] == "cart-rule" and doc["reasons"][0]["rule"] == "flexcast"


def test_redeem_with_a_seminar_names_the_seminar(redeem):
    r = redeem("with-seminar")
    assert r.returncode == 1
    assert "[item-not-eligible SEM-TAX-16]" in r.stdout
    assert "SS-FRAUD-2" not in r.stdout.split("items (")[0]


def test_redeem_too_expensive_states_the_shortfall(redeem):
    r = redeem("too-expensive")
    assert r.returncode == 1
    assert (
        "The cart costs 30 credits but only 26 credits are available: 4 credits short." in r.stdout
    )


def test_redeem_without_acknowledged_terms_is_refused(redeem):
    r = redeem("terms-not-acknowledged")
    assert r.returncode == 1 and "[terms-not-acknowledged]" in r.stdout


def test_balance_of_an_expired_package_says_how_much_expired_and_when(cli):
    r = cli("balance", POLICY, "--account", SAM, "--at", "2025-01-14T00:00:00")
    assert r.returncode == 0, r.stderr
    assert "5.5 credits expired unused at 2025-01-14T00:00:00-08:00" in r.stdout
    r = cli("balance", POLICY, "--account", SAM, "--at", "2025-01-13T23:59:59", "-o", "json")
    doc = json.loads(r.stdout)["balance"]
    assert doc["available"] == "5.5" and doc["packages"][0]["status"] == "active"


def test_balance_without_at_uses_now_and_prints_it(cli):
    r = cli("balance", POLICY, "--account", DANA)
    assert r.returncode == 0, r.stderr
    assert "(now: pass --at for a repeatable answer)" in r.stdout


def test_json_output_is_byte_identical_twice(redeem, cli):
    first = redeem("eligible-only", "-o", "json").stdout
    assert first and first == redeem("eligible-only", "-o", "json").stdout
    args = ("balance", POLICY, "--account", DANA, "--at", AT, "-o", "json")
    assert cli(*args).stdout == cli(*args).stdout


def test_record_writes_the_updated_history_and_a_second_redemption_sees_it(redeem, cli, tmp_path):
    account = tmp_path / "dana.yaml"
    shutil.copy(ROOT / DANA, account)
    r = redeem("eligible-only", "--record", str(account), account=str(account))
    assert r.returncode == 0, r.stderr
    assert f"recorded redemption 'redemption-2' in {account}" in r.stdout
    r = cli("balance", POLICY, "--account", str(account), "--at", AT, "-o", "json")
    assert json.loads(r.stdout)["balance"]["available"] == "18.5"
    # the same 7.5-credit cart again: 18.5 -> 11 -> 3.5 left -> refused, 4 credits short
    for _ in range(2):
        assert (
            redeem("eligible-only", "--record", str(account), account=str(account)).returncode == 0
        )
    r = redeem("eligible-only", "--record", str(account), account=str(account))
    assert r.returncode == 1 and "4 credits short" in r.stdout
    assert f"nothing recorded in {account}" in r.stdout


def test_refused_redemption_records_nothing(redeem, tmp_path):
    out = tmp_path / "out.yaml"
    r = redeem("too-expensive", "--record", str(out))
    assert r.returncode == 1 and not out.exists()


def test_bad_credits_in_an_account_file_is_file_line_col_exit_1_and_nothing_recorded(
    redeem, tmp_path
):
    account = tmp_path / "bad.yaml"
    account.write_text((ROOT / DANA).read_text().replace("credits: 10\n", "credits: -10\n", 1))
    out = tmp_path / "out.yaml"
    r = redeem("eligible-only", "--record", str(out), account=str(account))
    assert r.returncode == 1
    assert f"{account}:17:14:" in r.stderr and "hint:" in r.stderr
    assert "Traceback" not in r.stderr and not out.exists()


def test_non_numeric_credits_in_a_cart_file_is_a_clear_error(cli, tmp_path):
    cart = tmp_path / "cart.yaml"
    cart.write_text(
        "cart:\n  items:\n    - id: w\n      title: W\n      product_type: webcast\n"
        "      credits: two\n"
    )
    r = cli("redeem", POLICY, "--account", DANA, "--cart", str(cart), "--at", AT)
    assert r.returncode == 1 and f"{cart}:6:16:" in r.stderr and "Traceback" not in r.stderr


def test_bad_at_is_a_usage_error(cli):
    r = cli("balance", POLICY, "--account", DANA, "--at", "2025-02-30")
    assert r.returncode == 2 and "not a valid ISO 8601 timestamp" in r.stderr


def test_missing_cart_option_is_a_usage_error(cli):
    r = cli("redeem", POLICY, "--account", DANA)
    assert r.returncode == 2
