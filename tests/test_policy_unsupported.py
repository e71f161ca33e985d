"""Rules the schema describes but the evaluator does not apply yet are refused, not ignored
(PRODUCT.md: nothing is silently dropped)."""

from __future__ import annotations

import pytest

from policyengine.errors import PolicyError
from policyengine.policy import load_policy

BASE = """format: 1
kind: certification
id: x
name: X
timezone: UTC
periods:
  renewal:
    start: 2020-01-01
    length: 1 year
requirements:
  - id: total
    min: 30
"""


@pytest.mark.parametrize(
    ("extra", "where", "name"),
    [
        ("carry_over: {max: 5}\n", (13, 1), "carry_over"),
        ("statuses: [{id: lapsed, when: 'true'}]\n", (13, 1), "statuses"),
        ("allocation: {order: optimal}\n", (13, 14), "allocation.order"),
    ],
)
def test_unsupported_rule_is_an_error_at_its_key(tmp_path, extra, where, name):
    path = tmp_path / "p.yaml"
    path.write_text(BASE + extra)
    with pytest.raises(PolicyError) as err:
        load_policy(str(path))
    [d] = err.value.diagnostics
    assert f"'{name}' is not supported" in d.message
    assert (d.location.line, d.location.col) == where
