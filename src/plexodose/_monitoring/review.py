"""Review: what a set of results means for the regimen, every reason with its source.

``review(drug, labs, baseline=..., history=...)`` applies the reference's monitoring rules to
the latest results and returns a :class:`Review`: the action (continue, flag, repeat, reduce,
withhold, stop), the proposed dose where a source gives one, every reason with its source, and
the date of the next check. Where a source says "withhold and discuss", the review never carries
a dose; a restart takes the prescriber's explicit ``restart_dose``.

>>> from plexodose import Labs
>>> r = review("azathioprine", Labs(date="2027-01-16", wbc="3.1 x10^9/L"), on="2027-01-16")
>>> r.action, r.proposed_dose, r.next_check.isoformat()  # 2027-01-16 + 7 days
('withhold', None, '2027-01-23')
>>> print(r.reasons[0])
withhold: WBC 3.1 x10^9/L is below 3.5 x10^9/L: withhold and discuss with the specialist team
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any, Literal

import attrs

from plexodose._core import format as fmt
from plexodose._core import limits as lim
from plexodose._core import sources as src
from plexodose._core import units as u
from plexodose._core import vocab
from plexodose._core.checks import whole_number
from plexodose._core.errors import InputRangeError, MissingInputError, PlexodoseError, safe_repr
from plexodose._core.legacy import loads_older_pickles
from plexodose._core.public import public
from plexodose._core.sources import Source
from plexodose._dosing.results import CyclophosphamidePulse, DailyDose
from plexodose._dosing.trace import reason
from plexodose._drugs import azathioprine as _azathioprine
from plexodose._drugs import ciclosporin as _ciclosporin
from plexodose._drugs import cyclophosphamide as _cyclophosphamide
from plexodose._drugs import mycophenolate as _mycophenolate
from plexodose._monitoring import thresholds as rules
from plexodose._monitoring.labs import ANALYTES, Labs, lab_date, mean, typed_text
from plexodose._monitoring.labs import history as checked_history
from plexodose._monitoring.rules import (
    ACTIONS,
    AZATHIOPRINE,
    CICLOSPORIN,
    IV_CYCLOPHOSPHAMIDE,
    LABELS,
    MYCOPHENOLATE,
    ORAL_CYCLOPHOSPHAMIDE,
    REVIEW_NAMES,
    UMOL_PER_MG_DL,
    WEIGHT_CHANGE,
    WEIGHT_CHANGE_RULE,
    Action,
    Case,
    Ceiling,
    Finding,
    Past,
    Rules,
    Thresholds,
    Unjudged,
    apply_rules,
    cadence,
    oral_band,
    screen,
    severity,
    unjudged,
    within_text,
)
from plexodose._patient import body as _body
from plexodose._patient import provenance as _prov
from plexodose._patient.patient import Patient
from plexodose._screening.screen import azathioprine_range as own_azathioprine_range

HEADLINES = {
    "continue": "continue",
    "flag": "continue the dose and act on the findings below",
    "recalculate": "recalculate the dose at the new weight: the prescriber accepts the new dose",
    "repeat": "repeat the test",
    "reduce": "reduce the dose",
    "withhold": "withhold and discuss with the specialist team",
    "stop": "stop and seek specialist advice",
}



@public
@loads_older_pickles
@attrs.frozen(kw_only=True, repr=False)
class Review:
    """The outcome of one review: action, proposed dose, reasons, sources and next check."""

    drug: str
    date: dt.date
    action: Action
    reasons: tuple[Finding, ...]
    notes: tuple[str, ...] = ()
    sources: tuple[Source, ...] = ()
    next_check: dt.date
    next_check_text: str = ""
    proposed_amount: float | None = None
    proposed_unit: str | None = None
    proposed_text: str = ""
    judgements: tuple[str, ...] = ()
    """Each result given, in words: judged by which rule (with its source), or not judged."""

    def __attrs_post_init__(self) -> None:
        # The invariant the whole module exists for: a withhold or stop never carries a dose.
        if self.action in ("withhold", "stop") and self.proposed_amount is not None:
            raise InputRangeError(
                f"a {self.action} never carries a dose; a restart takes the prescriber's dose",
                field="proposed_amount",
                value=self.proposed_amount,
            )

    @property
    def proposed_dose(self) -> Any:
        """The proposed dose (mg/day, or mg for one IV pulse), or None."""
        if self.proposed_amount is None or self.proposed_unit is None:
            return None
        return u.quantity(self.proposed_amount, self.proposed_unit)

    @property
    def headline(self) -> str:
        text = HEADLINES[self.action]
        if self.action == "repeat":
            text += f" by {self.next_check.isoformat()}"
        return f"{self.drug}, results of {self.date.isoformat()}: {text.upper()[:1]}{text[1:]}"

    def to_dict(self) -> dict[str, Any]:
        """The public JSON form (schema: ``plexodose.json_schema()``)."""
        from plexodose._interop.json import review_dict

        return review_dict(self)

    def to_json(self, indent: int | None = None) -> str:
        """:meth:`to_dict` as JSON text (keys sorted)."""
        from plexodose._interop.json import dumps

        return dumps(self.to_dict(), indent)

    def __repr__(self) -> str:
        lines = [self.headline]
        if self.proposed_text:
            lines.append(f"  proposed dose: {self.proposed_text}")
        elif self.action in ("withhold", "stop"):
            lines.append("  proposed dose: none (a restart takes the prescriber's dose)")
        lines.append(f"  next check: {self.next_check.isoformat()} ({self.next_check_text})")
        lines.append("  reasons:")
        for finding in self.reasons:
            lines.append(f"    - {finding}")
            lines.append(f"      [{finding.source.tag}] {finding.source.citation}")
        if self.judgements:
            lines.append("  results:")
            lines += [f"    - {text}" for text in self.judgements]
        if self.notes:
            lines.append("  notes:")
            lines += [f"    ! {note}" for note in self.notes]
        lines.append("  sources:")
        lines += [f"    - {source}" for source in self.sources]
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.__repr__()

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:  # IPython: wrapped to its width
        from plexodose._views.render import terminal_text

        printer.text(terminal_text(repr(self), getattr(printer, "max_width", 0)))

    def _repr_html_(self) -> str:  # Jupyter: the action in words and colour, from the fields
        from plexodose._views.render import review_html

        return review_html(self)

    def _repr_markdown_(self) -> str:
        from plexodose._views.render import review_markdown

        return review_markdown(self)


# ---------------------------------------------------------------------------------------------
# Inputs


def drug_of(drug: Any) -> str:
    """The review's name for ``drug`` (a name or a calculator result)."""
    if isinstance(drug, CyclophosphamidePulse):
        return IV_CYCLOPHOSPHAMIDE
    if isinstance(drug, DailyDose):
        drug = drug.drug
    key = vocab.drug_key(drug)
    if key == "ivig" or (isinstance(drug, str) and drug.strip().lower() == "immunoglobulin"):
        raise InputRangeError(
            "IVIg has no lab-driven rules in the reference to review by (assess renal function "
            "before each course)",
            field="drug",
            value=drug,
        )
    if key is None:
        raise InputRangeError(
            "drug must be azathioprine, mycophenolate, ciclosporin, cyclophosphamide oral or "
            f"cyclophosphamide iv (or the calculator's result); got {safe_repr(drug)}",
            field="drug",
            value=drug,
        )
    return REVIEW_NAMES[key]


