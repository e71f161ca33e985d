"""``policyengine evaluate`` and ``policyengine adjustments`` from the command line, on the
bundled policy and holder files: text and JSON output, the staff work list, and clear
``file:line:col`` errors (exit 1, no traceback) for broken input."""

from __future__ import annotations

import json

CRP = "policies/werc-crp.yaml"
GMS = "policies/werc-gms.yaml"
SAFETY = "policies/safety-certification.yaml"
CRP_HOLDER = "policies/holders/werc-crp-seed-examples.yaml"


def test_evaluate_crp_seed_examples_text(cli):
    out = cli("evaluate", CRP, "--holder", CRP_HOLDER, "--as-of", "2025-09-01")
    assert out.returncode == 0, out.stderr
    assert out.stderr == ""
    lines = out.stdout.splitlines()
    assert (
        lines[0] == "Certified Relocation Professional (CRP) — Pat Mover (m-1001), as of 2025-09-01"
    )
    assert lines[1] == (
        "status: expired since 2025-08-01: the renewal period 1 "
        "(2022-08-01 to 2025-07-31) is not complete"
    )
    # once, with its deadline, which has passed (the sentence "needs 5 more credits ... by
    # 2025-07-31" is in the JSON's renewal.missing, no longer printed a second time)
    assert (
        "  CRP renewal credits: 25 of 30 credits — missing 5 (the period ended 2025-07-31)" in lines
    )
    assert not [line for line in lines if "needs 5 more" in line]
    assert "  renewal can be invoiced: no" in lines
    assert (
        "  1. renewal period 1, 2022-08-01 to 2025-07-31: expired; 4 applied, 25 credits" in lines
    )
    assert "  upload-pending (2025-05-05, 2 credits): pending: waiting for staff approval" in lines
    assert (
        "    action: earned 2025-08-12, after the cycle ended 2025-07-31 — ask staff to "
        "backdate it to 2025-07-31"
    ) in lines


def test_evaluate_crp_seed_examples_json(cli):
    out = cli("evaluate", CRP, "--holder", CRP_HOLDER, "--as-of", "2025-09-01", "-o", "json")
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)
    assert doc["format"] == "policyengine.evaluation/1"
    assert doc["status"]["code"] == "expired"
    assert doc["renewal"]["requirements"][0]["counted"] == "25.0"
    assert {r["id"]: r["disposition"] for r in doc["records"]}["upload-pending"] == "pending"
    again = cli("evaluate", CRP, "--holder", CRP_HOLDER, "--as-of", "2025-09-01", "--json")
    assert again.stdout == out.stdout  # byte-identical


def test_evaluate_batch_json_wraps_evaluations(cli):
    out = cli(
        "evaluate",
        GMS,
        "--holder",
        "policies/holders/werc-gms-seed-examples.yaml",
        "--holder",
        CRP_HOLDER,
        "--as-of",
        "2025-07-31",
        "-o",
        "json",
    )
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)
    assert doc["format"] == "policyengine.evaluations/1"
    assert [e["holder"]["id"] for e in doc["evaluations"]] == ["g-3003", "m-1001"]
    assert doc["evaluations"][0]["renewal"]["can_invoice"] is True


def test_adjustments_text_and_json(cli):
    out = cli("adjustments", CRP, "--holder", CRP_HOLDER, "--as-of", "2025-09-01")
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines() == [
        "holder m-1001 (as of 2025-09-01):",
        (
            "  backdate upload-after-expiry (2025-08-12) to 2025-07-31: earned 2025-08-12, after "
            "the cycle ended 2025-07-31 — ask staff to backdate it to 2025-07-31"
        ),
        (
            "  backdate upload-self-edit (2025-08-20) to 2025-07-31: earned 2025-08-20, after the "
            "cycle ended 2025-07-31 — ask staff to backdate it to 2025-07-31"
        ),
        (
            "  declined change on upload-self-edit by pat.mover@example.com (member) to 2025-07-31: "
            "declined: earned date changed by the member (pat.mover@example.com); only staff may "
            "change earned dates, so the credit counts under its original date 2025-08-20"
        ),
    ]
    js = cli("adjustments", CRP, "--holder", CRP_HOLDER, "--as-of", "2025-09-01", "-o", "json")
    doc = json.loads(js.stdout)
    assert doc["format"] == "policyengine.adjustments/1"
    assert [r["record"] for r in doc["holders"][0]["eligible"]] == [
        "upload-after-expiry",
        "upload-self-edit",
    ]


