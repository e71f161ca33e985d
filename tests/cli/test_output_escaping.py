"""Names from files cannot forge output: control characters are escaped in every format.

A scenario named ``"ok\\n::error file=README.md,line=1::forged"`` used to print a line
that GitHub Actions reads as a workflow command (it scans every line a step prints,
stdout and stderr). Every string that comes from a file here carries a newline, a
carriage return, an escape sequence, a bell, C1 controls, Unicode line separators, a
lone surrogate (which used to crash the JSON and JUnit output) and ``%0A`` (which
GitHub would decode into a newline). Each command runs as a real process and its bytes
are checked: valid UTF-8, no raw control character but newline and tab, no line of
ours that starts a workflow command — while the text is still there, escaped.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from tests.helpers import POLICIES

CONSOLE = Path(sys.executable).parent / "policyengine"
FORGED = "ok\n::error file=README.md,line=1::forged"
HOSTILE = FORGED + "\r::warning::cr \x1b[2J\x07 \x85\x9b \u2028\u2029 \ud800 %0A::notice::pct"
# how text formats show it: escaped the way Python writes these characters
SHOWN = r"ok\n::error file=README.md,line=1::forged\r::warning::cr \x1b[2J\x07 \x85\x9b \u2028\u2029 \ud800 %0A::notice::pct"
RAW = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")


def q(text: str) -> str:
    """``text`` as a YAML double-quoted scalar (JSON's escapes are YAML's)."""
    return json.dumps(text)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """werc-gms.yaml (and a copy with min 10) with a failing scenario, a holder file,
    an account, a cart and a sources file whose names are HOSTILE."""
    shutil.copy(POLICIES / "werc-gms.yaml", tmp_path / "werc-gms.yaml")
    text = (POLICIES / "werc-gms.yaml").read_text(encoding="utf-8")
    (tmp_path / "new").mkdir()
    (tmp_path / "new" / "werc-gms.yaml").write_text(text.replace("min: 15", "min: 10"))
    holder = (
        f"holder: {{id: {q(HOSTILE)}, name: {q(HOSTILE)}, designated_on: 2022-06-15}}\n"
        f"records:\n  - {{id: {q(HOSTILE)}, title: {q(HOSTILE)}, kind: webinar, "
        "credits: 1.5, earned_on: 2023-03-14}\n"
    )
    (tmp_path / "holder.yaml").write_text(holder, encoding="utf-8")
    scenarios = (
        f"scenarios:\n  - name: {q(HOSTILE)}\n    as_of: 2025-07-01\n    holder_file: holder.yaml\n"
        f"    expect:\n      status: {{code: {q(HOSTILE)}}}\n"
    )
    (tmp_path / "werc-gms.tests.yaml").write_text(scenarios, encoding="utf-8")
    shutil.copy(tmp_path / "werc-gms.tests.yaml", tmp_path / "new" / "werc-gms.tests.yaml")
    shutil.copy(tmp_path / "holder.yaml", tmp_path / "new" / "holder.yaml")
    shutil.copy(POLICIES / "western-cpe-package.yaml", tmp_path / "pkg.yaml")
    account = (POLICIES / "accounts" / "dana-two-packages.yaml").read_text(encoding="utf-8")
    account = re.sub(r"(?m)^  name: .*$", lambda _m: f"  name: {q(HOSTILE)}", account, count=1)
    (tmp_path / "account.yaml").write_text(account, encoding="utf-8")
    cart = (POLICIES / "carts" / "eligible-only.yaml").read_text(encoding="utf-8")
    cart = cart.replace("title: Audit Sampling Essentials", f"title: {q(HOSTILE)}")
    (tmp_path / "cart.yaml").write_text(cart, encoding="utf-8")
    csv_id = HOSTILE.replace("\ud800", "?")  # a CSV file is UTF-8: no lone surrogate
    (tmp_path / "r.csv").write_text(
        f'id,title,credits,earned_on\n"{csv_id}","{csv_id}",1,2024-01-01\n"{csv_id}",x,one,2024-01-01\n',
        encoding="utf-8",
    )
    (tmp_path / "s.sources.yaml").write_text(
        "sources:\n  - {source: records_file, holder: {id: m-1}, options: {path: r.csv}}\n"
    )
    (tmp_path / "bad.yaml").write_text(f"format: 1\nkind: certification\n{q(HOSTILE)}: 1\n")
    return tmp_path


def run(repo: Path, *args: object) -> tuple[int, str, str]:
    proc = subprocess.run(
        [str(CONSOLE), *map(str, args)], cwd=repo, capture_output=True, timeout=120, check=False
    )
    assert b"Traceback" not in proc.stderr, proc.stderr.decode("utf-8", "replace")
    return proc.returncode, proc.stdout.decode("utf-8"), proc.stderr.decode("utf-8")


def assert_unforgeable(text: str, own: tuple[str, ...] = ()) -> None:
    """No raw control character, and no line starting a workflow command unless it is
    one of ours (``own`` prefixes, for ``-o github``)."""
    assert not RAW.search(text), RAW.findall(text)
    for line in text.split("\n"):
        head = line.lstrip()
        if head.startswith("::"):
            assert own and head.startswith(own), line
            assert not head.startswith("::error file=README.md"), line


TEXT_RUNS = {
    "test": ("test", "werc-gms.tests.yaml"),
    "diff": ("diff", "werc-gms.yaml", "new/werc-gms.yaml"),
    "diff-markdown": ("diff", "werc-gms.yaml", "new/werc-gms.yaml", "-o", "markdown"),
    "evaluate": ("evaluate", "werc-gms.yaml", "--holder", "holder.yaml", "--as-of", "2025-07-01"),
    "adjustments": (
        "adjustments",
        "werc-gms.yaml",
        "--holder",
        "holder.yaml",
        "--as-of",
        "2025-09-01",
    ),
    "balance": ("balance", "pkg.yaml", "--account", "account.yaml", "--at", "2025-03-01T10:00:00"),
    "redeem": (
        "redeem",
        "pkg.yaml",
        "--account",
        "account.yaml",
        "--cart",
        "cart.yaml",
        "--at",
        "2025-03-01T10:00:00",
    ),
    "records": ("records", "s.sources.yaml", "--policy", "werc-gms.yaml"),
    "validate": ("validate", "bad.yaml"),
}


@pytest.mark.parametrize("name", TEXT_RUNS)
def test_text_formats_escape_control_characters(repo, name):
    _code, out, err = run(repo, *TEXT_RUNS[name])
    assert_unforgeable(out)
    assert_unforgeable(err)
    shown = SHOWN.replace(r"\ud800", "?") if name == "records" else SHOWN
    assert shown in out + err


def test_an_error_on_stderr_is_escaped(repo):
    record = f"{{id: {q(HOSTILE)}, credits: 1, earned_on: 2023-03-14}}"
    (repo / "holder.yaml").write_text(
        f"holder: {{id: h, designated_on: 2022-06-15}}\nrecords:\n  - {record}\n  - {record}\n"
    )
    code, out, err = run(repo, "evaluate", "werc-gms.yaml", "--holder", "holder.yaml")
    assert code == 1 and out == ""
    assert_unforgeable(err)
    assert f"holder.yaml:4:11: duplicate record id '{SHOWN}'" in err


@pytest.mark.parametrize(
    "args",
    [
        ("validate", "bad.yaml", "-o", "github"),
        ("diff", "werc-gms.yaml", "new/werc-gms.yaml", "-o", "github"),
    ],
)
def test_github_annotations_escape_percent_newlines_and_controls(repo, args):
    _code, out, err = run(repo, *args)
    assert_unforgeable(out, own=("::error ", "::warning ", "::notice::"))
    assert_unforgeable(err)
    lines = out.splitlines()
    assert any("ok%0A::error file=README.md,line=1::forged%0D::warning::cr" in x for x in lines)
    assert any(r"\x1b[2J\x07 \x85\x9b \u2028\u2029 \ud800 %250A::notice::pct" in x for x in lines)


def test_junit_is_well_formed_xml_with_the_name_escaped(repo):
    code, out, _err = run(repo, "test", "werc-gms.tests.yaml", "-o", "junit")
    assert code == 1
    assert_unforgeable(out)
    [case] = ET.fromstring(out).iter("testcase")
    assert case.get("name") == SHOWN
    assert SHOWN in case.find("failure").get("message")


@pytest.mark.parametrize(
    "args",
    [
        ("test", "werc-gms.tests.yaml", "-o", "json"),
        ("diff", "werc-gms.yaml", "new/werc-gms.yaml", "-o", "json"),
        ("evaluate", "werc-gms.yaml", "--holder", "holder.yaml", "--as-of", "2025-07-01", "--json"),
    ],
)
def test_json_keeps_every_character_and_is_valid_utf8(repo, args):
    _code, out, _err = run(repo, *args)
    assert_unforgeable(out)
    assert any(HOSTILE in text for text in strings(json.loads(out)))


def strings(data):
    if isinstance(data, str):
        yield data
    elif isinstance(data, dict):
        for value in data.values():
            yield from strings(value)
    elif isinstance(data, list):
        for value in data:
            yield from strings(value)


def test_diagnostics_without_control_characters_render_as_before(tmp_path):
    from policyengine.ci.validate import check_file
    from policyengine.cli.output import render
    from policyengine.plugins_loader import load_environment

    env = load_environment()
    broken = {
        "syntax.yaml": "format: 1\nkind: certification\nid: [x\n",
        "schema.yaml": "format: 1\nkind: certification\nid: X\nnam: y\n",
        "expr.yaml": (POLICIES / "werc-crp.yaml").read_text().replace("min: 30", "min: 30 +"),
    }
    seen = 0
    for name, text in broken.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
        for d in check_file(str(tmp_path / name), env)[1]:
            assert render(d) == d.render()
            assert render(d, with_source=False) == d.render(with_source=False)
            seen += 1
    assert seen >= 3


def test_the_caret_stays_under_the_column_after_an_escape():
    from policyengine.cli.output import diagnostic_lines
    from policyengine.errors import Diagnostic, Location

    d = Diagnostic("bad", Location("f.yaml", 1, 8), source_line='a: "\x1b" xyz', width=3)
    _head, source, caret = diagnostic_lines(d)
    assert source == '    a: "\\x1b" xyz'
    assert caret.index("^") == source.index("xyz") and caret.endswith("^^^")