def _daily_mg(result: DailyDose) -> float:
    per_dose = result.per_dose_mg if result.dispensed is None else result.dispensed.amount
    return per_dose * result.doses_per_day * result.days_per_week / 7


def _baseline(value: Any, labs: Labs) -> tuple[float | None, int]:
    """(baseline creatinine in mg/dL, number of results averaged) from Labs, a list or a value."""
    if value is None:
        return None, 0
    if isinstance(value, (str, u.Q_)) or hasattr(value, "magnitude"):
        return lim.creatinine_mg_dl(value, "baseline"), 1
    results = (value,) if isinstance(value, Labs) else checked_history(value, "baseline")
    for result in results:
        if result.date > labs.date:
            raise InputRangeError(
                f"baseline is dated {result.date.isoformat()}, after the results it is compared "
                f"with ({labs.date.isoformat()})",
                field="baseline",
                value=result.date,
            )
    values = [v for r in results if (v := r.value("creatinine")) is not None]
    return (mean(values), len(values)) if values else (None, 0)


def _dates(
    labs: Labs, past: Past, started: Any, on: Any, baseline: Any = None,
    stable_since: Any = None, nadir: Any = None,
) -> tuple[dt.date | None, dt.date]:
    """(start, review date), once every date given makes sense; refused otherwise, naming the
    field, the dates and the rule (clinical rules, "Whose value, from when")."""
    today = dt.date.today() if on is None else lab_date(on, "on")
    if labs.date > today:
        raise InputRangeError(
            f"labs are dated {labs.date.isoformat()}, in the future (after "
            f"{today.isoformat()}); check the date, or pass on= the date of the review",
            field="labs",
            value=labs.date,
        )
    if past and past[-1].date >= labs.date:
        raise InputRangeError(
            f"history must be earlier than the latest results ({labs.date.isoformat()}); its "
            f"last set is dated {past[-1].date.isoformat()}",
            field="history",
            value=past[-1].date,
        )
    first = None if started is None else lab_date(started, "started")
    # the history is oldest first: its first set is the one that could precede the start
    for result, field in ((labs, "labs"), *((h, "history") for h in past[:1])):
        if first is not None and result.date < first:
            raise InputRangeError(
                f"{field} dated {result.date.isoformat()} is before the treatment it reviews "
                f"(started {first.isoformat()}); give pre-treatment results as baseline=",
                field=field,
                value=result.date,
            )
    _baseline_dates(baseline, first, past[0] if past else labs)
    if stable_since is not None and first is not None:
        stable = lab_date(stable_since, "stable_since")
        if stable < first:
            raise InputRangeError(
                f"stable_since {stable.isoformat()} is before the start {first.isoformat()}: a "
                "dose cannot be stable since before it was started (rule: 'stable since' cannot "
                "precede the start)",
                field="stable_since",
                value=stable,
            )
    if isinstance(nadir, Labs):
        _nadir_dates(nadir, labs, first, today)
    return first, today


def _baseline_dates(baseline: Any, first: dt.date | None, earliest: Labs) -> None:
    """A baseline is dated before the drug's start (and before every on-treatment result)."""
    if isinstance(baseline, Labs):
        results: tuple[Labs, ...] = (baseline,)
    elif isinstance(baseline, (list, tuple)) and all(isinstance(b, Labs) for b in baseline):
        results = tuple(baseline)
    else:
        return  # a creatinine value has no date; other forms are refused where they are read
    for result in results:
        if first is not None and result.date >= first:
            raise InputRangeError(
                f"baseline dated {result.date.isoformat()} is not before the start "
                f"{first.isoformat()}: a baseline must be dated before the drug's start (give "
                "on-treatment results as labs= or history=)",
                field="baseline",
                value=result.date,
            )
        if result.date >= earliest.date:
            raise InputRangeError(
                f"baseline dated {result.date.isoformat()} is not before the first on-treatment "
                f"results ({earliest.date.isoformat()}): a baseline must be dated before the "
                "drug's start",
                field="baseline",
                value=result.date,
            )


def _nadir_dates(nadir: Labs, labs: Labs, first: dt.date | None, today: dt.date) -> None:
    """A nadir count follows its pulse and is not dated after the review or the pre-pulse counts."""
    if nadir.date > today:
        raise InputRangeError(
            f"nadir dated {nadir.date.isoformat()} is after the review date {today.isoformat()}: "
            "a nadir count cannot come from the future (pass on= the date of the review)",
            field="nadir",
            value=nadir.date,
        )
    if nadir.date > labs.date:
        raise InputRangeError(
            f"nadir dated {nadir.date.isoformat()} is after the pre-pulse counts "
            f"({labs.date.isoformat()}): the nadir follows the last pulse, before the next one",
            field="nadir",
            value=nadir.date,
        )
    if first is not None and nadir.date <= first:
        raise InputRangeError(
            f"nadir dated {nadir.date.isoformat()} is not after the pulse it follows (started "
            f"{first.isoformat()}): a nadir count is dated after its pulse",
            field="nadir",
            value=nadir.date,
        )


PRE_PULSE_DAYS = 7  # [guideline] Michigan: pre-pulse labs "within 1 week of the infusion"


def _stale(r: Rules, today: dt.date) -> None:
    """A result older than the drug's current test interval on the review date cannot support
    "continue": the review answers "repeat" for it, and names it (clinical rules, "Labs for a
    review decision")."""
    every, _ = cadence(r.case)
    labs = r.case.labs
    age = (today - labs.date).days
    if age <= every:
        return
    names = ", ".join(ANALYTES[n][0] if n in ANALYTES else n.replace("_", " ") for n in labs.names())
    r.find(
        "repeat",
        f"{names} dated {labs.date.isoformat()} {'is' if len(labs.names()) == 1 else 'are'} "
        f"{age} days old on {today.isoformat()}, older than the test interval of {every} days: "
        "repeat before deciding (an old result cannot support continue)",
        _prov.REVIEW_WINDOW,
        today,
    )


def _fraction(value: Any, field: str, low: float, high: float) -> float:
    number = u.plain_number(value, field)
    if not low <= number <= high:
        raise InputRangeError(
            f"{field} must be from {low:g} to {high:g} (a fraction); got {number:g}",
            field=field,
            value=value,
        )
    return number


