"""A holder's timeline page: status, periods and records as a picture, requirements as
bars, and every record's disposition sentence in a table.

:func:`timeline_page` renders one :class:`~policyengine.certification.result.Evaluation`,
:func:`timelines_page` several (one section each, as ``evaluate -o html`` with several
``--holder`` options writes), and :func:`timeline_section` the section alone from the
evaluation JSON (``Evaluation.as_dict()``, the same document ``evaluate --json`` prints)
for a page that embeds it (the playground). Every number and sentence shown is taken
from that JSON as it is; nothing is worked out again here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from policyengine.pages.html import document, px, table, text
from policyengine.pages.timeline_svg import (
    COUNTED,
    moved_direction,
    period_name,
    record_title,
    timeline_svg,
)

if TYPE_CHECKING:
    from policyengine.certification.result import Evaluation

METER = 240  # the width of a requirement's bar

LEGEND = (
    ("complete", "var(--complete)"),
    ("in progress", "var(--in-progress)"),
    ("grace", "var(--grace)"),
    ("expired", "var(--expired)"),
    ("future / not started", "var(--future)"),
    ("look-back window", "#cfd8dc"),
    ("counted record", "var(--counted)"),
)


def _legend() -> str:
    items = "".join(f'<span style="--c: {color}">{name}</span>' for name, color in LEGEND)
    extra = (
        '<span class="hollow">record not counted</span><span>◇ completed on</span>'
        "<span>⇢ moved record (backdate / pushdate)</span><span>┆ as of / restart</span>"
    )
    return f'<div class="legend">{items}{extra}</div>\n'


def _meter(counted: str, of: str | None, met: bool, capped: bool) -> str:
    """A bar of ``counted`` against ``of`` (the minimum, or the cap), full at ``of``."""
    whole = Fraction(Decimal(of)) if of is not None else Fraction(0)
    share = Fraction(1) if whole <= 0 else min(Fraction(Decimal(counted)) / whole, Fraction(1))
    state = "capped" if capped else "met" if met else "unmet"
    return (
        f'<svg class="meter" viewBox="0 0 {METER} 12" width="{METER}" height="12" '
        f'aria-hidden="true"><rect class="track" width="{METER}" height="12" rx="2"/>'
        f'<rect class="fill {state}" width="{px(share * METER)}" height="12" rx="2"/></svg>'
    )


def _requirement_row(period: Mapping[str, Any], r: Mapping[str, Any]) -> str:
    of = r.get("required")
    cap = r.get("cap")
    capped = of in (None, "0") and cap is not None
    limit = f"cap {cap}" if capped else str(of)
    missing = r.get("missing", "")
    extra = ""
    if r.get("courses_missing"):
        extra = f"<br>courses missing: {text(', '.join(r['courses_missing']))}"
    rows = [
        f'<tr data-period="{period["number"]}" data-requirement="{text(r["id"])}">'
        f"<td>{text(period_name(period))}</td>"
        f"<td>{text(r.get('label') or r['id'])} <code>{text(r['id'])}</code>{extra}</td>"
        f'<td class="num" data-field="counted">{text(r["counted"])}</td>'
        f'<td class="num" data-field="required">{text(limit)}</td>'
        f'<td class="num" data-field="missing">{text(missing)}</td>'
        f"<td>{'met' if r.get('met') else 'not met'}</td>"
        f"<td>{_meter(r['counted'], cap if capped else of, bool(r.get('met')), capped)}</td>"
        "</tr>\n"
    ]
    for y in r.get("per_year", []):
        rows.append(
            f'<tr class="per-year" data-period="{period["number"]}" '
            f'data-requirement="{text(r["id"])}" data-year="{text(y["year"])}">'
            f"<td></td><td>· year {text(y['year'])} ({text(y['start'])} to {text(y['end'])})</td>"
            f'<td class="num">{text(y["counted"])}</td><td class="num">{text(y["required"])}</td>'
            f'<td class="num">{text(y.get("missing", ""))}</td>'
            f"<td>{'met' if y.get('met') else 'not met'}</td>"
            f"<td>{_meter(y['counted'], y['required'], bool(y.get('met')), False)}</td></tr>\n"
        )
    return "".join(rows)


def _requirements(doc: Mapping[str, Any]) -> str:
    rows = [_requirement_row(p, r) for p in doc["periods"] for r in p.get("requirements", [])]
    if not rows:
        return "<p>No period has begun, so no requirement is counted yet.</p>\n"
    head = ["Period", "Requirement", "Counted", "Required", "Missing", "", "Counted of required"]
    return table(head, rows, cls="requirements")


def _moved(r: Mapping[str, Any]) -> str:
    direction = moved_direction(r)
    if direction is None:
        return text(r.get("effective_on", ""))
    arrow = "←" if r["effective_on"] < r["earned_on"] else "→"
    return (
        f'<span class="moved" data-moved="{direction}">{text(r["earned_on"])} {arrow} '
        f"{text(r['effective_on'])} ({direction})</span>"
    )


def _notes(r: Mapping[str, Any]) -> str:
    notes = [a["explanation"] for a in r.get("adjustments", [])]
    notes += [a["text"] for a in r.get("actions", [])]
    # a declined change is already told in the record's own sentence
    return "".join(f"<br><small>{text(n)}</small>" for n in notes if n not in r["explanation"])


def _records(doc: Mapping[str, Any], ids: str) -> str:
    if not doc["records"]:
        return "<p>The holder has no records.</p>\n"
    rows = []
    for i, r in enumerate(doc["records"]):
        counted = " counted" if r["disposition"] in COUNTED else ""
        title = f": {r['title']}" if r.get("title") else ""
        period = "" if r.get("period") is None else str(r["period"])
        rows.append(
            f'<tr id="rec-{ids}-{i}" data-record="{text(r["id"])}" '
            f'title="{text(record_title(r))}">'
            f"<td><code>{text(r['id'])}</code>{text(title)}</td>"
            f'<td class="date">{text(r["earned_on"])}</td><td class="date">{_moved(r)}</td>'
            f'<td class="num" data-field="credits">{text(r.get("credits", ""))}</td>'
            f'<td class="num">{period}</td>'
            f'<td class="disposition{counted}" data-field="disposition">'
            f"{text(r['disposition'])}</td>"
            f'<td data-field="explanation">{text(r["explanation"])}{_notes(r)}</td></tr>\n'
        )
    head = ["Record", "Earned", "Effective", "Credits", "Period", "Disposition", "Why"]
    return table(head, rows, cls="records")


def _renewal(doc: Mapping[str, Any]) -> str:
    renewal = doc.get("renewal")
    if not renewal:
        return ""
    ready = "yes" if renewal.get("can_invoice") else "no"
    missing = "".join(f"<li>{text(m)}</li>" for m in renewal.get("missing", []))
    return (
        f'<p class="renewal" data-period="{renewal.get("period")}">Renewal of period '
        f"{text(renewal.get('period'))}: ready to invoice: <b>{ready}</b></p>\n"
        + (f'<ul class="missing">{missing}</ul>\n' if missing else "")
    )


def timeline_section(doc: Mapping[str, Any], ids: str = "1") -> str:
    """The ``<section>`` of one evaluation, from its JSON (``Evaluation.as_dict()``);
    ``ids`` keeps its element ids unique among several sections of one page."""
    holder, policy, status = doc["holder"], doc["policy"], doc["status"]
    name = holder.get("name") or holder["id"]
    state = status.get("builtin", status["code"])
    return (
        f'<section class="holder" id="holder-{ids}" data-holder="{text(holder["id"])}">\n'
        f"<h2>{text(name)} <code>{text(holder['id'])}</code></h2>\n"
        f'<p class="meta">{text(policy["name"])} (<code>{text(policy["id"])}</code>) · '
        f'as of <time data-field="as_of">{text(doc["as_of"])}</time></p>\n'
        f'<p><span class="status {text(state)}" data-status="{text(status["code"])}">'
        f"{text(status.get('label') or status['code'])}</span> {text(status['text'])}</p>\n"
        + _renewal(doc)
        + "<h3>Periods and records</h3>\n<figure>\n"
        + timeline_svg(doc, ids)
        + "</figure>\n"
        + _legend()
        + "<h3>Requirements</h3>\n"
        + _requirements(doc)
        + "<h3>Records</h3>\n"
        + _records(doc, ids)
        + "</section>\n"
    )


def timeline_documents(docs: Sequence[Mapping[str, Any]]) -> str:
    """One HTML document with a section for each evaluation JSON of ``docs``."""
    if len(docs) == 1:
        h = docs[0]["holder"]
        title = f"{h.get('name') or h['id']}: {docs[0]['policy']['name']}"
        heading = f"<h1>{text(docs[0]['policy']['name'])}</h1>\n"
    else:
        names = sorted({d["policy"]["name"] for d in docs})
        title = f"{', '.join(names)}: {len(docs)} holders" if docs else "No holders"
        heading = f"<h1>{text(title)}</h1>\n"
    body = heading + "".join(timeline_section(d, str(n)) for n, d in enumerate(docs, 1))
    return document(title, body)


def timeline_page(evaluation: Evaluation) -> str:
    """A self-contained HTML page of one holder's evaluation (``evaluate -o html``)."""
    return timeline_documents([evaluation.as_dict()])


def timelines_page(evaluations: Sequence[Evaluation]) -> str:
    """One self-contained HTML page with a section per evaluation, in the order given."""
    return timeline_documents([e.as_dict() for e in evaluations])
