"""The plan follows the results: dated labs reviewed in order, the plan changed from the first
result that changes something, with the original kept for comparison.

A result on a date reviews the oral drug being given that day (azathioprine, mycophenolate,
ciclosporin, oral cyclophosphamide). What each action does to the plan, from the result's date:

- continue, flag: nothing (the review is kept on ``reviews``);
- repeat: a repeat test on the review's ``next_check``;
- reduce: the drug's later doses at the proposed dose (never above what was planned), and its
  monitoring calendar restarted from the change;
- withhold, stop: the drug's later doses and monitoring removed, a decision event on the date and
  a repeat test on ``next_check``; later results for that drug are not reviewed (a restart needs
  the prescriber's dose).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import attrs

from plexodose._core import format as fmt
from plexodose._core import units as u
from plexodose._core.errors import InputRangeError
from plexodose._dosing.results import frequency_text
from plexodose._monitoring import thresholds as rules
from plexodose._monitoring.labs import Labs, history
from plexodose._monitoring.review import Review, review
from plexodose._schedule.builder import _Builder
from plexodose._schedule.courses import _cumulative
from plexodose._schedule.model import CYCLOPHOSPHAMIDE, IVIG, Event, Schedule
from plexodose._schedule.monitoring import _monitoring
from plexodose._schedule.rules import THRESHOLDS_G

_CUMULATIVE_TEXT = "this dose takes the cumulative cyclophosphamide"


def replan(
    schedule: Schedule,
    results: Sequence[Labs],
    *,
    baseline: Any = None,
    on: Any = None,
    **options: Any,
) -> Schedule:
    """``schedule`` re-planned on ``results`` (Labs, oldest first); ``original`` keeps the plan.

    ``baseline`` (pre-treatment Labs or creatinine) and ``on`` go to every review, with any
    other :func:`plexodose.review` option (``thresholds``, ``reduction``, ...).

    >>> from plexodose import Labs, Patient, azathioprine, schedule
    >>> s = schedule(azathioprine(Patient.example()), start="2027-01-01", months=2)
    >>> new = replan(s, [Labs(date="2027-01-15", wbc="3.1 x10^9/L")], on="2027-01-15")
    >>> [e.description[:33] for e in new.filter(kind="decision")]
    ['WITHHOLD azathioprine: WBC 3.1 x1']
    >>> len(new.filter(kind="dose")), len(s.filter(kind="dose"))  # doses from Jan 15 removed
    (14, 59)
    """
    if not isinstance(schedule, Schedule):
        raise InputRangeError(
            f"schedule must be a plexodose Schedule; got {type(schedule).__name__}",
            field="schedule",
            value=schedule,
        )
    for name in ("history", "started", "current_dose", "withheld", "restart_dose", "nadir"):
        if name in options:
            raise InputRangeError(
                f"{name} is set by replan itself (from the schedule and the results)",
                field=name,
                value=options[name],
            )
    ordered = history(results, "results")
    events = list(schedule.events)
    reviews: list[Review] = []
    warnings = list(schedule.warnings)
    sources = list(schedule.sources)
    stopped: dict[str, dt.date] = {}
    reductions: dict[str, list[int]] = {}
    for labs in ordered:
        drug = _active(events, labs.date)
        if drug is None:
            warnings.append(
                f"results of {labs.date.isoformat()}: no oral drug is given that day; not reviewed"
            )
            continue
        if drug in stopped:
            continue
        counts = reductions.setdefault(drug, [0, 0])
        found = review(
            _review_name(drug),
            labs,
            baseline=baseline,
            history=[h for h in ordered if h.date < labs.date and h.date >= _first_dose(events, drug)],
            started=_first_dose(events, drug),
            # an earlier result is judged as on its own date (its age is that of the decision
            # then); the latest on ``on``, where an old result answers "repeat"
            on=on if labs is ordered[-1] else labs.date,
            current_dose=u.quantity(_dose_on(events, drug, labs.date), "mg/day"),
            **{"reductions": counts[0], "pressure_reductions": counts[1], **options},
        )
        reviews.append(found)
        for source in found.sources:
            if source not in sources:
                sources.append(source)
        if found.action in ("continue", "flag"):
            continue
        warnings.append(
            f"re-planned from {labs.date.isoformat()}: {found.action} {drug} "
            f"({found.reasons[0].text})"
        )
        events = _apply(events, drug, labs.date, found, counts)
        if found.action in ("withhold", "stop"):
            stopped[drug] = labs.date
    for drug, day in stopped.items():
        later = [h.date for h in ordered if h.date > day and _active(list(schedule.events), h.date) == drug]
        if later:
            warnings.append(
                f"{drug} results after {day.isoformat()} are not reviewed: the drug is withheld "
                "and a restart needs the prescriber's dose"
            )
    if not any(r.action not in ("continue", "flag") for r in reviews):
        warnings.append("re-plan: no result changed the plan")
    if CYCLOPHOSPHAMIDE in {r.drug.split(" ")[0] for r in reviews if r.action not in ("continue", "flag")}:
        events = _recount(events, schedule)
    return Schedule(
        start=schedule.start,
        events=events,
        warnings=tuple(dict.fromkeys(warnings)),
        sources=tuple(sources),
        prior=schedule.prior,
        original=schedule,
        reviews=tuple(reviews),
    )


def _review_name(drug: str) -> str:
    return "cyclophosphamide oral" if drug == CYCLOPHOSPHAMIDE else drug


def _oral_doses(events: list[Event], drug: str | None = None) -> list[Event]:
    return [
        e
        for e in events
        if e.kind == "dose" and e.route == "oral" and e.drug != IVIG and (drug is None or e.drug == drug)
    ]


def _active(events: list[Event], day: dt.date) -> str | None:
    """The oral drug given on ``day``, or the last one given before it within a week."""
    doses = [e for e in _oral_doses(events) if day - dt.timedelta(days=7) <= e.date <= day]
    return max(doses, key=lambda e: e.date).drug if doses else None


def _first_dose(events: list[Event], drug: str) -> dt.date:
    return min(e.date for e in _oral_doses(events, drug))


def _dose_on(events: list[Event], drug: str, day: dt.date) -> float:
    doses = [e for e in _oral_doses(events, drug) if e.date <= day]
    latest = max(doses, key=lambda e: e.date)
    return (latest.dose_amount or 0.0) * latest.days_per_week / 7


def _apply(
    events: list[Event], drug: str, day: dt.date, found: Review, counts: list[int]
) -> list[Event]:
    reason = found.reasons[0].text
    if found.action == "repeat":
        return [*events, _repeat(drug, found, "repeat the tests")]
    if found.action == "reduce" and found.proposed_amount is not None:
        pressure = any(f.source is rules.CICLOSPORIN_PRESSURE for f in found.reasons if f.action == "reduce")
        counts[1 if pressure else 0] += 1
        return _reduce(events, drug, day, found.proposed_amount, reason)
    # From the result's date: its doses (not yet given: conservative) and the later tests.
    kept = [
        e
        for e in events
        if not (e.drug == drug and ((e.kind == "dose" and e.date >= day) or (e.kind == "monitoring" and e.date > day)))
    ]
    action = "REDUCE (the prescriber sets the dose: no dispensable dose was computed)" if (
        found.action == "reduce") else found.action.upper()
    decision = Event(
        date=day,
        drug=drug,
        kind="decision",
        description=f"{action} {drug}: {reason}; a restart takes the prescriber's dose",
        warnings=tuple(str(f) for f in found.reasons[1:]),
    )
    return [*kept, decision, _repeat(drug, found, f"after the {found.action}: repeat the tests")]


def _repeat(drug: str, found: Review, what: str) -> Event:
    return Event(
        date=found.next_check,
        drug=drug,
        kind="monitoring",
        description=f"{what} (results of {found.date.isoformat()}: {found.reasons[0].text})",
    )


def _reduce(events: list[Event], drug: str, day: dt.date, daily: float, reason: str) -> list[Event]:
    out: list[Event] = []
    last = day
    for e in events:
        if e.drug == drug and e.kind == "monitoring" and e.date > day:
            continue  # the calendar restarts from the change
        if e.drug == drug and e.kind == "dose" and e.date >= day:
            last = max(last, e.date)
            amount = min(e.dose_amount or 0.0, daily)  # a reduction never raises a planned dose
            per = amount / e.doses_per_day
            e = attrs.evolve(
                e,
                dose_amount=amount,
                description=f"{drug} {fmt.mass_mg(per)} {frequency_text(e.doses_per_day, e.days_per_week)}"
                f"; reduced on {day.isoformat()} ({reason})",
                phase="reduced",
                warnings=(),
            )
        out.append(e)
    b = _Builder()
    _monitoring(b, drug, day, last + dt.timedelta(days=1))
    restarted = [
        attrs.evolve(e, description=f"{e.description} after the dose change of {day.isoformat()}")
        for e in b.events
        if e.date > day
    ]
    return out + restarted


def _recount(events: list[Event], schedule: Schedule) -> list[Event]:
    """Cyclophosphamide running totals and threshold warnings, counted again on the new doses."""
    if not any(e.drug == CYCLOPHOSPHAMIDE and e.kind == "dose" for e in events):
        return events
    b = _Builder()
    b.events = [
        attrs.evolve(e, warnings=tuple(w for w in e.warnings if not w.startswith(_CUMULATIVE_TEXT)),
                     cumulative_amount=None)
        if e.drug == CYCLOPHOSPHAMIDE and e.kind == "dose" else e
        for e in sorted(events, key=lambda e: e.date)
    ]
    _cumulative(b, THRESHOLDS_G, dict(schedule.prior).get(CYCLOPHOSPHAMIDE, 0.0))
    return b.events