def _uln(value: Any, field: str) -> float | None:
    if value is None:
        return None
    return u.in_range(
        u.to_float(value, field, u.Dimension("enzyme activity concentration", "U/L", '"40 U/L"')),
        field,
        1.0,
        1000.0,
        "U/L",
        value,
    )


# ---------------------------------------------------------------------------------------------
# The entry point


def review(
    drug: vocab.ReviewDrug | DailyDose | CyclophosphamidePulse,
    labs: Any,
    *,
    baseline: Any = None,
    history: Sequence[Labs] = (),
    started: Any = None,
    on: Any = None,
    current_dose: Any = None,
    stable_since: Any = None,
    thresholds: Thresholds = "bsr2017",
    uln_alt: Any = None,
    uln_ast: Any = None,
    explained: Iterable[str] = (),
    creatinine_rise: float = rules.CICLOSPORIN_RISE[0],
    reduction: float = rules.CICLOSPORIN_REDUCTION[1],
    reductions: int = 0,
    pressure_reductions: int = 0,
    uncontrolled_hypertension: bool = False,
    potassium_limit: float = rules.POTASSIUM_ABOVE,
    withheld: bool = False,
    restart_dose: Any = None,
    nadir: Labs | None = None,
    patient: Patient | None = None,
    override: str | None = None,
    unjudged: Unjudged = "flag",
    neutrophils_rule: NeutrophilsRule = "postpone",
    allopurinol: bool = False,
    weight_change: float = WEIGHT_CHANGE[0],
) -> Review:
    """Review the latest results ``labs`` of a patient on ``drug`` (a name or its result).

    - ``baseline``: the pre-treatment Labs (or a list: creatinine is their mean), or a
      creatinine such as ``"0.9 mg/dL"``; needed whenever a creatinine is reviewed.
    - ``history``: earlier on-treatment Labs, oldest first (trends, repeats, two readings).
      Each quantity is judged by its latest result across ``labs`` and ``history``, with that
      result's own date: one older than the drug's test interval answers "repeat", never
      "continue" (clinical rules, "Labs for a review decision").
    - ``started``: the first dose (results before it are refused); ``on``: the review date
      (today by default): results dated after it are refused as "in the future".
    - ``current_dose`` ("300 mg/day") or a DailyDose as ``drug``: the base of a reduction.
    - ``patient``: the Patient, so that every dose the review is given or proposes (current,
      restart, reduced) is screened against this patient's own range (genotype, renal
      function, weight); without it the review says the ceiling could not be checked.
      ``override``: the reason that accepts a dose above the patient's own range (never above
      an absolute limit); ``allopurinol=True``: azathioprine's range is a quarter (label).
      With the calculator's DailyDose as ``drug``, a ``patient`` weight ``weight_change`` (5 %
      by default, 5-10 %) or more from the dose's dosing weight answers "recalculate": the new
      dose, with every limit of the calculator, is proposed beside the current one for the
      prescriber to accept (mycophenolate, a fixed dose, is not recalculated).
    - ``thresholds``: "bsr2017" (default) or "local" (neutrophils < 2.0, platelets < 150,
      ALT/AST > 2x ``uln_alt``/``uln_ast``); the other set is reported where it would differ.
    - ``explained``: analytes whose abnormality the prescriber has explained ("eosinophils",
      "albumin"). Ciclosporin: ``creatinine_rise`` 0.25 (psoriasis) or 0.30 (RA),
      ``reduction`` 0.25-0.5 (0.5, the larger, by default), ``reductions`` and
      ``pressure_reductions`` already made, ``uncontrolled_hypertension``, ``potassium_limit``.
    - ``unjudged``: a result no rule for the drug reads is named "not judged" and flagged for
      the prescriber ("flag", the default), or only named in the notes ("note").
    - ``withheld=True`` with ``restart_dose``: restart at the prescriber's dose once the
      results allow. Cyclophosphamide IV: ``drug`` is the last pulse; ``labs`` are pre-pulse
      counts and creatinine, ``nadir`` the nadir WBC (cyclophosphamide_next_pulse decides);
      ``neutrophils_rule`` "postpone" (default) or "cut" (25 %) below 1.5 x10^9/L.
    """
    name = drug_of(drug)
    if not isinstance(labs, Labs):
        raise InputRangeError(
            f"labs must be a plexodose.Labs, such as Labs(date=\"2027-01-16\", wbc=\"3.1 x10^9/L\"); "
            f"got {type(labs).__name__}",
            field="labs",
            value=labs,
        )
    if not labs.names():
        raise MissingInputError(
            "labs carry no results to review: give at least one, such as wbc=\"3.1 x10^9/L\"",
            field="labs",
        )
    if patient is not None and not isinstance(patient, Patient):
        raise InputRangeError(
            f"patient must be a plexodose.Patient; got {type(patient).__name__}",
            field="patient",
            value=patient,
        )
    if unjudged not in ("flag", "note"):
        raise InputRangeError(f"unjudged must be 'flag' or 'note'; got {safe_repr(unjudged)}",
                              field="unjudged", value=unjudged)
    reason_given = reason(override)
    past = Past.of(history)  # a re-plan's window of its checked results is not checked again
    first, today = _dates(labs, past, started, on, baseline, stable_since, nadir)
    if name == IV_CYCLOPHOSPHAMIDE:
        if (today - labs.date).days > PRE_PULSE_DAYS:
            raise InputRangeError(
                f"pre-pulse labs dated {labs.date.isoformat()} are {(today - labs.date).days} days "
                f"old on {today.isoformat()}: counts before a pulse must be taken within "
                f"{PRE_PULSE_DAYS} days (Michigan protocol): repeat them",
                field="labs",
                value=labs.date,
            )
        for option, value in (("withheld", withheld or None), ("restart_dose", restart_dose),
                              ("current_dose", current_dose)):
            if value is not None:
                raise InputRangeError(
                    f"{option} does not apply to cyclophosphamide IV (the last pulse is the drug)",
                    field=option,
                    value=value,
                )
        if neutrophils_rule not in ("postpone", "cut"):
            raise InputRangeError(
                f"neutrophils_rule must be 'postpone' or 'cut'; got {safe_repr(neutrophils_rule)}",
                field="neutrophils_rule", value=neutrophils_rule,
            )
        change = _fraction(weight_change, "weight_change", *WEIGHT_CHANGE)
        return _pulse_review(drug, labs, nadir, unjudged, neutrophils_rule,
                             _PulseRecalculation(patient, change, reason_given))
    if nadir is not None:
        raise InputRangeError("nadir applies to cyclophosphamide IV only", field="nadir", value=nadir)
    case = _case(name, drug, labs, past, first, baseline, current_dose, stable_since, thresholds,
                 uln_alt, uln_ast, explained, creatinine_rise, reduction, reductions,
                 pressure_reductions, uncontrolled_hypertension, potassium_limit)
    change = _fraction(weight_change, "weight_change", *WEIGHT_CHANGE)
    older = _latest_sets(labs, past)
    renal, (egfr, egfr_text) = _renal_set(labs, older, patient)
    from_set = renal.value("egfr") is not None or renal.value("creatinine") is not None
    weight = patient.weight_kg if patient is not None else (
        drug.dosing_weight_kg if isinstance(drug, DailyDose) else None)
    case = attrs.evolve(
        case,
        weight_kg=weight,
        egfr=egfr,
        egfr_text=egfr_text,
        egfr_date=renal.date if from_set else None,
        override=reason_given,
        unjudged=unjudged,
    )
    if _flag(allopurinol, "allopurinol") and name != AZATHIOPRINE:
        raise InputRangeError("allopurinol applies to azathioprine only", field="allopurinol",
                              value=allopurinol)
    case = attrs.evolve(case, allopurinol=allopurinol)
    ceiling = _ceiling(attrs.evolve(case, labs=renal), drug, patient, latest=True)
    case = attrs.evolve(case, ceiling=ceiling, max_mg_per_day=ceiling.hard)
    r = Rules(case)
    _stale(r, today)
    if r.findings:  # an old result cannot support "continue": never called within limits
        r.outside.update(labs.names())
    if case.current_mg_per_day is not None:
        # The current dose was set on the patient's record; the new results' renal limits act on
        # it through the rules (reduce), so it is screened on the record alone.
        # After a weight change that asks for a recalculation, the current dose is screened at
        # the weight behind it; the new weight acts through the recalculated dose.
        before = _moved(drug, patient, change, name)
        record, at = (patient, case) if before is None or patient is None else (
            attrs.evolve(patient, weight=u.quantity(before, "kg")), attrs.evolve(case, weight_kg=before))
        screen(r, case.current_mg_per_day, "current_dose", _ceiling(at, drug, record, latest=False))
    apply_rules(r)
    for earlier in older:  # the latest result of each quantity the latest set does not carry
        group = Rules(attrs.evolve(case, labs=earlier, history=past.before(earlier.date)))
        group.dated = True
        _stale(group, today)
        if group.findings:
            group.outside.update(earlier.names())
        apply_rules(group)
        r.earlier.append(group)
        r.findings += group.findings
        for text in group.notes:
            r.note(text)
        for source in group.sources:
            r.cite(source)
        r.proposals += group.proposals
    _recalculate(r, drug, patient, change, _flag(withheld, "withheld"), reason_given)
    return _not_before(_conclude(r, withheld, restart_dose, patient), today)


