"""The worked example plugin (plugins/policyengine-example-plugin).

Installed (CI installs it), it is discovered through the ``policyengine`` entry-point
group; the other tests load the same file through ``--plugins-dir`` so its source and
function are checked even where it is not installed.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from policyengine import plugins_loader
from policyengine.cli.main import main
from tests.helpers import ROOT

EXAMPLE = ROOT / "plugins" / "policyengine-example-plugin"


def test_example_plugin_is_discovered_through_its_entry_point(monkeypatch, capsys) -> None:
    pytest.importorskip("policyengine_example_plugin")
    monkeypatch.setenv("POLICYENGINE_LOAD_ENTRYPOINTS", "1")
    monkeypatch.delenv("POLICYENGINE_PLUGINS", raising=False)
    info = {p.name: p for p in plugins_loader.load_plugins().plugins()}["example"]
    assert info.origin == "entry point"
    assert info.where.startswith("credit-policy-engine-example-plugin 0.2.0")
    assert info.sources == ("conference_attendance",)
    assert info.functions == ("business_days_between",)
    assert main(["plugins"]) == 0
    assert "example  (entry point: credit-policy-engine-example-plugin" in capsys.readouterr().out
    # the allowlist can leave it out
    monkeypatch.setenv("POLICYENGINE_PLUGINS", "")
    assert "conference_attendance" not in plugins_loader.load_plugins().sources


def test_example_source_reads_json_lines(tmp_path: Path) -> None:
    sources = plugins_loader.load_plugins(EXAMPLE).sources
    path = tmp_path / "attendance.jsonl"
    path.write_text(
        '{"member": "M1", "session": "S1", "title": "Keynote", "date": "2025-05-14", "hours": 1.5}\n'
        "\n"
        '{"member": "M1", "session": "S2", "date": "2025-05-14", "hours": "lots"}\n'
        "{not json\n"
        '{"member": "M1", "session": "S3", "date": "2025-05-15", "hours": 2}\n',
        encoding="utf-8",
    )
    cls = sources["conference_attendance"]
    result = cls().read({"path": str(path), "credits_per_hour": 1}, tz=ZoneInfo("UTC"))
    assert [(r.id, r.credits) for r in result.records] == [
        ("conf-M1-S1", Decimal("1.5")),
        ("conf-M1-S3", Decimal(2)),
    ]
    assert [d.location.line for d in result.problems] == [3, 4]
    assert (result.rows_read, result.rows_rejected) == (4, 2)


@pytest.mark.parametrize(
    ("a", "b", "days"),
    [
        ("2025-05-12", "2025-05-19", 5),  # Monday to Monday
        ("2025-05-16", "2025-05-19", 1),  # Friday to Monday
        ("2025-05-17", "2025-05-19", 0),  # Saturday to Monday
        ("2025-05-19", "2025-05-12", -5),
        ("2025-05-12", "2025-05-12", 0),
    ],
)
def test_business_days_between_in_an_expression(a: str, b: str, days: int) -> None:
    from policyengine.expr import Scope, compile_expression
    from policyengine.expr.types import DATE, NUMBER

    scope = Scope({"a": DATE, "b": DATE}, plugins_loader.load_environment(EXAMPLE).functions)
    expr = compile_expression("business_days_between(a, b)", scope)
    assert expr.type == NUMBER
    values = {"a": dt.date.fromisoformat(a), "b": dt.date.fromisoformat(b)}
    assert expr(values) == Decimal(days)
