"""Holder statuses a policy defines (suspended, lapsed, ...), checked before the built-in one.

``statuses: [{id, label, when}]``: the first rule whose ``when`` is true names the
holder's status; the built-in status (``certified``, ``grace``, ``expired``, ...) stays
in ``builtin`` and its dates are kept. ``when`` sees ``holder``, ``period`` (the period
the built-in status is about, with ``complete`` and ``late``), ``as_of``, ``status``
(the built-in code) and ``const``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from policyengine.certification.periods import Period
from policyengine.policy.model import Policy


def policy_status(policy: Policy, builtin: dict[str, Any], periods: Sequence[Period],
                  holder: dict, as_of: dt.date) -> dict[str, Any]:
    if not policy.statuses:
        return builtin
    number = builtin.get("period")
    period = next((p for p in periods if p.number == number), None)
    if period is None:
        return builtin
    values = {**policy.base_values(), "holder": holder, "period": period.state_values(),
              "as_of": as_of, "status": builtin["code"]}
    for rule in policy.statuses:
        if rule.when(values) is True:
            label = rule.label
            return {**builtin, "code": rule.id, "label": label,
                    "text": f"{label}: {builtin['text']}", "builtin": builtin["code"]}
    return builtin
