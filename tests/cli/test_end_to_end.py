"""``policyengine`` as a separate process, the way a user, a script and CI run it.

Every other command-line test calls ``main()`` in this process through the ``cli``
fixture (much faster). These few check what only a real process shows: the installed
console script starts and prints what the fixture sees; ``python -m policyengine``'s
exit code reaches the caller (0, 2 for a usage error, 1 for a problem in a file) and a
problem is printed as ``file:line:col`` with no traceback; and the output does not
depend on the interpreter's hash seed.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig

from tests.helpers import POLICIES, ROOT

CRP = "policies/werc-crp.yaml"
CRP_HOLDER = "policies/holders/werc-crp-seed-examples.yaml"
EVALUATE_CRP = ("evaluate", CRP, "--holder", CRP_HOLDER, "--as-of", "2025-09-01")


def spawn(*command: str, **env: str) -> subprocess.CompletedProcess[str]:
    """Run ``command`` from the repository root, with ``env`` added to the environment."""
    return subprocess.run(
        command,
        cwd=ROOT,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
        check=False,
        env={**os.environ, **env},
    )


def python_m(*argv: str) -> subprocess.CompletedProcess[str]:
    return spawn(sys.executable, "-m", "policyengine", *argv)


def test_the_console_script_evaluates_a_bundled_policy_and_holder_as_in_process(cli) -> None:
    script = shutil.which("policyengine", path=sysconfig.get_path("scripts"))
    assert script, "the policyengine console script is not installed (pip install -e .)"
    done = spawn(script, *EVALUATE_CRP)
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout.startswith(
        "Certified Relocation Professional (CRP) — Pat Mover (m-1001), as of 2025-09-01\n"
    )
    assert done.stdout == cli(*EVALUATE_CRP).stdout


def test_a_usage_error_exits_2_with_the_usage_on_stderr() -> None:
    done = python_m()
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
    done = python_m("evaluate", str(policy), "--holder", CRP_HOLDER, "--as-of", "2025-09-01")
    assert done.returncode == 1
    assert done.stdout == ""
    assert re.match(rf"{re.escape(str(policy))}:{line}:\d+: '3 yeers' ", done.stderr), done.stderr
    assert "Traceback" not in done.stderr


def test_validate_the_bundled_policies_directory(cli) -> None:
    done = python_m("validate", "policies/")
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
        [line] = [
            t
            for t in path.read_text(encoding="utf-8").splitlines()
            if t.startswith("#   policyengine evaluate ")
        ]
        commands.append(line.split()[2:])
    return commands


def test_output_does_not_depend_on_the_hash_seed(cli) -> None:
    commands = documented_commands()
    assert len(commands) >= 5  # the bundled examples
    seed = "1" if os.environ.get("PYTHONHASHSEED") != "1" else "2"  # not this process's
    done = spawn(sys.executable, "-c", WORKER, json.dumps(commands), PYTHONHASHSEED=seed)
    assert (done.returncode, done.stderr) == (0, "")
    there = [tuple(x) for x in json.loads(done.stdout)]
    here = [cli(*argv)[:2] for argv in commands]
    assert all(code == 0 and out for code, out in here)
    assert there == here
