"""Who may do what: bearer tokens with roles, read from the environment or a file.

Tokens are never given on the command line (a process list shows it to every user).
They come from the environment variables ``POLICYENGINE_SHOP_TOKEN`` and
``POLICYENGINE_STAFF_TOKEN``, or from a file (``serve --tokens-file``) of lines
``ROLE TOKEN`` (``#`` starts a comment). Roles are ordered: ``shop`` may record
redemptions; ``staff`` may do that and also adjust accounts (record purchases).
Reading (policies, evaluate, decisions, balances) needs no token on a loopback
address; on any other address every ``/v1`` request needs a token of some role.
Tokens are compared in constant time.
"""

from __future__ import annotations

import hmac
import ipaddress
import os
from collections.abc import Mapping
from dataclasses import dataclass

from policyengine.errors import UsageError
from policyengine.service.problems import Problem

ROLES = ("shop", "staff")  # each role may do what the roles before it may
ENV = {"shop": "POLICYENGINE_SHOP_TOKEN", "staff": "POLICYENGINE_STAFF_TOKEN"}


@dataclass(frozen=True)
class Tokens:
    """The configured tokens and their roles (empty: no token configured)."""

    by_token: Mapping[str, str]

    @property
    def configured(self) -> bool:
        return bool(self.by_token)

    def role_of(self, authorization: str | None) -> str | None:
        """The role of an ``Authorization: Bearer TOKEN`` header; None when absent."""
        if not authorization:
            return None
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise unauthorized("the Authorization header must be 'Bearer TOKEN'")
        found = None
        for known, role in self.by_token.items():
            if hmac.compare_digest(known.encode(), token.strip().encode()):
                found = role
        if found is None:
            raise unauthorized("the bearer token is not known")
        return found

    def require(self, authorization: str | None, role: str) -> str:
        """The caller's role when it is ``role`` or above; 401/403 problems otherwise."""
        have = self.role_of(authorization)
        if have is None:
            raise unauthorized(f"this request needs a bearer token of role '{role}' or above")
        if ROLES.index(have) < ROLES.index(role):
            raise Problem(
                403,
                "forbidden",
                "Forbidden",
                f"role '{have}' may not do this; it needs role '{role}'",
                field="Authorization",
            )
        return have


def unauthorized(detail: str) -> Problem:
    return Problem(
        401,
        "unauthorized",
        "Unauthorized",
        detail,
        field="Authorization",
        headers={"WWW-Authenticate": 'Bearer realm="policyengine"'},
    )


def load_tokens(path: str | None, environ: Mapping[str, str] | None = None) -> Tokens:
    """Tokens from ``environ`` (``os.environ``) and from the file at ``path``."""
    env = os.environ if environ is None else environ
    found: dict[str, str] = {}
    for role, name in ENV.items():
        if env.get(name):
            found[env[name].strip()] = role
    if path is not None:
        try:
            with open(path, encoding="utf-8") as fh:
                lines = fh.read().splitlines()
        except OSError as err:
            raise UsageError(f"--tokens-file: cannot read {path}: {err.strerror}") from None
        for number, line in enumerate(lines, 1):
            text = line.split("#", 1)[0].strip()
            if not text:
                continue
            parts = text.split()
            if len(parts) != 2 or parts[0] not in ROLES:
                raise UsageError(
                    f"--tokens-file {path}:{number}: expected 'ROLE TOKEN' with ROLE one of "
                    f"{', '.join(ROLES)}"
                )
            found[parts[1]] = parts[0]
    return Tokens(found)


def is_loopback(host: str) -> bool:
    """Whether binding to ``host`` serves this machine only."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False
