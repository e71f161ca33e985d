"""What every request of one service shares: the live policies, the ledger, the tokens,
the plugins' environment and the limits."""

from __future__ import annotations

from dataclasses import dataclass

from starlette.requests import Request

from policyengine.ledger_db import LedgerStore
from policyengine.policy.environment import Environment
from policyengine.service.auth import Tokens
from policyengine.service.bodies import DEFAULT_MAX_BODY, body_text, read_body
from policyengine.service.policies import LivePolicies


@dataclass
class ServiceState:
    policies: LivePolicies
    ledger: LedgerStore
    tokens: Tokens
    env: Environment
    max_body: int = DEFAULT_MAX_BODY
    reads_need_token: bool = False  # served beyond loopback: every /v1 request needs one

    async def body_text(self, request: Request) -> str:
        """The request body as text, refused (413) past ``max_body`` bytes."""
        return body_text(await read_body(request, self.max_body))
