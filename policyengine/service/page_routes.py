"""The pages (``policyengine.pages``) served: a holder's timeline, the policy playground
and the checkout preview, each one self-contained HTML document.

* ``POST /v1/policies/{id}/holders/view`` — the body and ``as_of`` of
  ``/v1/policies/{id}/evaluate``; the holder's timeline (``evaluate -o html``).
* ``POST /v1/policies/{id}/checkout/view`` — the body of ``/v1/policies/{id}/redeem``;
  the checkout preview of the cart (``redeem -o html``). Nothing is recorded.
* ``GET /playground`` (``?policy=ID`` starts from a served policy's text) and
  ``POST /playground`` (the page's own form: ``policy``, ``holder``, ``as_of``): the
  playground, with ``validate``'s diagnostics at their lines and the timeline.

Each handler reads its input with the same code as the JSON route it mirrors (so a bad
body is the same problem details answer), then renders the page.
"""

from __future__ import annotations

from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from policyengine.pages import (
    checkout_page,
    parse_playground_form,
    playground_page,
    run_playground,
    timeline_page,
)
from policyengine.service import routes
from policyengine.service.app import AS_OF, POLICY_ID
from policyengine.service.bodies import read_body
from policyengine.service.openapi import Endpoint, parameter, problem_responses, request_body
from policyengine.service.problems import not_found
from policyengine.service.state import ServiceState

HTML = "text/html; charset=utf-8"
# a served policy's text shown in an empty playground, and a holder to start from
_EXAMPLE_HOLDER = """\
holder: {id: example, designated_on: 2024-01-15}
records:
  - {id: r1, title: A course, credits: 10, earned_on: 2024-03-01}
"""


def _html(page: str) -> Response:
    return Response(page, media_type=HTML)


async def holder_view(request: Request) -> Response:
    evaluation = await routes.holder_evaluation(request)
    return _html(await run_in_threadpool(timeline_page, evaluation))


async def checkout_view(request: Request) -> Response:
    req, account, decision = await routes.cart_decision(request)
    return _html(await run_in_threadpool(checkout_page, req.policy, account, decision))


async def playground(request: Request) -> Response:
    state: ServiceState = request.app.state.service
    if request.method == "GET":
        pid = request.query_params.get("policy")
        policy_text = ""
        if pid is not None:
            loaded = state.policies.current.policies.get(pid)
            if loaded is None:
                raise not_found(f"policy '{pid}'", "policy")
            with open(loaded.path, encoding="utf-8") as fh:
                policy_text = fh.read()
        page = playground_page(policy_text, _EXAMPLE_HOLDER, [], None, action="/playground")
        return _html(page)
    form = parse_playground_form(await read_body(request, state.max_body))

    def run() -> str:
        result = run_playground(form.policy, form.holder, form.as_of, state.env)
        return playground_page(
            form.policy,
            form.holder,
            result.diagnostics,
            result.evaluation,
            as_of=form.as_of,
            action="/playground",
        )

    return _html(await run_in_threadpool(run))


def _page(summary: str, codes: tuple[int, ...]) -> dict[str, Any]:
    return {
        "200": {"description": summary, "content": {"text/html": {"schema": {"type": "string"}}}},
        **problem_responses(*codes),
    }


PAGE_ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint(
        "/v1/policies/{policy_id}/holders/view",
        "POST",
        holder_view,
        {
            "summary": "A holder's timeline as an HTML page (evaluate -o html)",
            "parameters": [POLICY_ID, AS_OF],
            "requestBody": request_body("Holder"),
            "responses": _page("the timeline page", (400, 404, 413, 422)),
        },
    ),
    Endpoint(
        "/v1/policies/{policy_id}/checkout/view",
        "POST",
        checkout_view,
        {
            "summary": "The checkout preview of a cart as an HTML page (redeem -o html)",
            "parameters": [POLICY_ID],
            "requestBody": request_body("RedeemRequest"),
            "responses": _page("the checkout preview page", (400, 404, 413, 422)),
        },
    ),
    Endpoint(
        "/playground",
        "GET",
        playground,
        {
            "summary": "The policy playground (optionally starting from a served policy)",
            "parameters": [
                parameter("policy", "query", "a served policy's id: its text fills the policy box")
            ],
            "responses": _page("the playground page", (404,)),
        },
    ),
    Endpoint(
        "/playground",
        "POST",
        playground,
        {
            "summary": "The playground's form posted: diagnostics and the timeline",
            "requestBody": {
                "required": True,
                "content": {
                    "application/x-www-form-urlencoded": {
                        "schema": {
                            "type": "object",
                            "properties": {
                                "policy": {"type": "string"},
                                "holder": {"type": "string"},
                                "as_of": {"type": "string"},
                            },
                        }
                    }
                },
            },
            "responses": _page("the playground page with the results", (413,)),
        },
    ),
)
