"""An evaluation in words, for people: ``policyengine evaluate``'s text output.

The same content as ``Evaluation.as_dict()`` (docs/evaluation.md): the status, the
renewal readiness with what is missing, every period, every record with its
explanation, where its credits counted, its adjustments and the staff actions.
"""

from __future__ import annotations

from policyengine.certification.result import Evaluation
from policyengine.decimals import decimal_text


def evaluation_text(ev: Evaluation) -> str:
    h = ev.holder
    who = h.fields.get("name") or h.id
    lines = [f"{ev.policy.name} — {who} ({h.id}), as of {ev.as_of}", f"status: {ev.status['text']}"]
    if ev.renewal:
        for r in ev.renewal["requirements"]:
            need = f" of {decimal_text(r['required'])}" if "required" in r else ""
            short = f" — missing {decimal_text(r['missing'])}" if "missing" in r else ""
            lines.append(
                f"  {r['label']}: {decimal_text(r['counted'])}{need} {r['measure']}"
                + ("" if r["met"] else short)
            )
            for y in r.get("per_year", []):
                lines.append(
                    f"    year {y['year']} ({y['start']} to {y['end']}): "
                    f"{decimal_text(y['counted'])} of {decimal_text(y['required'])}"
                    + ("" if y["met"] else f" — missing {decimal_text(y['missing'])}")
                )
        for m in ev.renewal["missing"]:
            lines.append(f"  {m}")
        invoice = "yes" if ev.renewal["can_invoice"] else "no"
        lines.append(f"  renewal can be invoiced: {invoice}")
    lines.append("periods:")
    for p in ev.periods:
        d = ev.period_dict(p)
        done = f", completed {d['completed_on']}" if d["completed_on"] else ""
        late = " (late)" if d.get("late") else ""
        lines.append(
            f"  {p.number}. {p.kind} {d['start']} to {d['end']}: {d['status']}{done}"
            f"{late}; {len(p.applied)} applied, {decimal_text(d['credits'])} credits"
        )
        for c in d.get("carried_in", []):
            lines.append(
                f"     carried in: {decimal_text(c['credits'])} credits of {c['record']} "
                f"from period {c['from_period']}"
            )
    lines.append("records:")
    # where each credit went, once the policy has more than one place it can go
    categories = len({t["requirement"] for o in ev.outcomes for t in o.counted_toward}) > 1
    for o in ev.outcomes:
        d = o.as_dict()
        raw = d.get("credits", o.record.credits)
        credits = decimal_text(raw) if raw is not None else "-"
        lines.append(f"  {d['id']} ({d['earned_on']}, {credits} credits): {d['explanation']}")
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
