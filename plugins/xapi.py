"""Source ``xapi``: xAPI statements, as a Learning Record Store returns them.

Reads a JSON array of statements, or a StatementResult ``{"statements": [...]}``
(xAPI 1.0.3). Per statement:

- ``actor`` (an Agent) -> ``member``: ``account.name``, else ``mbox`` without
  ``mailto:``, else ``mbox_sha1sum``, else ``openid``; Groups are rejected;
- ``verb.id`` must end in ``completed`` or ``passed`` (ADL verbs) unless
  ``options.verbs`` lists others (full IRIs or their last segment); any other verb
  is rejected with the statement's index;
- ``object.id`` (an Activity) -> ``course``; ``object.definition.name`` -> title;
- ``result.duration`` (ISO 8601, ``PT1H30M``) -> ``minutes``, and credits by the
  conversion rule when the policy (or ``options.conversion``) has one; or credits
  from ``result.extensions[options.credits_extension]``;
- ``timestamp`` -> earned time, ``stored`` -> recorded time (each defaults to the other);
- ``id`` -> record id (else ``xapi-<index>``). Source ``xapi``, kind ``course``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from decimal import Context, Decimal
from typing import TYPE_CHECKING, Any

from policyengine import dates, hookimpl
from policyengine.decimals import (
    NUMBER_RANGE,
    NumberRangeError,
    number_shown,
    round_fraction,
    within_magnitude,
)
from policyengine.errors import Diagnostic, Location
from policyengine.expr.types import STRING
from policyengine.load.yaml_loader import locate
from policyengine.records import parse_decimal
from policyengine.records.conversion import CONVERSION_SCHEMA, credits_from_minutes
from policyengine.sources import (
    CreditSource,
    SourceResult,
    conversion_rule,
    data_items,
    input_path,
    normalize,
    record_fields,
    source_options,
)

if TYPE_CHECKING:
    from policyengine.policy.model import Policy

DEFAULT_VERBS = ("completed", "passed")
_NUM = r"([0-9]+(?:[.,][0-9]+)?)"
_DURATION = re.compile(
    rf"^P(?!$)(?:{_NUM}Y)?(?:{_NUM}M)?(?:{_NUM}W)?(?:{_NUM}D)?(?:T(?=[0-9])(?:{_NUM}H)?(?:{_NUM}M)?(?:{_NUM}S)?)?$"
)


# exact for any duration with components of up to 40 digits (longer ones are refused)
_CONTEXT = Context(prec=120)


def duration_minutes(text: str) -> Decimal:
    """Minutes in an ISO 8601 duration (``PT1H30M`` -> 90); years and months refused.

    The minutes obey the numeric range like a minutes column (``policyengine.decimals``):
    at most 12 digits before the point, rounded down to six decimals (``PT10S`` is
    0.166666 minutes); a longer duration is refused, naming it."""
    m = _DURATION.match(str(text).strip())
    if not m:
        raise ValueError(f"'{number_shown(str(text))}' is not an ISO 8601 duration (e.g. PT1H30M)")
    out_of_range = NumberRangeError(
        f"duration '{number_shown(str(text))}' is out of range: in minutes, {NUMBER_RANGE}"
    )
    parts = [g.replace(",", ".") if g else "0" for g in m.groups()]
    if any(len(p) > 40 for p in parts):  # far past the range: no need to compute
        raise out_of_range
    y, mo, w, d, h, mi, s = (Decimal(p) for p in parts)
    if y or mo:
        raise ValueError(f"duration '{text}' has years or months, which have no fixed length")
    minutes = _CONTEXT.divide(
        _CONTEXT.add(_CONTEXT.multiply(w * 7 + d, Decimal(86400)) + h * 3600 + mi * 60, s),
        Decimal(60),
    )
    if not within_magnitude(minutes):
        raise out_of_range
    return round_fraction(minutes)


def _mapping(value: object) -> Mapping[str, Any]:
    """``value`` if it is a mapping (a JSON object), else an empty one."""
    return value if isinstance(value, Mapping) else {}


def _member(actor: object) -> str | None:
    if not isinstance(actor, Mapping):
        return None
    account = actor.get("account")
    if isinstance(account, Mapping) and account.get("name"):
        return str(account["name"])
    if actor.get("mbox"):
        return str(actor["mbox"]).removeprefix("mailto:")
    for key in ("mbox_sha1sum", "openid"):
        if actor.get(key):
            return str(actor[key])
    return None


def _name(definition: object, language: str | None) -> str:
    names = definition.get("name") if isinstance(definition, Mapping) else None
    if not isinstance(names, Mapping) or not names:
        return ""
    for key in (language, "en-US", "en"):
        if key and key in names:
            return str(names[key])
    return str(next(iter(names.values())))


class XapiStatements(CreditSource):
    name = "xapi"
    description = "xAPI 1.0.3 statements (JSON array or StatementResult) from an LRS"
    fields = {"member": STRING, "verb": STRING}
    options = source_options(
        "The statements file (JSON).",
        verbs={
            "type": "array",
            "items": {"type": "string"},
            "minItems": 1,
            "description": "Accepted verbs: IRIs or their last segment.",
        },
        credits_extension={
            "type": "string",
            "description": "IRI of a result extension holding credits.",
        },
        language={"type": "string", "description": "Preferred title language."},
        conversion=CONVERSION_SCHEMA,
    )

    def read(
        self, options: Mapping[str, Any], *, tz: dt.tzinfo, policy: Policy | None = None
    ) -> SourceResult:
        path = input_path(options)
        verbs = tuple(options.get("verbs") or DEFAULT_VERBS)
        conversion = conversion_rule(options, policy)
        extra = record_fields(policy, self.fields)
        result = SourceResult()
        for i, where, stmt in data_items(path, ("statements",), result):
            label = f"statements[{i}]"
            raw, problems = self._statement(stmt, i, where, verbs, conversion, options, tz)
            if problems:
                result.reject(
                    *(Diagnostic(f"{label}: {msg}", at, code="source.xapi") for msg, at in problems)
                )
                continue
            normalize(raw, tz, result, where=where, extra_fields=extra, label=label)
        return result

    @staticmethod
    def _statement(
        stmt: Mapping[str, Any],
        i: int,
        where: Location,
        verbs: tuple[str, ...],
        conversion: Mapping[str, Any] | None,
        options: Mapping[str, Any],
        tz: dt.tzinfo,
    ) -> tuple[dict[str, Any], list[tuple[str, Location]]]:
        problems: list[tuple[str, Location]] = []

        def bad(message: str, *path: str) -> None:
            problems.append((message, locate(stmt, list(path)) or where))

        actor = stmt.get("actor")
        member = _member(actor)
        if isinstance(actor, Mapping) and actor.get("objectType") == "Group":
            bad("group actors are not supported; statements must be about one member", "actor")
        elif member is None:
            bad("actor has no mbox, account, mbox_sha1sum or openid", "actor")
        verb = stmt.get("verb")
        verb_id = str(verb.get("id", "")) if isinstance(verb, Mapping) else ""
        if not verb_id:
            bad("missing verb.id", "verb")
        elif not any(verb_id == v or verb_id.rstrip("/").endswith("/" + v) for v in verbs):
            bad(f"verb '{verb_id}' is not accepted (accepted: {', '.join(verbs)})", "verb", "id")
        obj = _mapping(stmt.get("object"))
        if not obj.get("id"):
            bad("missing object.id", "object")
        elif obj.get("objectType", "Activity") != "Activity":
            bad(f"object is a {obj.get('objectType')}, not an Activity", "object", "objectType")
        times: dict[str, str] = {}
        for key in ("timestamp", "stored"):
            if stmt.get(key):
                try:
                    times[key] = dates.parse_datetime(str(stmt[key]), tz).isoformat()
                except ValueError as err:
                    bad(f"{key}: {err}", key)
        if not stmt.get("timestamp") and not stmt.get("stored"):
            bad("statement has neither timestamp nor stored", "id")
        result = _mapping(stmt.get("result"))
        minutes: Decimal | None = None
        credits: Decimal | None = None
        if result.get("duration"):
            try:
                minutes = duration_minutes(result["duration"])
            except ValueError as err:
                bad(f"result.duration: {err}", "result", "duration")
        ext = options.get("credits_extension")
        extensions = _mapping(result.get("extensions"))
        if ext and ext in extensions:
            try:
                credits = parse_decimal(extensions[ext], "credits")
            except ValueError as err:
                bad(str(err), "result", "extensions", ext)
        elif minutes is not None and conversion:
            try:
                credits = credits_from_minutes(minutes, conversion)
            except ValueError as err:
                bad(str(err), "result", "duration")
        if problems:
            return {}, problems
        earned = times.get("timestamp") or times["stored"]
        return {
            "id": str(stmt.get("id") or f"xapi-{i}"),
            "member": member,
            "verb": verb_id,
            "course": str(obj["id"]),
            "title": _name(obj.get("definition"), options.get("language")),
            "kind": "course",
            "source": "xapi",
            "status": "approved",
            "earned": earned,
            "recorded": times.get("stored") or earned,
            "minutes": minutes,
            "credits": credits,
        }, []


@hookimpl
def register_sources(register: Callable[[type[CreditSource]], None]) -> None:
    register(XapiStatements)
