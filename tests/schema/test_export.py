"""The self-contained schemas (``policyengine schema KIND``, ``schema/`` in the
repository): every shipped schema is printed, none refers to another file, the
committed copies are current, and the real tool check-jsonschema uses them alone."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from policyengine.load.kinds import KINDS as DOCUMENT_KINDS
from policyengine.schema.export import KINDS, bundled, export, outdated, schema_text
from tests.helpers import POLICIES, ROOT, CliResult

COMMITTED = ROOT / "schema"


def refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        if isinstance(node.get("$ref"), str):
            yield node["$ref"]
        for value in node.values():
            yield from refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from refs(value)


def test_every_shipped_schema_is_a_kind() -> None:
    shipped = sorted(
        f.name.removesuffix(".schema.json")
        for f in resources.files("policyengine.schema").iterdir()
        if f.name.endswith(".schema.json")
    )
    assert list(KINDS) == shipped
    assert set(DOCUMENT_KINDS) <= set(KINDS)
    assert {"evaluation", "balance", "redemption"} <= set(KINDS)


@pytest.mark.parametrize("kind", KINDS)
def test_bundled_schema_refers_only_to_itself(kind: str) -> None:
    schema = bundled(kind)
    jsonschema.Draft202012Validator.check_schema(schema)
    for ref in refs(schema):
        assert ref.startswith("#"), ref
        # every local reference resolves inside the document
        node: Any = schema
        for part in ref[2:].split("/") if ref != "#" else []:
            node = node[part.replace("~1", "/").replace("~0", "~")]
        assert isinstance(node, dict)


def test_scenarios_schema_bundles_holder_account_and_cart() -> None:
    defs = bundled("scenarios")["$defs"]
    assert {"holder.schema.json", "account.schema.json", "cart.schema.json"} <= set(defs)
    assert all("$id" not in defs[f"{k}.schema.json"] for k in ("holder", "account", "cart"))


@pytest.mark.parametrize("kind", KINDS)
def test_schema_command_prints_the_bundled_schema(cli: Callable[..., CliResult], kind: str) -> None:
    code, out, err = cli("schema", kind)
    assert (code, err) == (0, "")
    assert out == schema_text(kind)
    assert json.loads(out) == bundled(kind)


def test_schema_command_default_is_policy(cli: Callable[..., CliResult]) -> None:
    assert cli("schema").stdout == schema_text("policy")


def test_schema_all_writes_every_schema(cli: Callable[..., CliResult], tmp_path: Path) -> None:
    code, out, _ = cli("schema", "--all", tmp_path / "out")
    assert code == 0
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        f"{k}.schema.json" for k in KINDS
    ]
    assert out.splitlines() == [str(tmp_path / "out" / f"{k}.schema.json") for k in KINDS]
    assert outdated(tmp_path / "out") == []


def test_schema_all_with_a_kind_is_a_usage_error(
    cli: Callable[..., CliResult], tmp_path: Path
) -> None:
    code, _, err = cli("schema", "policy", "--all", tmp_path)
    assert code == 2
    assert "either KIND or --all DIR" in err


def test_committed_schemas_are_current() -> None:
    """schema/ is what `python -m policyengine.schema.export schema/` writes: a schema
    changed in policyengine/schema/ without regenerating it fails here."""
    stale = outdated(COMMITTED)
    assert stale == [], "regenerate: python -m policyengine.schema.export schema/"
    assert sorted(p.name for p in COMMITTED.glob("*.json")) == [f"{k}.schema.json" for k in KINDS]


def test_export_module_check_reports_a_stale_file(tmp_path: Path) -> None:
    export(tmp_path)
    (tmp_path / "cart.schema.json").write_text("{}\n", encoding="utf-8")
    run = [sys.executable, "-m", "policyengine.schema.export", str(tmp_path), "--check"]
    done = subprocess.run(run, capture_output=True, text=True, check=False)
    assert done.returncode == 1
    assert f"{tmp_path / 'cart.schema.json'}: not current" in done.stderr
    fixed = subprocess.run(run[:-1], capture_output=True, text=True, check=False)
    assert fixed.returncode == 0
    assert subprocess.run(run, capture_output=True, check=False).returncode == 0


# -------------------------------------------------------------------- check-jsonschema

CHECK_JSONSCHEMA = shutil.which("check-jsonschema", path=str(Path(sys.executable).parent))


def check_jsonschema(*args: str | Path) -> subprocess.CompletedProcess[str]:
    assert CHECK_JSONSCHEMA, "check-jsonschema is in the test extra: pip install -e '.[test]'"
    return subprocess.run(
        [CHECK_JSONSCHEMA, *map(str, args)], capture_output=True, text=True, check=False
    )


def test_check_jsonschema_accepts_the_committed_schemas() -> None:
    done = check_jsonschema("--check-metaschema", *sorted(COMMITTED.glob("*.json")))
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.parametrize(
    ("kind", "pattern"),
    [
        ("scenarios", "*.tests.yaml"),
        ("policy", "*.yaml"),  # without the scenario files (below)
        ("holder", "holders/*.yaml"),
        ("account", "accounts/*.yaml"),
        ("cart", "carts/*.yaml"),
        ("sources", "sources/*.sources.yaml"),
    ],
)
def test_check_jsonschema_validates_bundled_files_with_one_schema_file(
    tmp_path: Path, kind: str, pattern: str
) -> None:
    """The schema alone, copied where no sibling schema is (and without the network:
    the old scenarios schema failed here fetching https://policyengine.dev/...)."""
    files = sorted(
        f for f in POLICIES.glob(pattern) if kind == "scenarios" or ".tests." not in f.name
    )
    assert files
    schema = shutil.copy(COMMITTED / f"{kind}.schema.json", tmp_path)
    done = check_jsonschema("--schemafile", schema, *files)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "ok -- validation done" in done.stdout


def test_check_jsonschema_flags_a_typo_in_a_scenario_holder(tmp_path: Path) -> None:
    text = (POLICIES / "werc-crp.tests.yaml").read_text(encoding="utf-8")
    assert "holder: {id: m-1, name: Pat Mover, designated_on: 2022-06-15}" in text
    typo = tmp_path / "typo.tests.yaml"
    typo.write_text(text.replace("designated_on:", "designated_onn:", 1), encoding="utf-8")
    schema = shutil.copy(COMMITTED / "scenarios.schema.json", tmp_path)
    done = check_jsonschema("--schemafile", schema, typo)
    assert done.returncode == 1
    assert "$.scenarios[0].holder: Additional properties are not allowed" in done.stdout
    assert "'designated_onn' was unexpected" in done.stdout
