"""Shared test set-up.

Third-party plugins installed in the environment (entry-point group ``policyengine``)
must not change the project's own test results, so entry points are not loaded
unless a test asks for them (``monkeypatch.setenv("POLICYENGINE_LOAD_ENTRYPOINTS", "1")``).
"""

from __future__ import annotations

import os

os.environ["POLICYENGINE_LOAD_ENTRYPOINTS"] = "0"
