"""The lark parser's tables are cached per user, never read from a place others can write."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from policyengine.expr import parser


def test_the_cache_lives_in_a_private_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("POLICYENGINE_CACHE_DIR", str(tmp_path / "cache"))
    path = parser.cache_file()
    assert path is not None and path.parent == tmp_path / "cache"
    assert (path.parent.stat().st_mode & 0o777) == 0o700


def test_a_folder_others_may_write_is_not_used(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o777)
    monkeypatch.setenv("POLICYENGINE_CACHE_DIR", str(shared))
    assert parser.cache_file() is None


def test_an_empty_setting_turns_the_cache_off(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("POLICYENGINE_CACHE_DIR", "")
    assert parser.cache_file() is None


def test_a_fresh_process_builds_then_reuses_the_cached_tables(tmp_path: Path):
    env = {**os.environ, "POLICYENGINE_CACHE_DIR": str(tmp_path)}
    code = "from policyengine.expr import compile_expression as c; print(c('1 + 2')({}))"
    for _ in range(2):  # the first run writes the cache, the second reads it
        done = subprocess.run(
            [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
        )
        assert done.stdout == "3\n" and done.stderr == ""
    [cached] = tmp_path.iterdir()
    assert cached.name.startswith("expr-lalr-") and cached.stat().st_size > 0
