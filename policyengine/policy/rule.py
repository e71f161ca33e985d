"""A policy expression compiled in its place, and how it runs.

A :class:`Rule` is one expression of a policy file (a validity rule, a requirement's
``where``, a period's ``start`` ...): its dotted path in the file (``periods.renewal.start``,
the rule's name in coverage reports), its text with positions, and the compiled
function. Calling it runs the function; a run-time failure (a holder file without a date
the rule reads, a division by zero) becomes a :class:`PolicyError` pointing *inside* the
expression in the policy file, instead of a traceback.

Coverage (``policyengine test --coverage``) observes rules: ``with observing(recorder):``
routes every rule call through ``recorder.run(rule, values)``. The observer lives in a
:class:`contextvars.ContextVar`, so it is per thread and per task, never a module global
that another run could see; without one a call pays a single ``ContextVar.get``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Protocol

from policyengine.errors import Diagnostic, Location, PolicyError
from policyengine.expr import ExprError, ExprRuntimeError
from policyengine.expr import types as T
from policyengine.expr.compiler import CompiledExpression
from policyengine.expr.nodes import Call, Field, Name, walk
from policyengine.expr.types import Type
from policyengine.load.nodes import LocStr


class Observer(Protocol):
    """Something that wants to see every rule run (coverage)."""

    def run(self, rule: Rule, values: Mapping[str, object]) -> object:
        """Run ``rule`` on ``values`` (normally ``rule.compiled(values)``) and return its value."""


_observer: ContextVar[Observer | None] = ContextVar("policyengine_rule_observer", default=None)


@contextmanager
def observing(observer: Observer) -> Iterator[Observer]:
    """Route every rule call in this context through ``observer.run(rule, values)``."""
    token = _observer.set(observer)
    try:
        yield observer
    finally:
        _observer.reset(token)


def current_observer() -> Observer | None:
    """The observer installed with :func:`observing` in this context, if any."""
    return _observer.get()


@dataclass(frozen=True, eq=False)
class Rule:
    """One compiled expression of a policy, in its place."""

    path: str  # dotted path in the policy file: 'periods.renewal.start', 'requirements.2.where'
    text: str  # as written (a LocStr with positions when read from a file)
    compiled: CompiledExpression
    policy_file: str  # the policy it belongs to (coverage groups rules by it)
    scope: Mapping[str, Type]  # the names it was checked against, as it sees them

    def __call__(self, values: Mapping[str, object]) -> object:
        observer = _observer.get()
        try:
            if observer is not None:
                return observer.run(self, values)
            return self.compiled(values)
        except ExprRuntimeError as err:
            raise PolicyError(expression_diagnostic(self.text, err)) from None

    @property
    def location(self) -> Location | None:
        return self.text.loc if isinstance(self.text, LocStr) else None

    def location_at(self, offset: int) -> Location | None:
        """The file position of character ``offset`` of the expression."""
        return self.text.location_at(offset) if isinstance(self.text, LocStr) else None

    def __repr__(self) -> str:
        return f"Rule({self.path!r}, {str(self.text)!r})"


def record_fields_read(rules: Sequence[Rule]) -> tuple[str, ...] | None:
    """The record fields ``rules`` read, when each is true/false and reads nothing but
    record fields and constants (:func:`_fields_only`): their answers are then a function
    of those fields' values. None otherwise."""
    names: set[str] = set()
    for rule in rules:
        fields = _fields_only(rule.compiled) if rule.compiled.type == T.BOOL else None
        if fields is None:
            return None
        names.update(fields)
    return tuple(sorted(names))


def reads_only_constants(rule: Rule) -> bool:
    """Whether ``rule`` has one value wherever it runs: it reads nothing but constants
    and calls no function (:func:`_fields_only`)."""
    return _fields_only(rule.compiled) == ()


def _fields_only(compiled: CompiledExpression) -> tuple[str, ...] | None:
    """The record fields an expression reads, when it names nothing but ``record.name``
    fields and ``const`` and calls no function (a plugin's function need not be pure; a
    quantifier's variable is a name of its own); None otherwise."""
    nodes = walk(compiled.ast)
    fields = [n for n in nodes if isinstance(n, Field)]
    under_field = {id(n.obj) for n in fields}
    for n in nodes:
        if isinstance(n, Call):
            return None
        # another name than record.field and const (or the record as a whole)
        bare = isinstance(n, Name) and n.name == "record" and id(n) not in under_field
        if bare or (isinstance(n, Name) and n.name not in ("record", "const")):
            return None
    return tuple(
        sorted({n.name for n in fields if isinstance(n.obj, Name) and n.obj.name == "record"})
    )


def expression_diagnostic(text: object, err: ExprError | ExprRuntimeError) -> Diagnostic:
    """Point an expression error at its line and column inside the YAML file."""
    if isinstance(text, LocStr):
        loc = text.location_at(err.offset)
        line = text.line_text_at(err.offset)
    else:
        loc, line = None, None
    width = max(1, (err.end or err.offset + 1) - err.offset)
    if line is not None and loc is not None:
        width = min(width, max(1, len(line) - loc.col + 1))
    return Diagnostic(
        err.message, loc, hint=err.hint, code="expression", source_line=line, width=width
    )
