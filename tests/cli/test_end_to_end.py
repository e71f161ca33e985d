"""``policyengine`` as a separate process, the way a user, a script and CI run it.

Every other command-line test calls ``main()`` in this process through the ``cli``
fixture (much faster). These few check what only a real process shows: the installed
console script and ``python -m policyengine`` start and give the same output as the
fixture; the exit code reaches the caller (2 for a usage error, 1 for a problem in a
file) and a problem is printed as ``file:line:col`` with no traceback; and the output
does not depend on the interpreter's hash seed.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig

import pytest

from tests.helpers import POLICIES, ROOT

CRP = "policies/werc-crp.yaml"
CRP_HOLDER = "policies/holders/werc-crp-seed-examples.yaml"
EVALUATE_CRP = ("evaluate", CRP, "--holder", CRP_HOLDER, "--as-of", "2025-09-01")


def console_script() -> str:
    script = shutil.which("policyengine", path=sysconfig.get_path("scripts"))
    assert script, "the policyengine console script is not installed (pip install -e .)"
    return script


def run(*argv: str, launcher: str = "python -m",
        env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    command = ([console_script()] if launcher == "console script"
               else [sys.executable, "-m", "policyengine"])
    return subprocess.run([*command, *argv], cwd=ROOT, capture_output=True, text=True,
                          encoding="utf-8", timeout=120, check=False,
                          env={**os.environ, **(env or {})})


@pytest.mark.parametrize("launcher", ["console script", "python -m"])
def test_a_bundled_policy_and_holder_evaluate_as_in_process(cli, launcher: str) -> None:
    done = run(*EVALUATE_CRP, launcher=launcher)
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout.startswith(
        "Certified Relocation Professional (CRP) — Pat Mover (m-1001), as of 2025-09-01\n")
    assert done.stdout == cli(*EVALUATE_CRP).stdout


def test_a_usage_error_exits_2_with_the_usage_on_stderr() -> None:
    done = run()
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.startswith("usage: policyengine ")
    assert "error: the following arguments are required: COMMAND" in done.stderr


def test_a_broken_policy_file_exits_1_at_file_line_col_without_a_traceback(tmp_path) -> None:
    policy = tmp_path / "broken.yaml"
    text = (POLICIES / "werc-crp.yaml").read_text(encoding="utf-8")
    assert text.count("length: 3 years") == 1
    policy.write_text(text.replace("length: 3 years", "length: 3 yeers"), encoding="utf-8")
    line = next(i for i, t in enumerate(policy.read_text().splitlines(), 1) if "3 yeers" in t)
    done = run("evaluate", str(policy), "--holder", CRP_HOLDER, "--as-of", "2025-09-01")
    assert done.returncode == 1
    assert done.stdout == ""
    assert re.match(rf"{re.escape(str(policy))}:{line}:\d+: '3 yeers' ", done.stderr), done.stderr
    assert "Traceback" not in done.stderr


def test_validate_the_bundled_policies_directory(cli) -> None:
    done = run("validate", "policies/")
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout.splitlines()[-1].endswith(" files checked, 0 problems")
    assert done.stdout == cli("validate", "policies/").stdout


# A worker process, another hash seed: the documented command of every bundled sources
# example (its "#   policyengine evaluate ..." comment), run through main().
WORKER = """
import contextlib, io, json, sys
from policyengine.cli import main
outputs = []
for argv in json.loads(sys.argv[1]):
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        outputs.append((main(argv), out.getvalue()))
print(json.dumps(outputs))
"""


def documented_commands() -> list[list[str]]:
    commands = []
    for path in sorted((POLICIES / "sources").glob("*.sources.yaml")):
        [line] = [t for t in path.read_text(encoding="utf-8").splitlines()
                  if t.startswith("#   policyengine evaluate ")]
        commands.append(line.split()[2:])
    return commands


def test_output_does_not_depend_on_the_hash_seed(cli) -> None:
    commands = documented_commands()
    assert len(commands) == 5
    seed = "1" if os.environ.get("PYTHONHASHSEED") != "1" else "2"  # not this process's
    done = subprocess.run([sys.executable, "-c", WORKER, json.dumps(commands)], cwd=ROOT,
                          capture_output=True, text=True, encoding="utf-8", timeout=120,
                          check=False, env={**os.environ, "PYTHONHASHSEED": seed})
    assert (done.returncode, done.stderr) == (0, "")
    there = [tuple(x) for x in json.loads(done.stdout)]
    here = [cli(*argv)[:2] for argv in commands]
    assert all(code == 0 and out for code, out in here)
    assert there == here
