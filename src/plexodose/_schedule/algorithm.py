"""The entry points: one result on a calendar (``schedule``) and the seed's algorithm (``plan``)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from typing import Any

from plexodose._core import format as fmt
from plexodose._core import sources as src
from plexodose._core import vocab
from plexodose._core.alerts import Alert
from plexodose._core.checks import one_of, whole_number
from plexodose._core.errors import (
    ContraindicationError,
    InputRangeError,
    PlexodoseError,
    choice_error,
)
from plexodose._dosing.products import IVIgProduct
from plexodose._dosing.results import (
    CyclophosphamidePulse,
    DailyDose,
    IVIgCourse,
    given_day_mg,
    rising_steps,
)
from plexodose._drugs.azathioprine import azathioprine, azathioprine_titration
from plexodose._drugs.ciclosporin import ciclosporin
from plexodose._drugs.cyclophosphamide import cyclophosphamide_iv, cyclophosphamide_oral
from plexodose._drugs.ivig import ivig
from plexodose._drugs.mycophenolate import mycophenolate
from plexodose._monitoring.before import ALKYLATING_AGENTS
from plexodose._patient.patient import Patient
from plexodose._schedule.builder import _Builder, _not_for, _number, add_months, start_date
from plexodose._schedule.courses import _ivig, _oral, _pulses, _thresholds
from plexodose._schedule.model import (
    AZATHIOPRINE,
    CYCLOPHOSPHAMIDE,
    IVIG,
    MYCOPHENOLATE,
    Schedule,
    with_alerts,
)
from plexodose._schedule.monitoring import CALENDARS, CELLCEPT, _monitoring
from plexodose._schedule.rules import (
    CELLCEPT_MONITORING,
    ORAL,
    ORAL_MONTHS,
    PULSE_COUNT,
    REFRACTORY_DECISION_MONTHS,
    REFRACTORY_GAP,
    SEED_ALGORITHM,
    SEED_MONITORING,
    SEED_PITFALLS,
    THRESHOLDS_G,
)
from plexodose._screening.exposure import cyclophosphamide_exposure

# ---------------------------------------------------------------------------------------------
# Public entry points


def schedule(
    result: Any,
    *,
    start: Any,
    months: int | None = None,
    titration: Sequence[DailyDose] | None = None,
    first_step_week: float | None = None,
    step_weeks: float | None = None,
    maintenance: Any = None,
    maintenance_week: float | None = None,
    maintenance_count: int | None = None,
    maintenance_interval_weeks: float | None = None,
    count: int | None = None,
    cumulative_thresholds_g: Sequence[float] | None = None,
    prior_cyclophosphamide_g: float | None = None,
    cyclophosphamide_history: Any = None,
    assess_after_days: int | None = None,
    monitoring: vocab.MycophenolateCalendar | None = None,
) -> Schedule:
    """Lay one calculator result out on a calendar from ``start``.

    - IVIgCourse: one infusion a day; ``maintenance=ivig(p, g_per_kg_day=1, days=1)`` with
      ``maintenance_count`` cycles every ``maintenance_interval_weeks`` (3, label);
      ``assess_after_days`` (14, a gap) after the last infusion the response is assessed.
    - DailyDose (azathioprine, mycophenolate, ciclosporin, oral cyclophosphamide): daily for
      ``months`` (6) calendar months; ``titration`` lists earlier, lower doses from the calculator
      (azathioprine: first increase at ``first_step_week`` 8, then every ``step_weeks`` 4;
      mycophenolate: weekly); ciclosporin steps down to ``maintenance`` at ``maintenance_week``
      (4, a gap). The drug's monitoring calendar and 3- and 6-month assessments are added.
    - CyclophosphamidePulse: ``count`` (6) pulses at the pulse's interval, a pre-pulse and a nadir
      (day 10-14) WBC check each.

    Mycophenolate's monitoring follows the SPS page (``monitoring="sps"``, the default);
    ``monitoring="cellcept"`` lays out the CellCept transplant label's schedule instead.

    Cyclophosphamide (IV or oral) tracks the cumulative dose from ``prior_cyclophosphamide_g``
    and/or ``cyclophosphamide_history`` (past administrations: see
    :func:`plexodose.cyclophosphamide_exposure`) and warns on any dose that reaches one of
    ``cumulative_thresholds_g`` (20, 36 and 50 g). Without either, prior exposure is "not known:
    not checked" (a warning), never zero.

    >>> from plexodose import Patient, cyclophosphamide_iv
    >>> s = schedule(cyclophosphamide_iv(Patient.example(), g_per_m2=1), start="2026-12-01",
    ...              count=3)  # 1 g/m2 x 1.8708 m2 = 1,870.8 mg, prepared as 1,870 mg
    >>> [(str(d), round(q, 1)) for d, q in s.cumulative_dose("cyclophosphamide")]
    [('2026-12-01', <Quantity(1870.0, 'milligram')>), ('2026-12-29', <Quantity(3740.0, 'milligram')>), ('2027-01-26', <Quantity(5610.0, 'milligram')>)]
    """
    first = start_date(start)
    thresholds = _thresholds(cumulative_thresholds_g)
    prior = _prior_mg(prior_cyclophosphamide_g, cyclophosphamide_history, first)
    oral_only = {
        "months": months,
        "titration": titration,
        "first_step_week": first_step_week,
        "step_weeks": step_weeks,
        "maintenance_week": maintenance_week,
    }
    ivig_only = {
        "maintenance_count": maintenance_count,
        "maintenance_interval_weeks": maintenance_interval_weeks,
        "assess_after_days": assess_after_days,
    }
    cyclophosphamide = {
        "cumulative_thresholds_g": cumulative_thresholds_g,
        "prior_cyclophosphamide_g": prior_cyclophosphamide_g or None,
        "cyclophosphamide_history": cyclophosphamide_history,
    }
    calendar = None if monitoring is None else one_of(
        monitoring, vocab.MYCOPHENOLATE_CALENDARS, "monitoring")
    if calendar is not None and not (
        isinstance(result, DailyDose) and ORAL.get(result.drug, ("",))[0] == MYCOPHENOLATE
    ):
        raise InputRangeError(
            "monitoring applies to mycophenolate only (its SPS or CellCept schedule); the other "
            "drugs have one calendar",
            field="monitoring",
            value=monitoring,
        )
    if isinstance(result, IVIgCourse):
        _not_for({**oral_only, "count": count, **cyclophosphamide}, "an IVIg course")
        b = _ivig(
            result,
            first,
            maintenance,
            maintenance_count,
            maintenance_interval_weeks,
            assess_after_days,
        )
    elif isinstance(result, CyclophosphamidePulse):
        _not_for({**oral_only, **ivig_only, "maintenance": maintenance}, "IV pulses")
        b = _pulses(result, first, count, None, thresholds, prior)
    elif isinstance(result, DailyDose) and result.drug in ORAL:
        _not_for({**ivig_only, "count": count}, "a daily oral course")
        if ORAL[result.drug][0] == AZATHIOPRINE and prior:
            _not_for({"cumulative_thresholds_g": cumulative_thresholds_g}, result.drug)
        elif ORAL[result.drug][0] != CYCLOPHOSPHAMIDE:
            _not_for(cyclophosphamide, result.drug)
        n = whole_number(ORAL_MONTHS if months is None else months, "months", 1, 60)
        b = _oral(
            result,
            first,
            add_months(first, n),
            titration,
            first_step_week,
            step_weeks,
            maintenance,
            maintenance_week,
            thresholds,
            prior,
        )
        if calendar == "cellcept":
            _cellcept(b, first, add_months(first, n))
        if ORAL[result.drug][0] == AZATHIOPRINE and prior:
            b.warn(
                f"azathioprine after {fmt.mass_g(prior / 1000)} of cyclophosphamide, an alkylating "
                "agent: the label names a prohibitive risk of malignancy after alkylating agents "
                "(in rheumatoid arthritis; plexopathy is off-label): weigh it with the specialist "
                "team before starting",
                ALKYLATING_AGENTS,
                code="plan.azathioprine.after_alkylating", severity="high",
            )
    else:
        raise InputRangeError(
            "result must be an IVIgCourse, a CyclophosphamidePulse or the DailyDose of "
            "azathioprine, oral cyclophosphamide, ciclosporin or mycophenolate; got "
            f"{type(result).__name__}",
            field="result",
            value=result,
        )
    return b.build(first)


def _cellcept(b: _Builder, first: dt.date, end: dt.date) -> None:
    """The SPS calendar of a mycophenolate course replaced by the CellCept transplant label's."""
    b.events = [e for e in b.events if not (e.drug == MYCOPHENOLATE and e.kind == "monitoring")]
    b.sources = [s for s in b.sources if s not in CALENDARS[MYCOPHENOLATE].sources]
    _monitoring(b, MYCOPHENOLATE, first, end, calendar=CELLCEPT)
    b.warn(
        "mycophenolate: monitoring follows the CellCept transplant label (an option; the "
        "reference's default is the SPS calendar)",
        CELLCEPT_MONITORING,
        code="plan.mycophenolate.cellcept_monitoring", severity="info",
    )


