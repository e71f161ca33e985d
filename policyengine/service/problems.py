"""Errors as RFC 9457 problem details: ``application/problem+json``, never a traceback.

Every refusal the service sends is a :class:`Problem`: a ``type`` (a stable URI under
``PROBLEM_BASE``), a ``title``, the HTTP ``status``, a ``detail`` sentence, and, where
one part of the request is at fault, ``field`` (a JSON pointer into the body, or the
header / query / path parameter's name) with ``line`` and ``col`` inside the body. A
:class:`~policyengine.errors.PolicyError` (a bad holder, cart or account) becomes a
422 problem listing its diagnostics as ``validate -o json`` writes them.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from starlette.responses import Response

from policyengine.errors import Diagnostic

PROBLEM_BASE = "https://policyengine.dev/problems/"
MEDIA_TYPE = "application/problem+json"


class Problem(Exception):
    """A refusal, sent as problem details (see the module docstring)."""

    def __init__(
        self,
        status: int,
        kind: str,
        title: str,
        detail: str,
        *,
        field: str | None = None,
        diagnostics: Iterable[Diagnostic] = (),
        headers: dict[str, str] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(detail)
        self.status, self.kind, self.title, self.detail = status, kind, title, detail
        self.field = field
        self.diagnostics = list(diagnostics)
        self.headers = headers or {}
        self.extra = extra

    def body(self) -> dict[str, Any]:
        doc: dict[str, Any] = {
            "type": PROBLEM_BASE + self.kind,
            "title": self.title,
            "status": self.status,
            "detail": self.detail,
        }
        if self.field is not None:
            doc["field"] = self.field
        first = next((d for d in self.diagnostics if d.location is not None), None)
        if first is not None and first.location is not None:
            doc["line"], doc["col"] = first.location.line, first.location.col
        if self.diagnostics:
            doc["errors"] = [d.as_dict() for d in self.diagnostics]
        doc.update(self.extra)
        return doc

    def response(self) -> Response:
        text = json.dumps(self.body(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
        return Response(text, self.status, headers=self.headers, media_type=MEDIA_TYPE)


def bad_field(field: str, detail: str, diagnostics: Iterable[Diagnostic] = ()) -> Problem:
    """422: one part of the request is not what the API takes."""
    return Problem(
        422, "invalid-request", "Invalid request", detail, field=field, diagnostics=diagnostics
    )


def not_found(what: str, field: str) -> Problem:
    return Problem(404, "not-found", "Not found", f"no {what}", field=field)


def problem_schema() -> dict[str, Any]:
    """The JSON Schema of a problem document (for the OpenAPI description)."""
    return {
        "type": "object",
        "required": ["type", "title", "status", "detail"],
        "properties": {
            "type": {"type": "string", "format": "uri"},
            "title": {"type": "string"},
            "status": {"type": "integer", "minimum": 400, "maximum": 599},
            "detail": {"type": "string"},
            "field": {"type": "string", "description": "the part of the request at fault"},
            "line": {"type": "integer", "minimum": 1},
            "col": {"type": "integer", "minimum": 1},
            "errors": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["severity", "code", "problem_code", "message"],
                    "properties": {
                        "severity": {"type": "string"},
                        "code": {"type": "string"},
                        "problem_code": {"type": "string"},
                        "message": {"type": "string"},
                        "file": {"type": "string"},
                        "line": {"type": "integer"},
                        "col": {"type": "integer"},
                        "hint": {"type": "string"},
                    },
                },
            },
        },
    }
