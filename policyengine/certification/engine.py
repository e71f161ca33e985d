"""Evaluating a holder's records against a certification or designation policy.

Evaluation is a pure function of (policy, holder, records, as-of date). Two ways of
allocating records to periods, chosen by ``allocation.unused``:

- ``carry-forward`` (seed 002): a deterministic replay in *recorded* order. At
  registration every item recorded so far is applied, oldest completion first, to the
  initial period if it meets the period's validity rule; each item recorded later is
  applied starting from the period the holder is in at that moment; when a period
  begins, the available items are applied to it. Items not used (not valid, or not
  needed) stay available for later periods; items applied stay where they are.
- ``discard`` (seed 000): a record counts only toward the cycle its effective earned
  date falls in; staff backdates and pushdates move that date. A period still
  incomplete at its end takes records earned in its grace period (late), as needed;
  a complete period carries its unneeded credits over (``carry_over``).

Which of a period's records count toward which requirement is ``allocation.order``:
first-fit in chronological order, or ``optimal`` (``optimal.py``, a maximum flow).

The state of one evaluation and its steps are ``run.py``; the two modes ``modes.py``;
this module lays out the first period, runs the mode, gives every record a disposition
(a stable code and a sentence: nothing is dropped silently) and the holder's status.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from policyengine.certification import dispositions as why
from policyengine.certification.actions import suggest_actions
from policyengine.certification.modes import by_earned_period, replay_in_recorded_order
from policyengine.certification.periods import Period, initial_period
from policyengine.certification.registrations import withdrawal_days
from policyengine.certification.requirements import Applied
from policyengine.certification.restart import latest_chain
from policyengine.certification.result import Evaluation, RecordOutcome
from policyengine.certification.run import Run
from policyengine.certification.status import holder_status, policy_status
from policyengine.policy.model import Policy
from policyengine.records.model import Holder, Record


def dispositions(run: Run, eligible: list[Record]) -> None:
    # the first period a record was applied to (with a look-back window it may count
    # in later ones too: ``also``)
    placed: dict[str, tuple[Period, Applied]] = {}
    also: dict[str, list[Period]] = {}
    for p in run.periods:
        for a in p.applied:
            if a.carried_from is not None:
                continue
            if a.record.id in placed:
                also.setdefault(a.record.id, []).append(p)
            else:
                placed[a.record.id] = (p, a)
    carried = {
        a.record.id: (p, a) for p in run.periods for a in p.applied if a.carried_from is not None
    }
    for r in eligible:
        o = run.outcomes[r.id]
        o.effective_on = run.effective[r.id]
        o.credits = run.credits[r.id]
        moved = carried.get(r.id)
        if moved is not None:
            o.carried = {
                "credits": str(moved[1].credits),
                "from_period": moved[1].carried_from,
                "to_period": moved[0].number,
            }
            o.counted_toward = run.toward(moved[0], moved[1])
        if r.id in placed:
            p, a = placed[r.id]
            o.period = p.number
            o.disposition = why.applied(
                p, a.late, None if moved is None else (moved[1].credits, moved[0])
            )
            o.counted_toward = run.toward(p, a)
            if r.id in also:
                o.also_applied_to = [q.number for q in also[r.id]]
                o.disposition = why.also_counts(o.disposition, also[r.id])
        elif moved is not None:
            o.period = moved[0].number
            o.disposition = why.carried_over(moved[1].credits, moved[0])
        elif r.id in run.last_event and run.last_event[r.id][0] == "before-window":
            o.disposition = why.before_window(run.effective[r.id], run.last_event[r.id][1])
        elif run.superseded(r, run.as_of):
            o.disposition = why.superseded_registration(r)
        elif r.id in run.last_event and run.last_event[r.id][0] == "not-needed":
            o.disposition = why.not_needed(
                run.policy,
                run.last_event[r.id][1],
                open_=r.id in run.unneeded_while_open,
                credits=run.credits[r.id],
            )
        elif (lapse := why.in_lapse(run.periods, run.effective[r.id])) is not None:
            o.disposition = lapse
        elif r.id in run.last_event:
            o.disposition = why.invalid(run.policy, run.effective[r.id], run.last_event[r.id][1])
        else:
            o.disposition = why.outside(run.periods, run.effective[r.id], run.as_of)
        if r.id in run.restarted_by:
            o.disposition = why.restarted(o.disposition, run.restarted_by[r.id])
        notes = [d.reason for d in o.decisions if d.status in ("declined", "refused")]
        if notes:  # a change not allowed: say so on the record itself, not only below it
            o.disposition = why.with_notes(o.disposition, notes)


def evaluate(
    policy: Policy,
    holder: Holder,
    records: Sequence[Record],
    as_of: dt.date,
    *,
    record_outcomes: bool = True,
) -> Evaluation:
    """Evaluate ``holder``'s ``records`` under ``policy`` as of the end of ``as_of``.

    ``record_outcomes=False``: the holder's status, periods and requirement results
    only, for a caller that shows nothing about single records (``batch`` without
    ``--explain``): no record's disposition, the credits it counted toward, or the staff
    actions that would make it count are worked out, and the evaluation lists no
    records (``outcomes`` is empty)."""
    run_ = Run(policy, holder, records, as_of)
    if record_outcomes:  # else no record's outcome is kept, or worked out
        for r in run_.records:
            run_.outcomes[r.id] = RecordOutcome(r)
    first = initial_period(policy, run_.holder)
    if first is not None:
        run_.periods.append(first)
        run_.judge()
    else:
        run_.extend()
    eligible: list[Record] = []
    counts = run_.counter()
    for r in run_.records:
        if r.recorded_on > as_of:
            not_counted = why.not_yet_recorded(r, as_of) if record_outcomes else None
        elif r.earned_on > as_of:
            not_counted = why.not_yet_earned(r, as_of) if record_outcomes else None
        elif not counts(r):
            not_counted = why.by_status(r) if record_outcomes else None
        else:
            run_.credits[r.id] = run_.credits_of(r)
            eligible.append(r)
            continue
        if not_counted is not None:
            run_.outcomes[r.id].disposition = not_counted
    if run_.registrations:
        run_.withdrawal = withdrawal_days(eligible)
    if run_.discards:
        by_earned_period(run_, eligible)
    else:
        replay_in_recorded_order(run_, eligible)
    if record_outcomes:
        dispositions(run_, eligible)
    # the status is about the latest chain of periods (periods.restart), certified since
    # it began
    chain = latest_chain(run_.periods)
    seen_as = run_.holder
    if chain and chain[0].chain > 1:
        seen_as = {**run_.holder, "certified_on": chain[0].start}
    status, current = holder_status(chain, seen_as, as_of)
    status = policy_status(policy, status, run_.periods, run_.holder, as_of)
    outcomes = [run_.outcomes[r.id] for r in run_.records] if record_outcomes else []
    suggest_actions(policy, run_.periods, outcomes, as_of, run_.holder)
    return Evaluation(policy, holder, as_of, run_.periods, run_.results, outcomes, status, current)
