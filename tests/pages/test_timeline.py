"""The holder's timeline page (issue 17 item 4): built from the evaluation JSON, every
period a bar of its status, every record a mark at its effective date (moved records
with their original date and an arrow), requirements as bars, the disposition sentences
in a table; escaped and deterministic. The same page in a browser: test_browser.py."""

from __future__ import annotations

import datetime as dt
import re
from fractions import Fraction

import pytest

from policyengine import evaluate, load_holder, load_policy
from policyengine.pages import timeline_page, timelines_page
from policyengine.pages.html import px, text
from tests.helpers import POLICIES, SNIPPET_HEAD, credit, evaluate_holder, policy_from_snippet
from tests.pages.dom import parse

RAW_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")


def werc_seed():
    policy = load_policy(str(POLICIES / "werc-crp.yaml"))
    holder, records = load_holder(str(POLICIES / "holders/werc-crp-seed-examples.yaml"), policy)
    return evaluate(policy, holder, records, dt.date(2025, 9, 1))


def test_every_period_record_and_requirement_of_the_json_is_on_the_page():
    result = werc_seed()
    doc = result.as_dict()
    page = parse(timeline_page(result))
    bars = page.all("rect", cls="bar")
    assert [(b.classes - {"bar"}).pop() for b in bars] == [p["status"] for p in doc["periods"]]
    assert [g.attrs["data-period"] for g in page.all("g", cls="period")] == ["1", "2"]
    # every record a mark at its effective date, hovering gives its disposition sentence
    marks = {g.attrs["data-record"]: g for g in page.all("g", cls="record")}
    assert sorted(marks) == sorted(r["id"] for r in doc["records"])
    for r in doc["records"]:
        assert marks[r["id"]].attrs["data-date"] == r.get("effective_on", r["earned_on"])
        title = marks[r["id"]].one("title").text
        assert title.endswith(f"{r['disposition']}: {r['explanation']}")
    # the table: one row per record, its sentence shown and as the row's hover title
    rows = page.one("table", cls="records").all("tr", data_record=None) or []
    rows = [tr for tr in page.all("tr") if "data-record" in tr.attrs]
    assert [tr.attrs["data-record"] for tr in rows] == [r["id"] for r in doc["records"]]
    for tr, r in zip(rows, doc["records"], strict=True):
        assert tr.one("td", data_field="explanation").text.startswith(r["explanation"])
        assert r["explanation"] in tr.attrs["title"]
        assert tr.one("td", data_field="credits").text == r.get("credits", "")
    # each requirement's counted and required, as the JSON has them ("25.0", not 25)
    for p in doc["periods"]:
        for req in p["requirements"]:
            row = page.one("tr", data_period=str(p["number"]), data_requirement=req["id"])
            assert row.one("td", data_field="counted").text == req["counted"]
            assert row.one("td", data_field="required").text == req["required"]
            assert row.one("td", data_field="missing").text == req["missing"]
    status = page.one("span", cls="status")
    assert (status.attrs["data-status"], status.classes) == ("expired", {"status", "expired"})
    assert doc["status"]["text"] in page.text
    assert [li.text for li in page.one("ul", cls="missing").all("li")] == doc["renewal"]["missing"]


