"""The policy playground: a policy's YAML and a holder's records side by side, checked
and evaluated on every submit.

Three pure pieces, so that a web route is a thin wrapper around them:

* :func:`parse_playground_form` reads the form the page posts
  (``application/x-www-form-urlencoded``: ``policy``, ``holder``, ``as_of``);
* :func:`run_playground` checks both texts with the code ``policyengine validate`` runs
  (the same diagnostics, lints included, at ``policy.yaml:line:col`` and
  ``holder.yaml:line:col``) and, when both are valid, evaluates the holder with the
  code ``policyengine evaluate`` runs;
* :func:`playground_page` shows the form, every diagnostic at its line (a numbered
  listing of the text with the message under the line), and the holder's timeline.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

from policyengine import dates
from policyengine.certification.engine import evaluate
from policyengine.ci.validate import check_document
from policyengine.errors import Diagnostic, PolicyError
from policyengine.load.yaml_loader import load_yaml_text
from policyengine.pages.html import document, source, text
from policyengine.pages.timeline import timeline_section
from policyengine.plugins_loader import default_environment
from policyengine.policy.build import build_policy
from policyengine.records.model import holder_from_document

if TYPE_CHECKING:
    from policyengine.certification.result import Evaluation
    from policyengine.policy.environment import Environment

POLICY_FILE = "policy.yaml"  # what diagnostics call the policy's text
HOLDER_FILE = "holder.yaml"  # ... and the holder's
CONTEXT = 3  # lines shown before and after a line with a diagnostic
TEXTAREAS = {POLICY_FILE: "policy", HOLDER_FILE: "holder"}  # file -> textarea id and field

# Clicking a diagnostic selects its line in the textarea and scrolls to it (the page's
# only script; without it, the link goes to the line in the listing below).
SCRIPT = """
document.querySelectorAll("a[data-line]").forEach(function (a) { a.onclick = function (e) {
  var t = document.getElementById(a.dataset.area), lines = t.value.split("\\n");
  var n = Math.min(+a.dataset.line, lines.length) - 1, at = lines.slice(0, n).join("\\n").length;
  at += n > 0 ? 1 : 0; e.preventDefault(); t.focus(); t.setSelectionRange(at, at + lines[n].length);
  t.scrollTop = t.scrollHeight * n / lines.length - t.clientHeight / 2; }; });
"""


@dataclass(frozen=True)
class PlaygroundForm:
    """What the playground's form posted: the two texts and the as-of date as typed."""

    policy: str
    holder: str
    as_of: str


def parse_playground_form(body: bytes) -> PlaygroundForm:
    """The fields of a posted form body (URL-encoded UTF-8; undecodable bytes become
    U+FFFD); a missing field is empty. Browsers send textarea lines ending in CR LF:
    they are read as LF, so lines and columns are those of the text as typed."""
    fields = parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True, max_num_fields=10)

    def one(name: str) -> str:
        return fields.get(name, [""])[0].replace("\r\n", "\n")

    return PlaygroundForm(one("policy"), one("holder"), one("as_of").strip())


@dataclass(frozen=True)
class PlaygroundResult:
    """Every diagnostic of both texts (errors and warnings, in the order found) and the
    evaluation, when both texts are valid and the policy is a certification policy."""

    diagnostics: list[Diagnostic] = field(default_factory=list)
    evaluation: Evaluation | None = None


def _checked(text_: str, label: str, kind: str, env: Environment) -> tuple[Any, list[Diagnostic]]:
    """The loaded document and what ``validate`` says of it (a wrong kind included)."""
    try:
        data = load_yaml_text(text_, label)
    except PolicyError as err:
        return None, err.diagnostics
    found, diagnostics = check_document(label, data, env)
    if found is not None and found != kind:
        diagnostics = [
            Diagnostic(
                f"this is a {found} document; the {TEXTAREAS[label]} box needs a {kind} document",
                hint=f"paste a {kind} file here",
                code="document.kind",
                path=label,
            )
        ]
    return data, diagnostics


def _as_of(value: str | dt.date | None) -> tuple[dt.date | None, list[Diagnostic]]:
    if isinstance(value, dt.date) or value is None:
        return value, []
    try:
        return dates.parse_date(value), []
    except ValueError as err:
        return None, [
            Diagnostic(f"as of: {err}", hint="write the date as YYYY-MM-DD", code="usage")
        ]


def run_playground(
    policy_text: str,
    holder_text: str,
    as_of: str | dt.date | None = None,
    env: Environment | None = None,
) -> PlaygroundResult:
    """Check ``policy_text`` and ``holder_text`` as ``validate`` would, and evaluate the
    holder as of ``as_of`` (a date, ``YYYY-MM-DD`` text, or None or "" for today in the
    policy's time zone) when nothing is wrong. ``env``: the plugins to compile against
    (default: the built-in and installed ones). Never raises for bad input: every problem
    is a diagnostic."""
    env = env if env is not None else default_environment()
    day, problems = _as_of(as_of or None)
    policy_data, found = _checked(policy_text, POLICY_FILE, "policy", env)
    problems += found
    holder_data, found = _checked(holder_text, HOLDER_FILE, "holder", env)
    problems += found
    if any(d.severity == "error" for d in problems):
        return PlaygroundResult(problems)
    try:
        policy = build_policy(POLICY_FILE, policy_data, env)
        if policy.kind != "certification":
            raise PolicyError(
                Diagnostic(
                    f"this is a {policy.kind} policy; the playground evaluates certification "
                    "policies",
                    policy.kind_location,
                    hint="use the checkout preview for credit packages",
                    code="usage",
                )
            )
        holder, records = holder_from_document(
            holder_data, policy.tz, extra_fields=policy.record_fields
        )
        when = day if day is not None else dt.datetime.now(policy.tz).date()
        return PlaygroundResult(problems, evaluate(policy, holder, records, when))
    except PolicyError as err:
        return PlaygroundResult(problems + err.diagnostics)