def test_adjustments_second_cycle_holder_pushdate_refused(cli):
    out = cli(
        "adjustments",
        CRP,
        "--holder",
        "policies/holders/werc-crp-second-cycle.yaml",
        "--as-of",
        "2024-01-01",
    )
    assert out.returncode == 0, out.stderr
    assert (
        "  no pushdate for upload-before-cycle: earned 2022-07-15, before the cycle started "
        "2022-08-01; a pushdate would be refused: pushdates are only accepted in the first "
        "renewal cycle, for credits earned after the designation" in out.stdout.splitlines()
    )
    assert (
        "refused change on upload-pushdate-refused by staff.ana (staff) to 2022-08-01" in out.stdout
    )


def test_adjustments_nothing_to_do(cli):
    out = cli(
        "adjustments",
        GMS,
        "--holder",
        "policies/holders/werc-gms-seed-examples.yaml",
        "--as-of",
        "2025-07-31",
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout == "holder g-3003 (as of 2025-07-31):\n  nothing to do\n"


def test_evaluate_safety_seed_expired_for_2012_period(cli):
    out = cli(
        "evaluate",
        SAFETY,
        "--holder",
        "policies/holders/safety-seed-expired.yaml",
        "--as-of",
        "2013-03-01",
    )
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines[1] == (
        "status: expired since 2013-01-01: the renewal period 2 "
        "(2012-01-01 to 2012-12-31) is not complete"
    )
    assert (
        "  Safety training items: 1 of 2 items — missing 1 (the period ended 2012-12-31)" in lines
    )
    # a policy that counts items shows no credits (they would all be 0)
    assert "  3. renewal period 2, 2012-01-01 to 2012-12-31: expired; 1 applied" in lines


def test_broken_holder_file_reports_file_line_col(cli, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "holder:\n  id: m-9\n  designated_on: 2022-06-15\nrecords:\n"
        "  - id: a\n    credits: 2\n    earned_on: 2023-02-30\n"
        "  - id: b\n    credits: -3\n    earned_on: 2023-03-01\n",
        encoding="utf-8",
    )
    out = cli("evaluate", CRP, "--holder", str(bad), "--as-of", "2025-09-01")
    assert out.returncode == 1
    assert out.stdout == ""
    assert "Traceback" not in out.stderr
    assert f"{bad}:7:16: record 'a': '2023-02-30' is not a valid date (YYYY-MM-DD)" in out.stderr
    assert f"{bad}:9:14: record 'b': credits cannot be negative, got -3" in out.stderr


def test_missing_holder_file_named_in_error(cli, tmp_path):
    missing = tmp_path / "nope.yaml"
    out = cli("adjustments", CRP, "--holder", str(missing), "--as-of", "2025-09-01")
    assert out.returncode == 1
    assert "Traceback" not in out.stderr
    assert f"cannot read holder file {missing}" in out.stderr


def test_as_of_garbage_gives_clear_error(cli):
    out = cli("evaluate", CRP, "--holder", CRP_HOLDER, "--as-of", "garbage")
    assert out.returncode == 2  # a usage error
    assert "Traceback" not in out.stderr
    assert out.stderr.splitlines() == [
        "policyengine evaluate: --as-of: 'garbage' is not a valid date (YYYY-MM-DD)"
    ]
