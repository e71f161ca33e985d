"""The pages served by ``policyengine serve`` (issue 17 item 4): a posted holder's
timeline, the checkout preview of a cart, and the playground — each the same document
the renderer gives for the same input, described in /openapi.json, and the playground
used in a real headless Chromium against a real server."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode

import pytest
import yaml
from openapi_spec_validator import validate
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.wait import WebDriverWait
from starlette.testclient import TestClient

from policyengine import load_policy
from policyengine.certification.engine import evaluate
from policyengine.ledger_db import open_ledger
from policyengine.packages import redeem
from policyengine.packages.files import account_from_document, cart_from_document
from policyengine.pages import checkout_page, timeline_page
from policyengine.plugins_loader import load_environment
from policyengine.records.model import holder_from_document
from policyengine.service.app import create_app
from policyengine.service.auth import Tokens
from policyengine.service.page_routes import PAGE_ENDPOINTS
from policyengine.service.policies import LivePolicies
from policyengine.service.state import ServiceState
from tests.browser import MISSING, WHY, chromium, screenshot
from tests.helpers import POLICIES
from tests.service.conftest import SHOP, STAFF, Server

HOLDER = POLICIES / "holders" / "werc-crp-seed-examples.yaml"
AS_OF = "2025-09-01"


@pytest.fixture
def pages(policy_dir: Path, tmp_path: Path) -> Iterator[TestClient]:
    env = load_environment()
    ledger = open_ledger(str(tmp_path / "ledger.sqlite3"))
    state = ServiceState(
        LivePolicies(str(policy_dir), env), ledger, Tokens({SHOP: "shop", STAFF: "staff"}), env
    )
    with TestClient(create_app(state, PAGE_ENDPOINTS), raise_server_exceptions=False) as c:
        c.app_state = state  # type: ignore[attr-defined]
        yield c
    ledger.close()


def test_a_posted_holder_gets_its_timeline_page(pages: TestClient, policy_dir: Path) -> None:
    doc = yaml.safe_load(HOLDER.read_text(encoding="utf-8"))
    r = pages.post(
        f"/v1/policies/werc-crp/holders/view?as_of={AS_OF}", content=json.dumps(doc, default=str)
    )
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "text/html; charset=utf-8"
    policy = load_policy(str(policy_dir / "werc-crp.yaml"))
    posted = json.loads(json.dumps(doc, default=str))
    holder, records = holder_from_document(posted, policy.tz, extra_fields=policy.record_fields)
    want = timeline_page(evaluate(policy, holder, records, dt.date.fromisoformat(AS_OF)))
    assert r.text == want
    assert r.text.count('class="holder"') == 1 and "<svg" in r.text


def test_a_cart_gets_its_checkout_preview(pages: TestClient, policy_dir: Path) -> None:
    account = yaml.safe_load((POLICIES / "accounts/dana-two-packages.yaml").read_text())
    cart = yaml.safe_load((POLICIES / "carts/eligible-only.yaml").read_text())
    body = {"account": account, "cart": cart["cart"], "at": "2025-03-01T10:00:00-05:00"}
    r = pages.post(
        "/v1/policies/western-cpe-package/checkout/view", content=json.dumps(body, default=str)
    )
    assert r.status_code == 200, r.text
    policy = load_policy(str(policy_dir / "western-cpe-package.yaml"))
    acct = account_from_document(
        json.loads(json.dumps(account, default=str)), policy.tz, path="request"
    )
    parsed = cart_from_document(json.loads(json.dumps(cart, default=str)), path="request")
    at = dt.datetime.fromisoformat("2025-03-01T10:00:00-05:00")
    assert r.text == checkout_page(policy, acct, redeem(policy, acct, parsed, at))


def test_the_playground_starts_from_a_served_policy_and_answers_its_form(
    pages: TestClient, policy_dir: Path
) -> None:
    r = pages.get("/playground?policy=werc-crp")
    assert r.status_code == 200
    text = (policy_dir / "werc-crp.yaml").read_text(encoding="utf-8")
    assert "format: 1" in r.text and 'action="/playground"' in r.text
    broken = text.replace("min: 30", "min: thirty", 1)
    form = urlencode({"policy": broken, "holder": HOLDER.read_text(), "as_of": AS_OF})
    r = pages.post(
        "/playground",
        content=form,
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert r.status_code == 200
    assert "unknown name &#x27;thirty&#x27;" in r.text or "unknown name 'thirty'" in r.text
    assert pages.get("/playground?policy=nope").status_code == 404


def test_the_pages_are_in_the_openapi_document(pages: TestClient) -> None:
    spec = pages.get("/openapi.json").json()
    validate(spec)
    for path, method in (
        ("/v1/policies/{policy_id}/holders/view", "post"),
        ("/v1/policies/{policy_id}/checkout/view", "post"),
        ("/playground", "get"),
        ("/playground", "post"),
    ):
        assert "text/html" in spec["paths"][path][method]["responses"]["200"]["content"]


def test_beyond_loopback_the_playground_needs_a_token(pages: TestClient) -> None:
    pages.app_state.reads_need_token = True  # type: ignore[attr-defined]
    assert pages.get("/playground").status_code == 401
    r = pages.get("/playground", headers={"authorization": f"Bearer {SHOP}"})
    assert r.status_code == 200


@pytest.mark.skipif(MISSING, reason=WHY)
def test_the_served_playground_in_a_real_browser(
    serve: type[Server], policy_dir: Path, tmp_path: Path
) -> None:
    server = serve(policy_dir, str(tmp_path / "ledger.sqlite3"), tmp_path / "serve.log").start()
    with chromium() as browser:
        browser.get(f"{server.url}/playground?policy=werc-crp")
        holder = browser.find_element(By.ID, "holder")
        holder.clear()
        holder.send_keys(HOLDER.read_text(encoding="utf-8"))
        as_of = browser.find_element(By.ID, "as_of")
        as_of.clear()
        as_of.send_keys(AS_OF)
        old = browser.find_element(By.TAG_NAME, "html")
        browser.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
        WebDriverWait(browser, 60).until(expected_conditions.staleness_of(old))
        ok = WebDriverWait(browser, 60).until(lambda d: d.find_element(By.CSS_SELECTOR, "p.ok"))
        assert ok.text == "Both files are valid."
        section = browser.find_element(By.CSS_SELECTOR, "section.holder")
        assert section.get_attribute("data-holder") == "m-1001"
        screenshot(browser, "served-playground")
