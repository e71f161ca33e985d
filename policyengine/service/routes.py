"""The ``/v1`` endpoints: each handler reads its inputs, calls the engine and answers
with the JSON the CLI's ``-o json`` writes for the same question.

The answers are made by the CLI's own :class:`~policyengine.cli.report_json.JsonReporter`
(``evaluate --json``, ``redeem -o json``, ``balance -o json``, ``validate -o json``), so
the service and the command line can never disagree on a field. Work that takes CPU or
waits for the database runs in the thread pool, never on the event loop.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from policyengine import dates
from policyengine.certification.engine import evaluate
from policyengine.certification.result import Evaluation
from policyengine.ci.validate import Checked, check_document
from policyengine.cli.report_json import JsonReporter
from policyengine.cli.reporting import (
    BalanceResult,
    EvaluationsResult,
    RedemptionResult,
    ValidationResult,
)
from policyengine.errors import PolicyError
from policyengine.ledger_db import IdempotencyConflict, UnknownAccount
from policyengine.load.kinds import document_kind
from policyengine.load.schema import validate_against
from policyengine.load.yaml_loader import load_yaml_text
from policyengine.packages import Account, RedemptionDecision, balance, redeem
from policyengine.packages.files import Purchase, account_from_document, cart_from_document
from policyengine.records.model import holder_from_document
from policyengine.service.bodies import json_object, located, member, wrapped
from policyengine.service.problems import Problem, bad_field, not_found
from policyengine.service.state import ServiceState

JSON = "application/json"
Handler = Callable[[Request], Awaitable[Response]]


def _json(text: str, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(text, status, headers=headers, media_type=JSON)


def _reported(write: Callable[[JsonReporter], None]) -> str:
    out = io.StringIO()
    write(JsonReporter(out=out))
    return out.getvalue()


def _policy(state: ServiceState, request: Request, kind: str | None = None) -> Any:
    pid = request.path_params.get("policy_id") or request.query_params.get("policy")
    policies = state.policies.current.policies
    if pid is None:
        wanted = [p for p in policies.values() if kind is None or p.policy.kind == kind]
        if len(wanted) != 1:
            raise bad_field(
                "policy", f"name the {kind or ''} policy with ?policy=ID".replace("  ", " ")
            )
        return wanted[0].policy
    loaded = policies.get(pid)
    if loaded is None:
        raise not_found(f"policy '{pid}'", "policy_id")
    if kind is not None and loaded.policy.kind != kind:
        raise Problem(
            422,
            "wrong-policy-kind",
            "Wrong kind of policy",
            f"policy '{pid}' is a {loaded.policy.kind} policy; this needs a {kind} policy",
            field="policy_id",
        )
    return loaded.policy


def _instant(text: Any, policy: Any, field: str) -> tuple[dt.datetime, bool]:
    if text is None:
        return dt.datetime.now(policy.tz).replace(microsecond=0), False
    if not isinstance(text, str):
        raise bad_field(field, f"'{field.strip('/')}' must be an ISO 8601 date-time string")
    try:
        return dates.parse_datetime(text, policy.tz).astimezone(policy.tz), True
    except ValueError as err:
        raise bad_field(field, str(err)) from None


# ----------------------------------------------------------------------------- policies


async def list_policies(request: Request) -> Response:
    state: ServiceState = request.app.state.service
    items = [p.summary() for p in state.policies.current.policies.values()]
    return _json(json.dumps({"policies": items}, indent=2, sort_keys=True) + "\n")


async def get_policy(request: Request) -> Response:
    state: ServiceState = request.app.state.service
    pid = request.path_params["policy_id"]
    loaded = state.policies.current.policies.get(pid)
    if loaded is None:
        raise not_found(f"policy '{pid}'", "policy_id")
    doc = {**loaded.summary(), "policy": loaded.document}
    return _json(exact_json(doc))


_MARK = "\u0000decimal:"


def exact_json(doc: Any) -> str:
    """``doc`` as JSON with every Decimal written as the number it is (never a float)."""

    def mark(value: Any) -> Any:
        if isinstance(value, Decimal):
            return _MARK + format(value, "f")
        raise TypeError(f"cannot write {type(value).__name__} as JSON")

    text = json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False, default=mark) + "\n"
    return re.sub('"\\\\u0000decimal:(-?[0-9.]+)"', r"\1", text)


async def evaluate_holder(request: Request) -> Response:
    """POST /v1/policies/{id}/evaluate: the JSON of ``evaluate --json``."""
    result = await holder_evaluation(request)
    return _json(
        await run_in_threadpool(
            _reported, lambda r: r.report_evaluations(EvaluationsResult([result]))
        )
    )


async def holder_evaluation(request: Request) -> Evaluation:
    """The evaluation of the holder posted to a policy's evaluate (or view) route."""
    state: ServiceState = request.app.state.service
    policy = _policy(state, request, "certification")
    raw = request.query_params.get("as_of")
    if raw is None:
        as_of = dt.datetime.now(policy.tz).date()
    else:
        try:
            as_of = dates.parse_date(raw)
        except ValueError as err:
            raise bad_field("as_of", str(err)) from None
    text = await state.body_text(request)
    data = json_object(text)

    def holder(doc: Any) -> Any:
        problems = validate_against(doc, "holder")
        if problems:
            raise PolicyError(problems)
        return holder_from_document(doc, policy.tz, extra_fields=policy.record_fields)

    def run() -> Evaluation:
        who, records = located(text, holder, data)
        return evaluate(policy, who, records, as_of)

    return await run_in_threadpool(run)


