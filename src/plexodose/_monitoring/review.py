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

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

import attrs

from plexodose._core import format as fmt
from plexodose._core import limits as lim
from plexodose._core import sources as src
from plexodose._core import units as u
from plexodose._core import vocab
from plexodose._core.checks import whole_number
from plexodose._core.errors import DoseRangeError, InputRangeError, MissingInputError, safe_repr
from plexodose._core.public import public
from plexodose._core.sources import Source
from plexodose._dosing.results import CyclophosphamidePulse, DailyDose
from plexodose._drugs import azathioprine as _azathioprine
from plexodose._drugs import cyclophosphamide as _cyclophosphamide
from plexodose._drugs import mycophenolate as _mycophenolate
from plexodose._monitoring import thresholds as rules
from plexodose._monitoring.labs import ANALYTES, Labs, lab_date, mean
from plexodose._monitoring.labs import history as checked_history
from plexodose._monitoring.rules import (
    ACTIONS,
    AZATHIOPRINE,
    CICLOSPORIN,
    IV_CYCLOPHOSPHAMIDE,
    MYCOPHENOLATE,
    ORAL_CYCLOPHOSPHAMIDE,
    REVIEW_NAMES,
    SHARED,
    Action,
    Case,
    Finding,
    Rules,
    Thresholds,
    cadence,
    ciclosporin_rules,
    counts,
    pressure,
    reduced_dose,
    renal_shared,
    severity,
    shared,
    trends,
)
from plexodose._patient import provenance as _prov

HEADLINES = {
    "continue": "continue",
    "flag": "continue the dose and act on the findings below",
    "repeat": "repeat the test",
    "reduce": "reduce the dose",
    "withhold": "withhold and discuss with the specialist team",
    "stop": "stop and seek specialist advice",
}



@public
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
    labs: Labs, past: tuple[Labs, ...], started: Any, on: Any, baseline: Any = None,
    stable_since: Any = None, nadir: Any = None,
) -> tuple[dt.date | None, dt.date]:
    """(start, review date), once every date given makes sense; refused otherwise, naming the
    field, the dates and the rule (dosing-rules.md, "Whose value, from when")."""
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
    for result, field in ((labs, "labs"), *((h, "history") for h in past)):
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
    "continue": the review answers "repeat" for it, and names it (dosing-rules.md, "Labs for a
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
    drug: Any,
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
) -> Review:
    """Review the latest results ``labs`` of a patient on ``drug`` (a name or its result).

    - ``baseline``: the pre-treatment Labs (or a list: creatinine is their mean), or a
      creatinine such as ``"0.9 mg/dL"``; needed whenever a creatinine is reviewed.
    - ``history``: earlier on-treatment Labs, oldest first (trends, repeats, two readings).
    - ``started``: the first dose (results before it are refused); ``on``: the review date
      (today by default): results dated after it are refused as "in the future".
    - ``current_dose`` ("300 mg/day") or a DailyDose as ``drug``: the base of a reduction.
    - ``thresholds``: "bsr2017" (default) or "local" (neutrophils < 2.0, platelets < 150,
      ALT/AST > 2x ``uln_alt``/``uln_ast``); the other set is reported where it would differ.
    - ``explained``: analytes whose abnormality the prescriber has explained ("eosinophils",
      "albumin"). Ciclosporin: ``creatinine_rise`` 0.25 (psoriasis) or 0.30 (RA),
      ``reduction`` 0.25-0.5 (0.5, the larger, by default), ``reductions`` and
      ``pressure_reductions`` already made, ``uncontrolled_hypertension``, ``potassium_limit``.
    - ``withheld=True`` with ``restart_dose``: restart at the prescriber's dose once the
      results allow. Cyclophosphamide IV: ``drug`` is the last pulse; ``labs`` are pre-pulse
      counts, ``nadir`` the nadir WBC (cyclophosphamide_next_pulse decides).
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
    past = checked_history(history)
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
        return _pulse_review(drug, labs, nadir)
    if nadir is not None:
        raise InputRangeError("nadir applies to cyclophosphamide IV only", field="nadir", value=nadir)
    case = _case(name, drug, labs, past, first, baseline, current_dose, stable_since, thresholds,
                 uln_alt, uln_ast, explained, creatinine_rise, reduction, reductions,
                 pressure_reductions, uncontrolled_hypertension, potassium_limit)
    r = Rules(case)
    _stale(r, today)
    if name in SHARED:
        shared(r)
        renal_shared(r)
    else:
        counts(r, by_analogy=True)
        trends(r, ("wbc", "neutrophils", "platelets"), ())
        r.cite(rules.ORAL_CYCLOPHOSPHAMIDE_COUNTS_GAP)
    if name == CICLOSPORIN:
        ciclosporin_rules(r)
    elif name == MYCOPHENOLATE:
        pressure(r, ciclosporin=False)
    return _not_before(_conclude(r, withheld, restart_dose), today)


def _not_before(found: Review, today: dt.date) -> Review:
    """A stale result's next check is the review date, not its own (past) cadence date."""
    stale = any(f.source == _prov.REVIEW_WINDOW for f in found.reasons)
    if not stale or found.next_check >= today:
        return found
    return attrs.evolve(found, next_check=today, next_check_text=f"now: {found.next_check_text}")


def _case(
    name: str, drug: Any, labs: Labs, past: tuple[Labs, ...], first: dt.date | None,
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
    current, per_day = None, 2 if name == CICLOSPORIN else 1
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
        max_mg_per_day=_max_mg_per_day(name, drug, labs),
    )


