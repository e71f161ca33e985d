"""The OpenAPI 3.1 description of the service, built from the endpoints and the JSON
Schemas the package ships.

The request and response bodies are described by the same schemas the files and the
CLI's JSON output are checked against (``policyengine/schema/*.json``, each bundled
into one document by ``schema/export.py``), placed under ``components/schemas`` with
their internal references rewritten to point there. So ``/openapi.json`` cannot drift
from ``evaluate --json`` or ``redeem -o json``: the tests validate real responses
against it. Each endpoint carries its own operation object (:class:`Endpoint`).
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from policyengine import __version__
from policyengine.schema.export import bundled
from policyengine.service.problems import problem_schema

# component name -> shipped schema kind
SHIPPED = {
    "Holder": "holder",
    "Evaluation": "evaluation",
    "Redemption": "redemption",
    "Balance": "balance",
    "Account": "account",
    "Cart": "cart",
    "Policy": "policy",
}


@dataclass(frozen=True)
class Endpoint:
    """One route: its path, method, handler and OpenAPI operation object."""

    path: str
    method: str
    handler: Any
    operation: dict[str, Any] = field(default_factory=dict)


def ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _rehome(node: Any, name: str) -> Any:
    """References local to a shipped schema -> references into its component."""
    if isinstance(node, dict):
        out = {k: _rehome(v, name) for k, v in node.items() if k not in ("$id", "$schema")}
        target = out.get("$ref")
        if isinstance(target, str) and target.startswith("#"):
            out["$ref"] = f"#/components/schemas/{name}{target[1:]}"
        return out
    if isinstance(node, list):
        return [_rehome(v, name) for v in node]
    return node


def component_schemas() -> dict[str, Any]:
    schemas: dict[str, Any] = {name: _rehome(bundled(kind), name) for name, kind in SHIPPED.items()}
    schemas["Problem"] = problem_schema()
    schemas["PolicySummary"] = {
        "type": "object",
        "required": ["id", "name", "kind", "version"],
        "additionalProperties": False,
        "properties": {
            "id": {"type": "string"},
            "name": {"type": "string"},
            "kind": {"type": "string", "enum": ["certification", "credit-package"]},
            "version": {"type": "string", "description": "sha256 of the policy file"},
        },
    }
    schemas["PolicyList"] = {
        "type": "object",
        "required": ["policies"],
        "additionalProperties": False,
        "properties": {"policies": {"type": "array", "items": ref("PolicySummary")}},
    }
    detail = copy.deepcopy(schemas["PolicySummary"])
    detail["required"].append("policy")
    detail["properties"]["policy"] = ref("Policy")
    schemas["PolicyDetail"] = detail
    cart_body = {"$ref": "#/components/schemas/Cart/properties/cart"}
    at = {
        "type": "string",
        "description": "ISO 8601 instant; without an offset it is local "
        "time in the policy's time zone; default: now",
    }
    schemas["RedeemRequest"] = {
        "type": "object",
        "required": ["cart"],
        "properties": {
            "account": ref("Account"),
            "account_id": {"type": "string", "description": "an account in the ledger"},
            "cart": cart_body,
            "at": at,
        },
        "description": "the account itself (account) or one in the ledger (account_id)",
    }
    schemas["RedemptionRequest"] = {
        "type": "object",
        "required": ["account_id", "cart"],
        "properties": {
            "account_id": {"type": "string"},
            "cart": cart_body,
            "at": at,
            "redemption_id": {"type": "string", "description": "default: redemption-N"},
        },
    }
    schemas["PurchaseRequest"] = {
        "type": "object",
        "required": ["id", "at", "credits"],
        "properties": {
            "id": {"type": "string"},
            "at": {"type": "string"},
            "credits": {"type": ["number", "string"]},
            "title": {"type": "string"},
            "name": {"type": "string", "description": "the member's name, for a new account"},
        },
    }
    diag = problem_schema()["properties"]["errors"]["items"]
    schemas["Validation"] = {
        "type": "object",
        "required": ["files", "problems", "skipped", "warnings", "valid"],
        "properties": {
            "files": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["path", "kind", "valid", "problems"],
                    "properties": {
                        "path": {"type": "string"},
                        "kind": {"type": ["string", "null"]},
                        "valid": {"type": "boolean"},
                        "problems": {"type": "array", "items": diag},
                    },
                },
            },
            "problems": {"type": "integer"},
            "skipped": {"type": "array", "items": {"type": "string"}},
            "warnings": {"type": "integer"},
            "valid": {"type": "boolean"},
        },
    }
    return schemas


def problem_responses(*codes: int) -> dict[str, Any]:
    content = {"application/problem+json": {"schema": ref("Problem")}}
    words = {
        400: "malformed JSON",
        401: "no or unknown bearer token",
        403: "the token's role may not do this",
        404: "no such policy or account",
        409: "refused, or the Idempotency-Key was used for another request",
        413: "body too large",
        422: "a field of the request is wrong (named in 'field')",
    }
    return {str(c): {"description": words[c], "content": content} for c in codes}


def request_body(schema: str, media: str = "application/json") -> dict[str, Any]:
    """A required request body of the component schema ``schema``."""
    return {"required": True, "content": {media: {"schema": ref(schema)}}}


def parameter(name: str, where: str, description: str, required: bool = False) -> dict[str, Any]:
    """A string parameter in the path (always required), the query or a header."""
    return {
        "name": name,
        "in": where,
        "required": required or where == "path",
        "description": description,
        "schema": {"type": "string"},
    }


def json_response(schema: str, description: str = "OK") -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": ref(schema)}}}


def document(endpoints: Iterable[Endpoint]) -> dict[str, Any]:
    paths: dict[str, dict[str, Any]] = {}
    for e in endpoints:
        if e.operation:
            paths.setdefault(e.path, {})[e.method.lower()] = e.operation
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "policyengine decision service",
            "version": __version__,
            "description": "Evaluate holders, decide and record credit-package redemptions, "
            "validate policies. Errors are RFC 9457 problem details. See docs/service.md.",
        },
        "paths": paths,
        "components": {
            "schemas": component_schemas(),
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
    }