# ----------------------------------------------------------------------------- packages


@dataclass(frozen=True)
class _CartRequest:
    policy: Any
    at: dt.datetime
    at_given: bool
    cart: Any
    body: dict[str, Any]
    text: str


async def _cart_request(request: Request, state: ServiceState) -> _CartRequest:
    policy = _policy(state, request, "credit-package")
    text = await state.body_text(request)
    body = json_object(text)
    at, given = _instant(body.get("at"), policy, "/at")
    member(body, "cart", dict)

    def cart(doc: Any) -> Any:
        document = wrapped(doc, "cart")
        problems = validate_against(document, "cart")
        if problems:
            raise PolicyError(problems)
        return cart_from_document(document, path="request")

    try:
        parsed = located(text, cart, body)
    except PolicyError as err:
        raise bad_field("/cart", "the cart is not valid", err.diagnostics) from None
    return _CartRequest(policy, at, given, parsed, body, text)


async def decide_redemption(request: Request) -> Response:
    """POST /v1/policies/{id}/redeem: the decision on a cart, nothing recorded."""
    req, acct, decision = await cart_decision(request)
    result = RedemptionResult(req.policy, acct, req.at, req.at_given, decision, None, None)
    return _json(await run_in_threadpool(_reported, lambda r: r.report_redemption(result)))


async def cart_decision(request: Request) -> tuple[_CartRequest, Account, RedemptionDecision]:
    """The request posted to a policy's redeem (or checkout view) route, the account it
    names or gives, and the decision on its cart (nothing recorded)."""
    state: ServiceState = request.app.state.service
    req = await _cart_request(request, state)
    policy = req.policy

    def account() -> Account:
        if "account" in req.body:
            member(req.body, "account", dict)

            def read(doc: Any) -> Account:
                problems = validate_against(doc["account"], "account")
                if problems:
                    raise PolicyError(problems)
                return account_from_document(doc["account"], policy.tz, path="request")

            try:
                return located(req.text, read, req.body)
            except PolicyError as err:
                raise bad_field("/account", "the account is not valid", err.diagnostics) from None
        account_id = member(req.body, "account_id", str)
        return _history(state, account_id, policy)

    def run() -> tuple[_CartRequest, Account, RedemptionDecision]:
        acct = account()
        return req, acct, redeem(policy, acct, req.cart, req.at)

    return await run_in_threadpool(run)


def _history(state: ServiceState, account_id: str, policy: Any) -> Account:
    try:
        return state.ledger.history(account_id, policy.tz)
    except UnknownAccount:
        raise not_found(f"account '{account_id}' in the ledger", "account_id") from None


