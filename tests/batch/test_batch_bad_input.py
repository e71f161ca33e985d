"""``policyengine batch`` on input the fuzzers broke it with (tests/fuzz, fuzz_cli).

A JSONL line that is not UTF-8 used to stop the run with a UnicodeDecodeError
traceback, an unreadable JSONL file with a PermissionError traceback, and a holder id
holding a lone surrogate (``"\\ud800"`` in JSON) with a UnicodeEncodeError once its
output was written. Now the line is an error record at its ``file:line:col`` and the
run goes on, the unreadable file is a message (exit 1), and the output escapes what
UTF-8 cannot carry. Each run is a real process.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from tests.helpers import POLICIES
from tests.unprivileged import run_bound

CONSOLE = Path(sys.executable).parent / "policyengine"
GMS = str(POLICIES / "werc-gms.yaml")
GOOD = '{"holder": {"id": "m1", "designated_on": "2022-06-15"}, "records": []}\n'


def batch(*args: object):
    proc = run_bound([CONSOLE, "batch", GMS, *args, "--as-of", "2026-06-30"])
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc


def test_a_line_that_is_not_utf8_is_an_error_record_and_the_run_goes_on(tmp_path):
    path = tmp_path / "pop.jsonl"
    path.write_bytes(
        GOOD.encode() + b'{"holder": {"id": "caf\xe9"}}\r\n' + GOOD.replace("m1", "m3").encode()
    )
    proc = batch(path)
    assert proc.returncode == 1
    first, bad, third = (json.loads(line) for line in proc.stdout.splitlines())
    assert (first["holder"], third["holder"]) == ("m1", "m3")
    [error] = bad["error"]
    assert bad["input"] == f"{path}:2"
    assert (error["file"], error["line"], error["col"]) == (str(path), 2, 23)
    assert error["message"] == "this line is not valid UTF-8 (byte 0xe9)"


def test_an_unreadable_jsonl_file_is_a_message(tmp_path):
    path = tmp_path / "pop.jsonl"
    path.write_text(GOOD)
    path.chmod(0)
    proc = batch(path)
    assert proc.returncode == 1
    assert f"cannot read {path}: Permission denied" in proc.stderr


def test_a_lone_surrogate_in_an_id_is_escaped_in_jsonl_and_csv(tmp_path):
    path = tmp_path / "pop.jsonl"
    path.write_text(GOOD.replace('"m1"', '"m\\ud800\\u2028"'))
    proc = batch(path)
    assert proc.returncode == 0
    assert proc.stdout.count("\n") == 1 and "\u2028" not in proc.stdout
    assert json.loads(proc.stdout)["holder"] == "m\ud800\u2028"
    proc = batch(path, "-o", "csv")
    assert proc.returncode == 0
    assert "m\\ud800\u2028" in proc.stdout.split("\n")[1]
