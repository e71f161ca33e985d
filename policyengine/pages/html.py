"""The HTML every page is made of: escaping, the document shell, numbers for SVG.

Everything a file supplies (a title, an id, a message, a policy's YAML) goes through
:func:`text` (or :func:`source` inside a ``<textarea>``), never into markup raw: ``&``,
``<``, ``>`` and both quotes become entities, so a record titled ``<script>`` is shown
as those characters. Control characters are shown the way the command line shows them
(``\\x1b``, ``\\n`` in a title; ``cli/output.py`` says why), since HTML forbids most of
them and a lone surrogate cannot be written as UTF-8 at all.

Each page is one self-contained document (:func:`document`): inline CSS, inline SVG, no
external resource, and a Content-Security-Policy that allows no script but the page's
own (by its hash), so even markup that slipped through escaping could not run. Output
is a pure function of its input: no clock, no randomness, coordinates computed with
exact fractions and written with one decimal.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import html
import re
from fractions import Fraction

from policyengine.pages.style import CSS

# C0 controls but tab (and newline, carriage return in source text), DEL and C1
# controls, the line and paragraph separators, lone surrogates and the noncharacters
# U+FFFE and U+FFFF: what HTML forbids, or what could not be encoded.
_CONTROL = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff\ufffe\uffff]")
_SOURCE_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


def _shown(match: re.Match[str]) -> str:
    return repr(match.group())[1:-1]  # '\n' -> \n, '\x1b' -> \x1b, '\u2028' -> \u2028


def text(value: object) -> str:
    """``value`` as HTML text or an attribute value: controls shown as escapes (tab
    kept), then ``& < > " '`` as entities."""
    return html.escape(_CONTROL.sub(_shown, str(value)), quote=True)


def source(value: str) -> str:
    """File text for a ``<textarea>`` or ``<pre>``: its newlines and tabs kept, other
    controls shown as escapes, markup characters as entities."""
    return html.escape(_SOURCE_CONTROL.sub(_shown, value), quote=True)


def px(value: Fraction | int) -> str:
    """A coordinate with one decimal at most (``12``, ``12.5``), rounded half-even."""
    tenths = round(Fraction(value) * 10)
    whole, rest = divmod(abs(tenths), 10)
    sign = "-" if tenths < 0 else ""
    return f"{sign}{whole}" if rest == 0 else f"{sign}{whole}.{rest}"


def day(value: str | None) -> dt.date | None:
    """An ISO date of the evaluation JSON (``None`` stays ``None``)."""
    return None if value is None else dt.date.fromisoformat(value)


def script_hash(script: str) -> str:
    """The CSP source that allows exactly this inline script."""
    digest = hashlib.sha256(script.encode("utf-8")).digest()
    return f"'sha256-{base64.b64encode(digest).decode('ascii')}'"


def document(title: str, body: str, *, script: str = "", form_action: bool = False) -> str:
    """One self-contained HTML document: ``body`` (markup already escaped) under a
    heading-free shell with the shared CSS; ``script`` (vanilla JS of our own, at most
    a few lines) is the only script the page's Content-Security-Policy allows."""
    scripts = script_hash(script) if script else "'none'"
    forms = "'self'" if form_action else "'none'"
    policy = (
        "default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
        f"script-src {scripts}; form-action {forms}; base-uri 'none'"
    )
    tail = f"<script>{script}</script>\n" if script else ""
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{policy}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{text(title)}</title>\n<style>\n{CSS}</style>\n</head>\n"
        f"<body>\n{body}{tail}</body>\n</html>\n"
    )


def table(head: list[str], rows: list[str], *, cls: str) -> str:
    """A table with header cells ``head`` (plain words of ours) and ``rows`` (each a
    ``<tr>`` already built)."""
    header = "".join(f"<th>{h}</th>" for h in head)
    return (
        f'<table class="{cls}">\n<thead><tr>{header}</tr></thead>\n<tbody>\n'
        + "".join(rows)
        + "</tbody>\n</table>\n"
    )
