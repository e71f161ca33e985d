"""``-o html`` (issue 17 item 4): ``evaluate`` writes the holders' timeline page and
``redeem`` the checkout preview, on stdout like their other formats; the bytes are the
same in every run, and exactly what the Python API's page functions return."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pytest

from policyengine import evaluate, load_holder, load_policy
from policyengine.pages import timelines_page
from tests.helpers import ROOT
from tests.pages.dom import parse

CONSOLE = Path(sys.executable).parent / "policyengine"
HOLDERS = ("werc-crp-seed-examples.yaml", "werc-crp-second-cycle.yaml")
EVALUATE = (
    "evaluate", "policies/werc-crp.yaml", "--as-of", "2025-09-01",
    *(a for h in HOLDERS for a in ("--holder", f"policies/holders/{h}")),
    "-o", "html",
)  # fmt: skip


def test_evaluate_writes_one_page_with_a_section_per_holder(cli):
    code, out, err = cli(*EVALUATE)
    assert (code, err) == (0, "")
    policy = load_policy("policies/werc-crp.yaml")
    results = [
        evaluate(policy, *load_holder(f"policies/holders/{h}", policy), dt.date(2025, 9, 1))
        for h in HOLDERS
    ]
    assert out == timelines_page(results)
    sections = parse(out).all("section", cls="holder")
    assert [s.attrs["data-holder"] for s in sections] == [r.holder.id for r in results]


def test_the_page_is_byte_identical_across_processes(tmp_path):
    """Two runs with different hash seeds (set and dict order, if anything depended on
    them) write the same bytes."""
    outputs = []
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        run = subprocess.run(
            [str(CONSOLE), *EVALUATE], cwd=ROOT, env=env, capture_output=True, check=True
        )
        outputs.append(run.stdout)
    assert outputs[0] == outputs[1]
    assert outputs[0].startswith(b"<!DOCTYPE html>\n")
    outputs[0].decode("utf-8")


def test_redeem_writes_the_checkout_preview_and_keeps_its_exit_code(cli):
    base = ("redeem", "policies/western-cpe-package.yaml", "--account")
    account = "policies/accounts/dana-two-packages.yaml"
    code, out, _ = cli(*base, account, "--cart", "policies/carts/eligible-only.yaml",
                       "--at", "2025-03-01T10:00:00", "-o", "html")  # fmt: skip
    assert code == 0
    assert parse(out).one("span", cls="status").text == "allowed"
    code, out, _ = cli(*base, account, "--cart", "policies/carts/with-seminar.yaml",
                       "--at", "2025-03-01T10:00:00", "-o", "html")  # fmt: skip
    assert code == 1  # refused, as with every other format
    assert parse(out).one("span", cls="status").text == "refused"


@pytest.mark.parametrize(
    "args",
    [
        ("validate", "policies/", "-o", "html"),
        ("balance", "policies/western-cpe-package.yaml", "--account",
         "policies/accounts/dana-two-packages.yaml", "-o", "html"),
        ("adjustments", "policies/werc-crp.yaml", "--holder",
         "policies/holders/werc-crp-seed-examples.yaml", "-o", "html"),
    ],
)  # fmt: skip
def test_commands_without_a_page_do_not_offer_html(cli, args):
    code, _, err = cli(*args)
    assert code == 2 and "invalid choice: 'html'" in err


def test_a_bad_holder_is_reported_as_with_every_format(cli, tmp_path):
    bad = tmp_path / "holder.yaml"
    bad.write_text("holder: {id: h}\nrecords:\n  - {id: r, earned_on: 2025-02-30}\n")
    code, out, err = cli("evaluate", "policies/werc-crp.yaml", "--holder", bad, "-o", "html")
    assert (code, out) == (1, "")
    assert f"{bad}:3:" in err and "Traceback" not in err


def test_help_names_the_html_format(cli):
    _, out, _ = cli("evaluate", "--help")
    assert "{text,json,html}" in out and "timeline" in out
