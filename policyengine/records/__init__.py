"""Holders and their credit records, normalized from files or credit sources.

``model`` holds the values (:class:`Record`, :class:`Holder`, :class:`Adjustment`) and
reads holder files; ``conversion`` turns minutes into credits.
"""

from policyengine.records.model import (
    Adjustment,
    Holder,
    Record,
    holder_from_document,
    load_holder,
    parse_decimal,
    record_from_mapping,
)

__all__ = [
    "Adjustment",
    "Holder",
    "Record",
    "holder_from_document",
    "load_holder",
    "parse_decimal",
    "record_from_mapping",
]
