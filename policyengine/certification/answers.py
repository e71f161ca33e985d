"""Answers of rules that read only a record's fields, kept by those fields' values.

A requirement's ``where`` or ``records.counts_when`` such as ``record.status ==
"approved"`` or ``"ethics" in record.tags`` is a true/false function of a few record
fields and the policy's constants (``policy.rule.record_fields_read``). Across a
membership those fields take few distinct values, so their answers are kept per policy,
for every holder, by the values (at most :data:`ROWS`: memory does not grow with the
number of holders), and a record's scope is built only when its answer is not known.
With an observer installed (coverage) every rule runs, as without this.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Generic, TypeVar

from policyengine.policy.rule import Rule, current_observer, record_fields_read
from policyengine.records.model import OWN_FIELDS, Record, record_key

_ABSENT = object()

ROWS = 4096  # the most answers kept for one set of rules
_T = TypeVar("_T")
Key = tuple[object, ...]


@dataclass
class RecordAnswers(Generic[_T]):
    """The answers of rules reading only the record fields ``fields``, by their values."""

    fields: tuple[str, ...]
    known: dict[Key, _T] = field(default_factory=dict)
    _single: str | None = field(init=False, default=None)

    def __post_init__(self) -> None:
        # one field that is a record field as given: its value is the key
        one = len(self.fields) == 1 and self.fields[0] not in OWN_FIELDS
        self._single = self.fields[0] if one else None

    def look_up(
        self, record: Record, effective_on: dt.date | None = None, credits: Decimal | None = None
    ) -> tuple[Key | None, _T | None]:
        """(key, answer) for ``record`` as ``record_values(record, effective_on=...,
        credits=...)`` shows it: the answer when known, the key to :meth:`keep` it by; no
        key when a value cannot be one (a list from a plugin's source) or an observer
        must see every rule run."""
        if current_observer() is not None:
            return None, None
        return self.unwatched(record, effective_on, credits)

    def unwatched(
        self, record: Record, effective_on: dt.date | None = None, credits: Decimal | None = None
    ) -> tuple[Key | None, _T | None]:
        """:meth:`look_up` for a caller that knows no observer is installed (checked
        once for a whole evaluation: an observer is installed around one)."""
        key = record_key(record, self.fields, effective_on, credits)
        if key is None:
            return None, None
        try:
            return key, self.known.get(key)
        except TypeError:  # unhashable
            return None, None

    def answering(self, compute: Callable[[Record], _T]) -> Callable[[Record], _T]:
        """``compute`` of a record as recorded, answered from the kept answers when
        known, else computed and kept: :meth:`unwatched` and :meth:`keep` in one call,
        for a loop over every record of a holder (no observer installed)."""
        unwatched, keep = self.unwatched, self.keep
        known, single = self.known, self._single

        def answer(record: Record) -> _T:
            if single is None:
                key, hit = unwatched(record)
            else:  # record_key's usual case (one field, as given), in place
                given = record.fields.get(single, _ABSENT)
                key = hit = None
                if given is not _ABSENT:
                    key = (type(given), given)
                    try:
                        hit = known.get(key)
                    except TypeError:  # unhashable
                        key = None
            if hit is not None:
                return hit
            value = compute(record)
            keep(key, value)
            return value

        return answer

    def keep(self, key: Key | None, answer: _T) -> None:
        if key is not None and len(self.known) < ROWS:
            self.known[key] = answer


def record_answers(rules: Sequence[Rule]) -> RecordAnswers[_T] | None:
    """Where to keep the answers of ``rules``; None when one of them reads more than
    record fields and constants."""
    fields = record_fields_read(rules)
    return None if fields is None else RecordAnswers(fields)