def plan(
    patient: Patient,
    *,
    start: Any,
    second_agent: vocab.SecondAgent = "azathioprine",
    refractory_agent: vocab.RefractoryAgent = "ciclosporin",
    months: int = 12,
    ivig_product: str | IVIgProduct | None = None,
    prior_cyclophosphamide_g: float | None = None,
    cyclophosphamide_history: Any = None,
) -> Schedule:
    """The seed's algorithm on a calendar: IVIg, a decision point, the second agent, a
    refractory decision point, then the refractory agent, with the seed's pitfalls as warnings.

    The IVIg response is assessed 14 days after the last infusion (a gap); the second agent
    starts at that decision point and is judged at 3 and 6 months; the refractory decision comes
    at 6 months (the end of the seed's 3-6). Every dose comes from the calculators: azathioprine
    1 then 1.5 mg/kg/day (label titration) up to its default 2 mg/kg/day; mycophenolate 500, 750,
    then 1000 mg twice daily; ciclosporin 5 mg/kg/day, then 2.5 mg/kg/day from week 4;
    cyclophosphamide IV 0.75 g/m2 every 4 weeks, up to 6 pulses inside the phase; oral
    cyclophosphamide 2 mg/kg/day. An agent stops where the next phase starts. Cyclophosphamide's
    running total starts from ``prior_cyclophosphamide_g`` and/or ``cyclophosphamide_history``
    (as in :func:`schedule`); without either it is "not known: not checked", never zero.

    >>> from plexodose import Patient
    >>> s = plan(Patient.example(), start="2026-12-01")
    >>> [(str(e.date), e.description[:40]) for e in s.filter(kind="decision")]
    ... # doctest: +NORMALIZE_WHITESPACE
    [('2026-12-19', 'inadequate response to IVIg? If so, star'),
     ('2027-06-19', 'refractory to azathioprine? If so, start'),
     ('2027-12-01', 'end of the 12-month plan: review. Do not')]
    """
    if not isinstance(patient, Patient):
        raise InputRangeError(
            f"patient must be a plexodose.Patient; got {type(patient).__name__}",
            field="patient",
            value=patient,
        )
    p = patient
    first = start_date(start)
    n_months = whole_number(months, "months", 1, 60)
    second = _agent(second_agent, vocab.SECOND_AGENTS, "second_agent")
    refractory = _agent(refractory_agent, vocab.REFRACTORY_AGENTS, "refractory_agent")
    if second.startswith(CYCLOPHOSPHAMIDE) and refractory.startswith(CYCLOPHOSPHAMIDE):
        raise InputRangeError(
            "refractory_agent must differ from the second agent (both are cyclophosphamide)",
            field="refractory_agent",
            value=refractory_agent,
        )
    end = add_months(first, n_months)
    prior = _prior_mg(prior_cyclophosphamide_g, cyclophosphamide_history, first)
    b = _Builder(SEED_ALGORITHM, SEED_PITFALLS, SEED_MONITORING)
    _pitfalls(b)
    try:
        course = ivig(p, product=ivig_product)
    except InputRangeError as exc:
        if exc.field != "product":
            raise
        raise InputRangeError(
            str(exc).replace("product", "ivig_product", 1),
            field="ivig_product",
            value=ivig_product,
        ) from None
    ivig_part = _reworded(_ivig(course, first, None, None, None, None), "ivig")
    b.merge(ivig_part)
    decided = max(e.date for e in ivig_part.events)
    if decided >= end:
        b.warn("the plan ends before the IVIg response can be assessed", code="plan.ends_before_ivig_assessment", severity="caution")
        return _finish(b, first, end, n_months, IVIG)
    switch = add_months(decided, REFRACTORY_DECISION_MONTHS)
    second_part, refused = _try_agent(p, second, decided, min(switch, end), ContraindicationError,
                                       prior)
    start_second = (
        f"start {_label(second)}"
        if refused is None
        else _cannot(p, second, refused, "second_agent", vocab.SECOND_AGENTS, (), decided, end)
    )
    b.add(
        date=decided,
        drug=IVIG,
        kind="decision",
        description=(
            f"inadequate response to IVIg? If so, {start_second}; if it responded, consider "
            "maintenance 1 g/kg every 3 weeks (label). Before escalating, rule out structural, "
            "neoplastic or compressive causes"
        ),
        alerts=(_escalate(),),
    )
    b.cite(src.IVIG_MAINTENANCE)
    _restudy(b, decided, IVIG)
    if second_part is None:
        b.warn(f"{_label(second)} is not laid out: {_reason(refused)}; see the decision of "
               f"{decided.isoformat()} for what can be given", code="plan.second_agent.not_laid_out", severity="high")
        return _finish(b, first, end, n_months, IVIG)
    b.cite(REFRACTORY_GAP)
    b.merge(second_part)
    if switch >= end:
        b.warn(
            f"the plan ends before the refractory decision ({switch.isoformat()}): extend "
            "months to lay out the refractory agent",
            code="plan.ends_before_refractory_decision", severity="caution",
        )
        return _finish(b, first, end, n_months, _drug_of(second))
    third_part, refused = _try_agent(p, refractory, switch, end, ContraindicationError, prior)
    start_third = (
        f"start {_label(refractory)}"
        if refused is None
        else _cannot(p, refractory, refused, "refractory_agent", vocab.REFRACTORY_AGENTS,
                     (second,), switch, end)
    )
    b.add(
        date=switch,
        drug=_drug_of(second),
        kind="decision",
        description=(
            f"refractory to {_label(second)}? If so, {start_third} (this plan stops "
            f"{_label(second)} here: the reference gives no change-over or taper schedule)"
        ),
        alerts=(_escalate(),),
    )
    _restudy(b, switch, _drug_of(second))
    if third_part is None:
        b.warn(f"{_label(refractory)} is not laid out: {_reason(refused)}; see the decision of "
               f"{switch.isoformat()} for what can be given", code="plan.refractory_agent.not_laid_out", severity="high")
        return _finish(b, first, end, n_months, _drug_of(second))
    b.merge(third_part)
    return _finish(b, first, end, n_months, _drug_of(refractory))