def _max_mg_per_day(name: str, drug: Any, labs: Labs) -> float | None:
    """The daily maximum a proposed dose must respect (the calculators' own limits)."""
    if isinstance(drug, DailyDose) and drug.cap_mg_per_day is not None:
        return drug.cap_mg_per_day
    egfr = labs.value("egfr")
    fixed = {
        AZATHIOPRINE: _azathioprine.CAP_MG_PER_DAY,
        ORAL_CYCLOPHOSPHAMIDE: _cyclophosphamide.ORAL_MAX_MG_PER_DAY,
        MYCOPHENOLATE: _mycophenolate.LOW_EGFR_MAX_MG_PER_DAY
        if egfr is not None and egfr < _mycophenolate.LOW_EGFR
        else _mycophenolate.MAX_MG_PER_DAY,
    }
    return fixed.get(name)


def _within_limit(case: Case, amount: float, field: str, *, restart: bool = False) -> None:
    """Refuse a proposed dose above the drug's daily maximum: a review never proposes one. A
    restart must be checked against it; a reduction is below the current dose already."""
    if case.max_mg_per_day is None:
        if restart and case.drug == CICLOSPORIN:
            raise InputRangeError(
                f"{field}: ciclosporin's ceiling is 5 mg/kg/day of the patient's weight: give the "
                "calculator's DailyDose as drug, so the dose can be checked against it",
                field=field,
                value=amount,
            )
        return
    if amount > case.max_mg_per_day * (1 + 1e-9):
        raise DoseRangeError(
            f"{field} {fmt.mass_mg(amount)}/day is above the {case.drug} maximum of "
            f"{fmt.mass_mg(case.max_mg_per_day)}/day; an override does not lift it",
            field=field,
            value=amount,
        )


def _flag(value: Any, field: str) -> bool:
    if not isinstance(value, bool):
        raise InputRangeError(f"{field} must be True or False; got {safe_repr(value)}", field=field, value=value)
    return value


_DAILY_MASS = u.Dimension("mass per day", "mg/day", '"300 mg/day"')


def _mg_per_day(value: Any, field: str) -> float:
    found = u.to_float(value, field, _DAILY_MASS)
    return u.in_range(found, field, 1.0, 5000.0, "mg/day", value)


def _conclude(r: Rules, withheld: Any, restart_dose: Any) -> Review:
    case = r.case
    withheld = _flag(withheld, "withheld")
    if restart_dose is not None and not withheld:
        raise InputRangeError(
            "restart_dose applies to a withheld drug only (pass withheld=True)",
            field="restart_dose",
            value=restart_dose,
        )
    worst: Action = max((f.action for f in r.findings), key=severity, default="continue")
    proposed: tuple[float, str] | None = None
    if worst == "reduce":
        proposed = reduced_dose(case)
        r.cite(src.RANGE_LOW_END_GAP)
        r.cite(rules.CICLOSPORIN_CAPSULES_GAP)
        if proposed is None:
            r.note(
                "no proposed dose: give the current dose (current_dose=\"300 mg/day\" or the "
                "DailyDose as drug)" if case.current_mg_per_day is None else
                "no whole-capsule dose lies inside a 25-50 % reduction: discuss the dose with the "
                "specialist team"
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
            _within_limit(case, amount, "restart_dose", restart=True)
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
    if not r.findings:
        r.findings.append(
            Finding("continue", f"every result given ({', '.join(case.labs.names()) or 'none'}) is "
                    "within the rules' limits", cadence_source)
        )
    if proposed is not None and worst in ("withhold", "stop"):
        proposed = None
    if proposed is not None:
        _within_limit(case, proposed[0], "proposed dose")
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
    )


def _pulse_review(previous: Any, labs: Labs, nadir: Labs | None) -> Review:
    """IV pulses: the existing nadir and pre-pulse rules (cyclophosphamide_next_pulse), reused."""
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
    nxt = cyclophosphamide_next_pulse(
        previous,
        nadir_wbc=nadir_wbc,
        pre_pulse_wbc=per_ul(labs, "wbc"),
        pre_pulse_neutrophils=per_ul(labs, "neutrophils"),
    )
    action: Action = (
        "withhold" if nxt.held else "reduce" if nxt.dose_mg < previous.dose_mg - 1e-9 else "continue"
    )
    findings = [Finding("continue", step, src.CYCLOPHOSPHAMIDE_NADIR) for step in nxt.steps[-1:]]
    findings += [
        Finding(
            action,
            text,
            src.FRENCH_NEUTROPHILS if "neutrophils" in text else src.CYCLOPHOSPHAMIDE_NADIR,
        )
        for text in nxt.warnings
    ]
    check = labs.date + dt.timedelta(days=7 if nxt.held else 10)
    return Review(
        drug=IV_CYCLOPHOSPHAMIDE,
        date=labs.date,
        action=action,
        reasons=tuple(findings),
        sources=tuple(dict.fromkeys((*nxt.sources, *(f.source for f in findings),
                                     *((rules.WITHHOLD_REPEAT_GAP,) if nxt.held else ())))),
        next_check=check,
        next_check_text="repeat the counts; discuss with the specialist team" if nxt.held
        else "nadir WBC 10-14 days after the pulse",
        proposed_amount=None if nxt.held else nxt.dose_mg,
        proposed_unit=None if nxt.held else "mg",
        proposed_text="" if nxt.held else f"{fmt.mass_mg(nxt.dose_mg, 0)} for the next pulse",
    )


__all__ = ["ACTIONS", "Action", "Finding", "Review", "drug_of", "review", "severity"]
