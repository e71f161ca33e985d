"""policyengine: a declarative policy engine for continuing-education credits,
certifications and prepaid credit packages.

The stable Python API (see the README)::

    import datetime as dt
    import policyengine as pe

    policy = pe.load_policy("policies/werc-crp.yaml")
    holder, records = pe.load_holder("policies/holders/werc-crp-seed-examples.yaml", policy)
    result = pe.evaluate(policy, holder, records, dt.date(2025, 9, 1))

Names are imported on first use, so ``import policyengine`` (and the command line's
start) does not pay for the YAML loader, JSON Schema and the expression parser: the
functions import their implementation when called, and the result types (``Policy``,
``Evaluation``, ...) are imported by the module's ``__getattr__`` when first named.
The whole API is documented in docs/api.md.
"""

from __future__ import annotations

import datetime as dt
import importlib
import os
from collections.abc import Iterable, Iterator, Mapping, Sequence
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
    "Account",
    "Balance",
    "Cart",
    "Diagnostic",
    "Environment",
    "Evaluation",
    "Holder",
    "Location",
    "Policy",
    "PolicyError",
    "Record",
    "RedemptionDecision",
    "__version__",
    "balance",
    "evaluate",
    "evaluate_batch",
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

# The result types, by the module that defines them: imported when first named
# (``policyengine.Evaluation``), for start-up cost (see the module docstring).
_TYPES = {
    "Account": "policyengine.packages.files",
    "Balance": "policyengine.packages.ledger",
    "Cart": "policyengine.packages.files",
    "Environment": "policyengine.policy.environment",
    "Evaluation": "policyengine.certification.result",
    "Holder": "policyengine.records.model",
    "Policy": "policyengine.policy.model",
    "Record": "policyengine.records.model",
    "RedemptionDecision": "policyengine.packages.redeem",
}


def __getattr__(name: str) -> Any:
    if name in _TYPES:
        return getattr(importlib.import_module(_TYPES[name]), name)
    raise AttributeError(f"module 'policyengine' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *_TYPES})


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


def evaluate_batch(
    policy: str | os.PathLike[str],
    holders: Iterable[str | os.PathLike[str]],
    as_of: dt.date,
    *,
    jobs: int = 1,
    plugins_dir: str | os.PathLike[str] | None = None,
    explain: bool = False,
) -> Iterator[dict[str, Any]]:
    """Evaluate a whole membership, streamed: one output record per holder, in input
    order, as ``policyengine batch`` writes them (docs/batch.md). ``holders``: JSONL
    files (one holder document a line), holder files, sources files or directories of
    them. ``jobs``: worker processes (each compiles the policy from its path once).
    A holder whose data is bad gives an error record and the run goes on; a policy
    that does not load, or is not a certification policy, raises PolicyError.

    (Not named ``batch``: that is the subpackage ``policyengine.batch``, which its own
    import would bind over a function of the same name.)"""
    from policyengine.batch.inputs import tasks  # start-up cost
    from policyengine.batch.run import Settings, run  # start-up cost
    from policyengine.plugins_loader import load_environment as load_env  # start-up cost
    from policyengine.policy.build import load_policy as load  # start-up cost

    path = os.path.abspath(policy)
    plugins = os.fspath(plugins_dir) if plugins_dir is not None else None
    compiled = load(path, load_env(plugins))
    if compiled.kind != "certification":
        raise PolicyError(
            Diagnostic(
                f"{os.fspath(policy)} is a {compiled.kind} policy; batch needs a "
                "certification policy",
                compiled.kind_location,
                code="usage",
            )
        )
    settings = Settings(path, plugins, as_of, explain)
    return run(settings, tasks([os.fspath(h) for h in holders]), max(1, jobs), compiled)