# ---------------------------------------------------------------------------------------------
# A plan decides: an agent the calculator refuses is named with its reason, beside what can be
# given, and every piece of advice names a parameter of the function that takes it.

_CALCULATORS = {
    "azathioprine": "azathioprine",
    "mycophenolate": "mycophenolate",
    "ciclosporin": "ciclosporin",
    "cyclophosphamide_iv": "cyclophosphamide_iv",
    "cyclophosphamide_oral": "cyclophosphamide_oral",
    "ivig": "ivig",
}
_PASS = re.compile(r"\bpass (\w+)=('[^']*'|\"[^\"]*\"|[\w.]+)?")
_PLAN_PARAMETERS = ("start", "second_agent", "refractory_agent", "months", "ivig_product",
                    "prior_cyclophosphamide_g", "cyclophosphamide_history")
_SCHEDULE_PARAMETERS = ("titration", "first_step_week", "step_weeks", "maintenance",
                        "maintenance_week", "maintenance_count", "maintenance_interval_weeks",
                        "count", "cumulative_thresholds_g", "prior_cyclophosphamide_g",
                        "cyclophosphamide_history", "assess_after_days", "monitoring")


def _plan_words(text: str, agent: str) -> str:
    """``text`` with a calculator's "pass name=value" advice, when ``name`` is not a parameter of
    plan(), written as that calculator's call laid out with schedule().

    >>> _plan_words("eGFR 27 is below 60; pass override='reason' to give it anyway", "ciclosporin")
    "eGFR 27 is below 60; lay out ciclosporin(patient, override='reason') with schedule() to give it anyway"
    """
    calculator = _CALCULATORS[agent]

    def advice(match: re.Match[str]) -> str:
        name, value = match.group(1), match.group(2) or "..."
        if name in _PLAN_PARAMETERS:
            return match.group(0)
        if name in _SCHEDULE_PARAMETERS:
            return f"lay the doses out with schedule(..., {name}={value})"
        return f"lay out {calculator}(patient, {name}={value}) with schedule()"

    return _PASS.sub(advice, text).replace(", or use plan())", ")")


