"""The service's endpoints through the ASGI test client, each answer checked against the
OpenAPI document it serves and against the CLI's JSON for the same question."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from openapi_spec_validator import validate as validate_spec
from starlette.testclient import TestClient

from policyengine.ledger_db import open_ledger
from policyengine.plugins_loader import load_environment
from policyengine.service.app import create_app
from policyengine.service.auth import Tokens
from policyengine.service.policies import LivePolicies
from policyengine.service.state import ServiceState
from tests.helpers import ROOT
from tests.service.conftest import SHOP, STAFF

AT = "2025-03-01T10:00:00"
DANA = ROOT / "policies" / "accounts" / "dana-two-packages.yaml"
HOLDER = ROOT / "policies" / "holders" / "werc-crp-seed-examples.yaml"
CART = {
    "acknowledged_terms": True,
    "items": [
        {"id": "WC-AUD-3", "title": "Audit Sampling", "product_type": "webcast", "credits": 3}
    ],
}


@pytest.fixture
def client(policy_dir: Path, tmp_path: Path) -> Iterator[TestClient]:
    env = load_environment()
    ledger = open_ledger(str(tmp_path / "ledger.sqlite3"))
    live = LivePolicies(str(policy_dir), env)
    tokens = Tokens({SHOP: "shop", STAFF: "staff"})
    state = ServiceState(live, ledger, tokens, env, max_body=200_000)
    with TestClient(create_app(state), raise_server_exceptions=False) as c:
        c.app_state = state  # type: ignore[attr-defined]
        yield c
    ledger.close()


def _spec(client: TestClient) -> dict[str, Any]:
    return client.get("/openapi.json").json()


def conforms(client: TestClient, response: Any, path: str, method: str) -> None:
    """The response's body validates against the schema the OpenAPI document gives for
    this operation and status."""
    spec = _spec(client)
    op = spec["paths"][path][method]
    documented = op["responses"][str(response.status_code)]
    ((media, content),) = documented["content"].items()
    assert response.headers["content-type"].startswith(media)
    schema = {**content["schema"], "components": spec["components"]}
    jsonschema.Draft202012Validator(schema).validate(response.json())


def test_openapi_document_is_valid_openapi_3_1(client: TestClient) -> None:
    spec = _spec(client)
    assert spec["openapi"] == "3.1.0"
    validate_spec(spec)  # raises on any problem
    for path in (
        "/v1/policies",
        "/v1/policies/{policy_id}/evaluate",
        "/v1/validate",
        "/v1/policies/{policy_id}/redemptions",
        "/v1/accounts/{account_id}/balance",
    ):
        assert path in spec["paths"]


def test_policies_listed_and_shown(client: TestClient) -> None:
    r = client.get("/v1/policies")
    assert r.status_code == 200
    conforms(client, r, "/v1/policies", "get")
    ids = [p["id"] for p in r.json()["policies"]]
    assert ids == ["werc-crp", "western-cpe-package"]
    r = client.get("/v1/policies/western-cpe-package")
    conforms(client, r, "/v1/policies/{policy_id}", "get")
    assert r.json()["policy"] == yaml.safe_load(PACKAGE_TEXT()) | r.json()["policy"]
    assert r.json()["kind"] == "credit-package"


def PACKAGE_TEXT() -> str:
    return (ROOT / "policies" / "western-cpe-package.yaml").read_text()


def test_evaluate_is_the_json_of_evaluate_json(client: TestClient, cli, policy_dir: Path) -> None:  # type: ignore[no-untyped-def]
    holder = yaml.safe_load(HOLDER.read_text())
    body = json.dumps(holder, default=str)
    r = client.post("/v1/policies/werc-crp/evaluate?as_of=2025-09-01", content=body)
    assert r.status_code == 200, r.text
    conforms(client, r, "/v1/policies/{policy_id}/evaluate", "post")
    done = cli(
        "evaluate",
        policy_dir / "werc-crp.yaml",
        "--holder",
        HOLDER,
        "--as-of",
        "2025-09-01",
        "--json",
    )
    # the same document but where records come from: the CLI names the holder file's
    # lines, a posted body has no file ("record N")
    assert without_origins(r.json()) == without_origins(json.loads(done.stdout))
    assert r.text == json.dumps(r.json(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def without_origins(doc: Any) -> Any:
    if isinstance(doc, dict):
        return {k: without_origins(v) for k, v in doc.items() if k != "origin"}
    if isinstance(doc, list):
        return [without_origins(v) for v in doc]
    return doc


def test_redeem_decides_like_the_cli_and_records_nothing(
    client: TestClient, cli, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    account = yaml.safe_load(DANA.read_text())
    r = client.post(
        "/v1/policies/western-cpe-package/redeem",
        json={"account": json.loads(json.dumps(account, default=str)), "cart": CART, "at": AT},
    )
    assert r.status_code == 200, r.text
    conforms(client, r, "/v1/policies/{policy_id}/redeem", "post")
    cart = tmp_path / "cart.yaml"
    cart.write_text(yaml.safe_dump({"cart": CART}))
    done = cli(
        "redeem",
        "policies/western-cpe-package.yaml",
        "--account",
        DANA,
        "--cart",
        cart,
        "--at",
        AT,
        "-o",
        "json",
    )
    ours, theirs = r.json()["decision"], json.loads(done.stdout)["decision"]
    assert without_origins(ours) == without_origins(theirs)
    assert r.json()["decision"]["allowed"] is True


def _import_dana(client: TestClient) -> None:
    from policyengine.packages import load_account

    state = client.app_state  # type: ignore[attr-defined]
    policy = state.policies.current.policies["western-cpe-package"].policy
    state.ledger.import_account(load_account(str(DANA), policy.tz), policy.tz)


def _redeem(client: TestClient, key: str, token: str | None = SHOP, **body: Any) -> Any:
    headers = {"Idempotency-Key": key}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    doc = {"account_id": "m-1001", "cart": CART, "at": AT, **body}
    return client.post("/v1/policies/western-cpe-package/redemptions", json=doc, headers=headers)


def _available(client: TestClient) -> str:
    r = client.get("/v1/accounts/m-1001/balance", params={"at": AT})
    assert r.status_code == 200, r.text
    conforms(client, r, "/v1/accounts/{account_id}/balance", "get")
    return str(r.json()["balance"]["available"])


def test_redemption_recorded_once_per_idempotency_key(client: TestClient) -> None:
    _import_dana(client)
    assert _available(client) == "26"
    first = _redeem(client, "key-1")
    assert first.status_code == 201, first.text
    conforms(client, first, "/v1/policies/{policy_id}/redemptions", "post")
    assert first.json()["recorded"]["id"] == "redemption-2"
    assert first.headers["Idempotent-Replayed"] == "false"
    again = _redeem(client, "key-1")
    assert again.status_code == 201
    assert again.text == first.text  # the first result, not a second charge
    assert again.headers["Idempotent-Replayed"] == "true"
    assert _available(client) == "23"
    other = _redeem(client, "key-1", at="2025-03-02T10:00:00")
    assert other.status_code == 409
    conforms(client, other, "/v1/policies/{policy_id}/redemptions", "post")
    assert other.json()["field"] == "Idempotency-Key"
    assert _available(client) == "23"


def test_refused_redemption_is_a_problem_with_the_decision(client: TestClient) -> None:
    _import_dana(client)
    big = {**CART, "items": [{**CART["items"][0], "credits": 100}]}
    r = _redeem(client, "key-big", cart=big)
    assert r.status_code == 409
    assert r.json()["type"].endswith("/redemption-refused")
    assert r.json()["redemption"]["decision"]["reasons"][0]["code"] == "insufficient-credits"
    assert _available(client) == "26"


@pytest.mark.parametrize(("token", "status"), [(None, 401), ("wrong", 401)])
def test_writing_needs_a_known_token_and_writes_nothing(
    client: TestClient, token: str | None, status: int
) -> None:
    _import_dana(client)
    r = _redeem(client, "key-auth", token=token)
    assert r.status_code == status
    conforms(client, r, "/v1/policies/{policy_id}/redemptions", "post")
    assert r.json()["field"] == "Authorization"
    assert _available(client) == "26"


def test_staff_may_adjust_shop_may_not(client: TestClient) -> None:
    body = {"id": "pkg-new", "at": "2025-02-01T09:00:00", "credits": 12.5, "name": "New"}
    path = "/v1/accounts/m-2/purchases?policy=western-cpe-package"
    r = client.post(path, json=body, headers={"Authorization": f"Bearer {SHOP}"})
    assert r.status_code == 403
    assert client.get("/v1/accounts/m-2/balance").status_code == 404
    r = client.post(path, json=body, headers={"Authorization": f"Bearer {STAFF}"})
    assert r.status_code == 201, r.text
    conforms(client, r, "/v1/accounts/{account_id}/purchases", "post")
    r = client.get("/v1/accounts/m-2/balance", params={"at": AT})
    assert r.json()["balance"]["available"] == "12.5"


def test_validate_gives_validate_json_with_line_and_column(
    client: TestClient, cli, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    text = PACKAGE_TEXT().replace("valid_for: 365 days", "valid_for: 365 dayz")
    r = client.post("/v1/validate?name=policy.yaml", content=text.encode())
    assert r.status_code == 200
    conforms(client, r, "/v1/validate", "post")
    bad = tmp_path / "policy.yaml"
    bad.write_text(text)
    done = cli("validate", bad, "-o", "json")
    ours = r.json()["files"][0]["problems"]
    theirs = json.loads(done.stdout)["files"][0]["problems"]
    assert [(p["line"], p["col"], p["message"]) for p in ours] == [
        (p["line"], p["col"], p["message"]) for p in theirs
    ]
    assert ours and ours[0]["line"] > 1


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        (b"{not json", 400, "body"),
        (b"[]", 422, ""),
        (json.dumps({"holder": {"id": 5}, "records": []}).encode(), 422, "body"),
        (b"x" * 300_000, 413, "body"),
    ],
)
def test_bad_requests_are_problems_never_tracebacks(
    client: TestClient, body: bytes, status: int, field: str
) -> None:
    r = client.post("/v1/policies/werc-crp/evaluate?as_of=2025-09-01", content=body)
    assert r.status_code == status
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json()["field"] == field
    assert "Traceback" not in r.text
    if status in (400, 422):
        conforms(client, r, "/v1/policies/{policy_id}/evaluate", "post")


def test_schema_errors_point_into_the_body(client: TestClient) -> None:
    body = '{\n  "holder": {"id": 5},\n  "records": []\n}'
    r = client.post("/v1/policies/werc-crp/evaluate?as_of=2025-09-01", content=body)
    assert r.status_code == 422
    assert (r.json()["line"], r.json()["col"]) == (2, 20)
    assert r.json()["errors"][0]["file"] == "request"


def test_unknown_things_are_404_problems(client: TestClient) -> None:
    for path in (
        "/v1/policies/nope",
        "/v1/accounts/nobody/balance?policy=western-cpe-package",
        "/nope",
    ):
        r = client.get(path)
        assert r.status_code == 404, path
        assert r.headers["content-type"] == "application/problem+json"
    r = client.post("/v1/policies/western-cpe-package/evaluate", content=b"{}")
    assert r.status_code == 422 and r.json()["field"] == "policy_id"


def test_a_bad_policy_change_keeps_the_old_set(client: TestClient, policy_dir: Path) -> None:
    live = client.app_state.policies  # type: ignore[attr-defined]
    target = policy_dir / "western-cpe-package.yaml"
    target.write_text(PACKAGE_TEXT().replace("valid_for: 365 days", "valid_for: nonsense"))
    assert live.reload() is False
    assert live.last_error
    assert client.get("/v1/policies/western-cpe-package").status_code == 200
    target.write_text(PACKAGE_TEXT().replace("name: Western CPE", "name: Renamed Western CPE"))
    assert live.reload() is True
    assert client.get("/v1/policies/western-cpe-package").json()["name"].startswith("Renamed")
    shutil.copy(ROOT / "policies" / "western-cpe-package.yaml", target)


def test_cart_errors_point_into_the_body(client: TestClient) -> None:
    body = (
        '{"at": "2025-03-01T10:00:00", "account_id": "m-1001",\n'
        ' "cart": {"acknowledged_terms": true, "items": [\n'
        '   {"id": "a", "title": "A", "product_type": "webcast", "credits": "x"}]}}'
    )
    r = client.post("/v1/policies/western-cpe-package/redeem", content=body)
    assert r.status_code == 422
    conforms(client, r, "/v1/policies/{policy_id}/redeem", "post")
    assert r.json()["field"] == "/cart"
    assert (r.json()["line"], r.json()["col"]) == (3, 69)
    assert r.json()["errors"][0]["message"] == "expected a number, got a string ('x')"


def test_redeem_decides_on_a_ledger_account(client: TestClient) -> None:
    _import_dana(client)
    body = {"account_id": "m-1001", "cart": CART, "at": AT}
    r = client.post("/v1/policies/western-cpe-package/redeem", json=body)
    assert r.status_code == 200
    assert r.json()["decision"]["balance_after"]["available"] == "23"
    assert _available(client) == "26"  # a decision records nothing


def test_beyond_loopback_reads_need_a_token(client: TestClient) -> None:
    client.app_state.reads_need_token = True  # type: ignore[attr-defined]
    r = client.get("/v1/policies")
    assert r.status_code == 401 and r.json()["field"] == "Authorization"
    r = client.get("/v1/policies", headers={"Authorization": f"Bearer {SHOP}"})
    assert r.status_code == 200
    assert client.get("/openapi.json").status_code == 200  # the description stays open


def test_validate_takes_policy_text_only(client: TestClient) -> None:
    sources = "sources:\n  - source: csv\n    input: /etc/passwd\n"
    r = client.post("/v1/validate", content=sources.encode())
    assert r.status_code == 422
    assert r.json()["detail"] == "POST /v1/validate checks policy text only"
    conforms(client, r, "/v1/validate", "post")
