"""The plugin hooks of policyengine: what a plugin may add, and how.

policyengine is built on pluggy, like datasette, llm and pytest. A plugin is a module
with functions marked ``@hookimpl`` whose names match the specifications below::

    from policyengine import hookimpl

    @hookimpl
    def register_sources(register: Callable[[type[CreditSource]], None]) -> None:
        register(ConferenceAttendance)

Hooks take a *register* callback (as llm's ``register_models(register)`` does): the
core checks what is registered, remembers which plugin registered it, and refuses a
second registration under a name already taken, naming both plugins. The sources
policyengine ships (``policyengine.plugins``) are plugins of exactly this kind.
See docs/plugins.md for the author's guide.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from pluggy import HookimplMarker, HookspecMarker

if TYPE_CHECKING:
    from policyengine.expr.functions import Function
    from policyengine.sources.base import CreditSource

__all__ = ["hookimpl", "hookspec", "register_functions", "register_sources"]

hookspec = HookspecMarker("policyengine")
hookimpl = HookimplMarker("policyengine")


@hookspec
def register_sources(register: Callable[[type[CreditSource]], None]) -> None:
    """Register credit sources: call ``register(SourceClass)`` once per source.

    ``SourceClass`` is a subclass of :class:`policyengine.sources.CreditSource` with a
    unique ``name`` (what a sources file writes as ``source:``), a ``description``,
    the extra record ``fields`` it provides with their expression types, an
    ``options`` JSON-Schema fragment, and ``read(options, *, tz, policy)``.
    """


@hookspec
def register_functions(register: Callable[[Function], None]) -> None:
    """Register expression functions: call ``register(Function(...))`` once per function.

    A :class:`policyengine.expr.functions.Function` carries its name, parameter types,
    return type, implementation and documentation, so ``policyengine validate``
    type-checks every call before anything runs. Names may not repeat a built-in or
    another plugin's function.
    """
