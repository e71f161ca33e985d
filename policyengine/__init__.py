"""policyengine: a declarative policy engine for continuing-education credits,
certifications and prepaid credit packages.

The stable Python API (see the README)::

    import datetime as dt
    import policyengine as pe

    policy = pe.load_policy("policies/werc-crp.yaml")
    holder, records = pe.load_holder("policies/holders/werc-crp-seed-examples.yaml", policy)
    result = pe.evaluate(policy, holder, records, dt.date(2025, 9, 1))

Names are imported on first use, so ``import policyengine`` (and the command line's
start) does not pay for the YAML loader, JSON Schema and the expression parser.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from policyengine.errors import Diagnostic, Location, PolicyError
from policyengine.hookspecs import hookimpl

if TYPE_CHECKING:
    from policyengine.certification.result import Evaluation
    from policyengine.packages.files import Account, Cart
    from policyengine.packages.ledger import Balance
    from policyengine.packages.redeem import RedemptionDecision
    from policyengine.policy.environment import Environment
    from policyengine.policy.model import Policy
    from policyengine.records.model import Holder, Record

__version__ = "0.2.0"  # the one place: pyproject.toml reads it

__all__ = [
    "Diagnostic",
    "Location",
    "PolicyError",
    "__version__",
    "balance",
    "evaluate",
    "holder_from_dict",
    "hookimpl",
    "load_account",
    "load_cart",
    "load_environment",
    "load_holder",
    "load_policy",
    "load_policy_text",
    "redeem",
]

# The functions below import their implementation when called, for start-up cost (see
# the module docstring), not to break import cycles.


def load_environment(plugins_dir: str | os.PathLike[str] | None = None) -> Environment:
    """The functions, credit sources and record fields of every plugin: the built-in
    ones, installed entry points, and the ``*.py`` files of ``plugins_dir``."""
    from policyengine.plugins_loader import load_environment as load  # start-up cost

    return load(plugins_dir)


def _env(env: Environment | None) -> Environment:
    from policyengine.plugins_loader import default_environment  # start-up cost

    return env if env is not None else default_environment()


def load_policy(path: str, env: Environment | None = None) -> Policy:
    """Load, validate and compile a policy file (PolicyError lists every problem).

    ``env`` defaults to the built-in and installed plugins, loaded once."""
    from policyengine.policy.build import load_policy as load  # start-up cost

    return load(path, _env(env))


def load_policy_text(text: str, label: str = "<policy>", env: Environment | None = None) -> Policy:
    """A policy from YAML text; diagnostics name ``label``."""
    from policyengine.policy.build import load_policy_text as load  # start-up cost

    return load(text, label, _env(env))


def load_holder(path: str, policy: Policy) -> tuple[Holder, list[Record]]:
    """A holder file (YAML or JSON) read for ``policy``: its time zone and record fields."""
    from policyengine.records.model import load_holder as load  # start-up cost

    return load(path, policy.tz, extra_fields=policy.record_fields)


def holder_from_dict(data: Mapping[str, Any], policy: Policy) -> tuple[Holder, list[Record]]:
    """A holder from plain data in the holder-file shape (``holder``, ``records``)."""
    from policyengine.load.schema import validate_against  # start-up cost
    from policyengine.records.model import holder_from_document  # start-up cost

    problems = validate_against(data, "holder")
    if problems:
        raise PolicyError(problems)
    return holder_from_document(data, policy.tz, extra_fields=policy.record_fields)


def evaluate(
    policy: Policy, holder: Holder, records: Sequence[Record], as_of: dt.date
) -> Evaluation:
    """Evaluate ``holder``'s ``records`` under ``policy`` as of the end of ``as_of``."""
    from policyengine.certification.engine import evaluate as run  # start-up cost

    return run(policy, holder, records, as_of)


def load_account(path: str, policy: Policy) -> Account:
    """A credit-package account file, its times in ``policy``'s time zone."""
    from policyengine.packages.files import load_account as load  # start-up cost

    return load(path, policy.tz)


def load_cart(path: str) -> Cart:
    """A cart file."""
    from policyengine.packages.files import load_cart as load  # start-up cost

    return load(path)


def redeem(policy: Policy, account: Account, cart: Cart, at: dt.datetime) -> RedemptionDecision:
    """May ``cart`` be paid with the account's credits at ``at``? A pure decision."""
    from policyengine.packages.redeem import redeem as decide  # start-up cost

    return decide(policy, account, cart, at)


def balance(policy: Policy, account: Account, at: dt.datetime) -> Balance:
    """The account's packages and credits as of ``at``."""
    from policyengine.packages.ledger import balance as of  # start-up cost

    return of(policy, account, at)
