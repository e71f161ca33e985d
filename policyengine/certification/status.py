"""Statuses: of each period, of the holder, and those a policy defines.

``period_status``: ``complete``, ``in-progress``, ``grace``, ``expired``, ``future`` or
``not-started``. ``holder_status``: the built-in status of the holder (certified,
grace, expired, in-progress, not-registered, not-certified, no-period) and the renewal
readiness of the period they are in (``renewal_readiness``, worked out when it is read:
``Evaluation.renewal``). ``policy_status``: ``statuses: [{id, label, when}]``
of the policy — the first rule whose ``when`` is true names the holder's status; the
built-in status stays in ``builtin`` and its dates are kept. ``when`` sees ``holder``,
``period`` (the period the built-in status is about, with ``complete`` and ``late``),
``as_of``, ``status`` (the built-in code) and ``const``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from policyengine.certification.periods import ONE_DAY, Period
from policyengine.certification.requirement_result import RequirementResult, all_met
from policyengine.policy.model import Policy


def period_status(p: Period, as_of: dt.date) -> str:
    """``complete``, ``in-progress``, ``grace`` (ended incomplete, still open until its
    grace end), ``expired``, ``future`` or ``not-started``."""
    if p.completed_on is not None:
        return "complete"
    if p.began_on is None:
        return "future" if p.start > as_of else "not-started"
    if as_of <= p.end:
        return "in-progress"
    return "grace" if as_of <= p.grace_end else "expired"


def holder_status(
    periods: Sequence[Period], holder: Mapping[str, Any], as_of: dt.date
) -> tuple[dict[str, Any], Period | None]:
    """The holder's status, and the period it is about (the one they are in, whose
    renewal readiness :func:`renewal_readiness` says)."""
    first: dict[str, Period] = {}  # the first period of each status
    for p in periods:
        first.setdefault(period_status(p, as_of), p)
    stuck, late = first.get("expired"), first.get("grace")
    current = stuck or late or next((p for p in periods if p.contains(as_of)), None)
    if current is None:
        begun = [p for p in periods if p.began_on is not None]
        current = begun[-1] if begun else (periods[0] if periods else None)
        if current is not None and current.completed_on is not None and current.end < as_of:
            # between a period completed late and the next one (rolling layout: it starts
            # the day after the completion): the holder is certified through the next one
            # from the completion day on, not "until" a day already past
            current = next((p for p in periods if p.start > current.end), current)
    initial = periods[0] if periods and periods[0].kind == "initial" else None
    since = holder.get("certified_on") or holder.get("designated_on")
    status: dict[str, Any]
    if current is None:
        status = {"code": "no-period", "text": "no period applies to this holder"}
    elif stuck is not None:
        status = {
            "code": "expired",
            "text": f"expired since {stuck.grace_end + ONE_DAY}: the {stuck.label} is not complete",
            "expired_since": (stuck.grace_end + ONE_DAY).isoformat(),
        }
    elif late is not None:
        status = {
            "code": "grace",
            "text": f"in the grace period until {late.grace_end}: the {late.label} ended "
            f"incomplete; credits earned by {late.grace_end} still count for it (late)",
            "grace_until": late.grace_end.isoformat(),
        }
    elif initial is not None and initial.completed_on is None:
        if as_of < initial.start:
            status = {
                "code": "not-registered",
                "text": f"registers on {initial.start}; not certified yet",
            }
        else:
            status = {
                "code": "in-progress",
                "text": f"working toward certification; the initial period ends {initial.end}",
            }
    else:
        until = current.end
        if current.start > as_of and since is None:
            status = {"code": "not-certified", "text": f"not certified before {current.start}"}
        else:
            met = current.completed_on is not None and current.kind == "renewal"
            done = " (renewal requirements met)" if met else ""
            status = {
                "code": "certified",
                "text": f"certified since {since} until {until}{done}"
                if since
                else f"certified until {until}{done}",
                "valid_until": until.isoformat(),
            }
            if since:
                status["valid_from"] = since.isoformat()
    if current is not None:
        status["period"] = current.number
    return status, current


def renewal_readiness(
    current: Period | None, results: Mapping[int, list[RequirementResult]], as_of: dt.date
) -> dict[str, Any] | None:
    """The renewal readiness of ``current``, the period the holder's status is about:
    each requirement's result, a sentence for each one not met, and whether the renewal
    can be invoiced (None: no period, or one not measured)."""
    if current is None or current.number not in results:
        return None
    res = results[current.number]
    return {
        "period": current.number,
        "requirements": [r.as_dict() for r in res],
        "missing": [r.sentence(current.end, as_of) for r in res if not r.met],
        "can_invoice": all_met(res),
    }


def policy_status(
    policy: Policy,
    builtin: dict[str, Any],
    periods: Sequence[Period],
    holder: Mapping[str, Any],
    as_of: dt.date,
) -> dict[str, Any]:
    if not policy.statuses:
        return builtin
    number = builtin.get("period")
    period = next((p for p in periods if p.number == number), None)
    if period is None:
        return builtin
    values = {
        **policy.base_values(),
        "holder": holder,
        "period": period.state_values(),
        "as_of": as_of,
        "status": builtin["code"],
    }
    for rule in policy.statuses:
        if rule.when(values) is True:
            label = rule.label
            return {
                **builtin,
                "code": rule.id,
                "label": label,
                "text": f"{label}: {builtin['text']}",
                "builtin": builtin["code"],
            }
    return builtin