def _only(labs: Labs, names: Iterable[str]) -> Labs:
    """``labs`` with only the results ``names`` (and their origins), on its own date."""
    kept = set(names)
    cut = copy.copy(labs)  # the values as checked when the set was made, not converted again
    for name in labs.names():
        if name not in kept:
            object.__setattr__(cut, f"_{name}", None)
    object.__setattr__(cut, "_origins", tuple((n, o) for n, o in labs.origins.items() if n in kept))
    return cut


def _latest_sets(labs: Labs, past: Past) -> list[Labs]:
    """Newest first: each older set cut to the results that are the latest of their quantity
    (a quantity ``labs`` carries is judged there)."""
    return [_only(earlier, names) for earlier, names in past.latest_sets(labs.names())]


_RECALCULATED = {AZATHIOPRINE, CICLOSPORIN, ORAL_CYCLOPHOSPHAMIDE}


def _rate(result: DailyDose) -> float | None:
    """The mg/kg/day the calculator multiplied the dosing weight by (its first such step)."""
    for step in result._steps:
        if isinstance(step, tuple) and "mg/kg/day x" in step[0] and step[1]:
            rate = step[1][0]
            return float(rate) if isinstance(rate, (int, float)) else None
    return None


def _moved(drug: Any, patient: Patient | None, change: float, name: str) -> float | None:
    """The dosing weight behind the current dose when ``patient``'s weight is ``change`` or more
    from it (a weight-based daily dose); None otherwise (mycophenolate: a fixed dose)."""
    if patient is None or not isinstance(drug, DailyDose) or name not in _RECALCULATED:
        return None
    before = drug.dosing_weight_kg
    if before is None or round(abs(patient.weight_kg - before) / before, 9) < change:
        return None
    return before


def _recalculate(r: Rules, drug: Any, patient: Patient | None, change: float, withheld: bool,
                 override: str | None) -> None:
    """A weight ``change`` or more from the one behind the current weight-based dose: the new
    dose by the calculator, with all its limits, beside the current one (clinical rules, "A
    change in weight"); never applied silently (the prescriber accepts it)."""
    case = r.case
    before = _moved(drug, patient, change, case.drug)
    if before is None or patient is None or not isinstance(drug, DailyDose):
        return
    now = patient.weight_kg
    moved = abs(now - before) / before
    current = _daily_mg(drug)
    text = (f"weight {fmt.number(now)} kg differs by {fmt.percent(moved)} from the "
            f"{fmt.number(before)} kg behind the current dose ({fmt.mass_mg(current)}/day, "
            f"calculated {fmt.mass_mg(drug.daily_dose_mg)}/day); {fmt.percent(change)} or more asks "
            "for a recalculation")
    rate = _rate(drug)
    try:
        if rate is None:
            raise MissingInputError("the current dose does not show its mg/kg/day", field="drug")
        calculators: dict[str, Any] = {
            AZATHIOPRINE: lambda: _azathioprine.azathioprine(
                patient, mg_per_kg_day=rate, doses_per_day=drug.doses_per_day,
                allopurinol=case.allopurinol, override=override),
            CICLOSPORIN: lambda: _ciclosporin.cyclosporin(patient, mg_per_kg_day=rate,
                                                          override=override),
            ORAL_CYCLOPHOSPHAMIDE: lambda: _cyclophosphamide.cyclophosphamide_oral(
                patient, mg_per_kg_day=rate, override=override),
        }
        new: DailyDose = calculators[case.drug]()
    except PlexodoseError as exc:
        text += f": the new dose could not be calculated ({exc}); recalculate with the calculator"
        if withheld:
            r.note(text, WEIGHT_CHANGE_RULE)
        else:
            r.find("recalculate", text, WEIGHT_CHANGE_RULE)
        return
    amount = _daily_mg(new)
    shown = (f"{fmt.mass_mg(amount)}/day (recalculated at {fmt.number(now)} kg: "
             f"{fmt.number(rate)} mg/kg/day, calculated {fmt.mass_mg(new.daily_dose_mg)}/day"
             f"{', capped' if new.cap_applied else ''}; current {fmt.mass_mg(current)}/day at "
             f"{fmt.number(before)} kg): the prescriber accepts it")
    text += f": new dose {shown}"
    for source in new.sources:
        r.cite(source)
    if withheld:  # a restart takes the prescriber's dose: the new weight's dose is shown only
        r.note(text, WEIGHT_CHANGE_RULE)
        return
    r.find("recalculate", text, WEIGHT_CHANGE_RULE)
    r.recalculated = (amount, shown)


