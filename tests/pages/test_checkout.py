"""The checkout preview (issue 17 item 4, seed 001): eligible items, the packages drawn
from and the balance after, each number the one ``redeem -o json`` prints."""

from __future__ import annotations

import datetime as dt
import json
from fractions import Fraction

import pytest

from policyengine import load_account, load_cart, load_policy, redeem
from policyengine.pages import checkout_page
from tests.helpers import POLICIES
from tests.pages.dom import parse

AT = "2025-03-01T10:00:00"


def preview(cart: str, account: str = "dana-two-packages.yaml") -> str:
    policy = load_policy(str(POLICIES / "western-cpe-package.yaml"))
    acc = load_account(str(POLICIES / "accounts" / account), policy)
    decision = redeem(
        policy,
        acc,
        load_cart(str(POLICIES / "carts" / cart)),
        dt.datetime.fromisoformat(AT).replace(tzinfo=policy.tz),
    )
    return checkout_page(policy, acc, decision)


def decision_json(cli, cart: str, account: str = "dana-two-packages.yaml") -> dict:
    _, out, _ = cli(
        "redeem", "policies/western-cpe-package.yaml", "--account", f"policies/accounts/{account}",
        "--cart", f"policies/carts/{cart}", "--at", AT, "--json",
    )  # fmt: skip
    return json.loads(out)["decision"]


def test_an_allowed_cart_shows_the_draws_and_the_balance_after(cli):
    want = decision_json(cli, "eligible-only.yaml")
    page = parse(preview("eligible-only.yaml"))
    assert page.one("span", cls="status").text == "allowed"
    for item in want["items"]:
        row = page.one("table", cls="items").one("tr", data_item=item["id"])
        assert row.one("td", data_field="credits").text == item["credits"]
        assert row.one("td", data_field="eligible").text == "eligible"
    assert page.one("td", data_field="total_credits").text == want["total_credits"]
    assert page.one("b", data_field="available_credits").text == want["available_credits"] == "26"
    assert page.one("b", data_field="available_after").text == want["balance_after"]["available"]
    (draw,) = want["draws"]
    row = page.one("table", cls="draws").one("tr", data_package=draw["package"])
    assert row.one("td", data_field="credits").text == draw["credits"] == "7.5"
    assert row.one("td", data_field="remaining_after").text == draw["remaining_after"]
    for p in want["balance_after"]["packages"]:
        row = page.one("table", cls="packages").one("tr", data_package=p["id"])
        for key in ("bought", "used", "remaining"):
            assert row.one("td", data_field=key).text == p[key]
    # the drawn package's bar: 4 used before, 7.5 drawn now, 8.5 left, of 20 bought
    bar = page.one("table", cls="packages").one("tr", data_package="pkg-2024-06").one("svg")
    widths = {(r.classes or {"outline"}).pop(): Fraction(r.attrs["width"]) for r in bar.all("rect")}
    assert widths == {"used": 72, "drawn": 135, "left": Fraction(153), "outline": 360}
    rows = page.one("table", cls="enrollments").all("tr")[1:]
    assert [(tr.attrs["data-item"], tr.all("td")[2].text) for tr in rows] == [
        (e["item"], e["expires_on"]) for e in want["enrollments"]
    ]


@pytest.mark.parametrize(
    ("cart", "code"),
    [
        ("with-seminar.yaml", "item-not-eligible"),
        ("too-expensive.yaml", "insufficient-credits"),
        ("terms-not-acknowledged.yaml", "terms-not-acknowledged"),
        ("with-flexcast.yaml", "cart-rule"),
    ],
)
def test_a_refused_cart_says_why(cli, cart, code):
    want = decision_json(cli, cart)
    page = parse(preview(cart))
    assert page.one("span", cls="status").text == "refused"
    reasons = page.one("ul", cls="reasons").all("li")
    assert [(li.attrs["data-code"], li.text) for li in reasons] == [
        (r["code"], r["message"]) for r in want["reasons"]
    ]
    assert code in [r["code"] for r in want["reasons"]]
    offered = "shown" if want["option_offered"] else "not shown"
    assert page.one("b", data_field="option_offered").text == offered
    assert page.all("table", cls="draws") == [] and page.all("table", cls="enrollments") == []
    for item in want["items"]:
        eligible = (
            page.one("table", cls="items")
            .one("tr", data_item=item["id"])
            .one("td", data_field="eligible")
            .text
        )
        assert eligible == ("eligible" if item["eligible"] else "not eligible")


def test_an_expired_package_shows_its_lost_credits(cli):
    want = decision_json(cli, "eligible-only.yaml", "sam-expired.yaml")
    page = parse(preview("eligible-only.yaml", "sam-expired.yaml"))
    lost = [p for p in want["balance_after"]["packages"] if p["status"] == "expired"]
    assert lost
    for p in lost:
        bar = page.one("table", cls="packages").one("tr", data_package=p["id"]).one("svg")
        assert [r.one("title").text for r in bar.all("rect", cls="lost")] == [
            f"{p['expired_unused']} expired unused"
        ]


def test_the_preview_is_the_same_bytes_each_time():
    assert preview("eligible-only.yaml") == preview("eligible-only.yaml")
    assert "<script" not in preview("eligible-only.yaml")