def _where(d: Diagnostic) -> str:
    if d.location is None:
        return text(d.path or "")
    loc = d.location
    area = TEXTAREAS.get(loc.file)
    if area is None:
        return text(str(loc))
    return (
        f'<a href="#{area}-L{loc.line}" data-area="{area}" data-line="{loc.line}">'
        f"{text(str(loc))}</a>"
    )


def _diagnostic_item(d: Diagnostic) -> str:
    label = "error" if d.severity == "error" else d.severity
    where = _where(d)
    hint = f'<br><span class="hint">hint: {text(d.hint)}</span>' if d.hint else ""
    return (
        f'<li class="{text(label)}" data-code="{text(d.problem_code)}">'
        f"{where}{': ' if where else ''}<b>{label}</b> [{text(d.problem_code)}] "
        f"{text(d.message)}{hint}</li>\n"
    )


def _listing(label: str, content: str, diagnostics: Sequence[Diagnostic]) -> str:
    """The lines of one box around its diagnostics (CONTEXT lines either side),
    numbered, each diagnostic's column and message under its line."""
    area = TEXTAREAS[label]
    at: dict[int, list[Diagnostic]] = {}
    for d in diagnostics:
        if d.location is not None and d.location.file == label:
            at.setdefault(d.location.line, []).append(d)
    if not at:
        return ""
    lines = content.split("\n")
    lines += [""] * (max(at) - len(lines))
    shown = sorted(
        {n for line in at for n in range(line - CONTEXT, line + CONTEXT + 1) if 0 < n <= len(lines)}
    )
    items = []
    for before, n in pairwise([0, *shown]):
        if n != before + 1:
            items.append('<li class="gap"><span class="n">⋯</span></li>\n')
        found = at.get(n, [])
        cls = ""
        if found:
            worst = "" if any(d.severity == "error" for d in found) else " warning"
            cls = f' class="problem{worst}"'
        messages = "".join(
            f'<span class="message">col {d.location.col if d.location else ""}: '
            f"{text(d.message)}</span>"
            for d in found
        )
        items.append(
            f'<li id="{area}-L{n}" data-line="{n}"{cls}><span class="n">{n}</span>'
            f"<pre>{source(lines[n - 1])}</pre>{messages}</li>\n"
        )
    return f'<h3>{label}</h3>\n<ol class="listing" data-file="{label}">\n{"".join(items)}</ol>\n'


def playground_page(
    policy_text: str,
    holder_text: str,
    diagnostics: Sequence[Diagnostic],
    evaluation: Evaluation | None,
    *,
    as_of: str = "",
    action: str = "",
) -> str:
    """The playground as one self-contained page: a form (posting ``policy``, ``holder``
    and ``as_of`` to ``action``, by default the page's own address) with both texts,
    the diagnostics (each linking to its line), and the evaluation's timeline."""
    items = "".join(_diagnostic_item(d) for d in diagnostics)
    if items:
        report = f'<ul class="diagnostics">\n{items}</ul>\n'
    elif evaluation is not None:
        report = '<p class="ok">Both files are valid.</p>\n'
    else:
        report = "<p>Paste a certification policy and a holder file, then press Evaluate.</p>\n"
    listings = _listing(POLICY_FILE, policy_text, diagnostics) + _listing(
        HOLDER_FILE, holder_text, diagnostics
    )
    timeline = (
        timeline_section(evaluation.as_dict(), "playground") if evaluation is not None else ""
    )
    body = (
        '<div class="playground">\n<h1>Policy playground</h1>\n'
        f'<form method="post" action="{text(action)}" accept-charset="utf-8">\n'
        f'<div><label for="policy">Policy ({POLICY_FILE})</label>'
        f'<textarea id="policy" name="policy" spellcheck="false">\n{source(policy_text)}'
        "</textarea></div>\n"
        f'<div><label for="holder">Holder and records ({HOLDER_FILE})</label>'
        f'<textarea id="holder" name="holder" spellcheck="false">\n{source(holder_text)}'
        "</textarea></div>\n"
        '<div class="controls"><label for="as_of">As of</label>'
        f'<input id="as_of" name="as_of" value="{text(as_of)}" placeholder="YYYY-MM-DD">'
        '<button type="submit">Evaluate</button></div>\n</form>\n'
        f'<h2>Diagnostics</h2>\n<div id="diagnostics">\n{report}{listings}</div>\n'
        f"{timeline}</div>\n"
    )
    return document("Policy playground", body, script=SCRIPT, form_action=True)