def _not_before(found: Review, today: dt.date) -> Review:
    """The next check is never before the review date: a date the results' own cadence gives
    that has passed by then (a stale result, an older set, a withhold's repeat reviewed late)
    is "now"."""
    if found.next_check >= today:
        return found
    return attrs.evolve(found, next_check=today, next_check_text=f"now: {found.next_check_text}")


NeutrophilsRule = Literal["postpone", "cut"]


def _case(
    name: str, drug: Any, labs: Labs, past: Past, first: dt.date | None,
    baseline: Any, current_dose: Any, stable_since: Any, thresholds: Any, uln_alt: Any,
    uln_ast: Any, explained: Iterable[str], creatinine_rise: Any, reduction: Any,
    reductions: Any, pressure_reductions: Any, uncontrolled: Any, potassium_limit: Any,
) -> Case:
    if thresholds not in ("bsr2017", "local"):
        raise InputRangeError(
            f"thresholds must be 'bsr2017' or 'local'; got {safe_repr(thresholds)}",
            field="thresholds",
            value=thresholds,
        )
    if isinstance(explained, str):
        explained = (explained,)
    known = {"eosinophils", "albumin"}
    if not isinstance(explained, (list, tuple, set, frozenset)) or not all(
        isinstance(item, str) for item in explained
    ):
        raise InputRangeError(
            f"explained must be a list of names, such as [\"eosinophils\"]; got {safe_repr(explained)}",
            field="explained",
            value=explained,
        )
    given = frozenset(explained)
    if not given <= known:
        raise InputRangeError(
            f"explained may name eosinophils or albumin; got {sorted(given - known)}",
            field="explained",
            value=explained,
        )
    current, per_day = None, 2 if name in (CICLOSPORIN, MYCOPHENOLATE) else 1
    if isinstance(drug, DailyDose):
        if current_dose is not None:
            raise InputRangeError("give current_dose or a DailyDose as drug, not both",
                                  field="current_dose", value=current_dose)
        current, per_day = _daily_mg(drug), drug.doses_per_day
    elif current_dose is not None:
        current = _mg_per_day(current_dose, "current_dose")
    base, count = _baseline(baseline, labs)
    stable = None if stable_since is None else lab_date(stable_since, "stable_since")
    if stable is not None and stable > labs.date:
        raise InputRangeError("stable_since is after the results", field="stable_since", value=stable)
    return Case(
        drug=name,
        labs=labs,
        history=past,
        baseline_creatinine=base,
        baseline_count=count,
        current_mg_per_day=current,
        doses_per_day=per_day,
        started=first,
        stable_since=stable,
        thresholds=thresholds,
        uln_alt=_uln(uln_alt, "uln_alt"),
        uln_ast=_uln(uln_ast, "uln_ast"),
        explained=given,
        creatinine_rise=_fraction(creatinine_rise, "creatinine_rise", *rules.CICLOSPORIN_RISE),
        reduction=_fraction(reduction, "reduction", *rules.CICLOSPORIN_REDUCTION),
        reductions=whole_number(reductions, "reductions", 0, 10),
        pressure_reductions=whole_number(pressure_reductions, "pressure_reductions", 0, 10),
        uncontrolled_hypertension=_flag(uncontrolled, "uncontrolled_hypertension"),
        potassium_limit=u.in_range(
            u.plain_number(potassium_limit, "potassium_limit"), "potassium_limit", 4.0, 8.0,
            "mmol/L", potassium_limit,
        ),
    )


# ---------------------------------------------------------------------------------------------
# The patient's own ceiling ("Screening an order someone else wrote")


_EGFR_LIMITS = (float(_mycophenolate.LOW_EGFR), rules.EGFR_BELOW)  # what an eGFR is read against


def _renal_set(labs: Labs, older: list[Labs], patient: Patient | None
               ) -> tuple[Labs, tuple[float | None, str]]:
    """The newest set with a renal result, and the eGFR it gives in words; else ``labs`` with
    the patient's record's. A newer creatinine that gives none (no age or sex) leaves renal
    function not known, unless an older eGFR is below 25: an older value may restrict a dose,
    never relax what a newer result leaves unknown."""
    newer_unknown = False
    for found in (labs, *older):
        if found.value("egfr") is not None or found.value("creatinine") is not None:
            egfr, text = _renal(found, patient, dated=found is not labs)
            if egfr is not None and (not newer_unknown or egfr < _mycophenolate.LOW_EGFR):
                return found, (egfr, text)
            if egfr is not None:
                break  # older and not restricting: the newer creatinine decides (not known)
            newer_unknown = True
    return labs, _renal(labs, patient)


def _renal(labs: Labs | None, patient: Patient | None, *, dated: bool = False
           ) -> tuple[float | None, str]:
    """The eGFR the renal dose limits use: measured in ``labs``; else CKD-EPI 2021 from their
    creatinine with the patient's age and sex; else from the patient's own record; else None.
    ``dated``: ``labs`` is an older set than the review's, named by its date."""
    where = f"the results of {labs.date.isoformat()}" if dated and labs is not None else ""
    measured = None if labs is None else labs.value("egfr")
    if measured is not None:
        return measured, (f"eGFR {fmt.against(measured, *_EGFR_LIMITS, decimals=1)} mL/min/1.73 m^2"
                          + (f" ({where})" if where else ""))
    if patient is None or patient.age is None or patient.sex is None or patient.age < lim.ADULT_AGE_YEARS:
        return None, ""
    creatinine = None if labs is None else labs.value("creatinine")
    where = where or "these results"
    if creatinine is None:
        creatinine, where = patient.creatinine_mg_dl, "the patient's record"
    if creatinine is None:
        return None, ""
    value = _body.egfr_value(patient.age, patient.sex, creatinine)
    shown = typed_text("creatinine", creatinine) or f"{fmt.number(creatinine, 3)} mg/dL"
    return value, (f"eGFR {fmt.against(value, *_EGFR_LIMITS, decimals=1)} mL/min/1.73 m^2 "
                   "(CKD-EPI 2021 from the creatinine "
                   f"{shown} of {where}, age {fmt.number(patient.age)}, "
                   f"{patient.sex})")


