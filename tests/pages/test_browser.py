"""The three pages in a real browser (issue 17 item 4): the distribution's headless
Chromium, driven through its chromedriver by selenium, loads each page from a small
HTTP server on 127.0.0.1 (the playground's form posts to it and gets the next page
back, as the service will answer). The tests read the DOM the browser built: elements
there, numbers equal to the evaluation and redemption JSON, the page's one script run
under its Content-Security-Policy, file text shown as text. Screenshots of every page
are kept in ``test-artifacts/pages/`` (CI keeps them as artifacts).

Skipped only where no Chromium is installed: ``.ci/run`` installs ``chromium`` and
``chromium-driver`` when they are missing, so CI always runs these.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar

import pytest
from selenium.common.exceptions import NoAlertPresentException
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.wait import WebDriverWait

from policyengine import (
    evaluate,
    holder_from_dict,
    load_account,
    load_cart,
    load_holder,
    load_policy,
    redeem,
)
from policyengine.cli.output import escape_controls
from policyengine.packages import decision_data
from policyengine.pages import (
    checkout_page,
    parse_playground_form,
    playground_page,
    run_playground,
    timelines_page,
)
from policyengine.pages.timeline_svg import record_title
from tests.browser import MISSING, WHY, chromium, screenshot
from tests.helpers import POLICIES

pytestmark = pytest.mark.skipif(MISSING, reason=WHY)
POLICY = (POLICIES / "werc-crp.yaml").read_text(encoding="utf-8")
HOLDER = (POLICIES / "holders/werc-crp-seed-examples.yaml").read_text(encoding="utf-8")
BROKEN = POLICY.replace("min: 30", "min: thirty", 1)
HOSTILE = '<script>window.pwned = 1; alert("x")</script> \x1b[2J'
AS_OF = dt.date(2025, 9, 1)
AT = "2025-03-01T10:00:00"


def timeline_evaluations() -> list:
    policy = load_policy(str(POLICIES / "werc-crp.yaml"))
    seed = load_holder(str(POLICIES / "holders/werc-crp-seed-examples.yaml"), policy)
    hostile = holder_from_dict(
        {
            "holder": {"id": "m-9", "name": HOSTILE, "designated_on": "2022-06-15"},
            "records": [
                {"id": "x-1", "title": HOSTILE, "credits": 2, "earned_on": "2023-05-01"},
                {"id": "x-2", "title": "Ethics", "credits": 1, "earned_on": "2021-05-01"},
            ],
        },
        policy,
    )
    return [evaluate(policy, *h, AS_OF) for h in (seed, hostile)]


def checkout(cart: str):
    policy = load_policy(str(POLICIES / "western-cpe-package.yaml"))
    account = load_account(str(POLICIES / "accounts/dana-two-packages.yaml"), policy)
    at = dt.datetime.fromisoformat(AT).replace(tzinfo=policy.tz)
    decision = redeem(policy, account, load_cart(str(POLICIES / "carts" / cart)), at)
    return checkout_page(policy, account, decision), decision_data(decision)


class Pages(BaseHTTPRequestHandler):
    """GET: the pages written before the tests; POST /playground: the next playground."""

    pages: ClassVar[dict[str, bytes]] = {}

    def _send(self, body: bytes) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        if self.path not in self.pages:
            self.send_error(404)
            return
        self._send(self.pages[self.path])

    def do_POST(self) -> None:
        size = int(self.headers.get("Content-Length", "0"))
        form = parse_playground_form(self.rfile.read(min(size, 1_000_000)))
        result = run_playground(form.policy, form.holder, form.as_of)
        page = playground_page(
            form.policy, form.holder, result.diagnostics, result.evaluation, as_of=form.as_of
        )
        self._send(page.encode("utf-8"))

    def log_message(self, format: str, *args: object) -> None:  # keep the test output clean
        pass


@pytest.fixture(scope="module")
def site() -> Iterator[str]:
    Pages.pages = {
        "/timeline.html": timelines_page(timeline_evaluations()).encode("utf-8"),
        "/playground": playground_page(BROKEN, HOLDER, [], None).encode("utf-8"),
        "/checkout-allowed.html": checkout("eligible-only.yaml")[0].encode("utf-8"),
        "/checkout-refused.html": checkout("with-seminar.yaml")[0].encode("utf-8"),
    }
    server = ThreadingHTTPServer(("127.0.0.1", 0), Pages)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


@pytest.fixture(scope="module")
def browser() -> Iterator[WebDriver]:
    with chromium() as driver:
        yield driver


def submit(driver: WebDriver) -> None:
    """Post the playground's form and wait for the answer page: a click does not wait
    for the navigation it starts (on a loaded machine the next look-up would still see
    the old page)."""
    old = driver.find_element(By.TAG_NAME, "html")
    driver.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    WebDriverWait(driver, 60).until(expected_conditions.staleness_of(old))
    WebDriverWait(driver, 60).until(
        lambda d: d.execute_script("return document.readyState") == "complete"
    )


def js(driver: WebDriver, script: str, *args: object) -> object:
    return driver.execute_script(script, *args)


def test_the_timeline_page(browser, site):
    docs = [e.as_dict() for e in timeline_evaluations()]
    browser.get(f"{site}/timeline.html")
    sections = browser.find_elements(By.CSS_SELECTOR, "section.holder")
    assert [s.get_attribute("data-holder") for s in sections] == ["m-1001", "m-9"]
    for section, doc in zip(sections, docs, strict=True):
        periods = section.find_elements(By.CSS_SELECTOR, "svg.timeline g.period")
        assert [g.get_attribute("data-status") for g in periods] == [
            p["status"] for p in doc["periods"]
        ]
        for g in periods:  # each bar drawn, with a width on screen
            bar = g.find_element(By.CSS_SELECTOR, "rect.bar")
            assert js(browser, "return arguments[0].getBBox().width", bar) > 10
        marks = section.find_elements(By.CSS_SELECTOR, "g.record")
        titles = {
            m.get_attribute("data-record"): js(
                browser, "return arguments[0].querySelector('title').textContent", m
            )
            for m in marks
        }
        # shown as the command line shows it: control characters as escapes
        assert titles == {r["id"]: escape_controls(record_title(r)) for r in doc["records"]}
        for p in doc["periods"]:
            for req in p.get("requirements", []):
                row = section.find_element(
                    By.CSS_SELECTOR,
                    f'tr[data-period="{p["number"]}"][data-requirement="{req["id"]}"]',
                )
                cells = [row.find_element(By.CSS_SELECTOR, f'td[data-field="{k}"]').text for k in ("counted", "required")]  # fmt: skip
                assert cells == [req["counted"], req["required"]]
        status = section.find_element(By.CSS_SELECTOR, "span.status")
        assert status.get_attribute("data-status") == doc["status"]["code"]
    # the style sheet applies under the page's Content-Security-Policy
    expired = browser.find_element(By.CSS_SELECTOR, 'g.period[data-status="expired"] rect.bar')
    assert expired.value_of_css_property("fill") == "rgb(198, 40, 40)"
    # the record titled <script> is text: no script element, nothing ran, the text shown
    assert js(browser, "return document.scripts.length") == 0
    assert js(browser, "return window.pwned === undefined") is True
    with pytest.raises(NoAlertPresentException):
        browser.switch_to.alert.text  # noqa: B018
    row = browser.find_element(By.CSS_SELECTOR, 'tr[data-record="x-1"]')
    assert '<script>window.pwned = 1; alert("x")</script> \\x1b[2J' in row.text
    # a record's mark links to its row in the table
    mark = browser.find_element(
        By.CSS_SELECTOR, 'section#holder-1 g.record[data-record="webinar-tax"]'
    )
    js(browser, "arguments[0].scrollIntoView({block: 'center'})", mark)
    ActionChains(browser).move_to_element(mark).click().perform()
    target = js(browser, "return document.querySelector(':target').dataset.record")
    assert target == "webinar-tax"
    screenshot(browser, "timeline")


def test_the_playground_round_trip(browser, site):
    browser.get(f"{site}/playground")
    as_of = browser.find_element(By.ID, "as_of")
    as_of.clear()
    as_of.send_keys(AS_OF.isoformat())
    submit(browser)
    # the diagnostics of validate, at their line
    link = browser.find_element(By.CSS_SELECTOR, "ul.diagnostics a[data-line]")
    assert link.text == "policy.yaml:44:10"
    problem = browser.find_element(By.CSS_SELECTOR, "ol.listing li.problem")
    assert problem.get_attribute("id") == "policy-L44"
    assert "col 10: unknown name 'thirty'" in problem.text
    assert browser.find_elements(By.CSS_SELECTOR, "section.holder") == []
    screenshot(browser, "playground-errors")
    # clicking it selects the line in the policy's box (the page's script, allowed by
    # its hash); typing replaces the line, and the form posts the text back
    link.click()
    selected = js(
        browser,
        "var t = document.getElementById('policy');"
        "return [document.activeElement.id, t.value.slice(t.selectionStart, t.selectionEnd)];",
    )
    assert selected == ["policy", "    min: thirty"]
    ActionChains(browser).send_keys("    min: 30").perform()
    submit(browser)
    assert browser.find_element(By.CSS_SELECTOR, "p.ok").text == "Both files are valid."
    assert js(browser, "return document.getElementById('policy').value") == POLICY
    want = run_playground(POLICY, HOLDER, AS_OF).evaluation
    assert want is not None
    doc = want.as_dict()
    section = browser.find_element(By.CSS_SELECTOR, "section.holder")
    assert section.get_attribute("data-holder") == doc["holder"]["id"]
    counted = section.find_elements(
        By.CSS_SELECTOR, 'tr[data-requirement] td[data-field="counted"]'
    )
    assert [c.text for c in counted] == [
        r["counted"] for p in doc["periods"] for r in p.get("requirements", [])
    ]
    explanations = section.find_elements(By.CSS_SELECTOR, 'td[data-field="explanation"]')
    assert [e.text.split("\n")[0] for e in explanations] == [
        r["explanation"] for r in doc["records"]
    ]
    screenshot(browser, "playground-timeline")


@pytest.mark.parametrize(("name", "cart"), [("allowed", "eligible-only.yaml"), ("refused", "with-seminar.yaml")])  # fmt: skip
def test_the_checkout_preview(browser, site, name, cart):
    _, want = checkout(cart)
    browser.get(f"{site}/checkout-{name}.html")
    assert browser.find_element(By.CSS_SELECTOR, "span.status").text == name
    items = browser.find_elements(By.CSS_SELECTOR, "table.items tr[data-item]")
    assert [
        (
            tr.get_attribute("data-item"),
            tr.find_element(By.CSS_SELECTOR, 'td[data-field="credits"]').text,
            tr.find_element(By.CSS_SELECTOR, 'td[data-field="eligible"]').text,
        )
        for tr in items
    ] == [
        (i["id"], i["credits"], "eligible" if i["eligible"] else "not eligible")
        for i in want["items"]
    ]
    field = {
        k: browser.find_element(By.CSS_SELECTOR, f'b[data-field="{k}"]').text
        for k in ("total_credits", "available_credits", "available_after")
    }
    assert field == {
        "total_credits": want["total_credits"],
        "available_credits": want["available_credits"],
        "available_after": want["balance_after"]["available"],
    }
    draws = browser.find_elements(By.CSS_SELECTOR, "table.draws tr[data-package]")
    assert [
        (d.get_attribute("data-package"), d.find_element(By.CSS_SELECTOR, "td.num").text)
        for d in draws
    ] == [(d["package"], d["credits"]) for d in want["draws"]]
    reasons = browser.find_elements(By.CSS_SELECTOR, "ul.reasons li")
    assert [r.text for r in reasons] == [r["message"] for r in want["reasons"]]
    bars = browser.find_elements(By.CSS_SELECTOR, "table.packages svg.package-bar")
    assert len(bars) == len(want["balance_after"]["packages"])
    screenshot(browser, f"checkout-{name}")