def _reworded(part: _Builder, agent: str) -> _Builder:
    """``part`` with its warnings (and its events' warnings) in plan()'s words."""
    part.alerts = [a.retold(_plan_words(a.text, agent)) for a in part.alerts]
    part.events = [
        with_alerts(e, (a.retold(_plan_words(a.text, agent)) for a in e.alerts))
        if e.warnings
        else e
        for e in part.events
    ]
    return part


def _try_agent(
    p: Patient, agent: str, first: dt.date, end: dt.date, caught: type[PlexodoseError],
    prior: float | None = None,
) -> tuple[_Builder | None, PlexodoseError | None]:
    """The agent's phase, or None and the calculator's refusal of the kind ``caught``: for the
    chosen agents a contraindication (the plan lays out what can be given rather than refuse as
    a whole; a missing value still refuses: the caller can give it), for the alternatives any
    refusal."""
    try:
        return _reworded(_agent_part(p, agent, first, end, prior), agent), None
    except caught as exc:
        return None, exc


def _reason(refused: PlexodoseError | None) -> str:
    """The refusal's reason, without its advice (the decision carries the advice)."""
    return "" if refused is None else re.split(r"; (?:pass|lay out) ", str(refused))[0]


def _cannot(
    p: Patient,
    agent: str,
    refused: PlexodoseError,
    parameter: str,
    choices: tuple[str, ...],
    excluded: tuple[str, ...],
    first: dt.date,
    end: dt.date,
) -> str:
    """The decision's words when ``agent`` is refused: why, and the alternatives that compute."""
    others = [
        a for a in dict.fromkeys("ciclosporin" if a == "cyclosporin" else a for a in choices)
        if a != agent and not (a.startswith(CYCLOPHOSPHAMIDE) and any(
            x.startswith(CYCLOPHOSPHAMIDE) for x in excluded))
    ]
    tried = {a: _try_agent(p, a, first, end, PlexodoseError)[1] for a in others}
    possible = [a for a, why in tried.items() if why is None]
    text = (
        f"{_label(agent)} is contraindicated for this patient ({_plan_words(str(refused), agent)}), "
        "so this plan lays out no agent from here"
    )
    if possible:
        text += "; what can be given instead: " + " or ".join(
            f"{_label(a)} (plan(..., {parameter}='{a}'))" for a in possible)
    refused_too = [f"{_label(a)} ({_reason(why)})" for a, why in tried.items() if why is not None]
    if refused_too:
        text += "; not possible either: " + "; ".join(refused_too)
    return f"{text}; discuss with the specialist team"