def _ceiling(case: Case, drug: Any, patient: Patient | None, *, latest: bool) -> Ceiling:
    """The patient's own ceiling: with the new results' renal function (``latest``: for a
    restart or a proposed dose) or on the patient's record alone (for the current dose)."""
    if not latest:
        egfr, text = _renal(None, patient)
        case = attrs.evolve(case, egfr=egfr, egfr_text=text)
    found = _own_ceiling(case, patient, case.labs.value("creatinine") if latest else None)
    if isinstance(drug, DailyDose) and drug.cap_mg_per_day is not None:
        cap = drug.cap_mg_per_day * drug.days_per_week / 7
        if found.hard is None or cap < found.hard:
            found = attrs.evolve(found, hard=cap, text=found.text + "; the result's own limits")
    return found


def _own_ceiling(case: Case, patient: Patient | None, creatinine: float | None) -> Ceiling:
    """``creatinine``: the new results' creatinine (mg/dL), or None for the patient's record."""
    name, weight = case.drug, case.weight_kg
    if name == AZATHIOPRINE:
        return _azathioprine_ceiling(patient, creatinine, case.allopurinol)
    if name == MYCOPHENOLATE:
        low_egfr = case.egfr is not None and case.egfr < _mycophenolate.LOW_EGFR
        hard = _mycophenolate.LOW_EGFR_MAX_MG_PER_DAY if low_egfr else _mycophenolate.MAX_MG_PER_DAY
        text = (f"1,000-3,000 mg/day; {case.egfr_text}" + (": below 25, at most 2,000 mg/day"
                                                             if low_egfr else "")
                if case.egfr is not None else
                "1,000-3,000 mg/day; renal function not known, so the eGFR < 25 limit of "
                "2,000 mg/day is not checked")
        return Ceiling(soft=hard, hard=hard, low=_mycophenolate.MG_PER_DOSE[0] * 2, text=text,
                       sources=(src.MYCOPHENOLATE_TITRATION, rules.MYCOPHENOLATE_LOW_EGFR),
                       checked=case.egfr is not None)
    if name == CICLOSPORIN:
        low_rate, high_rate = _ciclosporin.MG_PER_KG_DAY
        if weight is None:
            heaviest = lim.WEIGHT_KG[1]
            return Ceiling(hard=high_rate * heaviest, text=(
                f"no weight: only 5 mg/kg/day of the heaviest weight plexodose accepts "
                f"({fmt.number(heaviest)} kg) could be checked; give patient="),
                sources=(src.SEED_CEILING_GAP,))
        return Ceiling(soft=high_rate * weight, hard=high_rate * weight, low=low_rate * weight,
                       text=f"2.5-5 mg/kg/day at {fmt.number(weight)} kg", checked=True,
                       sources=(src.SEED_CICLOSPORIN, src.SEED_CEILING_GAP))
    # oral cyclophosphamide
    most = _cyclophosphamide.ORAL_MAX_MG_PER_DAY
    if weight is None:
        return Ceiling(hard=most, text="no weight: only the 200 mg/day maximum could be checked; "
                       "give patient=", sources=(src.ORAL_CYCLOPHOSPHAMIDE_MAX,))
    if creatinine is None and patient is not None:
        creatinine = patient.creatinine_mg_dl
    rate, band = (_cyclophosphamide.ORAL_MG_PER_KG_DAY[1], "not known") if (
        creatinine is None) else oral_band(round(creatinine * UMOL_PER_MG_DL, 6))
    hard = min(rate * weight, most)
    return Ceiling(soft=hard, hard=hard, low=_cyclophosphamide.ORAL_MG_PER_KG_DAY[0] * weight,
                   text=f"1-{fmt.number(rate)} mg/kg/day at {fmt.number(weight)} kg (creatinine "
                   f"{band}), at most 200 mg/day", checked=True,
                   sources=(src.SEED_CYCLOPHOSPHAMIDE, src.CYCLOPHOSPHAMIDE_ORAL_RENAL,
                            src.ORAL_CYCLOPHOSPHAMIDE_MAX))


def _azathioprine_ceiling(patient: Patient | None, creatinine: float | None, allopurinol: bool) -> Ceiling:
    cap = _azathioprine.CAP_MG_PER_DAY
    if patient is None:
        return Ceiling(hard=cap, text="no patient: only the 150 mg/day maximum could be checked, "
                       "not the genotype, renal or weight range; give patient=",
                       sources=(src.SEED_AZATHIOPRINE,))
    p = patient if creatinine is None else attrs.evolve(
        patient, serum_creatinine=u.quantity(creatinine, "mg/dL"))
    genes = (p.tpmt, p.nudt15)
    sources = (src.SEED_AZATHIOPRINE, src.CPIC_THIOPURINES, src.AZATHIOPRINE_RENAL)
    try:
        if "poor" in genes:
            regimen = _azathioprine.azathioprine(p, override="the regimen a review screens against",
                                                 allopurinol=allopurinol)
            daily = regimen.daily_dose_mg
            return Ceiling(soft=daily, hard=cap, poor=True, checked=True, sources=sources, text=(
                f"TPMT/NUDT15 poor metabolizer: CPIC's reduced regimen is {fmt.mass_mg(daily)}/day "
                "on average (10-fold reduction, three days a week)"))
        # one range for the review and the order screen (clinical rules, "Screening an order
        # someone else wrote"): CPIC's share of N for a reduced metabolizer, else 1-2 mg/kg/day
        low, high, text, _ = own_azathioprine_range(p, allopurinol)
    except PlexodoseError as exc:
        return Ceiling(hard=cap, text=f"the patient's range could not be worked out ({exc})",
                       sources=sources)
    return Ceiling(soft=min(high, cap), hard=cap, low=low, text=text, checked=True,
                   sources=sources)


def _flag(value: Any, field: str) -> bool:
    if not isinstance(value, bool):
        raise InputRangeError(f"{field} must be True or False; got {safe_repr(value)}", field=field, value=value)
    return value


_DAILY_MASS = u.Dimension("mass per day", "mg/day", '"300 mg/day"')


def _mg_per_day(value: Any, field: str) -> float:
    found = u.to_float(value, field, _DAILY_MASS)
    return u.in_range(found, field, 1.0, 5000.0, "mg/day", value)


def _judgements(r: Rules) -> tuple[str, ...]:
    out = []
    for group in r.groups():  # the latest set, then each older set holding a latest result
        labs = group.case.labs
        for name in labs.names():
            shown = group.shown(name)
            found = group.judged.get(name)
            if found:
                out.append(f"{shown}: judged by " + "; ".join(f"[{s.tag}] {s.citation}" for s in found))
            else:
                out.append(f"{shown}: not judged: no rule for {LABELS[name]} on {r.case.drug}")
    return tuple(out)


