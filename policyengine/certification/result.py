"""The result of an evaluation: statuses, periods, per-record dispositions, actions.

``Evaluation.as_dict()`` is the documented, versioned JSON shape
(``"format": "policyengine.evaluation/1"``, see docs/evaluation.md); ``text()`` is
the same content for people. Both are deterministic: the same input gives
byte-identical output.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from policyengine.certification import adjustments as adj
from policyengine.certification.periods import ONE_DAY, Period
from policyengine.records.model import Holder, Record
from policyengine.certification.requirements import Result, all_met, show_number

FORMAT = "policyengine.evaluation/1"


@dataclass(frozen=True)
class Disposition:
    code: str
    text: str


@dataclass
class RecordOutcome:
    record: Record
    disposition: Disposition | None = None
    period: int | None = None
    effective_on: dt.date | None = None
    credits: Decimal | None = None
    decisions: list[adj.Decision] = field(default_factory=list)
    actions: list[dict[str, Any]] = field(default_factory=list)
    counted_toward: list[dict[str, str]] = field(default_factory=list)
    carried: dict[str, Any] | None = None

    def as_dict(self) -> dict[str, Any]:
        r = self.record
        out: dict[str, Any] = {
            "id": r.id,
            "title": r.fields.get("title", ""),
            "earned_on": r.earned_on.isoformat(),
            "recorded_on": r.recorded_on.isoformat(),
            "status": r.status,
            "disposition": self.disposition.code if self.disposition else "unknown",
            "explanation": self.disposition.text if self.disposition else "",
            "period": self.period,
            "origin": r.origin,
        }
        if self.effective_on is not None:
            out["effective_on"] = self.effective_on.isoformat()
        if self.credits is not None:
            out["credits"] = str(self.credits)
        if self.decisions:
            out["adjustments"] = [d.as_dict() for d in self.decisions]
        if self.actions:
            out["actions"] = self.actions
        if self.counted_toward:
            out["counted_toward"] = self.counted_toward
        if self.carried is not None:
            out["carried"] = self.carried
        return out


def period_status(p: Period, as_of: dt.date) -> str:
    """``complete``, ``in-progress``, ``grace`` (ended incomplete, still open until its
    grace end), ``expired``, ``future`` or ``not-started``."""
    if p.completed_on is not None:
        return "complete"
    if p.began_at is None:
        return "future" if p.start > as_of else "not-started"
    if as_of <= p.end:
        return "in-progress"
    return "grace" if as_of <= p.grace_end else "expired"


def holder_status(
    periods: Sequence[Period], results: dict[int, list[Result]], holder: dict, as_of: dt.date
) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """The holder's status and the renewal readiness of the period they are in."""
    stuck = next((p for p in periods if period_status(p, as_of) == "expired"), None)
    late = next((p for p in periods if period_status(p, as_of) == "grace"), None)
    current = stuck or late or next((p for p in periods if p.contains(as_of)), None)
    if current is None:
        begun = [p for p in periods if p.began_at is not None]
        current = begun[-1] if begun else (periods[0] if periods else None)
    initial = periods[0] if periods and periods[0].kind == "initial" else None
    since = holder.get("certified_on") or holder.get("designated_on")
    if current is None:
        status = {"code": "no-period", "text": "no period applies to this holder"}
    elif stuck is not None:
        status = {
            "code": "expired",
            "text": f"expired since {stuck.grace_end + ONE_DAY}: the {stuck.label} is not "
                    "complete",
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
            status = {"code": "not-registered",
                      "text": f"registers on {initial.start}; not certified yet"}
        else:
            status = {"code": "in-progress",
                      "text": "working toward certification; the initial period ends "
                              f"{initial.end}"}
    else:
        until = current.end
        if current.start > as_of and since is None:
            status = {"code": "not-certified", "text": f"not certified before {current.start}"}
        else:
            met = current.completed_on is not None and current.kind == "renewal"
            done = " (renewal requirements met)" if met else ""
            status = {"code": "certified",
                      "text": f"certified since {since} until {until}{done}" if since
                      else f"certified until {until}{done}",
                      "valid_until": until.isoformat()}
            if since:
                status["valid_from"] = since.isoformat()
    if current is not None:
        status["period"] = current.number
    renewal = None
    if current is not None and current.number in results:
        res = results[current.number]
        renewal = {
            "period": current.number,
            "requirements": [r.as_dict() for r in res],
            "missing": [r.sentence(current.end) for r in res if not r.met],
            "can_invoice": all_met(res),
        }
    return status, renewal


class Evaluation:
    def __init__(self, policy, holder: Holder, as_of: dt.date, periods: list[Period],
                 results: dict[int, list[Result]], outcomes: list[RecordOutcome],
                 status: dict, renewal: dict | None):
        self.policy = policy
        self.holder = holder
        self.as_of = as_of
        self.periods = periods
        self.results = results
        self.outcomes = outcomes
        self.status = status
        self.renewal = renewal

    def suggest_actions(self, holder_values: dict) -> None:
        """What staff could do for credits that do not count where the member needs them.

        A backdate is proposed for credits earned after the end of the cycle the holder is
        stuck in (expired, not complete) unless they count toward a complete cycle; a
        pushdate for credits earned before the first cycle, and for credits recorded during
        the current cycle but earned before it (which the policy may refuse after the first
        renewal cycle, seed 000)."""
        if self.policy.adjustments is None or not self.periods:
            return
        stuck = next((p for p in self.periods if period_status(p, self.as_of) == "expired"), None)
        current = stuck or next((p for p in self.periods if p.contains(self.as_of)
                                 and p.began_at is not None), None)
        complete = {p.number for p in self.periods if p.completed_on is not None}
        first = self.periods[0]
        for o in self.outcomes:
            if o.effective_on is None or o.disposition is None:
                continue
            if any(d.status == "accepted" for d in o.decisions):
                continue
            day = o.effective_on
            if stuck is not None and day > stuck.end and o.period not in complete:
                o.actions.append(_action(self.policy, o, stuck, holder_values, "backdate",
                                         f"earned {day}, after the cycle ended {stuck.end}"))
            if day < first.start and o.disposition.code in ("before-first-period", "not-valid"):
                o.actions.append(_action(self.policy, o, first, holder_values, "pushdate",
                                         f"earned {day}, before the cycle started {first.start}"))
            elif (current is not None and current is not first and day < current.start
                  and o.record.recorded_on >= current.start and o.period != current.number):
                o.actions.append(_action(self.policy, o, current, holder_values, "pushdate",
                                         f"earned {day}, before the cycle started {current.start}"))
            # a refusal staff already met is listed once, as the refused change
            tried = {d.direction for d in o.decisions if d.status == "refused"}
            o.actions = [a for a in o.actions if a["allowed"] or a["action"] not in tried]

    def period_dict(self, p: Period) -> dict[str, Any]:
        out: dict[str, Any] = {
            "number": p.number, "kind": p.kind, "renewal_number": p.renewal_number,
            "start": p.start.isoformat(), "end": p.end.isoformat(),
            "status": period_status(p, self.as_of),
            "completed_on": p.completed_on.isoformat() if p.completed_on else None,
            "applied": [a.record.id for a in p.applied],
            "credits": str(sum((a.credits for a in p.applied), Decimal(0))),
        }
        if p.grace_end != p.end:
            out["grace_end"] = p.grace_end.isoformat()
            out["late"] = p.late
        if p.window_start != p.start:
            out["window_start"] = p.window_start.isoformat()
        if p.carried_in:
            out["carried_in"] = p.carried_in
        if p.carried_out:
            out["carried_out"] = p.carried_out
        if p.number in self.results:
            out["requirements"] = [r.as_dict() for r in self.results[p.number]]
        return out

    def as_dict(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "policy": {"id": self.policy.id, "name": self.policy.name, "file": self.policy.path},
            "holder": {"id": self.holder.id, "name": self.holder.fields.get("name", "")},
            "as_of": self.as_of.isoformat(),
            "status": self.status,
            "renewal": self.renewal,
            "periods": [self.period_dict(p) for p in self.periods],
            "records": [o.as_dict() for o in self.outcomes],
        }

    def text(self) -> str:
        h = self.holder
        who = h.fields.get("name") or h.id
        lines = [f"{self.policy.name} — {who} ({h.id}), as of {self.as_of}",
                 f"status: {self.status['text']}"]
        if self.renewal:
            for r in self.renewal["requirements"]:
                need = f" of {show_number(r['required'])}" if "required" in r else ""
                short = f" — missing {show_number(r['missing'])}" if "missing" in r else ""
                lines.append(f"  {r['label']}: {show_number(r['counted'])}{need} {r['measure']}"
                             + ("" if r["met"] else short))
                for y in r.get("per_year", []):
                    lines.append(f"    year {y['year']} ({y['start']} to {y['end']}): "
                                 f"{show_number(y['counted'])} of {show_number(y['required'])}"
                                 + ("" if y["met"] else f" — missing {show_number(y['missing'])}"))
            for m in self.renewal["missing"]:
                lines.append(f"  {m}")
            invoice = "yes" if self.renewal["can_invoice"] else "no"
            lines.append(f"  renewal can be invoiced: {invoice}")
        lines.append("periods:")
        for p in self.periods:
            d = self.period_dict(p)
            done = f", completed {d['completed_on']}" if d["completed_on"] else ""
            late = " (late)" if d.get("late") else ""
            lines.append(f"  {p.number}. {p.kind} {d['start']} to {d['end']}: {d['status']}{done}"
                         f"{late}; {len(p.applied)} applied, {show_number(d['credits'])} credits")
            for c in d.get("carried_in", []):
                lines.append(f"     carried in: {show_number(c['credits'])} credits of {c['record']} "
                             f"from period {c['from_period']}")
        lines.append("records:")
        # where each credit went, once the policy has more than one place it can go
        categories = len({t["requirement"] for o in self.outcomes for t in o.counted_toward}) > 1
        for o in self.outcomes:
            d = o.as_dict()
            raw = d.get("credits", o.record.credits)
            credits = show_number(raw) if raw is not None else "-"
            lines.append(f"  {d['id']} ({d['earned_on']}, {credits} credits): "
                         f"{d['explanation']}")
            if categories and d.get("counted_toward"):
                lines.append("    counted toward: " + ", ".join(
                    f"{t['requirement']} {show_number(t['credits'])}"
                    for t in d["counted_toward"]))
            for a in o.decisions:
                if a.status not in ("declined", "refused"):  # those are in the explanation
                    lines.append(f"    adjustment: {a.reason}")
            for a in o.actions:
                lines.append(f"    action: {a['text']}")
        return "\n".join(lines) + "\n"


def _action(policy, o: RecordOutcome, p: Period, holder: dict, direction: str, why: str) -> dict:
    target, refusal = adj.proposal(policy, o.record, p, holder, direction)
    if target is not None:
        return {"action": direction, "to": target.isoformat(), "period": p.number,
                "allowed": True, "text": f"{why} — ask staff to {direction} it to {target}"}
    return {"action": direction, "period": p.number, "allowed": False,
            "text": f"{why}; a {direction} would be refused: {refusal}"}
