"""The ASGI application: :func:`create_app` builds it from a state and endpoints.

``create_app(state)`` serves :data:`ENDPOINTS`; more routes (the HTML pages, say) are
added by passing them: ``create_app(state, extra=[Endpoint("/v1/...", "GET", handler,
operation)])``. Each endpoint's OpenAPI operation object goes into ``/openapi.json``
(an endpoint with an empty operation is served but not described). Every error leaves
as an RFC 9457 problem (``problems.py``): unknown paths and methods, bad bodies, the
engine's diagnostics, and anything unexpected (logged with its traceback, answered
with a plain 500 problem).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Sequence

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from policyengine.errors import PolicyError
from policyengine.service import routes
from policyengine.service.openapi import (
    Endpoint,
    json_response,
    parameter,
    problem_responses,
    request_body,
)
from policyengine.service.openapi import document as openapi_document
from policyengine.service.problems import Problem
from policyengine.service.state import ServiceState

log = logging.getLogger("policyengine.serve")
BEARER: list[dict[str, list[str]]] = [{"bearer": []}]


POLICY_ID = parameter("policy_id", "path", "the policy's id (GET /v1/policies lists them)")
ACCOUNT_ID = parameter("account_id", "path", "the account's id in the ledger")
POLICY_Q = parameter(
    "policy", "query", "the credit-package policy (needed when several are served)"
)
AS_OF = parameter("as_of", "query", "YYYY-MM-DD; default: today in the policy's zone")

ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint(
        "/v1/policies",
        "GET",
        routes.list_policies,
        {"summary": "The policies served", "responses": {"200": json_response("PolicyList")}},
    ),
    Endpoint(
        "/v1/policies/{policy_id}",
        "GET",
        routes.get_policy,
        {
            "summary": "One policy as JSON",
            "parameters": [POLICY_ID],
            "responses": {"200": json_response("PolicyDetail"), **problem_responses(404)},
        },
    ),
    Endpoint(
        "/v1/policies/{policy_id}/evaluate",
        "POST",
        routes.evaluate_holder,
        {
            "summary": "Evaluate a holder's records (the JSON of evaluate --json)",
            "parameters": [
                POLICY_ID,
                AS_OF,
            ],
            "requestBody": request_body("Holder"),
            "responses": {
                "200": json_response("Evaluation"),
                **problem_responses(400, 404, 413, 422),
            },
        },
    ),
    Endpoint(
        "/v1/policies/{policy_id}/redeem",
        "POST",
        routes.decide_redemption,
        {
            "summary": "May this cart be paid with credits? (redeem -o json; records nothing)",
            "parameters": [POLICY_ID],
            "requestBody": request_body("RedeemRequest"),
            "responses": {
                "200": json_response("Redemption"),
                **problem_responses(400, 404, 413, 422),
            },
        },
    ),
    Endpoint(
        "/v1/policies/{policy_id}/redemptions",
        "POST",
        routes.record_redemption,
        {
            "summary": "Record a redemption in the ledger, once per Idempotency-Key",
            "parameters": [
                POLICY_ID,
                parameter(
                    "Idempotency-Key",
                    "header",
                    "the same key again returns the first response and records nothing",
                    required=True,
                ),
            ],
            "security": BEARER,
            "requestBody": request_body("RedemptionRequest"),
            "responses": {
                "201": json_response("Redemption", "recorded (or the first response to this key)"),
                **problem_responses(400, 401, 403, 404, 409, 413, 422),
            },
        },
    ),
    Endpoint(
        "/v1/accounts/{account_id}/balance",
        "GET",
        routes.account_balance,
        {
            "summary": "An account's packages and credits (balance -o json)",
            "parameters": [ACCOUNT_ID, POLICY_Q, parameter("at", "query", "ISO 8601; default now")],
            "responses": {"200": json_response("Balance"), **problem_responses(404, 422)},
        },
    ),
    Endpoint(
        "/v1/accounts/{account_id}/purchases",
        "POST",
        routes.add_purchase,
        {
            "summary": "Staff: record a package purchase (makes the account when new)",
            "parameters": [ACCOUNT_ID, POLICY_Q],
            "security": BEARER,
            "requestBody": request_body("PurchaseRequest"),
            "responses": {
                "201": json_response("Balance", "recorded; the balance after it"),
                **problem_responses(400, 401, 403, 404, 413, 422),
            },
        },
    ),
    Endpoint(
        "/v1/validate",
        "POST",
        routes.validate_text,
        {
            "summary": "Check a policy's YAML text (the JSON of validate -o json)",
            "parameters": [parameter("name", "query", "the file name diagnostics give")],
            "requestBody": {
                "required": True,
                "content": {"application/yaml": {"schema": {"type": "string"}}},
            },
            "responses": {"200": json_response("Validation"), **problem_responses(413, 422)},
        },
    ),
)


async def _health(request: Request) -> Response:
    state: ServiceState = request.app.state.service
    doc = {"status": "ok", "policies": len(state.policies.current.policies)}
    return Response(json.dumps(doc) + "\n", media_type="application/json")


async def _problem(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, Problem)
    return exc.response()


async def _policy_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, PolicyError)
    detail = exc.diagnostics[0].message if exc.diagnostics else "invalid input"
    field = "body"
    return Problem(
        422, "invalid-request", "Invalid request", detail, field=field, diagnostics=exc.diagnostics
    ).response()


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    words = {404: ("not-found", "Not found"), 405: ("method-not-allowed", "Method not allowed")}
    kind, title = words.get(exc.status_code, ("http-error", "HTTP error"))
    detail = f"{request.method} {request.url.path}: {exc.detail}"
    headers = dict(exc.headers or {})
    return Problem(exc.status_code, kind, title, detail, field="path", headers=headers).response()


async def _unexpected(request: Request, exc: Exception) -> Response:
    log.exception("unexpected error on %s %s", request.method, request.url.path)
    return Problem(
        500,
        "internal-error",
        "Internal error",
        "the service failed on this request; the error is in its log",
    ).response()


class _ReadTokens(BaseHTTPMiddleware):
    """Beyond loopback, every /v1 request (and the playground) needs a token of some
    role."""

    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        state: ServiceState = request.app.state.service
        path = request.url.path
        if state.reads_need_token and (path.startswith("/v1/") or path == "/playground"):
            try:
                state.tokens.require(request.headers.get("authorization"), "shop")
            except Problem as problem:
                return problem.response()
        return await call_next(request)


def create_app(state: ServiceState, extra: Iterable[Endpoint] = ()) -> Starlette:
    """The service's application: :data:`ENDPOINTS` and ``extra``, described at
    ``/openapi.json``."""
    endpoints: Sequence[Endpoint] = (*ENDPOINTS, *extra)
    spec = openapi_document(endpoints)
    spec_text = json.dumps(spec, indent=2, sort_keys=True) + "\n"

    async def openapi(request: Request) -> Response:
        return Response(spec_text, media_type="application/json")

    route_list = [Route(e.path, e.handler, methods=[e.method]) for e in endpoints]
    route_list += [Route("/openapi.json", openapi), Route("/healthz", _health)]
    app = Starlette(
        routes=route_list,
        middleware=[Middleware(_ReadTokens)],
        exception_handlers={
            Problem: _problem,
            PolicyError: _policy_error,
            HTTPException: _http_error,
            Exception: _unexpected,
        },
    )
    app.state.service = state
    app.state.openapi = spec
    return app