def _conclude(r: Rules, withheld: Any, restart_dose: Any, patient: Patient | None = None
              ) -> Review:
    case = r.case
    withheld = _flag(withheld, "withheld")
    if restart_dose is not None and not withheld:
        raise InputRangeError(
            "restart_dose applies to a withheld drug only (pass withheld=True)",
            field="restart_dose",
            value=restart_dose,
        )
    if len({f.action for f in r.findings if f.action != "continue"}) > 1:
        r.cite(rules.TWO_RULES_GAP)  # one answer: the highest action; every rule cited
    worst: Action = max((f.action for f in r.findings), key=severity, default="continue")
    proposed: tuple[float, str] | None = None
    if worst == "recalculate":
        proposed = r.recalculated
    if worst == "reduce":
        proposed = min(r.proposals, default=None)
        if case.drug == CICLOSPORIN:
            r.cite(src.RANGE_LOW_END_GAP)
            r.cite(rules.CICLOSPORIN_CAPSULES_GAP)
        if proposed is None:
            r.note(
                "no proposed dose: give the current dose (current_dose=\"300 mg/day\" or the "
                "DailyDose as drug)" if case.current_mg_per_day is None else
                "no whole-capsule dose lies inside a 25-50 % reduction: discuss the dose with the "
                "specialist team" if case.drug == CICLOSPORIN else
                "no dose proposed: discuss the dose with the specialist team"
            )
    if withheld and worst == "reduce":
        # A withheld drug restarts only at the prescriber's dose, never at a computed reduction.
        worst, proposed = "withhold", None
        r.find(
            "withhold",
            "the drug is withheld and the results ask for a reduction: a restart takes the "
            "prescriber's dose (restart_dose=)",
            rules.RESTART_RULE,
        )
    if withheld and severity(worst) <= severity("flag"):
        r.cite(rules.RESTART_RULE)
        if restart_dose is None:
            worst = "withhold"
            r.find(
                "withhold",
                "the results allow a restart, but the drug is withheld: a restart takes the "
                "prescriber's dose (restart_dose=)",
                rules.RESTART_RULE,
            )
        else:
            amount = _mg_per_day(restart_dose, "restart_dose")
            if case.drug == CICLOSPORIN and case.weight_kg is None:
                raise InputRangeError(
                    "restart_dose: ciclosporin's ceiling is 5 mg/kg/day of the patient's weight: "
                    "give the calculator's DailyDose as drug (or patient=), so the dose can be "
                    "checked against it",
                    field="restart_dose",
                    value=amount,
                )
            screen(r, amount, "restart_dose")
            proposed = (amount, f"{fmt.mass_mg(amount)}/day (restart at the prescriber's dose)")
            r.find("continue", "restart at the prescriber's dose", rules.RESTART_RULE)
    elif withheld and restart_dose is not None:
        r.note("restart_dose not used: the results do not allow a restart")
    every, cadence_source = cadence(case)
    r.cite(cadence_source)
    checks = [f.check for f in r.findings if f.check is not None]
    if severity(worst) >= severity("withhold"):
        r.cite(rules.WITHHOLD_REPEAT_GAP)
        checks.append(r.days(rules.WITHHOLD_REPEAT_DAYS))
        when = "discuss with the specialist team now; repeat the tests by then"
    elif worst in ("repeat", "reduce"):
        when = "repeat the tests" if worst == "repeat" else "after the dose change"
    else:
        when = f"the regular cadence, every {fmt.number(every / 7)} weeks"
    checks.append(r.days(every))
    inside = within_text(r)
    if inside is not None:
        r.findings.append(Finding("continue", inside[0], inside[1]))
        r.cite(inside[1])
    if not r.findings:  # every result judged was noted (a differing local threshold, ...)
        r.findings.append(Finding("continue", "no rule asks for a change; the notes say what the "
                                  "rules found", cadence_source))
    if proposed is not None and worst in ("withhold", "stop"):
        proposed = None
    if proposed is not None and not (withheld and restart_dose is not None):
        # a dose recalculated for a new weight answers to that weight's ceiling, not to the
        # limits the current result carries for the weight it was made at
        fresh = proposed == r.recalculated and patient is not None
        screen(r, proposed[0], "proposed dose",
               _ceiling(case, None, patient, latest=True) if fresh else None)
    return Review(
        drug=case.drug,
        date=case.labs.date,
        action=worst,
        reasons=tuple(sorted(r.findings, key=lambda f: -severity(f.action))),
        notes=tuple(r.notes),
        sources=tuple(r.sources),
        next_check=min(checks),
        next_check_text=when,
        proposed_amount=None if proposed is None else proposed[0],
        proposed_unit=None if proposed is None else "mg/day",
        proposed_text="" if proposed is None else proposed[1],
        judgements=_judgements(r),
    )


@attrs.frozen
class _PulseRecalculation:
    """What a pulse review needs to ask for a recalculation: the patient now, the change that
    counts and the override behind the current pulse."""

    patient: Patient | None
    change: float
    override: str | None


def _pulse_recalculation(r: Rules, previous: CyclophosphamidePulse, nxt: Any,
                         asked: _PulseRecalculation) -> CyclophosphamidePulse | None:
    """A BSA ``change`` or more from the one behind the last pulse (a new weight or height):
    the next pulse at its g/m2 on the new BSA, with all its limits, beside the current one
    (clinical rules, "A change in weight"); never applied silently. The new pulse, or None."""
    from plexodose._drugs.cyclophosphamide import cyclophosphamide_iv

    p = asked.patient
    if p is None or p.height_cm is None:
        return None
    g_per_m2 = previous.g_per_m2 if nxt is None else nxt.g_per_m2
    try:
        new = cyclophosphamide_iv(p, g_per_m2=g_per_m2, override=asked.override)
    except PlexodoseError as exc:
        r.note(f"the pulse at the patient's new weight and height could not be calculated ({exc})",
               WEIGHT_CHANGE_RULE)
        return None
    before, now = previous.bsa_m2, new.bsa_m2
    moved = abs(now - before) / before
    if moved < asked.change:
        return None
    for source in new.sources:
        r.cite(source)
    r.find("recalculate", f"BSA {fmt.number(now, 3)} m2 (weight {fmt.number(p.weight_kg)} kg, "
           f"height {fmt.number(p.height_cm)} cm) differs by {fmt.percent(moved)} from the "
           f"{fmt.number(before, 3)} m2 behind the last pulse; {fmt.percent(asked.change)} or more "
           f"asks for a recalculation: next pulse {fmt.mass_mg(new.prepared_mg, 0)} "
           f"({fmt.number(g_per_m2, 3)} g/m2 x {fmt.number(now, 3)} m2; last "
           f"{fmt.mass_mg(previous.prepared_mg, 0)}): the prescriber accepts it",
           WEIGHT_CHANGE_RULE)
    return new