_ESCALATE = (
    "before escalating immunotherapy, rule out neoplastic or compressive lesions (repeat MRI)"
)


def _escalate() -> Alert:
    """The seed's pitfall, on each decision point that escalates."""
    return Alert(code="plan.escalation.rule_out_lesions", severity="caution", text=_ESCALATE,
                 source=SEED_PITFALLS)


def _pitfalls(b: _Builder) -> None:
    b.warn("confirm that initial pulse steroids failed before starting this plan", SEED_ALGORITHM, code="plan.confirm_steroid_failure", severity="info")
    b.warn(_ESCALATE[0].upper() + _ESCALATE[1:], SEED_PITFALLS, code="plan.escalation.rule_out_lesions", severity="caution")
    b.warn(
        "judge an immunosuppressant's failure only after 3-6 months (most need that long for "
        "full effect)",
        SEED_PITFALLS,
        code="plan.judge_after_3_to_6_months", severity="info",
    )
    b.warn("address neuropathic pain alongside the immunotherapy", SEED_PITFALLS, code="plan.neuropathic_pain", severity="info")
    b.warn(
        "never stop immunotherapy abruptly after improvement (relapse): taper with "
        "plexodose.taper(dose, start=..., step=..., every=..., until=...), built from the "
        "prescriber's step and interval (the reference gives no taper schedule)",
        SEED_PITFALLS,
        code="plan.no_abrupt_stop", severity="info",
    )
    b.warn(
        "repeat electrodiagnostic studies to document progression or improvement; monitor "
        "the side effects of immunosuppression",
        SEED_MONITORING,
        code="plan.repeat_electrodiagnostics", severity="info",
    )


