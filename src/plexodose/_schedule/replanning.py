"""The plan follows the results: dated labs reviewed in order, the plan changed from the first
result that changes something, with the original kept for comparison.

A result on a date reviews the oral drug being given that day (azathioprine, mycophenolate,
ciclosporin, oral cyclophosphamide), and the IV cyclophosphamide pulse due within the 7 days
after it (pre-pulse counts, Michigan "within 1 week of the infusion"): WBC below 2.0 x10^9/L
(Michigan) or a creatinine above 500 umol/L (a gap) holds the pulse, neutrophils below
1.5 x10^9/L postpone it (the French protocol, whose default is to postpone), WBC 2.0-3.0 x10^9/L
halves it (Michigan). A held or postponed pulse is removed with its pre-pulse and nadir tests,
and a decision and a repeat of the counts 7 days later take its place; the later pulses stay, each
reviewed on its own results. What each action does to an oral drug, from the result's date:

- continue, flag: nothing (the review is kept on ``reviews``);
- repeat: a repeat test on the review's ``next_check``;
- reduce: the drug's later doses at the proposed dose (never above what was planned), and its
  monitoring calendar restarted from the change;
- withhold, stop: the drug's later doses and monitoring removed, a decision event on the date and
  a repeat test on ``next_check``; later results for that drug are not reviewed (a restart needs
  the prescriber's dose).
"""

from __future__ import annotations

import bisect
import datetime as dt
import inspect
from collections.abc import Sequence
from typing import Any

import attrs