def test_a_moved_record_shows_its_original_date_and_an_arrow():
    """Seed 000: a pre-cycle upload pushdated to 2022-08-01, a late webinar backdated
    to the cycle end 2025-07-31."""
    page = parse(timeline_page(werc_seed()))
    for rid, direction, words in (
        ("upload-pre-cycle", "pushdate", "2022-07-10 → 2022-08-01 (pushdate)"),
        ("webinar-late", "backdate", "2025-08-01 ← 2025-07-31 (backdate)"),
    ):
        mark = page.one("g", cls="record", data_record=rid)
        assert mark.attrs["data-moved"] == direction
        ring, arrow = mark.one("circle", cls="moved-from"), mark.one("line", cls="move")
        assert arrow.attrs["marker-end"] == "url(#arrow-1)"
        dot = mark.one("circle", cls="mark")
        # the arrow points from the original date toward the dot, and ends at its edge
        toward_dot = Fraction(dot.attrs["cx"]) - Fraction(ring.attrs["cx"])
        along = Fraction(arrow.attrs["x2"]) - Fraction(arrow.attrs["x1"])
        assert (toward_dot > 0) == (along > 0) == (direction == "pushdate")
        assert abs(along) >= 12
        assert abs(Fraction(arrow.attrs["x2"]) - Fraction(dot.attrs["cx"])) == 6
        row = page.one("tr", data_record=rid)
        assert row.one("span", cls="moved").text == words
    # a record that was not moved has no ring and no arrow
    assert page.one("g", cls="record", data_record="webinar-tax").all("line") == []


def test_grace_bands_and_a_restarted_chain():
    """PMI (pmi-pmp.yaml): a suspension (grace) year after each cycle; an exam after the
    lapse restarts the cycles (chain 2)."""
    policy = load_policy(str(POLICIES / "pmi-pmp.yaml"))
    holder = {"id": "pmp-14", "designated_on": "2022-03-15"}
    records = [
        credit("early", "2022-06-01", 12, kind="education", tags=["ways-of-working"]),
        credit("exam-again", "2026-06-20", 0, kind="exam"),
        credit("after", "2026-09-01", 12, kind="education", tags=["ways-of-working"]),
    ]
    doc, result = evaluate_holder(policy, holder, records, "2026-12-01")
    assert [p.get("chain", 1) for p in doc["periods"]] == [1, 2]
    page = parse(timeline_page(result))
    bands = page.all("rect", cls="grace-band")
    assert len(bands) == sum("grace_end" in p for p in doc["periods"]) == 2
    assert bands[0].one("title").text == f"grace period until {doc['periods'][0]['grace_end']}"
    labels = [t.text for t in page.all("text", cls="label")]
    assert labels == ["Renewal 1", "Renewal 1 · chain 2", "Records"]
    restart = page.one("line", cls="restart")
    assert restart.one("title").text == "restart (chain 2) on 2026-06-20"


def test_look_back_windows_and_a_recertification_window(tmp_path):
    """Overlapping rolling windows (cpa-uaa-rolling.yaml) are grey bands before each
    period; a recertification window that opens after the start covers the days before."""
    policy = load_policy(str(POLICIES / "cpa-uaa-rolling.yaml"))
    records = [credit("c1", "2020-06-01", 40), credit("c2", "2022-05-01", 40)]
    doc, result = evaluate_holder(
        policy, {"id": "cpa-1", "designated_on": "2020-03-15"}, records, "2023-12-31"
    )
    page = parse(timeline_page(result))
    bands = page.all("rect", cls="window-band")
    assert [b.one("title").text.split(" from ")[1].split(" ")[0] for b in bands] == [
        p["window_start"] for p in doc["periods"]
    ]
    head = SNIPPET_HEAD + (
        "periods:\n  renewal:\n    start: date(year(holder.designated_on) + 1, 1, 1)\n"
        "    length: 2 years\n  window: 1 year\n"
    )
    body = "allocation: {unused: discard, apply: all}\nrequirements: [{id: total, min: 4}]\n"
    pol = policy_from_snippet(tmp_path, body, head=head)
    records = [credit("early", "2022-12-31", 3), credit("in", "2023-01-01", 4)]
    doc, result = evaluate_holder(
        pol, {"id": "h", "designated_on": "2021-06-01"}, records, "2023-12-31"
    )
    page = parse(timeline_page(result))
    closed = page.one("rect", cls="closed-band")
    assert "opens on 2023-01-01" in closed.one("title").text
    mark = page.one("g", cls="record", data_record="early")
    assert mark.attrs["data-disposition"] == "before-window"
    assert mark.one("circle", cls="mark").classes == {"mark", "uncounted"}