async def record_redemption(request: Request) -> Response:
    """POST /v1/policies/{id}/redemptions: decide and record, once per Idempotency-Key."""
    state: ServiceState = request.app.state.service
    state.tokens.require(request.headers.get("authorization"), "shop")
    key = request.headers.get("idempotency-key", "").strip()
    if not key or len(key) > 255:
        raise bad_field("Idempotency-Key", "send an Idempotency-Key header (1 to 255 characters)")
    req = await _cart_request(request, state)
    account_id = member(req.body, "account_id", str)
    rid = member(req.body, "redemption_id", str, required=False)
    policy = req.policy
    canonical = json.dumps(
        {"policy": policy.id, "body": json.loads(req.text)}, sort_keys=True, default=str
    )
    request_hash = hashlib.sha256(canonical.encode()).hexdigest()

    def respond(before: Account, decision: RedemptionDecision, recorded: str | None) -> str:
        done = {"id": recorded, "path": f"ledger:{account_id}"} if recorded else None
        result = RedemptionResult(policy, before, req.at, req.at_given, decision, done, None)
        return _reported(lambda r: r.report_redemption(result))

    def run() -> Any:
        return state.ledger.record_redemption(
            policy,
            account_id,
            req.cart,
            req.at,
            key=key,
            request_hash=request_hash,
            respond=respond,
            redemption_id=rid,
        )

    try:
        outcome = await run_in_threadpool(run)
    except UnknownAccount:
        raise not_found(f"account '{account_id}' in the ledger", "/account_id") from None
    except IdempotencyConflict:
        raise Problem(
            409,
            "idempotency-key-reused",
            "Idempotency-Key reused",
            "this Idempotency-Key was already used for a different request",
            field="Idempotency-Key",
        ) from None
    if not outcome.allowed:
        raise Problem(
            409,
            "redemption-refused",
            "Redemption refused",
            "; ".join(r.message for r in outcome.decision.reasons)
            if outcome.decision is not None
            else "refused",
            field="/cart",
            redemption=json.loads(outcome.response),
        )
    headers = {"Idempotent-Replayed": "true" if outcome.replayed else "false"}
    return _json(outcome.response, 201, headers)


async def account_balance(request: Request) -> Response:
    state: ServiceState = request.app.state.service
    policy = _policy(state, request, "credit-package")
    at, given = _instant(request.query_params.get("at"), policy, "at")

    def run() -> str:
        acct = _history(state, request.path_params["account_id"], policy)
        result = BalanceResult(policy, acct, at, given, balance(policy, acct, at))
        return _reported(lambda r: r.report_balance(result))

    return _json(await run_in_threadpool(run))


async def add_purchase(request: Request) -> Response:
    """POST /v1/accounts/{id}/purchases (staff): a package bought, appended to the ledger."""
    state: ServiceState = request.app.state.service
    state.tokens.require(request.headers.get("authorization"), "staff")
    policy = _policy(state, request, "credit-package")
    text = await state.body_text(request)
    body = json_object(text)
    account_id = request.path_params["account_id"]
    doc = {
        "account": {"id": account_id},
        "events": [
            {
                "type": "purchase",
                "id": member(body, "id", str),
                "at": member(body, "at", str),
                "credits": body.get("credits"),
                **({"title": body["title"]} if isinstance(body.get("title"), str) else {}),
            }
        ],
    }
    problems = validate_against(doc, "account")
    if problems:
        raise bad_field("/credits", "the purchase is not valid", problems)
    try:
        purchase = account_from_document(doc, policy.tz, path="request").events[0]
    except PolicyError as err:
        raise bad_field("/", "the purchase is not valid", err.diagnostics) from None
    assert isinstance(purchase, Purchase)
    name: str = member(body, "name", str, required=False) or ""

    def run() -> str:
        acct = state.ledger.add_purchase(policy, account_id, purchase, name)
        at = dt.datetime.now(policy.tz).replace(microsecond=0)
        at = max(at, purchase.at.astimezone(policy.tz))
        result = BalanceResult(policy, acct, at, False, balance(policy, acct, at))
        return _reported(lambda r: r.report_balance(result))

    return _json(await run_in_threadpool(run), 201)


# ----------------------------------------------------------------------------- validate


async def validate_text(request: Request) -> Response:
    """POST /v1/validate: a policy's YAML text -> ``validate -o json`` for it."""
    state: ServiceState = request.app.state.service
    text = await state.body_text(request)
    label = request.query_params.get("name", "policy.yaml")

    def run() -> str:
        try:
            data = load_yaml_text(text, label)
        except PolicyError as err:
            checked = Checked(label, None, err.diagnostics)
        else:
            if document_kind(data) not in ("policy", None):
                # a sources or scenario file names other files: the service reads none
                raise bad_field("body", "POST /v1/validate checks policy text only")
            checked = Checked(label, *check_document(label, data, state.env))
        return _reported(lambda r: r.report_validation(ValidationResult([checked])))

    return _json(await run_in_threadpool(run))
