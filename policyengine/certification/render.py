"""An evaluation in words, for people: ``policyengine evaluate``'s text output.

The same content as ``Evaluation.as_dict()`` (docs/evaluation.md): the status, the
renewal readiness with what is missing, every period, every record with its
explanation, where its credits counted, its adjustments and the staff actions.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from policyengine.certification.result import Evaluation
from policyengine.decimals import decimal_text


def credits_text(value: Any) -> str:
    """``1 credit``, ``0.5 credits``, ``3 credits``."""
    return f"{decimal_text(value)} credit" + ("" if Decimal(value) == 1 else "s")


def _shortfall(r: dict[str, Any], end: dt.date, as_of: dt.date) -> str:
    """What a requirement that is not met lacks, once (the JSON's ``missing`` sentences
    say the same again), and its deadline: still ahead, or passed."""
    parts = []
    if Decimal(r.get("missing", "0")) > 0:
        parts.append(f"missing {decimal_text(r['missing'])}")
    if r.get("courses_missing"):
        parts.append("courses missing: " + ", ".join(r["courses_missing"]))
    short_years = [str(y["year"]) for y in r.get("per_year", []) if not y["met"]]
    if short_years:
        which = ", ".join(short_years)
        parts.append(
            f"the yearly minimum is not met in year{'s' if len(short_years) > 1 else ''} {which}"
        )
    when = f"needed by {end}" if as_of <= end else f"the period ended {end}"
    return "; ".join(parts or ["not met"]) + f" ({when})"


def evaluation_text(ev: Evaluation) -> str:
    h = ev.holder
    who = h.fields.get("name") or h.id
    lines = [f"{ev.policy.name} — {who} ({h.id}), as of {ev.as_of}", f"status: {ev.status['text']}"]
    if ev.renewal:
        end = next(p.end for p in ev.periods if p.number == ev.renewal["period"])
        for r in ev.renewal["requirements"]:
            need = f" of {decimal_text(r['required'])}" if "required" in r else ""
            lines.append(
                f"  {r['label']}: {decimal_text(r['counted'])}{need} {r['measure']}"
                + ("" if r["met"] else " — " + _shortfall(r, end, ev.as_of))
            )
            if "cap_per" in r:
                reached = "; ".join(
                    f"{g['group']}: {decimal_text(g['counted'])}" for g in r["capped_groups"]
                )
                lines.append(
                    f"    at most {decimal_text(r['cap'])} per {r['cap_per']}"
                    + (f" — reached by {reached}" if reached else "")
                )
            for y in r.get("per_year", []):
                lines.append(
                    f"    year {y['year']} ({y['start']} to {y['end']}): "
                    f"{decimal_text(y['counted'])} of {decimal_text(y['required'])}"
                    + ("" if y["met"] else f" — missing {decimal_text(y['missing'])}")
                )
        invoice = "yes" if ev.renewal["can_invoice"] else "no"
        lines.append(f"  renewal can be invoiced: {invoice}")
    # a policy whose requirements all count items: no credits shown (they would all be 0)
    credits_shown = any(r.counts_credits for lst in ev.policy.requirement_lists for r in lst.items)
    lines.append("periods:")
    for p in ev.periods:
        d = ev.period_dict(p)
        done = f", completed {d['completed_on']}" if d["completed_on"] else ""
        late = " (late)" if d.get("late") else ""
        total = f", {credits_text(d['credits'])}" if credits_shown else ""
        # "3. renewal period 2": the number JSON gives (status.period) and the name the
        # sentences use
        name = "initial period" if p.kind == "initial" else f"renewal period {p.renewal_number}"
        if p.chain > 1:  # periods.restart: the periods after a lapse start again
            name += " after the restart" if p.chain == 2 else f" after restart {p.chain - 1}"
        lines.append(
            f"  {p.number}. {name}, {d['start']} to {d['end']}: {d['status']}{done}"
            f"{late}; {len(p.applied)} applied{total}"
        )
        for c in d.get("carried_in", []):
            lines.append(
                f"     carried in: {credits_text(c['credits'])} of {c['record']} "
                f"from period {c['from_period']}"
            )
    lines.append("records:")
    # where each credit went, once the policy has more than one place it can go
    categories = len({t["requirement"] for o in ev.outcomes for t in o.counted_toward}) > 1
    for o in ev.outcomes:
        d = o.as_dict()
        raw = d.get("credits", o.record.credits)
        credits = credits_text(raw) if raw is not None else "- credits"
        worth = f", {credits}" if credits_shown else ""
        lines.append(f"  {d['id']} ({d['earned_on']}{worth}): {d['explanation']}")
        if categories and d.get("counted_toward"):
            lines.append(
                "    counted toward: "
                + ", ".join(
                    f"{t['requirement']} {decimal_text(t['credits'])}" for t in d["counted_toward"]
                )
            )
        for decision in o.decisions:
            if decision.status not in ("declined", "refused"):  # in the explanation already
                lines.append(f"    adjustment: {decision.reason}")
        for action in o.actions:
            lines.append(f"    action: {action['text']}")
    return "\n".join(lines) + "\n"