def _pulse_review(
    previous: Any, labs: Labs, nadir: Labs | None, unjudged_as: Unjudged, neutrophils_rule: str,
    asked: _PulseRecalculation,
) -> Review:
    """IV pulses: the nadir and pre-pulse rules (cyclophosphamide_next_pulse), the French
    neutrophil rule (postpone by default) and the pre-pulse creatinine above the EULAR table."""
    from plexodose._drugs.cyclophosphamide import cyclophosphamide_next_pulse

    if not isinstance(previous, CyclophosphamidePulse):
        raise MissingInputError(
            "a cyclophosphamide IV review needs the last pulse: pass its CyclophosphamidePulse "
            "as drug",
            field="drug",
        )
    if nadir is not None and not isinstance(nadir, Labs):
        raise InputRangeError("nadir must be a plexodose.Labs with a wbc", field="nadir", value=nadir)

    def per_ul(found: Labs | None, name: str) -> Any:
        value = None if found is None else found.value(name)
        return None if value is None else u.quantity(value * 1000, "1/uL")

    nadir_wbc = per_ul(nadir, "wbc")
    if nadir is not None and nadir_wbc is None:
        raise MissingInputError("nadir must carry a wbc", field="nadir")
    case = Case(
        drug=IV_CYCLOPHOSPHAMIDE, labs=labs, history=Past(), baseline_creatinine=None, baseline_count=0,
        current_mg_per_day=None, doses_per_day=1, started=None, stable_since=None,
        thresholds="bsr2017", uln_alt=None, uln_ast=None, explained=frozenset(),
        creatinine_rise=rules.CICLOSPORIN_RISE[0], reduction=rules.CICLOSPORIN_REDUCTION[1],
        reductions=0, pressure_reductions=0, uncontrolled_hypertension=False,
        potassium_limit=rules.POTASSIUM_ABOVE, unjudged=unjudged_as,
    )
    r = Rules(case)
    wbc = r.value("wbc", src.CYCLOPHOSPHAMIDE_NADIR)
    neutrophils = r.value("neutrophils", rules.FRENCH_POSTPONE)
    creatinine = r.value("creatinine", rules.PRE_PULSE_CREATININE_GAP)
    if nadir_wbc is None and wbc is None and neutrophils is None:
        raise MissingInputError(
            "a cyclophosphamide IV review needs the pre-pulse wbc or neutrophils, or the nadir: "
            'such as Labs(date=..., wbc="4.5 x10^9/L")',
            field="labs",
        )
    postpone = neutrophils is not None and neutrophils * 1000 < _cyclophosphamide.NEUTROPHILS_CUT_BELOW
    nxt = cyclophosphamide_next_pulse(
        previous,
        nadir_wbc=nadir_wbc,
        pre_pulse_wbc=per_ul(labs, "wbc"),
        pre_pulse_neutrophils=None if postpone and neutrophils_rule == "postpone"
        else per_ul(labs, "neutrophils"),
        # a pulse given on a stated reason (above 1 g/m2) is reviewed on the review's reason;
        # one given without is never raised past 1 g/m2 by a review: calculate it anew
        override=asked.override if previous.override is not None else None,
    ) if (nadir_wbc is not None or wbc is not None or not postpone or neutrophils_rule == "cut") else None
    postponed = postpone and neutrophils_rule == "postpone"
    held = nxt is None or nxt.held or postponed
    action: Action = "continue"
    if nxt is not None and not postponed:
        action = "withhold" if nxt.held else (
            "reduce" if nxt.dose_mg < previous.dose_mg - 1e-9 else "continue")
        for step in nxt.steps[-1:]:
            r.find("continue", step, src.CYCLOPHOSPHAMIDE_NADIR)
        for text in nxt.warnings:
            if "neutrophils" in text:
                r.find(action, text, src.FRENCH_NEUTROPHILS, about=("neutrophils",))
            elif "WBC" in text:
                r.find(action, text, src.CYCLOPHOSPHAMIDE_NADIR, about=("wbc",))
            else:  # mesna and hydration: a companion line, not a finding on a result
                r.note(text, src.MESNA_HYDRATION)
        for source in nxt.sources:
            r.cite(source)
    if postponed and neutrophils is not None:
        r.find("withhold", f"neutrophils {fmt.number(neutrophils, 3)} x10^9/L are below 1.5 x10^9/L "
               "on the bolus date: postpone the pulse (the French protocol's default; "
               "neutrophils_rule='cut' gives 75 % instead); a postponement beyond 2 weeks: discuss "
               "another therapy", rules.FRENCH_POSTPONE, about=("neutrophils",))
    if creatinine is not None:
        umol = round(creatinine * UMOL_PER_MG_DL, 6)
        if umol > rules.PRE_PULSE_CREATININE_ABOVE_UMOL_L:
            held = True
            shown = fmt.against(umol, rules.PRE_PULSE_CREATININE_ABOVE_UMOL_L, decimals=0)
            r.find("withhold", f"pre-pulse creatinine {shown} umol/L is above 500 umol/L, beyond "
                   "the EULAR table: hold the pulse and discuss (dose individually)",
                   rules.PRE_PULSE_CREATININE_GAP, about=("creatinine",))
    recalculated = None if held else _pulse_recalculation(r, previous, nxt, asked)
    unjudged(r)
    worst: Action = max((f.action for f in r.findings), key=severity, default="continue")
    if held:
        worst = "withhold"
    inside = within_text(r)
    if inside is not None:
        r.findings.append(Finding("continue", inside[0], inside[1]))
    if severity(worst) >= severity("withhold"):
        r.cite(rules.WITHHOLD_REPEAT_GAP)
    check = labs.date + dt.timedelta(days=7 if held else 10)
    proposed = None if held or nxt is None else nxt
    if worst == "recalculate" and recalculated is not None:
        proposed = recalculated
    dose = None if proposed is None else proposed.prepared_mg
    return Review(
        drug=IV_CYCLOPHOSPHAMIDE,
        date=labs.date,
        action=worst,
        reasons=tuple(sorted(r.findings, key=lambda f: -severity(f.action))),
        notes=tuple(r.notes),
        sources=tuple(dict.fromkeys((*r.sources, *(f.source for f in r.findings)))),
        next_check=check,
        next_check_text="repeat the counts; discuss with the specialist team" if held
        else "nadir WBC 10-14 days after the pulse",
        proposed_amount=dose,
        proposed_unit=None if dose is None else "mg",
        proposed_text="" if proposed is None else _pulse_text(proposed),
        judgements=_judgements(r),
    )


def _pulse_text(pulse: CyclophosphamidePulse) -> str:
    """The next pulse as the pharmacy prepares it (whole mg), the calculated amount beside it
    where it differs (to 2 decimals): one precision per amount, as the pulse's own block."""
    text = f"{fmt.mass_mg(pulse.prepared_mg, 0)} for the next pulse"
    if pulse.prepared_mg != pulse.dose_mg:
        text += f" (calculated {fmt.mass_mg(pulse.dose_mg)})"
    return text


__all__ = ["ACTIONS", "Action", "Finding", "Review", "drug_of", "review", "severity"]
