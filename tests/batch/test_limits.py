"""``batch`` on untrusted input: one JSONL line is at most a holder file's size."""

from __future__ import annotations

import json
from pathlib import Path

from policyengine.batch.inputs import MAX_LINE_BYTES
from tests.helpers import POLICIES


def test_a_line_over_the_limit_is_an_error_record_and_the_run_goes_on(tmp_path: Path, cli) -> None:
    small = json.dumps({"holder": {"id": "a", "designated_on": "2024-01-01"}})
    huge = json.dumps({"holder": {"id": "b", "name": "x" * MAX_LINE_BYTES}})
    path = tmp_path / "pop.jsonl"
    path.write_text(f"{huge}\n{small}\n", "utf-8")
    done = cli("batch", POLICIES / "werc-gms.yaml", path, "--as-of", "2025-09-01")
    assert done.returncode == 1
    first, second = (json.loads(line) for line in done.stdout.splitlines())
    assert first["error"][0]["message"] == (
        f"the holder on this line is larger than {MAX_LINE_BYTES:,} bytes"
    )
    assert (first["error"][0]["line"], second["holder"]) == (1, "a")
