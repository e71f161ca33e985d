"""The policy playground (issue 17 item 4): the two texts checked as ``validate`` checks
files, evaluated as ``evaluate`` evaluates them, and shown with every diagnostic at its
line. In a browser, with a real form post: test_browser.py."""

from __future__ import annotations

import datetime as dt
import json
from urllib.parse import urlencode

from policyengine.pages import parse_playground_form, playground_page, run_playground
from tests.helpers import POLICIES
from tests.pages.dom import parse

POLICY = (POLICIES / "werc-crp.yaml").read_text(encoding="utf-8")
HOLDER = (POLICIES / "holders/werc-crp-seed-examples.yaml").read_text(encoding="utf-8")
BROKEN = POLICY.replace("min: 30", "min: thirty", 1)


def test_valid_texts_are_evaluated_as_evaluate_does(cli):
    result = run_playground(POLICY, HOLDER, "2025-09-01")
    assert result.diagnostics == [] and result.evaluation is not None
    got = result.evaluation.as_dict()
    code, out, _ = cli(
        "evaluate", "policies/werc-crp.yaml", "--holder",
        "policies/holders/werc-crp-seed-examples.yaml", "--as-of", "2025-09-01", "--json",
    )  # fmt: skip
    want = json.loads(out)
    assert code == 0
    # the same evaluation; only the names of the files differ
    assert got["policy"]["file"] == "policy.yaml"
    for r in got["records"]:
        assert r.pop("origin").startswith("holder.yaml:")
    for r in want["records"]:
        r.pop("origin")
    got["policy"].pop("file"), want["policy"].pop("file")
    assert json.loads(json.dumps(got)) == want


def test_policy_diagnostics_are_those_of_validate(cli, tmp_path):
    (tmp_path / "policy.yaml").write_text(BROKEN, encoding="utf-8")
    code, out, _ = cli("validate", tmp_path / "policy.yaml", "-o", "json")
    assert code == 1
    expected = [
        (p["line"], p["col"], p["message"], p["problem_code"])
        for p in json.loads(out)["files"][0]["problems"]
    ]
    result = run_playground(BROKEN, HOLDER, "2025-09-01")
    assert result.evaluation is None
    got = [
        (d.location.line, d.location.col, d.message, d.problem_code)
        for d in result.diagnostics
        if d.location
    ]
    assert got == expected == [(44, 10, "unknown name 'thirty'", "PE201")]
    assert result.diagnostics[0].location.file == "policy.yaml"


def test_holder_problems_point_into_the_holder_text():
    holder = HOLDER.replace("earned_at: 2023-03-14T", "earned_at: 2023-02-30T", 1)
    line = next(n for n, t in enumerate(holder.splitlines(), 1) if "2023-02-30" in t)
    result = run_playground(POLICY, holder, "2025-09-01")
    assert result.evaluation is None
    (d,) = result.diagnostics
    assert (d.location.file, d.location.line) == ("holder.yaml", line)


def test_syntax_errors_wrong_kinds_and_a_bad_date_are_diagnostics():
    result = run_playground("a: [", HOLDER, "2025-09-01")
    assert result.diagnostics[0].code == "yaml.syntax"
    assert result.diagnostics[0].location.file == "policy.yaml"
    swapped = run_playground(HOLDER, POLICY, "2025-09-01")
    assert [d.message for d in swapped.diagnostics] == [
        "this is a holder document; the policy box needs a policy document",
        "this is a policy document; the holder box needs a holder document",
    ]
    package = (POLICIES / "western-cpe-package.yaml").read_text(encoding="utf-8")
    result = run_playground(package, HOLDER, "2025-09-01")
    assert result.evaluation is None
    assert "the playground evaluates certification policies" in result.diagnostics[0].message
    dated = run_playground(POLICY, HOLDER, "2025-9-1")
    assert dated.evaluation is None
    assert dated.diagnostics[0].message.startswith("as of: ")
    assert run_playground(POLICY, HOLDER, dt.date(2025, 9, 1)).evaluation is not None


def test_the_page_shows_each_diagnostic_at_its_line():
    result = run_playground(BROKEN, HOLDER, "2025-09-01")
    page = parse(playground_page(BROKEN, HOLDER, result.diagnostics, None, as_of="2025-09-01"))
    (item,) = page.one("ul", cls="diagnostics").all("li")
    link = item.one("a")
    assert (link.text, link.attrs["href"], link.attrs["data-line"]) == (
        "policy.yaml:44:10",
        "#policy-L44",
        "44",
    )
    assert "unknown name 'thirty'" in item.text and "hint: " in item.text
    listing = page.one("ol", cls="listing", data_file="policy.yaml")
    problem = listing.one("li", cls="problem")
    assert problem.attrs["id"] == "policy-L44"
    assert problem.one("pre").text == "    min: thirty"
    assert problem.one("span", cls="message").text == "col 10: unknown name 'thirty'"
    # three lines either side, the rest left out
    assert [li.attrs["data-line"] for li in listing.all("li") if "data-line" in li.attrs] == [
        str(n) for n in range(41, 48)
    ]
    # the form posts both texts back unchanged (a browser drops the first newline)
    assert page.one("textarea", id="policy").text == "\n" + BROKEN
    assert page.one("textarea", id="holder").text == "\n" + HOLDER
    assert page.one("input", id="as_of").attrs["value"] == "2025-09-01"
    assert page.all("section", cls="holder") == []


def test_the_page_shows_the_timeline_when_both_are_valid():
    result = run_playground(POLICY, HOLDER, "2025-09-01")
    html = playground_page(
        POLICY, HOLDER, result.diagnostics, result.evaluation, as_of="2025-09-01"
    )
    page = parse(html)
    assert page.one("p", cls="ok").text == "Both files are valid."
    assert page.one("section", cls="holder").attrs["data-holder"] == "m-1001"
    assert html == playground_page(
        POLICY, HOLDER, result.diagnostics, result.evaluation, as_of="2025-09-01"
    )
    # the page's one script is allowed by its hash, nothing else
    (script,) = page.all("script")
    assert "script-src 'sha256-" in html and "form-action 'self'" in html
    assert "setSelectionRange" in script.text


def test_text_typed_into_the_boxes_cannot_end_them():
    hostile = "</textarea><script>alert(1)</script>\x1b"
    page = playground_page(hostile, hostile, [], None)
    tree = parse(page)
    assert len(tree.all("script")) == 1  # the page's own
    assert tree.one("textarea", id="policy").text == "\n</textarea><script>alert(1)</script>\\x1b"


def test_the_posted_form_is_read_with_lines_as_typed():
    body = urlencode(
        {"policy": "a: 1\r\nb: 2\r\n", "holder": "h: é\r\n", "as_of": " 2025-09-01 "}
    ).encode("utf-8")
    form = parse_playground_form(body)
    assert (form.policy, form.holder, form.as_of) == ("a: 1\nb: 2\n", "h: é\n", "2025-09-01")
    empty = parse_playground_form(b"")
    assert (empty.policy, empty.holder, empty.as_of) == ("", "", "")
    assert parse_playground_form(b"policy=%FF").policy == "\ufffd"