from plexodose._core import format as fmt
from plexodose._core import sources as src
from plexodose._core import units as u
from plexodose._core import vocab
from plexodose._core.alerts import Alert, unique
from plexodose._core.checks import whole_number
from plexodose._core.errors import InputRangeError
from plexodose._core.sources import Source
from plexodose._dosing.results import frequency_text, prepared_pulse_mg
from plexodose._drugs import cyclophosphamide as cy
from plexodose._monitoring import thresholds as rules
from plexodose._monitoring.labs import Labs
from plexodose._monitoring.review import Review, review
from plexodose._monitoring.rules import IV_CYCLOPHOSPHAMIDE, Finding, Past
from plexodose._schedule.builder import _Builder
from plexodose._schedule.courses import _cumulative
from plexodose._schedule.model import (
    AZATHIOPRINE,
    CICLOSPORIN,
    CYCLOPHOSPHAMIDE,
    IVIG,
    Event,
    Schedule,
    with_alerts,
)
from plexodose._schedule.monitoring import _monitoring
from plexodose._schedule.rules import NADIR_DAYS, PRE_PULSE_CREATININE_GAP, THRESHOLDS_G

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
    other :func:`plexodose.review` option (``thresholds``, ``reduction``, ...); any other name
    is refused. ``reductions`` and ``pressure_reductions`` are the ciclosporin reductions made
    before this plan: replan counts its own from there. ``patient`` goes to every review (each
    dose screened against the patient's own range), but the 5 % weight rule is not applied:
    the plan does not record the weight behind its doses, and a warning says so.

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
    for name, value in options.items():
        if name in _SET_BY_REPLAN:
            raise InputRangeError(
                f"{name} is set by replan itself (from the schedule and the results)",
                field=name,
                value=value,
            )
        if name not in _REVIEW_OPTIONS:
            raise InputRangeError(
                f"{name} is not an option of replan; it takes baseline, on and "
                f"{', '.join(_REVIEW_OPTIONS)}",
                field=name,
                value=value,
            )
    # Reductions already made before this plan: replan counts its own from there.
    made = [whole_number(options.pop(n, 0), n, 0, 10) for n in ("reductions", "pressure_reductions")]
    # Checked once; each review reads a window of it (no copy, no second check): linear.
    ordered = Past(results, "results")
    dates = [h.date for h in ordered]
    last = len(ordered) - 1
    events = list(schedule.events)
    plan = _Index(events)
    reviews: list[Review] = []
    alerts = list(schedule.alerts)
    sources = list(schedule.sources)
    stopped: dict[str, dt.date] = {}
    skipped: dict[str, bool] = {}
    reductions: dict[str, list[int]] = {}
    for i, labs in enumerate(ordered):
        pulse = plan.pulse_after(labs.date)
        if pulse is not None:
            checked = _pulse_review(pulse, labs)
            reviews.append(checked)
            _cite(sources, checked.sources)
            if checked.action != "continue":
                verb = "postpone" if checked.action == "withhold" else "halve"
                alerts.append(Alert(
                    code="replan.pulse.changed", severity="high",
                    text=f"re-planned from {labs.date.isoformat()}: {verb} the "
                    f"cyclophosphamide IV pulse of {pulse.date.isoformat()} "
                    f"({checked.reasons[0].text})",
                    source=checked.reasons[0].source,
                ))
                events = _apply_pulse(events, pulse, checked)
                plan = _Index(events)
        drug = plan.active(labs.date)
        if drug is None:
            if pulse is None:
                alerts.append(Alert(
                    code="replan.results.not_reviewed", severity="caution",
                    text=f"results of {labs.date.isoformat()}: no oral drug is given that day and "
                    "no IV pulse is due in the 7 days after it; not reviewed",
                ))
            continue
        if drug in stopped:
            skipped[drug] = True
            continue
        counts = reductions.setdefault(drug, list(made))
        first = plan.first[drug]
        found = review(
            _review_name(drug),
            labs,
            baseline=baseline,
            history=ordered.window(bisect.bisect_left(dates, first), i),
            started=first,
            # an earlier result is judged as on its own date (its age is that of the decision
            # then); the latest on ``on``, where an old result answers "repeat"
            on=on if i == last else labs.date,
            current_dose=u.quantity(plan.dose_on(drug, labs.date), "mg/day"),
            **{"reductions": counts[0], "pressure_reductions": counts[1], **options},
        )
        reviews.append(found)
        _cite(sources, found.sources)
        if found.action in ("continue", "flag"):
            continue
        alerts.append(Alert(
            code="replan.drug.changed", severity="high",
            text=f"re-planned from {labs.date.isoformat()}: {found.action} {drug} "
            f"({found.reasons[0].text})",
            source=found.reasons[0].source,
        ))
        if found.action == "repeat":
            events.append(_repeat(drug, found, "repeat the tests"))  # no dose changes
            continue
        events = _apply(events, drug, labs.date, found, counts)
        plan = _Index(events)  # doses changed: a handful of times per drug at most
        if found.action in ("withhold", "stop"):
            stopped[drug] = labs.date
    for drug, day in stopped.items():
        if skipped.get(drug):
            alerts.append(Alert(
                code="replan.withheld.not_reviewed", severity="high",
                text=f"{drug} results after {day.isoformat()} are not reviewed: the drug is "
                "withheld and a restart needs the prescriber's dose",
            ))
    if options.get("patient") is not None and any(
        e.kind == "dose" and e.drug in _WEIGHT_BASED for e in schedule.events
    ):
        alerts.append(Alert(code="replan.weight.not_compared", severity="high",
                            text=_WEIGHT_RULE_GAP))
    if not any(r.action not in ("continue", "flag") for r in reviews):
        alerts.append(Alert(code="replan.unchanged", severity="info",
                            text="re-plan: no result changed the plan"))
    if CYCLOPHOSPHAMIDE in {r.drug.split(" ")[0] for r in reviews if r.action not in ("continue", "flag")}:
        events = _recount(events, schedule)
    return Schedule(
        start=schedule.start,
        events=events,
        warnings=tuple(a.text for a in unique(alerts)),
        alerts=tuple(unique(alerts)),
        sources=tuple(sources),
        prior=schedule.prior,
        original=schedule,
        reviews=tuple(reviews),
    )


# review()'s arguments that replan fills itself, and the ones it passes on.
_SET_BY_REPLAN = (
    "drug", "labs", "history", "started", "current_dose", "withheld", "restart_dose", "nadir"
)
_REVIEW_OPTIONS = tuple(
    n for n in inspect.signature(review).parameters if n not in (*_SET_BY_REPLAN, "baseline", "on")
)


# A Schedule records doses, not the weight or BSA behind them, and Labs carry no weight: replan
# cannot apply the 5 % rule (a gap, docs/monitoring.md); given patient=, it says so.
_WEIGHT_BASED = frozenset({AZATHIOPRINE, CICLOSPORIN, CYCLOPHOSPHAMIDE})
_WEIGHT_RULE_GAP = (
    "weight not compared: replan cannot apply the 5 % weight rule (clinical rules, 'A change "
    "in weight'): the plan does not record the weight or BSA its doses were calculated on; "
    "review each calculator result with patient= for the new dose beside the current one, or "
    "plan again"
)


def _cite(sources: list[Source], more: Sequence[Source]) -> None:
    for source in more:
        if source not in sources:
            sources.append(source)


_REVIEWED: dict[str, vocab.ReviewDrug] = {  # a drug's key -> its name for review()
    "azathioprine": "azathioprine", "mycophenolate": "mycophenolate",
    "ciclosporin": "ciclosporin", "cyclophosphamide_oral": "cyclophosphamide oral",
    "cyclophosphamide_iv": "cyclophosphamide iv",
}


def _review_name(drug: str) -> vocab.ReviewDrug:
    """The name review() takes for a plan's oral drug (a plan's "cyclophosphamide" dose is
    the oral one: its pulses are reviewed apart)."""
    if drug == CYCLOPHOSPHAMIDE:
        return "cyclophosphamide oral"
    key = vocab.drug_key(drug)
    if key is None or key not in _REVIEWED:
        raise InputRangeError(f"a plan's {drug} has no review", field="drug", value=drug)
    return _REVIEWED[key]


def _is_oral_dose(e: Event) -> bool:
    return e.kind == "dose" and e.route == "oral" and e.drug != IVIG


def _is_pulse(e: Event) -> bool:
    return e.kind == "dose" and e.route == "IV" and e.drug == CYCLOPHOSPHAMIDE


class _Index:
    """The plan's oral doses and IV pulses sorted by date, once: each question a bisection.

    Built in O(E log E) for E events, and again only when a review changes doses (a reduction,
    a withhold, a stop or a postponed pulse: a few times per drug), so a re-plan on R results
    costs O((E + R) log E) here, never a scan of the events per result.
    """

    def __init__(self, events: Sequence[Event]) -> None:
        # Ties on one date keep the plan's order (the first of them answers, as max() did).
        oral = sorted((e for e in events if _is_oral_dose(e)), key=lambda e: e.date)
        self.oral_dates = [e.date for e in oral]
        self.oral = oral
        self.by_drug: dict[str, tuple[list[dt.date], list[Event]]] = {}
        for e in oral:
            days, found = self.by_drug.setdefault(e.drug, ([], []))
            days.append(e.date)
            found.append(e)
        self.first = {drug: days[0] for drug, (days, _) in self.by_drug.items()}
        self.pulses = sorted((e for e in events if _is_pulse(e)), key=lambda e: e.date)
        self.pulse_dates = [e.date for e in self.pulses]

    @staticmethod
    def _latest(days: list[dt.date], found: list[Event], day: dt.date) -> Event | None:
        """The first-listed event on the latest date not after ``day``."""
        last = bisect.bisect_right(days, day) - 1
        if last < 0:
            return None
        return found[bisect.bisect_left(days, days[last])]

    def active(self, day: dt.date) -> str | None:
        """The oral drug given on ``day``, or the last one given before it within a week."""
        latest = self._latest(self.oral_dates, self.oral, day)
        if latest is None or latest.date < day - dt.timedelta(days=7):
            return None
        return latest.drug

    def dose_on(self, drug: str, day: dt.date) -> float:
        """The mean daily amount (mg/day) of ``drug``'s latest dose on or before ``day``."""
        latest = self._latest(*self.by_drug[drug], day)
        if latest is None:  # pragma: no cover - active() found a dose of this drug by then
            raise AssertionError("no dose before the review date")
        return (latest.dose_amount or 0.0) * latest.days_per_week / 7

    def pulse_after(self, day: dt.date) -> Event | None:
        """The first IV pulse from ``day`` to 7 days after it (its pre-pulse window)."""
        at = bisect.bisect_left(self.pulse_dates, day)
        if at < len(self.pulses) and self.pulses[at].date <= day + _PRE_PULSE_WINDOW:
            return self.pulses[at]
        return None


_PRE_PULSE_WINDOW = dt.timedelta(days=7)  # [guideline] Michigan: labs within 1 week of the infusion
_POSTPONE_DISCUSS_DAYS = 14  # [guideline] French protocol: postponed beyond 2 weeks -> discuss
_UMOL_PER_MG_DL = 10_000 / u.CREATININE_MOLAR_MASS_G_PER_MOL  # 1 mg/dL = 88.4 umol/L


def _pulse_review(pulse: Event, labs: Labs) -> Review:
    """Pre-pulse results against the reference's cyclophosphamide rules, the holds first."""
    wbc, neutrophils, creatinine = (labs.value(n) for n in ("wbc", "neutrophils", "creatinine"))
    given = pulse.dose_amount or 0.0
    holds: list[Finding] = []
    if wbc is not None and wbc * 1000 < cy.PRE_PULSE_HOLD_BELOW:
        holds.append(Finding("withhold", f"pre-pulse WBC {fmt.number(wbc, 3)} x10^9/L is below "
                             "2.0 x10^9/L (2,000/uL): hold the pulse", src.CYCLOPHOSPHAMIDE_NADIR))
    if neutrophils is not None and neutrophils * 1000 < cy.NEUTROPHILS_CUT_BELOW:
        holds.append(Finding("withhold", f"neutrophils {fmt.number(neutrophils, 3)} x10^9/L are "
                             "below 1.5 x10^9/L: postpone the pulse (the French protocol's "
                             "default; a 25 % cut is the alternative, the prescriber's choice)",
                             src.FRENCH_NEUTROPHILS))
    if creatinine is not None and creatinine * _UMOL_PER_MG_DL > cy.EULAR_CREATININE_UMOL_L[1]:
        holds.append(Finding("withhold", f"pre-pulse creatinine {fmt.against(creatinine * _UMOL_PER_MG_DL, cy.EULAR_CREATININE_UMOL_L[1], decimals=0)}"
                             " umol/L is above 500 umol/L (no EULAR column): hold the pulse and "
                             "discuss", PRE_PULSE_CREATININE_GAP))
    if holds:
        return Review(
            drug=IV_CYCLOPHOSPHAMIDE,
            date=labs.date,
            action="withhold",
            reasons=tuple(holds),
            sources=tuple(dict.fromkeys((*(f.source for f in holds), rules.WITHHOLD_REPEAT_GAP))),
            next_check=labs.date + dt.timedelta(days=rules.WITHHOLD_REPEAT_DAYS),
            next_check_text="repeat the counts; give the pulse when they allow (the prescriber's "
            f"decision); postponed beyond {_POSTPONE_DISCUSS_DAYS} days: discuss another therapy",
        )
    if wbc is not None and wbc * 1000 <= cy.PRE_PULSE_HALF_UP_TO:
        half = prepared_pulse_mg(given / 2, ())  # half of the pulse, prepared to the whole mg
        return Review(
            drug=IV_CYCLOPHOSPHAMIDE,
            date=labs.date,
            action="reduce",
            reasons=(Finding("reduce", f"pre-pulse WBC {fmt.number(wbc, 3)} x10^9/L is 2.0-3.0 "
                             f"x10^9/L (2,000-3,000/uL): give 50 % ({fmt.mass_mg(half)})",
                             src.CYCLOPHOSPHAMIDE_NADIR),),
            sources=(src.CYCLOPHOSPHAMIDE_NADIR,),
            next_check=pulse.date + dt.timedelta(days=NADIR_DAYS[0]),
            next_check_text="nadir WBC 10-14 days after the pulse",
            proposed_amount=half,
            proposed_unit="mg",
            proposed_text=f"{fmt.mass_mg(half)} for this pulse",
        )
    read = [n for n in ("wbc", "neutrophils", "creatinine") if labs.value(n) is not None]
    return Review(
        drug=IV_CYCLOPHOSPHAMIDE,
        date=labs.date,
        action="continue",
        reasons=(Finding("continue", f"pre-pulse {', '.join(read) or 'results'}: no pre-pulse "
                         "rule holds or reduces the pulse" if read else "no pre-pulse count or "
                         "creatinine in these results: the pulse is not judged on them",
                         src.CYCLOPHOSPHAMIDE_NADIR),),
        sources=(src.CYCLOPHOSPHAMIDE_NADIR,),
        next_check=pulse.date + dt.timedelta(days=NADIR_DAYS[0]),
        next_check_text="nadir WBC 10-14 days after the pulse",
    )


def _apply_pulse(events: list[Event], pulse: Event, found: Review) -> list[Event]:
    """A held pulse leaves with its pre-pulse and nadir tests; a halved one keeps them."""
    if found.action == "reduce" and found.proposed_amount is not None:
        full, half = fmt.mass_mg(pulse.dose_amount or 0.0), fmt.mass_mg(found.proposed_amount)
        text = pulse.description.replace(full, f"{half} (50 % of {full})", 1)
        half_pulse = attrs.evolve(
            pulse,
            dose_amount=found.proposed_amount,
            description=f"{text}; halved on the results of {found.date.isoformat()} "
            f"({found.reasons[0].text})",
            phase="reduced",
        )
        return [half_pulse if e is pulse else e for e in events]
    nadir = pulse.date + dt.timedelta(days=NADIR_DAYS[0])
    kept = [
        e
        for e in events
        if e is not pulse
        and not (
            e.drug == CYCLOPHOSPHAMIDE
            and e.kind == "monitoring"
            and ((e.date == pulse.date and "pre-pulse" in e.description)
                 or (e.date == nadir and e.until is not None))
        )
    ]
    reasons = "; ".join(f.text for f in found.reasons)
    decision = Event(
        date=found.date,
        drug=CYCLOPHOSPHAMIDE,
        kind="decision",
        description=f"POSTPONE the cyclophosphamide IV pulse of {pulse.date.isoformat()} "
        f"({fmt.mass_mg(pulse.dose_amount or 0.0)}): {reasons}; repeat the counts on "
        f"{found.next_check.isoformat()}; the pulse is given when they allow, at the prescriber's "
        f"dose; postponed beyond {_POSTPONE_DISCUSS_DAYS} days: discuss another therapy",
    )
    return [*kept, decision, _repeat(CYCLOPHOSPHAMIDE, found, "before the postponed pulse: repeat the counts")]


def _apply(
    events: list[Event], drug: str, day: dt.date, found: Review, counts: list[int]
) -> list[Event]:
    reason = found.reasons[0].text
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
        alerts=tuple(Alert(code="replan.review.finding", severity="high", text=str(f),
                           source=f.source) for f in found.reasons[1:]),
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
    _monitoring(b, drug, day, last + dt.timedelta(days=1), restart=True)
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
        with_alerts(e, (a for a in e.alerts if not a.text.startswith(_CUMULATIVE_TEXT)),
                    cumulative_amount=None)
        if e.drug == CYCLOPHOSPHAMIDE and e.kind == "dose" else e
        for e in sorted(events, key=lambda e: e.date)
    ]
    _cumulative(b, THRESHOLDS_G, dict(schedule.prior).get(CYCLOPHOSPHAMIDE, 0.0))
    return b.events
