"""The ``options`` a credit source declares: JSON-Schema fragments and their readers.

Split from ``base.py`` (the source contract and its input helpers): these only build
the schema a sources-file entry's ``options:`` is checked against (``source_options``,
``mapping_option``, ``format_option``) and read two common options back
(``file_format``, ``conversion_rule``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from policyengine.policy.model import Policy

__all__ = [
    "conversion_rule",
    "file_format",
    "format_option",
    "mapping_option",
    "policy_converts",
    "source_options",
]


def source_options(
    path: str, *, required: Sequence[str] = ("path",), **properties: Mapping[str, Any]
) -> dict[str, Any]:
    """The ``options`` schema of a source reading a file: exactly these options.

    ``path`` (a string, described by ``path``) comes first, then ``properties`` in
    order; ``required`` names the options an entry must give, and no other option
    is accepted.
    """
    return {
        "type": "object",
        "required": list(required),
        "additionalProperties": False,
        "properties": {"path": {"type": "string", "description": path}, **properties},
    }


def mapping_option(description: str, fields: Iterable[str] = ()) -> dict[str, Any]:
    """The ``mapping`` option (record field -> column name); ``fields`` are listed."""
    names = ", ".join(fields)
    return {
        "type": "object",
        "additionalProperties": {"type": "string"},
        "description": f"{description}; fields: {names}" if names else description,
    }


def format_option(
    *formats: str,
    description: str = "File format; default: told by the file's extension.",
) -> dict[str, Any]:
    """The ``format`` option: one of ``formats`` (see :func:`file_format`)."""
    return {"enum": list(formats), "description": description}


def file_format(options: Mapping[str, Any], path: Path) -> str:
    """``options['format']``, else the file's extension (``yml`` read as ``yaml``)."""
    return options.get("format") or path.suffix.lower().lstrip(".").replace("yml", "yaml")


def conversion_rule(options: Mapping[str, Any], policy: Policy | None) -> Mapping[str, Any] | None:
    """The minutes-to-credits rule: ``options['conversion']``, else the policy's
    ``records.conversion`` when it is one rule for every record (see
    ``policyengine.records.conversion``), else None: a policy with several rules
    (``when``) converts each record itself (``policy_converts``)."""
    given: Mapping[str, Any] | None = options.get("conversion")
    if given:
        return given
    if policy is None or policy.records.conversion is None:
        return None
    return policy.records.conversion.as_mapping()


def policy_converts(policy: Policy | None) -> bool:
    """Whether the policy turns records given without credits into credits itself
    (any ``records.conversion``): a source may then pass minutes on without credits."""
    return policy is not None and bool(policy.records.conversions)
