"""Prepaid CPE credit packages (seed 001): one or more tests per seed sentence, plus edges.

Policy: policies/western-cpe-package.yaml (365 days, end-of-day boundary, time zone
America/Los_Angeles, expires-first draws, course expiry 1 year). Times written
without an offset are Los Angeles time.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from policyengine import load_policy
from policyengine.errors import PolicyError
from policyengine.packages import (
    balance,
    check_history,
    decision_data,
    purchased_packages,
    record_redemption,
    redeem,
)
from policyengine.packages.files import (
    account_from_document,
    account_text,
    cart_from_document,
    load_account,
    load_cart,
)
from tests.helpers import POLICIES, write_variant

POLICY_PATH = POLICIES / "western-cpe-package.yaml"
LA = ZoneInfo("America/Los_Angeles")


@pytest.fixture(scope="module")
def policy():
    return load_policy(str(POLICY_PATH))


def variant(tmp_path: Path, old: str, new: str):
    """The Western CPE policy with one line changed."""
    return load_policy(str(write_variant(tmp_path, POLICY_PATH.name, old, new)))


def at(text: str) -> dt.datetime:
    value = dt.datetime.fromisoformat(text)
    return value if value.tzinfo else value.replace(tzinfo=LA)


def purchase(pid: str, when: str, credits) -> dict:
    return {"type": "purchase", "id": pid, "at": when, "credits": Decimal(str(credits))}


def redemption(rid: str, when: str, *items: tuple[str, str, object], draws=None) -> dict:
    event = {
        "type": "redemption",
        "id": rid,
        "at": when,
        "items": [{"id": i, "product_type": t, "credits": Decimal(str(c))} for i, t, c in items],
    }
    if draws:
        event["draws"] = [{"package": p, "credits": Decimal(str(c))} for p, c in draws]
    return event


def account(*events: dict):
    return account_from_document({"account": {"id": "m-1"}, "events": list(events)}, LA)


def cart(*items: tuple[str, str, object], ack: bool = True):
    return cart_from_document(
        {
            "cart": {
                "acknowledged_terms": ack,
                "items": [
                    {"id": i, "title": f"Course {i}", "product_type": t, "credits": Decimal(str(c))}
                    for i, t, c in items
                ],
            }
        }
    )


def codes(decision) -> list[str]:
    return [r.code for r in decision.reasons]


ONE_PACKAGE = account(purchase("p1", "2024-01-15T10:00:00", 20))


# --- "Your CPE Credits will be available to be redeemed after you have purchased a
#      CPE Credit Package."


def test_credits_cannot_be_redeemed_before_the_package_is_purchased(policy):
    d = redeem(policy, ONE_PACKAGE, cart(("w1", "webcast", 2)), at("2024-01-15T09:59:59"))
    assert not d.allowed and not d.option_offered
    assert codes(d) == ["no-valid-package"]


def test_credits_can_be_redeemed_right_after_the_purchase(policy):
    d = redeem(policy, ONE_PACKAGE, cart(("w1", "webcast", 2)), at("2024-01-15T10:00:00"))
    assert d.allowed and d.option_offered and codes(d) == []


# --- "You can apply your CPE credits to any Webcast, Self-Study, or Self-Study-Video
#      products at checkout." / "These credits can be used to purchase various types of
#      courses: Self-Study, Self-Study Videos, or Webcasts."


@pytest.mark.parametrize("product_type", ["webcast", "self-study", "self-study-video"])
def test_webcast_self_study_and_self_study_video_can_be_paid_with_credits(policy, product_type):
    d = redeem(policy, ONE_PACKAGE, cart(("c1", product_type, 3)), at("2024-03-01T12:00:00"))
    assert d.allowed
    assert [c.eligible for c in d.items] == [True]


# --- "Please note that CPE credits are not eligible for redemption towards the purchase
#      of Seminars or Conferences."


@pytest.mark.parametrize("product_type", ["seminar", "conference"])
def test_seminars_and_conferences_are_not_eligible_for_credits(policy, product_type):
    d = redeem(policy, ONE_PACKAGE, cart(("s1", product_type, 8)), at("2024-03-01T12:00:00"))
    assert not d.allowed
    assert d.option_offered  # the button shows; the item is refused with its reason
    assert codes(d) == ["item-not-eligible"]
    assert d.reasons[0].item == "s1"
    assert "not eligible for Seminars or Conferences" in d.reasons[0].message


def test_cart_mixing_eligible_and_ineligible_items_is_refused_naming_only_the_ineligible(policy):
    c = cart(("w1", "webcast", 2), ("sem", "seminar", 16), ("ss", "self-study", 1))
    d = redeem(policy, ONE_PACKAGE, c, at("2024-03-01T12:00:00"))
    assert not d.allowed
    assert [(r.code, r.item) for r in d.reasons] == [("item-not-eligible", "sem")]
    assert [c.eligible for c in d.items] == [True, False, True]
    assert d.draws == () and d.enrollments == ()


# --- "you will see your available CPE credit amount in your CPE Dashboard."


def test_balance_shows_the_available_credit_amount(policy):
    acc = account(
        purchase("p1", "2024-01-15T10:00:00", 20),
        redemption("r1", "2024-02-01T09:00:00", ("w1", "webcast", 4)),
    )
    b = balance(policy, acc, at("2024-06-01T00:00:00"))
    assert (b.available, b.bought, b.used) == (Decimal(16), Decimal(20), Decimal(4))
    (p,) = b.packages
    assert (p.used, p.remaining, p.status) == (Decimal(4), Decimal(16), "active")


# --- "You may choose any online course(s) (up to your available amount)" and
#      "Credit Balance: Ensure you have enough credits ... to cover the cost of the courses"


def test_cart_costing_exactly_the_available_amount_is_allowed(policy):
    c = cart(("w1", "webcast", 12), ("s1", "self-study", 8))
    d = redeem(policy, ONE_PACKAGE, c, at("2024-03-01T12:00:00"))
    assert d.allowed and d.total_credits == Decimal(20)
    assert d.balance_after.available == 0
    assert d.balance_after.packages[0].status == "used-up"


def test_cart_the_balance_cannot_cover_is_refused_with_the_exact_shortfall(policy):
    c = cart(("w1", "webcast", 12), ("s1", "self-study", 8.5))
    d = redeem(policy, ONE_PACKAGE, c, at("2024-03-01T12:00:00"))
    assert not d.allowed and d.option_offered
    assert codes(d) == ["insufficient-credits"]
    assert d.reasons[0].credits == Decimal("0.5")
    assert (
        "20.5 credits but only 20 credits are available: 0.5 credits short" in d.reasons[0].message
    )


# --- "When you purchase a credit package, you are buying a set number of credits, not
#      specific courses." / "Your total will be adjusted to zero"


def test_each_item_costs_its_credits_and_the_whole_cart_is_paid_by_credits(policy):
    c = cart(("w1", "webcast", 3), ("v1", "self-study-video", 4.5))
    d = redeem(policy, ONE_PACKAGE, c, at("2024-03-01T12:00:00"))
    assert [x.credits for x in d.items] == [Decimal(3), Decimal("4.5")]
    assert sum(x.credits for x in d.draws) == d.total_credits == Decimal("7.5")


def test_item_cost_is_a_policy_expression(tmp_path):
    pol = variant(tmp_path, "item_cost: item.credits", "item_cost: item.credits * 2")
    d = redeem(pol, ONE_PACKAGE, cart(("w1", "webcast", 3)), at("2024-03-01T12:00:00"))
    assert d.total_credits == Decimal(6) and d.draws[0].remaining_after == Decimal(14)


def test_package_expressions_run_through_the_shared_runner(tmp_path):
    from policyengine.ci.coverage import Recorder
    from policyengine.policy.rule import observing

    pol = variant(tmp_path, "item_cost: item.credits", "item_cost: item.credits / item.price")
    with pytest.raises(PolicyError) as info:  # price 0: the error points inside the expression
        redeem(pol, ONE_PACKAGE, cart(("w1", "webcast", 3)), at("2024-03-01T12:00:00"))
    [d] = info.value.diagnostics
    line = next(
        i for i, t in enumerate(Path(pol.path).read_text().splitlines(), 1) if "item_cost:" in t
    )
    assert (d.location.line, d.location.col, d.message) == (line, 14, "division by zero")
    rec = Recorder()
    policy = load_policy(str(POLICY_PATH))
    rec.register(policy)
    with observing(rec):
        redeem(
            policy,
            ONE_PACKAGE,
            cart(("w1", "webcast", 3), ("f", "flexcast", 1)),
            at("2024-03-01T12:00:00"),
        )
    [cov] = rec.policies.values()
    assert set(cov.hits) == {"cart.item_cost", "cart.eligible_item", "cart.rules.0.refuse_when"}
    assert cov.hits["cart.item_cost"] == 2 and cov.hits["cart.rules.0.refuse_when"] == 1


# --- "CPE Credits cannot be applied to FlexCast ... If FlexCast is in your cart, the
#      'Use My CPE Credits' button will not appear. Flexcast will need to be purchased
#      separately."


def test_flexcast_in_the_cart_hides_the_use_my_credits_option(policy):
    c = cart(("w1", "webcast", 2), ("fc", "flexcast", 8))
    d = redeem(policy, ONE_PACKAGE, c, at("2024-03-01T12:00:00"))
    assert not d.option_offered and not d.allowed
    assert ("cart-rule", "flexcast") in [(r.code, r.rule) for r in d.reasons]
    assert "'Use My CPE Credits' button does not appear" in d.reasons[0].message


def test_cart_without_the_flexcast_bought_separately_can_use_credits(policy):
    d = redeem(policy, ONE_PACKAGE, cart(("w1", "webcast", 2)), at("2024-03-01T12:00:00"))
    assert d.option_offered and d.allowed


# --- "CPE Credit packages are valid for redemption for 365 days from the purchase date."
#      end-of-day: day 1 is the purchase date; 2024-01-15 + 364 days = 2025-01-13.


def test_package_bought_2024_01_15_is_usable_through_2025_01_13(policy):
    (p,) = purchased_packages(policy, ONE_PACKAGE)
    assert p.last_day == dt.date(2025, 1, 13)
    assert p.expires_at == dt.datetime(2025, 1, 14, tzinfo=LA)


def test_package_on_its_last_valid_day_can_be_redeemed_until_midnight(policy):
    d = redeem(policy, ONE_PACKAGE, cart(("w1", "webcast", 2)), at("2025-01-13T23:59:59.999999"))
    assert d.allowed


def test_package_the_day_after_its_last_valid_day_cannot_be_redeemed(policy):
    d = redeem(policy, ONE_PACKAGE, cart(("w1", "webcast", 2)), at("2025-01-14T00:00:00"))
    assert not d.allowed and not d.option_offered
    assert codes(d) == ["no-valid-package"]
    assert "expired after 2025-01-13 with 20 credits unused" in d.reasons[0].message


def test_validity_is_counted_in_the_policy_time_zone(policy):
    # 23:30 on 2024-01-15 in Los Angeles is 2024-01-16 in UTC: still bought on the 15th.
    acc = account(purchase("p1", "2024-01-15T23:30:00-08:00", 5))
    (p,) = purchased_packages(policy, acc)
    assert p.last_day == dt.date(2025, 1, 13)
    c = cart(("w1", "webcast", 1))
    assert redeem(policy, acc, c, at("2025-01-14T07:59:59+00:00")).allowed  # 23:59:59 LA
    assert not redeem(policy, acc, c, at("2025-01-14T08:00:00+00:00")).allowed  # 00:00 LA


def test_purchase_time_boundary_keeps_the_package_until_the_purchase_clock_time(tmp_path):
    pol = variant(tmp_path, "boundary: end-of-day", "boundary: purchase-time")
    (p,) = purchased_packages(pol, ONE_PACKAGE)
    assert p.expires_at == dt.datetime(2025, 1, 14, 10, 0, tzinfo=LA)
    assert p.last_day == dt.date(2025, 1, 14)
    c = cart(("w1", "webcast", 2))
    assert redeem(pol, ONE_PACKAGE, c, at("2025-01-14T09:59:59")).allowed
    assert not redeem(pol, ONE_PACKAGE, c, at("2025-01-14T10:00:00")).allowed


def test_purchase_in_a_leap_year_365_days_is_one_day_short_of_a_year(policy):
    # 2024-02-29 + 365 days = 2025-02-28; day 365 (the last usable day) is 2025-02-27.
    acc = account(purchase("p1", "2024-02-29T08:00:00", 10))
    (p,) = purchased_packages(policy, acc)
    assert p.last_day == dt.date(2025, 2, 27)
    assert redeem(policy, acc, cart(("w1", "webcast", 1)), at("2025-02-27T18:00:00")).allowed
    assert not redeem(policy, acc, cart(("w1", "webcast", 1)), at("2025-02-28T00:00:00")).allowed


def test_purchase_outside_a_leap_year_is_usable_through_the_day_before_the_anniversary(policy):
    acc = account(purchase("p1", "2025-03-01T08:00:00", 10))
    assert purchased_packages(policy, acc)[0].last_day == dt.date(2026, 2, 28)


# --- "After one year, you will no longer be able to enroll in courses using your CPE
#      Credits."


def test_no_enrollment_with_credits_on_the_one_year_anniversary(policy):
    d = redeem(policy, ONE_PACKAGE, cart(("w1", "webcast", 1)), at("2025-01-15T12:00:00"))
    assert not d.allowed and codes(d) == ["no-valid-package"]


# --- "Multiple Transactions: You do not have to use all of your credits in one
#      transaction; credits can be used over multiple transactions."


def test_multiple_transactions_draw_down_one_package(policy):
    acc = ONE_PACKAGE
    for n, (when, credits) in enumerate(
        [("2024-02-01T09:00:00", 3), ("2024-05-10T14:30:00", 4.5), ("2024-11-30T20:00:00", 12)],
        start=1,
    ):
        acc = record_redemption(policy, acc, cart((f"w{n}", "webcast", credits)), at(when), f"r{n}")
    b = balance(policy, acc, at("2024-12-01T00:00:00"))
    assert (b.used, b.available) == (Decimal("19.5"), Decimal("0.5"))
    d = redeem(policy, acc, cart(("w4", "webcast", 1)), at("2024-12-02T00:00:00"))
    assert codes(d) == ["insufficient-credits"] and d.reasons[0].credits == Decimal("0.5")


# --- With several packages: the one that expires first, then the next (one cart may draw
#      from several packages).


def test_two_packages_draw_first_from_the_one_expiring_sooner_then_the_next(policy):
    acc = account(
        purchase("later", "2024-09-01T14:00:00", 10), purchase("sooner", "2024-06-10T09:15:00", 5)
    )
    d = redeem(policy, acc, cart(("w1", "webcast", 8)), at("2025-03-01T10:00:00"))
    assert d.allowed
    assert [(x.package.id, x.credits, x.remaining_after) for x in d.draws] == [
        ("sooner", Decimal(5), Decimal(0)),
        ("later", Decimal(3), Decimal(7)),
    ]
    assert [x.package.last_day for x in d.draws] == [dt.date(2025, 6, 9), dt.date(2025, 8, 31)]


def test_largest_first_draw_order_is_a_policy_option(tmp_path):
    pol = variant(tmp_path, "draw_order: expires-first", "draw_order: largest-first")
    acc = account(
        purchase("small", "2024-06-10T09:15:00", 5), purchase("big", "2024-09-01T14:00:00", 10)
    )
    d = redeem(pol, acc, cart(("w1", "webcast", 8)), at("2025-03-01T10:00:00"))
    assert [(x.package.id, x.credits) for x in d.draws] == [("big", Decimal(8))]


# --- "Monitor Expiration: Check the expiration date of your credits"; expired packages
#      keep their history and say how many credits expired unused and when.


def test_expired_package_reports_credits_expired_unused_and_when(policy):
    acc = account(
        purchase("p1", "2024-01-15T10:00:00", 8),
        redemption("r1", "2024-03-05T16:45:00", ("s1", "self-study", 2.5)),
    )
    b = balance(policy, acc, at("2025-01-14T00:00:00"))
    (p,) = b.packages
    assert (p.status, p.used, p.expired_unused) == ("expired", Decimal("2.5"), Decimal("5.5"))
    assert p.package.expires_at == dt.datetime(2025, 1, 14, tzinfo=LA)
    assert (b.available, b.expired_unused) == (Decimal(0), Decimal("5.5"))
    assert balance(policy, acc, at("2025-01-13T12:00:00")).packages[0].status == "active"


# --- "Click on the checkbox to acknowledge that you understand the terms and conditions.
#      Finalize your purchase by clicking the "Complete Transaction" button."


def test_redemption_without_acknowledged_terms_is_refused(policy):
    d = redeem(
        policy, ONE_PACKAGE, cart(("w1", "webcast", 2), ack=False), at("2024-03-01T12:00:00")
    )
    assert d.option_offered and not d.allowed
    assert codes(d) == ["terms-not-acknowledged"]


def test_every_reason_is_listed_together(policy):
    c = cart(("sem", "seminar", 30), ("fc", "flexcast", 1), ack=False)
    d = redeem(policy, ONE_PACKAGE, c, at("2024-03-01T12:00:00"))
    assert codes(d) == [
        "cart-rule",
        "item-not-eligible",
        "item-not-eligible",
        "insufficient-credits",
        "terms-not-acknowledged",
    ]
    assert d.reasons[3].credits == Decimal(11)


# --- "After completing the transaction, you will be enrolled in the course." /
#      "Courses expire a year from date of purchase" (a calendar year, not 365 days).


def test_completing_the_transaction_enrolls_in_each_course(policy):
    c = cart(("w1", "webcast", 2), ("s1", "self-study", 3))
    d = redeem(policy, ONE_PACKAGE, c, at("2024-01-15T16:00:00"))
    assert [e.item.id for e in d.enrollments] == ["w1", "s1"]


def test_course_bought_2024_01_15_expires_2025_01_15(policy):
    d = redeem(policy, ONE_PACKAGE, cart(("w1", "webcast", 2)), at("2024-01-15T16:00:00"))
    assert d.enrollments[0].expires_on == dt.date(2025, 1, 15)


def test_course_bought_on_leap_day_expires_2025_02_28(policy):
    acc = account(purchase("p1", "2024-02-01T08:00:00", 10))
    d = redeem(policy, acc, cart(("w1", "webcast", 2)), at("2024-02-29T21:00:00"))
    assert d.enrollments[0].expires_on == dt.date(2025, 2, 28)


def test_refused_redemption_enrolls_nobody(policy):
    d = redeem(policy, ONE_PACKAGE, cart(("w1", "webcast", 50)), at("2024-03-01T12:00:00"))
    assert d.enrollments == () and d.draws == ()


# --- edges


def test_empty_cart_is_refused_with_a_reason(policy):
    d = redeem(policy, ONE_PACKAGE, cart(), at("2024-03-01T12:00:00"))
    assert not d.allowed and codes(d) == ["empty-cart"]


def test_fractional_credits_are_exact_decimals(policy):
    acc = account(purchase("p1", "2024-01-15T10:00:00", 1))
    acc = record_redemption(
        policy, acc, cart(("a", "webcast", 0.5)), at("2024-02-01T10:00:00"), "r1"
    )
    acc = record_redemption(
        policy, acc, cart(("b", "self-study", 0.25)), at("2024-02-02T10:00:00"), "r2"
    )
    b = balance(policy, acc, at("2024-02-03T00:00:00"))
    assert b.available == Decimal("0.25")
    d = redeem(policy, acc, cart(("c", "webcast", 0.3)), at("2024-02-03T00:00:00"))
    assert d.reasons[0].credits == Decimal("0.05")
    assert decision_data(d)["reasons"][0]["credits"] == "0.05"


@pytest.mark.parametrize(
    "raw, words",
    [
        (Decimal(-5), "cannot be negative"),
        ("abc", "must be a number"),
        (Decimal(0), "greater than 0"),
    ],
)
def test_negative_or_non_numeric_purchase_credits_are_a_clear_error(raw, words):
    doc = {"account": {"id": "m"}, "events": [purchase("p1", "2024-01-15", 1)]}
    doc["events"][0]["credits"] = raw
    with pytest.raises(PolicyError) as err:
        account_from_document(doc, LA)
    assert words in str(err.value)


def test_bad_values_in_an_account_file_point_at_file_line_col(tmp_path):
    path = tmp_path / "acc.yaml"
    path.write_text(
        "account:\n  id: m\nevents:\n  - type: purchase\n    id: p1\n"
        "    at: 2024-13-45T10:00:00\n    credits: 5\n",
        encoding="utf-8",
    )
    with pytest.raises(PolicyError) as err:
        load_account(str(path), LA)
    (diag,) = err.value.diagnostics
    assert (diag.location.line, diag.location.col) == (6, 9)
    assert "not a valid ISO 8601 timestamp" in diag.message and diag.hint


def test_negative_item_credits_in_a_cart_file_point_at_file_line_col(tmp_path):
    path = tmp_path / "cart.yaml"
    path.write_text(
        "cart:\n  items:\n    - id: w1\n      title: T\n      product_type: webcast\n"
        "      credits: -2\n",
        encoding="utf-8",
    )
    with pytest.raises(PolicyError) as err:
        load_cart(str(path))
    assert err.value.diagnostics[0].location.line == 6


# --- replaying the history re-validates every stored redemption


def test_stored_redemption_that_overdraws_is_reported_with_its_file_and_line(policy, tmp_path):
    path = tmp_path / "acc.yaml"
    path.write_text(
        "account:\n  id: m\nevents:\n"
        "  - {type: purchase, id: p1, at: '2024-01-15T10:00:00', credits: 5}\n"
        "  - type: redemption\n    id: r1\n    at: 2024-02-01T10:00:00\n"
        "    items: [{id: w1, product_type: webcast, credits: 6}]\n",
        encoding="utf-8",
    )
    acc = load_account(str(path), LA)
    with pytest.raises(PolicyError) as err:
        balance(policy, acc, at("2024-03-01T00:00:00"))
    (diag,) = err.value.diagnostics
    assert str(diag.location).startswith(f"{path}:5:")
    assert "short by 1" in diag.message


def test_stored_redemption_drawing_from_an_expired_package_is_reported(policy):
    acc = account(
        purchase("p1", "2024-01-15T10:00:00", 5),
        redemption("r1", "2025-01-14T09:00:00", ("w1", "webcast", 1), draws=[("p1", 1)]),
    )
    problems = check_history(policy, acc)
    assert len(problems) == 1 and "expired" in problems[0].message
    with pytest.raises(PolicyError):
        redeem(policy, acc, cart(("w2", "webcast", 1)), at("2024-06-01T00:00:00"))


def test_stored_draws_must_name_a_known_package_and_add_up(policy):
    acc = account(
        purchase("p1", "2024-01-15T10:00:00", 5),
        redemption("r1", "2024-02-01T09:00:00", ("w1", "webcast", 2), draws=[("nope", 1)]),
    )
    messages = [d.message for d in check_history(policy, acc)]
    assert any("add up to 1 credits but its items cost 2" in m for m in messages)
    assert any("'nope', which was not bought before it" in m for m in messages)


# --- double spending: redeem is pure; record_redemption re-checks


def test_redeem_is_pure_and_record_redemption_appends_with_its_draws(policy):
    c = cart(("w1", "webcast", 15))
    d = redeem(policy, ONE_PACKAGE, c, at("2024-03-01T12:00:00"))
    assert d.allowed and len(ONE_PACKAGE.events) == 1
    new = record_redemption(policy, ONE_PACKAGE, c, at("2024-03-01T12:00:00"), "r1")
    assert len(ONE_PACKAGE.events) == 1 and len(new.events) == 2
    event = new.events[-1]
    assert [(x.package, x.credits) for x in event.draws] == [("p1", Decimal(15))]
    assert event.acknowledged_terms is True


def test_recording_the_same_cart_twice_is_refused_when_the_credits_are_gone(policy):
    c = cart(("w1", "webcast", 15))
    when = at("2024-03-01T12:00:00")
    first = record_redemption(policy, ONE_PACKAGE, c, when, "r1")
    with pytest.raises(PolicyError) as err:
        record_redemption(policy, first, c, when, "r2")
    assert "10 credits short" in str(err.value)


def test_recording_a_redemption_with_a_taken_id_is_refused(policy):
    first = record_redemption(
        policy, ONE_PACKAGE, cart(("w1", "webcast", 1)), at("2024-03-01T12:00:00"), "r1"
    )
    with pytest.raises(PolicyError, match="already has an event with id 'r1'"):
        record_redemption(
            policy, first, cart(("w2", "webcast", 1)), at("2024-03-02T12:00:00"), "r1"
        )


def test_backdated_redemption_that_would_uncover_a_later_one_is_refused(policy):
    acc = account(
        purchase("p1", "2024-01-15T10:00:00", 10),
        redemption("r-late", "2024-06-01T10:00:00", ("w1", "webcast", 8)),
    )
    d = redeem(policy, acc, cart(("w2", "webcast", 5)), at("2024-03-01T10:00:00"))
    assert not d.allowed and codes(d) == ["history-conflict"]


def test_written_history_reads_back_to_the_same_balance(policy, tmp_path):
    acc = record_redemption(
        policy, ONE_PACKAGE, cart(("w1", "webcast", 2.25)), at("2024-03-01T12:00:00"), "r1"
    )
    for name in ("acc.yaml", "acc.json"):
        path = tmp_path / name
        path.write_text(account_text(acc, LA, json_format=name.endswith(".json")), encoding="utf-8")
        again = load_account(str(path), LA)
        assert balance(policy, again, at("2024-04-01T00:00:00")).available == Decimal("17.75")


def test_a_certification_policy_is_refused_by_redeem():
    pol = load_policy(str(POLICIES / "werc-crp.yaml"))
    with pytest.raises(PolicyError, match="not a credit-package policy"):
        redeem(pol, ONE_PACKAGE, cart(("w1", "webcast", 1)), at("2024-03-01T12:00:00"))
