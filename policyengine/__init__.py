"""policyengine: a declarative policy engine for continuing-education credits,
certifications and prepaid credit packages.

The stable Python API is re-exported here; see the README.
"""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__", "Diagnostic", "Location", "PolicyError", "hookimpl", "load_policy"]

from policyengine.errors import Diagnostic, Location, PolicyError
from policyengine.hookspecs import hookimpl
from policyengine.policy.build import load_policy