def _restudy(b: _Builder, day: dt.date, drug: str) -> None:
    b.add(
        date=day,
        drug=drug,
        kind="assessment",
        description="repeat MRI if there is no "
        "response: rule out structural, neoplastic or compressive causes",
    )
    b.add(
        date=day,
        drug=drug,
        kind="assessment",
        description="repeat electrodiagnostic studies to document progression or improvement",
    )


def _finish(b: _Builder, first: dt.date, end: dt.date, months: int, drug: str) -> Schedule:
    b.add(
        date=end,
        drug=drug,
        kind="decision",
        description=(
            f"end of the {months}-month plan: review. Do not stop immunotherapy abruptly after "
            "improvement (relapse): taper (plexodose.taper, from the prescriber's step and "
            "interval)"
        ),
    )
    return b.build(first)


def _agent(value: Any, allowed: tuple[str, ...], field: str) -> str:
    key = value.strip().lower() if isinstance(value, str) else None
    if key not in allowed:
        raise choice_error(value, allowed, field)
    return "ciclosporin" if key == "cyclosporin" else key


def _label(agent: str) -> str:
    return agent.replace("_iv", " IV").replace("_oral", " (oral)")


def _drug_of(agent: str) -> str:
    return vocab.drug_name(agent)


def _prior_mg(grams: Any, history: Any, on: dt.date) -> float | None:
    """Prior cyclophosphamide (mg) from a stated total and/or the record; None when neither is
    given (not known: never zero)."""
    if grams is None and history is None:
        return None
    stated = 0.0 if grams is None else _number(grams, "prior_cyclophosphamide_g", 0, 1000) * 1000
    if history is None:
        return stated
    return stated + cyclophosphamide_exposure(history, on=on).total_g * 1000


def _agent_part(p: Patient, agent: str, first: dt.date, end: dt.date,
                prior: float | None = None) -> _Builder:
    """One agent's phase of the plan, every dose from its calculator's defaults."""
    none: tuple[float, ...] = ()
    if agent == "cyclophosphamide_iv":
        pulse = cyclophosphamide_iv(p)
        return _pulses(pulse, first, PULSE_COUNT, end, THRESHOLDS_G, prior)
    if agent == "cyclophosphamide_oral":
        return _oral(
            cyclophosphamide_oral(p), first, end, None, None, None, None, None, THRESHOLDS_G, prior
        )
    if agent == "azathioprine":
        target = azathioprine(p)
        steps = list(azathioprine_titration(p, given_day_mg(target)))
        return _oral(target, first, end, steps, None, None, None, None, none, 0.0)
    if agent == "mycophenolate":
        target = mycophenolate(p)
        steps = _rising([mycophenolate(p, mg_per_dose=d) for d in (500, 750)], target)
        return _oral(target, first, end, steps, None, None, None, None, none, 0.0)
    start_dose = ciclosporin(p)
    return _oral(
        start_dose, first, end, None, None, None, ciclosporin(p, mg_per_kg_day=2.5), None, none, 0.0
    )


def _rising(steps: list[DailyDose], target: DailyDose) -> list[DailyDose]:
    """The steps that each rise above the last and stay below the target."""
    return rising_steps(steps, given_day_mg(target))

