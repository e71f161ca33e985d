"""The environment a policy is compiled in: what plugins add to the language and the data.

An :class:`Environment` holds the expression functions (built-ins plus those plugins
registered), the credit sources by name, and the record fields those sources provide.
It is built once — by the CLI from the loaded plugins (``plugins_loader.load_environment``),
or by a Python caller — and handed to ``load_policy``; the compiled :class:`Policy`
keeps it, so everything later done with that policy (coverage recompiling a rule,
reading a sources file) uses the same one. Nothing here is global.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from policyengine.expr.functions import FunctionRegistry, builtin_functions
from policyengine.expr.types import STRING, Type


@dataclass(frozen=True)
class Environment:
    """Functions, credit sources and source-provided record fields, as plugins left them."""

    functions: FunctionRegistry = field(default_factory=builtin_functions)
    # credit source classes by name (``policyengine.sources.CreditSource`` subclasses;
    # typed loosely because sources sit above policies in the layers)
    sources: Mapping[str, Any] = field(default_factory=dict)
    # extra record fields the sources provide, with their types (optional on a record)
    record_fields: Mapping[str, Type] = field(default_factory=lambda: {"member": STRING})


def builtin_environment() -> Environment:
    """The built-in functions only: no credit sources, no plugin record fields."""
    return Environment()
