"""Every disposition a record can leave an evaluation with: a stable code and a sentence.

Sentences are functions, built only when read (JSON and text output, ``batch --explain``).

This is the catalogue: each code has one builder here, ``CODES`` lists them all, and a
test checks that docs/evaluation.md documents exactly these codes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from decimal import Decimal

from policyengine.certification.periods import Period
from policyengine.certification.result import Disposition
from policyengine.policy.model import Policy
from policyengine.records.model import Record


def validity_rule(policy: Policy, p: Period) -> str:
    """The validity rule of ``p`` in plain words (``validity_text``), else its expression."""
    assert policy.periods is not None
    rules = policy.periods.of(p.kind)
    text = rules.validity_text
    if text:
        rule = str(text)
        for key, value in (
            ("period.start", p.start),
            ("period.end", p.end),
            ("period.number", p.number),
        ):
            rule = rule.replace("{" + key + "}", str(value))
        return rule
    expr = rules.validity
    return str(expr.text) if expr is not None else f"earned from {p.start} to {p.end}"


def _afterwards(policy: Policy) -> str:
    """What becomes of a record its period did not take."""
    if policy.allocation.unused == "discard":
        return "it counts toward no other period (allocation.unused: discard)"
    return "it stays available for later periods"


def invalid(policy: Policy, day: dt.date, p: Period) -> Disposition:
    where = "before" if day < p.start else "after" if day > p.end else "outside"
    return Disposition(
        "not-valid",
        lambda: (
            f"completed {day}, {where} the validity window of the "
            f"{p.label}: {validity_rule(policy, p)}; {_afterwards(policy)}"
        ),
    )


def outside(periods: Sequence[Period], day: dt.date, as_of: dt.date) -> Disposition:
    if not periods:
        return Disposition("no-period", lambda: f"earned {day}; the holder has no period yet")
    first, last = periods[0], periods[-1]
    if first.kind == "initial" and first.start > as_of:
        return Disposition(
            "awaiting-registration",
            lambda: (
                f"completed {day}; it will be applied when the holder registers on {first.start}"
            ),
        )
    if day < first.start:
        return Disposition(
            "before-first-period",
            lambda: (
                f"earned {day}, before the first cycle started {first.start}; it does not count"
            ),
        )
    if day > last.end:
        return Disposition(
            "after-last-period",
            lambda: f"earned {day}, after the cycle ended {last.end}; it does not count",
        )
    return in_lapse(periods, day) or Disposition(
        "not-applied", lambda: f"earned {day}; not applied to any period"
    )


def in_lapse(periods: Sequence[Period], day: dt.date) -> Disposition | None:
    """``not-applied`` for a record earned between a lapsed chain of periods and the
    restart of the next (``periods.restart``); None for any other day."""
    after = next((p for p in reversed(periods) if p.grace_end < day), None)
    before = next((p for p in periods if p.start > day), None)
    if after is None or before is None or before.chain <= after.chain:
        return None
    return Disposition(
        "not-applied",
        lambda: (
            f"earned {day}, while the certification had lapsed (after the {after.label}; "
            f"the periods restarted {before.start}); it does not count"
        ),
    )


def by_status(r: Record) -> Disposition:
    if r.status == "pending":
        return Disposition("pending", "pending: waiting for staff approval")
    if r.status == "declined":
        return Disposition("declined", "declined by staff; it does not count")
    return Disposition(
        "not-counted", lambda: f"status '{r.status}' does not count under this policy"
    )


def applied(p: Period, late: bool, carried: tuple[Decimal, Period] | None) -> Disposition:
    def text() -> str:
        out = f"applied to the {p.label}"
        if late:
            out += f" (late: earned in the grace period ending {p.grace_end})"
        if carried is not None:
            out += f"; {carried[0]} of its credits carried over to the {carried[1].label}"
        return out

    return Disposition("applied", text)


def carried_over(credits: Decimal, target: Period) -> Disposition:
    return Disposition(
        "carried-over",
        lambda: (
            f"not needed by the period it was earned in; "
            f"{credits} credits carried over to the {target.label}"
        ),
    )


def before_window(day: dt.date, p: Period) -> Disposition:
    return Disposition(
        "before-window",
        lambda: (
            f"earned {day}, before the recertification window of "
            f"the {p.label} opened on {p.window_start}; it does not count"
        ),
    )


def superseded_registration(r: Record) -> Disposition:
    return Disposition(
        "superseded-registration",
        lambda: (
            f"registration {r.registration} of course "
            f"{r.course}: only the current registration of a training item is "
            "credited"
        ),
    )


def not_needed(
    policy: Policy, p: Period, open_: bool = False, credits: Decimal | None = None
) -> Disposition:
    """Not used by ``p``: because it was complete, or (``open_``) because the record adds
    nothing it still lacks: it is worth 0 credits, or counts only toward what is met."""
    if open_ and credits is not None and credits == 0:
        return Disposition(
            "not-needed",
            lambda: f"not counted: it is worth 0 credits, so it adds nothing to the {p.label}",
        )
    if open_:
        return Disposition(
            "not-needed",
            lambda: (
                f"not needed: what it counts toward in the {p.label} is already met or capped;"
                f" {_afterwards(policy)}"
            ),
        )
    return Disposition(
        "not-needed",
        lambda: f"not needed: the {p.label} was already complete; {_afterwards(policy)}",
    )


def not_yet_recorded(r: Record, as_of: dt.date) -> Disposition:
    return Disposition(
        "not-yet-recorded", lambda: f"recorded {r.recorded_on}, after the as-of date {as_of}"
    )


def not_yet_earned(r: Record, as_of: dt.date) -> Disposition:
    return Disposition(
        "not-yet-earned", lambda: f"earned {r.earned_on}, after the as-of date {as_of}"
    )


def also_counts(d: Disposition, later: Sequence[Period]) -> Disposition:
    """The same disposition, saying which later periods' look-back windows also count
    the record."""

    def note() -> str:
        names = [f"the {q.label}" for q in later]
        listed = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
        whose = "window holds" if len(names) == 1 else "windows hold"
        return f"it also counts for {listed}, whose look-back {whose} it"

    return _then(d, note)


def restarted(d: Disposition, first: Period) -> Disposition:
    """The same disposition, saying the record restarted the holder's periods."""
    return _then(d, lambda: f"it restarted the periods after the lapse: {first.label}")


def with_notes(d: Disposition, notes: list[str]) -> Disposition:
    """The same disposition, its sentence followed by ``notes`` (declined or refused
    changes of the record's date)."""
    return _then(d, lambda: "; ".join(notes))


def _then(d: Disposition, note: Callable[[], str]) -> Disposition:
    """``d`` with ``note()`` after its sentence; both built only when read."""
    return Disposition(d.code, lambda: f"{d.text}; {note()}")


# Every code a record can end with (docs/evaluation.md, "Disposition codes").
CODES = (
    "applied",
    "carried-over",
    "before-window",
    "not-needed",
    "not-valid",
    "before-first-period",
    "after-last-period",
    "superseded-registration",
    "pending",
    "declined",
    "not-counted",
    "not-yet-recorded",
    "not-yet-earned",
    "awaiting-registration",
    "no-period",
    "not-applied",
)
