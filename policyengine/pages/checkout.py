"""The checkout preview: may this cart be paid with the member's credit packages?

:func:`checkout_page` shows a :class:`~policyengine.packages.redeem.RedemptionDecision`
(what ``policyengine redeem`` decides, and ``redeem -o json`` prints as ``decision``):
whether the "use my credits" option is offered and the redemption allowed, every reason
it is not, each cart item with its credits and whether it is eligible, the draws from
each package, each package as a bar (used before, drawn by this cart, left after, lost
to expiry), the credits available before and after, and the enrollments with their
expiry. Every number shown is the decision's own (``decision_data``), as JSON has it.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from policyengine.packages.redeem import decision_data
from policyengine.pages.html import document, px, table, text

if TYPE_CHECKING:
    from policyengine.packages.files import Account
    from policyengine.packages.redeem import RedemptionDecision
    from policyengine.policy.model import Policy

BAR = 360  # the width of the largest package's bar


def _items(data: Mapping[str, Any]) -> str:
    rows = [
        f'<tr data-item="{text(i["id"])}"><td><code>{text(i["id"])}</code></td>'
        f"<td>{text(i['title'] or '')}</td><td>{text(i['product_type'])}</td>"
        f'<td class="num" data-field="credits">{text(i["credits"])}</td>'
        f'<td class="{"eligible" if i["eligible"] else "not-eligible"}" data-field="eligible">'
        f"{'eligible' if i['eligible'] else 'not eligible'}</td></tr>\n"
        for i in data["items"]
    ]
    rows.append(
        '<tr class="total"><td colspan="3"><b>Total</b></td>'
        f'<td class="num" data-field="total_credits"><b>{text(data["total_credits"])}</b></td>'
        "<td></td></tr>\n"
    )
    return table(["Item", "Title", "Product type", "Credits", "Credits may pay"], rows, cls="items")


def _draws(data: Mapping[str, Any]) -> str:
    if not data["draws"]:
        return "<p>No package is drawn from: the cart is not paid with credits.</p>\n"
    rows = [
        f'<tr data-package="{text(d["package"])}"><td><code>{text(d["package"])}</code></td>'
        f'<td class="num" data-field="credits">{text(d["credits"])}</td>'
        f'<td class="num" data-field="remaining_after">{text(d["remaining_after"])}</td>'
        f"<td>{text(d['last_day'])}</td></tr>\n"
        for d in data["draws"]
    ]
    return table(["Package", "Drawn", "Left after", "Usable through"], rows, cls="draws")


def _package_bar(p: Mapping[str, Any], drawn: Decimal, widest: Fraction) -> str:
    """One package: used before this cart, drawn by it, left after, lost to expiry."""
    bought = Decimal(p["bought"])
    lost = Decimal(p["expired_unused"])
    left = Decimal(p["remaining"]) if p["status"] != "expired" else Decimal(0)
    parts = (
        ("used", Decimal(p["used"]) - drawn, "used before"),
        ("drawn", drawn, "drawn by this cart"),
        ("left", left, "left after"),
        ("lost", lost, "expired unused"),
    )
    scale = Fraction(BAR) / widest if widest > 0 else Fraction(0)
    x = Fraction(0)
    shapes = []
    for cls, amount, words in parts:
        if amount <= 0:
            continue
        w = Fraction(amount) * scale
        shapes.append(
            f'<rect class="{cls}" x="{px(x)}" width="{px(w)}" height="16">'
            f"<title>{text(f'{amount} {words}')}</title></rect>"
        )
        x += w
    outline = px(Fraction(bought) * scale)
    return (
        f'<svg class="package-bar" viewBox="0 0 {BAR + 2} 18" width="{BAR + 2}" height="18" '
        f'aria-hidden="true"><g transform="translate(1 1)">{"".join(shapes)}'
        f'<rect x="0" width="{outline}" height="16" fill="none" stroke="#78909c"/></g></svg>'
    )


def _packages(data: Mapping[str, Any]) -> str:
    after = data["balance_after"]
    if not after["packages"]:
        return "<p>The account has no packages.</p>\n"
    drawn = {d["package"]: Decimal(d["credits"]) for d in data["draws"]}
    widest = max(Fraction(Decimal(p["bought"])) for p in after["packages"])
    rows = [
        f'<tr data-package="{text(p["id"])}"><td><code>{text(p["id"])}</code></td>'
        f"<td>{text(p['status'])}</td>"
        f'<td class="num" data-field="bought">{text(p["bought"])}</td>'
        f'<td class="num" data-field="used">{text(p["used"])}</td>'
        f'<td class="num" data-field="remaining">{text(p["remaining"])}</td>'
        f"<td>{text(p['last_day'])}</td>"
        f"<td>{_package_bar(p, drawn.get(p['id'], Decimal(0)), widest)}</td></tr>\n"
        for p in after["packages"]
    ]
    head = ["Package", "Status", "Bought", "Used", "Left", "Usable through", ""]
    return table(head, rows, cls="packages")


def _enrollments(data: Mapping[str, Any]) -> str:
    if not data["enrollments"]:
        return ""
    rows = [
        f'<tr data-item="{text(e["item"])}"><td><code>{text(e["item"])}</code></td>'
        f"<td>{text(e['title'] or '')}</td>"
        f"<td>{text(e['expires_on'] or 'does not expire')}</td></tr>\n"
        for e in data["enrollments"]
    ]
    return "<h2>Enrollments</h2>\n" + table(
        ["Course", "Title", "Complete before"], rows, cls="enrollments"
    )


def checkout_page(policy: Policy, account: Account, decision: RedemptionDecision) -> str:
    """A self-contained HTML page previewing ``decision`` (from :func:`redeem` on this
    ``policy`` and ``account``): what the checkout would show before the member pays."""
    data = decision_data(decision)
    verdict = "allowed" if data["allowed"] else "refused"
    words = (
        "The cart may be paid with credits."
        if data["allowed"]
        else "The cart may not be paid with credits."
    )
    reasons = "".join(
        f'<li data-code="{text(r["code"])}">{text(r["message"])}</li>' for r in data["reasons"]
    )
    offered = "shown" if data["option_offered"] else "not shown"
    after = data["balance_after"]["available"]
    name = account.name or account.id
    body = (
        f"<h1>Checkout preview</h1>\n"
        f'<p class="meta">{text(policy.name)} (<code>{text(policy.id)}</code>) · account '
        f"{text(name)} <code>{text(account.id)}</code> · at "
        f'<time data-field="at">{text(data["at"])}</time></p>\n'
        f'<p><span class="status {verdict}" data-field="allowed">{verdict}</span> {words} '
        f'The "use my credits" option is <b data-field="option_offered">{offered}</b>.</p>\n'
        + (f'<ul class="reasons">{reasons}</ul>\n' if reasons else "")
        + '<p class="summary">Cart: <b data-field="total_credits">'
        f"{text(data['total_credits'])}</b> credits · available before: "
        f'<b data-field="available_credits">{text(data["available_credits"])}</b> · '
        f'available after: <b data-field="available_after">{text(after)}</b></p>\n'
        "<h2>Cart</h2>\n"
        + _items(data)
        + "<h2>Drawn from</h2>\n"
        + _draws(data)
        + ("<h2>Packages after</h2>\n" if data["allowed"] else "<h2>Packages (unchanged)</h2>\n")
        + _packages(data)
        + '<div class="legend package-legend"><span style="--c: #b0bec5">used before</span>'
        '<span style="--c: var(--grace)">drawn by this cart</span>'
        '<span style="--c: var(--complete)">left after</span>'
        '<span style="--c: #e57373">expired unused</span></div>\n' + _enrollments(data)
    )
    return document(f"Checkout preview: {name}", body)
