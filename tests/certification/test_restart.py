"""Restart after a lapse (issue 14, item 10): a holder whose certification expired and
who later passes the exam again (or completes the qualifying course, or is reinstated)
starts a new chain of periods from that date; the periods of both chains are in the
evaluation and the status is about the new one."""

from __future__ import annotations

import pytest

from policyengine.errors import PolicyError
from tests.helpers import evaluate_holder, period, policy_from_snippet, rec

BODY = """\
periods:
  renewal:
    start: holder.designated_on
    length: 3 years
  grace: 1 year
  restart:
    when: record.kind == "exam"
allocation: {{unused: {unused}}}
requirements:
  - id: total
    min: 60
"""
HOLDER = {"id": "h", "designated_on": "2018-03-15"}
RECORDS = [
    {"id": "c1", "earned_on": "2018-06-01", "credits": 60},  # cycle 1 complete
    {"id": "c2", "earned_on": "2021-06-01", "credits": 20},  # cycle 2: 20 of 60, expires
    {"id": "gap", "earned_on": "2025-01-10", "credits": 10},  # lapsed: counts nowhere
    {"id": "exam", "earned_on": "2025-02-01", "credits": 0, "kind": "exam"},
    {"id": "c3", "earned_on": "2025-06-01", "credits": 30},
]


@pytest.mark.parametrize("unused", ["discard", "carry-forward"])
def test_a_re_exam_after_the_lapse_starts_a_new_chain(tmp_path, unused):
    pol = policy_from_snippet(tmp_path, BODY.format(unused=unused))
    doc, _ = evaluate_holder(pol, HOLDER, RECORDS, "2025-12-31")
    # chain 1: 2018-03-15 .. 2021-03-14 complete; 2021-03-15 .. 2024-03-14 open until the
    # end of its grace year (2025-03-14): an exam on 2025-02-01 is no restart
    assert [p["status"] for p in doc["periods"]] == ["complete", "expired"]
    assert doc["status"]["code"] == "expired"
    # an exam after the lapse, 2025-04-01, restarts the periods from that day
    records = [
        *RECORDS[:2],
        {"id": "gap", "earned_on": "2025-03-20", "credits": 10},
        {"id": "exam", "earned_on": "2025-04-01", "credits": 0, "kind": "exam"},
        RECORDS[4],
    ]
    doc, _ = evaluate_holder(pol, HOLDER, records, "2025-12-31")
    first, second, third = (period(doc, n) for n in (1, 2, 3))
    assert (first["status"], second["status"]) == ("complete", "expired")
    assert "chain" not in first and "chain" not in second
    assert (third["chain"], third["renewal_number"], third["start"], third["end"]) == (
        2,
        1,
        "2025-04-01",
        "2028-03-31",
    )
    assert third["status"] == "in-progress" and "c3" in third["applied"]
    assert third["requirements"][0]["counted"] == "30"
    status = doc["status"]
    assert (status["code"], status["period"], status["valid_from"], status["valid_until"]) == (
        "certified",
        3,
        "2025-04-01",
        "2028-03-31",
    )
    assert rec(doc, "exam")["explanation"].endswith(
        "it restarted the periods after the lapse: renewal period 1 (2025-04-01 to 2028-03-31)"
    )
    assert rec(doc, "gap")["disposition"] == "not-applied"
    assert "while the certification had lapsed" in rec(doc, "gap")["explanation"]


def test_without_a_restart_record_the_holder_stays_expired(tmp_path):
    pol = policy_from_snippet(tmp_path, BODY.format(unused="discard"))
    records = [RECORDS[0], RECORDS[1], {"id": "c3", "earned_on": "2025-06-01", "credits": 90}]
    doc, _ = evaluate_holder(pol, HOLDER, records, "2025-12-31")
    assert [p["status"] for p in doc["periods"]] == ["complete", "expired"]
    assert doc["status"]["code"] == "expired"
    assert rec(doc, "c3")["disposition"] == "after-last-period"


def test_a_restart_before_the_lapse_ended_is_refused(tmp_path):
    body = BODY.format(unused="discard").replace(
        '    when: record.kind == "exam"\n',
        '    when: record.kind == "exam"\n    start: record.earned_on - 2 years\n',
    )
    pol = policy_from_snippet(tmp_path, body)
    records = [*RECORDS[:2], {"id": "exam", "earned_on": "2025-04-01", "kind": "exam"}]
    with pytest.raises(PolicyError) as err:
        evaluate_holder(pol, HOLDER, records, "2025-12-31")
    assert "the periods would restart on 2023-04-01, before the lapsed renewal period 2" in str(
        err.value
    )


def test_the_text_output_names_the_restarted_chain(tmp_path):
    from policyengine.certification.render import evaluation_text

    pol = policy_from_snippet(tmp_path, BODY.format(unused="discard"))
    records = [*RECORDS[:2], {"id": "exam", "earned_on": "2025-04-01", "kind": "exam"}]
    _, result = evaluate_holder(pol, HOLDER, records, "2025-12-31")
    text = evaluation_text(result)
    assert "  2. renewal period 2, 2021-03-15 to 2024-03-14: expired" in text
    assert "  3. renewal period 1 after the restart, 2025-04-01 to 2028-03-31: in-progress" in text