def test_text_from_files_is_escaped(tmp_path):
    """A record titled ``<script>`` with control characters, a holder named with markup:
    shown as text, never as markup; no raw control character, valid UTF-8."""
    hostile = "</title><script>alert(\"x\")</script> a\x1b[2J\x07 \x85\u2028 \ud800 & 'q'"
    pol = policy_from_snippet(
        tmp_path,
        "periods:\n  renewal: {start: holder.designated_on, length: 2 years}\n"
        "requirements: [{id: total, min: 4}]\n",
    )
    holder = {"id": "<b>h</b>", "name": hostile, "designated_on": "2022-01-01"}
    records = [credit("<img src=x onerror=alert(1)>", "2022-03-01", 1, title=hostile)]
    _, result = evaluate_holder(pol, holder, records, "2022-12-31")
    page = timeline_page(result)
    assert "<script" not in page.lower() and "<img" not in page and "<b>h" not in page
    assert RAW_CONTROL.search(page) is None
    page.encode("utf-8")  # no lone surrogate left
    shown = r"&lt;/title&gt;&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; a\x1b[2J\x07 \x85\u2028 \ud800 &amp; &#x27;q&#x27;"
    assert shown in page
    tree = parse(page)
    assert tree.all("script") == []
    row = tree.one("tr", data_record="<img src=x onerror=alert(1)>")
    assert row.one("code").text == "<img src=x onerror=alert(1)>"


def test_the_page_is_the_same_bytes_each_time_and_self_contained():
    first, second = timeline_page(werc_seed()), timeline_page(werc_seed())
    assert first == second
    assert first.startswith("<!DOCTYPE html>\n") and first.endswith("</html>\n")
    # nothing loaded from elsewhere: no URL but the SVG namespace, no script at all
    assert re.findall(r"https?://[^\"' )]+", first) == ["http://www.w3.org/2000/svg"]
    assert "<script" not in first and "script-src 'none'" in first


def test_several_holders_are_sections_with_ids_unique_in_the_document():
    policy = load_policy(str(POLICIES / "werc-crp.yaml"))
    results = [
        evaluate(
            policy, *load_holder(str(POLICIES / "holders" / name), policy), dt.date(2025, 9, 1)
        )
        for name in ("werc-crp-seed-examples.yaml", "werc-crp-second-cycle.yaml")
    ]
    page = parse(timelines_page(results))
    sections = page.all("section", cls="holder")
    assert [s.attrs["data-holder"] for s in sections] == [r.holder.id for r in results]
    ids = [e.attrs["id"] for e in page.iter() if "id" in e.attrs]
    assert len(ids) == len(set(ids))
    # every link of a record mark leads to a row of its own section
    for s in sections:
        rows = {e.attrs["id"] for e in s.all("tr") if "id" in e.attrs}
        assert {a.attrs["href"][1:] for a in s.all("a")} <= rows


def test_a_holder_without_records_or_periods(tmp_path):
    pol = policy_from_snippet(
        tmp_path,
        "periods:\n  renewal: {start: holder.designated_on, length: 2 years}\n"
        "requirements: [{id: total, min: 4}]\n",
    )
    _, result = evaluate_holder(pol, {"id": "h", "designated_on": "2030-01-01"}, [], "2025-01-01")
    page = parse(timeline_page(result))
    assert "The holder has no records." in page.text
    assert page.one("g", cls="period").attrs["data-status"] == "future"
    assert "No period has begun" in page.text


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (0, "0"),
        (Fraction(1, 3), "0.3"),
        (Fraction(25, 100), "0.2"),
        (Fraction(-7, 2), "-3.5"),
        (12, "12"),
    ],
)
def test_coordinates_are_written_with_one_decimal(value, shown):
    assert px(value) == shown


def test_text_escapes_markup_and_shows_controls():
    assert text("<a href='x'>&\n\t") == "&lt;a href=&#x27;x&#x27;&gt;&amp;\\n\t"
