"""Fixtures of the loader tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from policyengine.load.cachedir import keeping_documents


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A per-user cache folder of the test's own, kept documents in (as ``validate``)."""
    folder = tmp_path / "cache"
    monkeypatch.setenv("POLICYENGINE_CACHE_DIR", str(folder))
    with keeping_documents():
        yield folder
