"""The timeline picture of one evaluation: an inline SVG drawn from its JSON.

Input is ``Evaluation.as_dict()`` (docs/evaluation.md), nothing recomputed: each period
is a bar on a date axis from its ``start`` to its ``end`` (inclusive, so the bar runs to
the end of that day), coloured by its ``status``; a ``grace_end`` adds a hatched band
after it, a ``window_start`` before ``start`` a grey band (a look-back window: credits
from then on count), one after ``start`` a pale cover over the days before the
recertification window opens; ``completed_on`` is a diamond; the first period of a
restarted ``chain`` is marked by a dashed line. Below, each record is a dot at its
effective date (filled when it counted), and a moved record (backdated or pushdated)
also has a dashed ring at its original date and an arrow to where it was moved. Dots
that would overlap go to lanes below. A dashed line marks the as-of date. Each shape has
a ``<title>`` (the browser shows it on hover) and each dot links to its table row.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from itertools import pairwise
from typing import Any

from policyengine.pages.html import day, px, text

WIDTH = 1000
LEFT = 150  # room for the period labels
RIGHT = 20
TOP = 30  # the year axis
ROW = 22  # a period's bar
GAP = 8
LANE = 16  # a lane of record dots
DOT = 5
ARROW = 12  # the shortest arrow drawn for a moved record
COUNTED = ("applied", "carried-over")
ONE_DAY = dt.timedelta(days=1)


@dataclass(frozen=True)
class Scale:
    """Dates to x coordinates: ``lo`` (a 1 January) at LEFT, ``hi`` at WIDTH - RIGHT."""

    lo: dt.date
    hi: dt.date

    def x(self, d: dt.date) -> Fraction:
        span = (self.hi - self.lo).days
        return LEFT + Fraction((d - self.lo).days * (WIDTH - LEFT - RIGHT), span)

    def years(self) -> list[int]:
        """The years to label: every one, or every 2nd, 5th, 10th... on a long axis."""
        first, last = self.lo.year, self.hi.year
        step = next(s for s in (1, 2, 5, 10, 20, 50, 100, 1000, 10000) if (last - first) / s <= 14)
        return [y for y in range(first, last + 1) if y % step == 0 or step == 1]


def _record_dates(r: Mapping[str, Any]) -> tuple[dt.date, dt.date]:
    """(where the record is shown, where it was earned): they differ for a moved one."""
    earned = dt.date.fromisoformat(r["earned_on"])
    effective = day(r.get("effective_on")) or earned
    return effective, earned


def scale_for(doc: Mapping[str, Any]) -> Scale:
    """An axis from 1 January of the earliest date shown to 1 January after the latest."""
    as_of = dt.date.fromisoformat(doc["as_of"])
    dates: list[dt.date | None] = [as_of]
    for p in doc["periods"]:
        dates += [
            day(p["start"]),
            day(p["end"]),
            day(p.get("window_start")),
            day(p.get("grace_end")),
        ]
    for r in doc["records"]:
        dates += _record_dates(r)
    known = [d for d in dates if d is not None]
    lo, hi = min(known), max(known)
    end = dt.date(hi.year + 1, 1, 1) if hi.year < dt.MAXYEAR else dt.date.max
    return Scale(dt.date(lo.year, 1, 1), end)


def _after(d: dt.date) -> dt.date:
    """The day after ``d`` (the end of an inclusive day), kept inside the calendar."""
    return d if d == dt.date.max else d + ONE_DAY


def _rect(
    x0: Fraction, x1: Fraction, y: Fraction | int, h: int, cls: str, title: str, extra: str = ""
) -> str:
    width = max(x1 - x0, Fraction(1))
    return (
        f'<rect class="{cls}" x="{px(x0)}" y="{px(y)}" width="{px(width)}" height="{h}"{extra}>'
        f"<title>{text(title)}</title></rect>\n"
    )


def period_name(p: Mapping[str, Any]) -> str:
    """``Initial`` or ``Renewal N``, with ``chain K`` for a restarted chain."""
    name = "Initial" if p["kind"] == "initial" else f"Renewal {p['renewal_number']}"
    return f"{name} · chain {p['chain']}" if "chain" in p else name


def _period_title(p: Mapping[str, Any]) -> str:
    words = f"{period_name(p)} (period {p['number']}): {p['start']} to {p['end']}, {p['status']}"
    if p.get("completed_on"):
        words += f", completed on {p['completed_on']}"
    return words


def _period_row(p: Mapping[str, Any], s: Scale, y: int, ids: str) -> str:
    start, end = dt.date.fromisoformat(p["start"]), dt.date.fromisoformat(p["end"])
    out = [
        f'<g class="period" data-period="{p["number"]}" data-status="{text(p["status"])}">\n',
        f'<text class="label" x="{LEFT - 8}" y="{y + 15}" text-anchor="end">'
        f"{text(period_name(p))}</text>\n",
    ]
    window = day(p.get("window_start"))
    if window is not None and window < start:
        out.append(
            _rect(
                s.x(window),
                s.x(start),
                y + 4,
                ROW - 8,
                "window-band",
                f"look-back window: credits earned from {window} count toward period {p['number']}",
            )
        )
    out.append(
        _rect(s.x(start), s.x(_after(end)), y, ROW, f"bar {text(p['status'])}", _period_title(p))
    )
    if window is not None and window > start:
        out.append(
            _rect(
                s.x(start),
                s.x(window),
                y,
                ROW,
                "closed-band",
                f"before the recertification window opens on {window}: credits earned "
                "earlier do not count",
            )
        )
    grace = day(p.get("grace_end"))
    if grace is not None:
        late = ", completed late (in the grace period)" if p.get("late") else ""
        out.append(
            _rect(
                s.x(_after(end)),
                s.x(_after(grace)),
                y + 3,
                ROW - 6,
                "grace-band",
                f"grace period until {grace}{late}",
                f' fill="url(#hatch-{ids})"',
            )
        )
    done = day(p.get("completed_on"))
    if done is not None:
        cx, cy = s.x(done), y + ROW // 2
        points = " ".join(
            f"{px(cx + dx)},{px(cy + dy)}" for dx, dy in ((0, -7), (6, 0), (0, 7), (-6, 0))
        )
        title = f"period {p['number']} completed on {done}"
        out.append(
            f'<polygon class="done" points="{points}"><title>{text(title)}</title></polygon>\n'
        )
    out.append("</g>\n")
    return "".join(out)


def _lanes(spans: Sequence[tuple[Fraction, Fraction]]) -> list[int]:
    """A lane for each span (in order) so that no two spans in a lane overlap."""
    ends: list[Fraction] = []
    lanes = []
    for lo, hi in spans:
        lane = next((i for i, end in enumerate(ends) if end < lo), len(ends))
        if lane == len(ends):
            ends.append(hi)
        else:
            ends[lane] = hi
        lanes.append(lane)
    return lanes


def _arrow(cx: Fraction, ox: Fraction) -> tuple[Fraction, Fraction]:
    """The arrow of a record moved from ``ox`` to ``cx``: it ends at the edge of the dot
    and points the way the record was moved, ARROW long at least (a move of a day or two
    is less than a pixel on a long axis)."""
    way = 1 if cx >= ox else -1
    end = cx - way * (DOT + 1)
    start = ox if (end - ox) * way >= ARROW else end - way * ARROW
    return start, end


def moved_direction(r: Mapping[str, Any]) -> str | None:
    """``backdate`` or ``pushdate`` for a record shown at another date than it was
    earned (the accepted adjustment's word), else None."""
    effective, earned = _record_dates(r)
    if effective == earned:
        return None
    accepted = [a for a in r.get("adjustments", []) if a.get("status") == "accepted"]
    if accepted:
        return str(accepted[-1]["direction"])
    return "backdate" if effective < earned else "pushdate"


def record_title(r: Mapping[str, Any]) -> str:
    """What hovering a record's dot shows: id, title, disposition and its sentence."""
    name = f"{r['id']}: {r['title']}" if r.get("title") else str(r["id"])
    return f"{name} — {r['disposition']}: {r['explanation']}"


def _records(doc: Mapping[str, Any], s: Scale, y0: int, ids: str) -> tuple[str, int]:
    order = sorted(
        range(len(doc["records"])), key=lambda i: (_record_dates(doc["records"][i])[0], i)
    )
    spans = []
    for i in order:
        effective, earned = _record_dates(doc["records"][i])
        cx, ox = s.x(effective), s.x(earned)
        ends = [cx, ox] if cx == ox else [cx, ox, *_arrow(cx, ox)]
        spans.append((min(ends) - DOT - 1, max(ends) + DOT + 1))
    lanes = _lanes(spans)
    out = [f'<text class="label" x="{LEFT - 8}" y="{y0 + 12}" text-anchor="end">Records</text>\n']
    for i, lane in zip(order, lanes, strict=True):
        r = doc["records"][i]
        effective, earned = _record_dates(r)
        cy = y0 + 8 + lane * LANE
        cx = s.x(effective)
        counted = "counted" if r["disposition"] in COUNTED else "uncounted"
        parts = [f"<title>{text(record_title(r))}</title>"]
        direction = moved_direction(r)
        if direction is not None:
            ox = s.x(earned)
            x1, x2 = _arrow(cx, ox)
            parts.append(
                f'<circle class="moved-from" cx="{px(ox)}" cy="{cy}" r="{DOT - 1}"/>'
                f'<line class="move" x1="{px(x1)}" y1="{cy}" x2="{px(x2)}" y2="{cy}" '
                f'marker-end="url(#arrow-{ids})"/>'
            )
        parts.append(f'<circle class="mark {counted}" cx="{px(cx)}" cy="{cy}" r="{DOT}"/>')
        moved = f' data-moved="{direction}"' if direction else ""
        out.append(
            f'<a href="#rec-{ids}-{i}"><g class="record" data-record="{text(r["id"])}" '
            f'data-disposition="{text(r["disposition"])}" data-date="{effective}"{moved}>'
            + "".join(parts)
            + "</g></a>\n"
        )
    height = 16 + (max(lanes) + 1 if lanes else 1) * LANE
    return "".join(out), height


def _axis(s: Scale, bottom: int) -> str:
    out = [f'<line class="axis" x1="{LEFT}" y1="{TOP - 6}" x2="{WIDTH - RIGHT}" y2="{TOP - 6}"/>\n']
    for year in s.years():
        x = px(s.x(dt.date(year, 1, 1)))
        out.append(
            f'<line class="tick" x1="{x}" y1="{TOP - 10}" x2="{x}" y2="{bottom}"/>'
            f'<text x="{x}" y="{TOP - 12}" text-anchor="middle">{year}</text>\n'
        )
    return "".join(out)


def _restarts(periods: Sequence[Mapping[str, Any]], s: Scale, bottom: int) -> str:
    out = []
    for before, p in pairwise(periods):
        if p.get("chain", 1) != before.get("chain", 1):
            x = px(s.x(dt.date.fromisoformat(p["start"])))
            label = f"restart (chain {p.get('chain', 1)}) on {p['start']}"
            out.append(
                f'<line class="restart" x1="{x}" y1="{TOP - 4}" x2="{x}" y2="{bottom}">'
                f"<title>{text(label)}</title></line>\n"
            )
    return "".join(out)


def timeline_svg(doc: Mapping[str, Any], ids: str) -> str:
    """The SVG of one evaluation's JSON ``doc``; ``ids`` makes its element ids unique in
    a document that holds several."""
    s = scale_for(doc)
    periods = doc["periods"]
    rows = [_period_row(p, s, TOP + n * (ROW + GAP), ids) for n, p in enumerate(periods)]
    y_records = TOP + max(len(periods), 1) * (ROW + GAP) + 6
    records, records_height = _records(doc, s, y_records, ids)
    bottom = y_records + records_height
    as_of = dt.date.fromisoformat(doc["as_of"])
    ax = s.x(_after(as_of))
    anchor = "end" if ax > (LEFT + WIDTH) / 2 else "start"
    shift = -4 if anchor == "end" else 4
    empty = (
        f'<text x="{LEFT + 8}" y="{TOP + 15}">no period laid out</text>\n' if not periods else ""
    )
    return (
        f'<svg class="timeline" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} '
        f'{bottom + 6}" width="{WIDTH}" height="{bottom + 6}" role="img" '
        f'aria-label="timeline of periods and records">\n'
        f"<defs>"
        f'<pattern id="hatch-{ids}" width="6" height="6" patternUnits="userSpaceOnUse" '
        f'patternTransform="rotate(45)"><rect width="6" height="6" fill="#fff3d6"/>'
        f'<line x1="0" y1="0" x2="0" y2="6" stroke="#ef8f00" stroke-width="2"/></pattern>'
        f'<marker id="arrow-{ids}" viewBox="0 0 8 8" refX="7" refY="4" markerWidth="7" '
        f'markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L8,4 L0,8 z" '
        f'fill="#6d4c41"/></marker></defs>\n'
        + _axis(s, bottom)
        + empty
        + "".join(rows)
        + _restarts(periods, s, bottom)
        + records
        + f'<line class="as-of" x1="{px(ax)}" y1="{TOP - 8}" x2="{px(ax)}" y2="{bottom}"/>'
        f'<text class="as-of-label" x="{px(ax + shift)}" y="{bottom + 2}" '
        f'text-anchor="{anchor}">as of {as_of}</text>\n'
        "</svg>\n"
    )
