"""Before starting: what must be known or done before the first dose, and what refuses a start.

``before_starting(drug, patient, baseline=[Labs(...), ...])`` returns a checklist: each item
done, to do, or to consider, with its source. Ciclosporin is refused (ContraindicationError)
in renal impairment or uncontrolled hypertension unless ``override`` gives a reason.

>>> from plexodose import Labs, Patient
>>> pre = [Labs(date="2026-11-02", creatinine="0.9 mg/dL", blood_pressure="128/80 mmHg"),
...        Labs(date="2026-11-09", creatinine="1.1 mg/dL", blood_pressure="132/84 mmHg")]
>>> b = before_starting("ciclosporin", Patient.example(), baseline=pre, on="2026-11-20")
>>> b.baseline_creatinine  # (0.9 + 1.1) / 2
<Quantity(1.0, 'milligram / deciliter')>
>>> [c.status for c in b.checks][:2]
['done', 'done']
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Sequence
from typing import Any, Literal

import attrs

from plexodose._core import format as fmt
from plexodose._core import sources as src
from plexodose._core import units as u
from plexodose._core.alerts import Alert, Severity, matched
from plexodose._core.errors import ContraindicationError, InputRangeError
from plexodose._core.legacy import loads_older_pickles
from plexodose._core.public import public
from plexodose._core.sources import Source
from plexodose._dosing.trace import reason
from plexodose._monitoring import thresholds as rules
from plexodose._monitoring.labs import Labs, history, lab_date, mean
from plexodose._monitoring.review import drug_of as review_drug
from plexodose._monitoring.rules import (
    CICLOSPORIN,
    IV_CYCLOPHOSPHAMIDE,
    MYCOPHENOLATE,
    ORAL_CYCLOPHOSPHAMIDE,
)
from plexodose._patient import body as _body
from plexodose._patient import provenance as _prov
from plexodose._patient.patient import Patient

Status = Literal["done", "to do", "consider", "not needed"]
ALKYLATING_AGENTS = Source(
    "label",
    "US azathioprine prescribing information, contraindications "
    "(prescriberpoint.com/therapies/azathioprine-200ce99)",
    "patients with rheumatoid arthritis previously treated with alkylating agents "
    "(cyclophosphamide, chlorambucil, melphalan, or others) may have a prohibitive risk of "
    "malignancy if treated with azathioprine; plexopathy is off-label: a warning, not a refusal",
    id="azathioprine.before.alkylating_agents",
    links=("prescriberpoint.com/therapies/azathioprine-200ce99",),
)
IVIG_RISK_AGE_OVER = 65.0  # [label] boxed warning: age over 65 (renal failure)
PREGNANCY_TEST_DAYS = (8, 10)  # [guideline] SPS mycophenolate: twice, 8-10 days apart
START_RISE = 0.25  # ciclosporin start refused at creatinine 25 % or more above its baseline


@attrs.frozen
class Check:
    """One item of the checklist."""

    item: str
    status: Status
    source: Source

    def __str__(self) -> str:
        return f"[{self.status}] {self.item}"


@public
@attrs.frozen(kw_only=True, repr=False)
class BeforeStarting:
    """The pre-treatment checklist of one drug for one patient."""

    drug: str
    checks: tuple[Check, ...]
    baseline_creatinine_mg_dl: float | None = None
    warnings: tuple[str, ...] = ()
    sources: tuple[Source, ...] = ()
    override: str | None = None
    alerts: tuple[Alert, ...] = attrs.field(default=(), eq=False)
    """``warnings`` with their stable codes, severities and sources, in the same order, as on
    results; a warning given without its alert is coded ``plexodose.uncoded`` (``high``)."""

    def __attrs_post_init__(self) -> None:
        kept = self.alerts
        if len(kept) != len(self.warnings) or any(
            a.text != w for a, w in zip(kept, self.warnings, strict=True)
        ):
            object.__setattr__(self, "alerts", matched(self.warnings, kept))

    @property
    def ready(self) -> bool:
        """True when nothing is left to do (items to consider do not hold a start)."""
        return all(c.status != "to do" for c in self.checks)

    @property
    def to_do(self) -> tuple[Check, ...]:
        return tuple(c for c in self.checks if c.status == "to do")

    @property
    def baseline_creatinine(self) -> Any:
        """The baseline for the creatinine rule (the mean of the pre-treatment values), or None."""
        value = self.baseline_creatinine_mg_dl
        return None if value is None else u.quantity(value, "mg/dL")

    def __repr__(self) -> str:
        state = "ready to start" if self.ready else f"{len(self.to_do)} item(s) to do"
        lines = [f"before starting {self.drug}: {state}"]
        if self.baseline_creatinine_mg_dl is not None:
            lines.append(
                f"  baseline creatinine: {fmt.number(self.baseline_creatinine_mg_dl, 3)} mg/dL"
            )
        if self.override:
            lines.append(f"  override: {self.override}")
        lines.append("  checks:")
        lines += [f"    {check}" for check in self.checks]
        if self.warnings:
            lines.append("  warnings:")
            lines += [f"    ! {w}" for w in self.warnings]
        lines.append("  sources:")
        lines += [f"    - {s}" for s in self.sources]
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.__repr__()

    def to_dict(self) -> dict[str, Any]:
        """The public JSON form: the checks with their status and source, the warnings and their
        alerts (code, severity, text, source id), the sources (schema: ``plexodose.json_schema()``)."""
        from plexodose._interop.json import checklist_dict

        return checklist_dict(self)

    def to_json(self, indent: int | None = None) -> str:
        """:meth:`to_dict` as JSON text (keys sorted)."""
        from plexodose._interop.json import dumps

        return dumps(self.to_dict(), indent)

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:  # IPython: wrapped to its width
        from plexodose._views.render import terminal_text

        printer.text(terminal_text(repr(self), getattr(printer, "max_width", 0)))

    def _repr_html_(self) -> str:  # Jupyter: ready or what is to do, from the fields
        from plexodose._views.render import checklist_html

        return checklist_html(self)

    def _repr_markdown_(self) -> str:
        from plexodose._views.render import checklist_markdown

        return checklist_markdown(self)


loads_older_pickles(BeforeStarting, recover=lambda made: {"alerts": matched(made.warnings, ())})


class _List:
    def __init__(self) -> None:
        self.checks: list[Check] = []
        self.alerts: list[Alert] = []
        self.sources: list[Source] = []

    def warn(self, text: str, source: Source | None = None, *, code: str,
             severity: Severity) -> None:
        """A warning with its code and severity (cited among the sources when it names one)."""
        self.alerts.append(Alert._of(code, severity, text, source))
        if source is not None:
            self.cite(source)

    def cite(self, source: Source) -> None:
        if source not in self.sources:
            self.sources.append(source)

    def add(self, item: str, status: Status, source: Source) -> None:
        self.checks.append(Check(item, status, source))
        if source not in self.sources:
            self.sources.append(source)


def _has(results: tuple[Labs, ...], *names: str) -> bool:
    return any(r.value(n) is not None for r in results for n in names)


def _status(done: bool) -> Status:
    return "done" if done else "to do"


def before_starting(
    drug: Any,
    patient: Patient,
    *,
    baseline: Sequence[Labs] = (),
    on: Any = None,
    could_become_pregnant: bool | None = None,
    pregnancy_tests: Sequence[Any] = (),
    uncontrolled_hypertension: bool = False,
    prior_alkylating_agents: bool | None = None,
    override: str | None = None,
) -> BeforeStarting:
    """The checklist before ``drug`` (a name or a calculator result) for ``patient``.

    ``baseline``: the pre-treatment Labs, oldest first (ciclosporin: blood pressure and
    creatinine on at least two occasions; the baseline creatinine is their mean).
    ``pregnancy_tests``: dates of negative pregnancy tests (mycophenolate: two, 8-10 days
    apart, in a woman who could become pregnant). ``override`` (a reason) lets ciclosporin start
    despite renal impairment or uncontrolled hypertension, and is recorded.
    ``prior_alkylating_agents`` (azathioprine): has the patient ever received cyclophosphamide,
    chlorambucil, melphalan or another alkylating agent? Yes warns (label); not answered leaves
    the question to do.

    Baseline results older than 30 days on ``on`` (today by default) are named stale and not
    used; of the renal values, the newest dated one wins (clinical rules, "Whose value, from
    when"). Unknown age or renal function is "not known", never "not at risk".
    """
    name = _drug(drug)
    if not isinstance(patient, Patient):
        raise InputRangeError(
            f"patient must be a plexodose.Patient; got {type(patient).__name__}",
            field="patient",
            value=patient,
        )
    results = history(baseline, "baseline")
    today = dt.date.today() if on is None else lab_date(on, "on")
    if results and results[-1].date > today:
        raise InputRangeError(
            f"baseline is dated {results[-1].date.isoformat()}, in the future (after "
            f"{today.isoformat()}); pass on= the date of this check",
            field="baseline",
            value=results[-1].date,
        )
    if prior_alkylating_agents is not None and not isinstance(prior_alkylating_agents, bool):
        raise InputRangeError("prior_alkylating_agents must be True, False or None (not asked)",
                              field="prior_alkylating_agents", value=prior_alkylating_agents)
    why = reason(override)
    out = _List()
    results = _fresh(out, results, today)
    base = _creatinine_baseline(patient, results)
    if name == "azathioprine":
        _thiopurine(out, patient, results)
        _alkylating(out, drug, prior_alkylating_agents)
    elif name == MYCOPHENOLATE:
        _mycophenolate(out, patient, results, could_become_pregnant, pregnancy_tests, today)
    elif name == CICLOSPORIN:
        _ciclosporin(out, patient, results, base, uncontrolled_hypertension, why, today)
    elif name == "IVIg":
        _ivig(out, patient, results, today)
    else:
        out.add("full blood count (the shared thresholds apply by analogy)",
                _status(_has(results, "wbc")), rules.ORAL_CYCLOPHOSPHAMIDE_COUNTS_GAP)
        out.add("serum creatinine (the renal dose reductions use it)",
                _status(patient.creatinine_mg_dl is not None), src.EULAR_CYCLOPS)
    out.add("infection screening before immunosuppression, as local policy sets it", "consider",
            rules.INFECTION_SCREENING_GAP)
    if why is not None:
        out.warn(f"started on override: {why}", code="before.override.used", severity="high")
    return BeforeStarting(
        drug=name,
        checks=tuple(out.checks),
        baseline_creatinine_mg_dl=base,
        warnings=tuple(a.text for a in out.alerts),
        sources=tuple(out.sources),
        override=why,
        alerts=tuple(out.alerts),
    )


def _drug(drug: Any) -> str:
    if isinstance(drug, str) and drug.strip().lower() == "ivig":
        return "IVIg"
    name = review_drug(drug)
    return "cyclophosphamide" if name in (ORAL_CYCLOPHOSPHAMIDE, IV_CYCLOPHOSPHAMIDE) else name


def _fresh(out: _List, results: tuple[Labs, ...], today: dt.date) -> tuple[Labs, ...]:
    """The baseline results no older than 30 days on ``today``; the older ones named stale."""
    window = _prov.BASELINE_WINDOW_DAYS
    stale = [r for r in results if (today - r.date).days > window]
    if stale:
        out.warn(
            "stale baseline results not used (older than "
            f"{window} days on {today.isoformat()}): "
            + "; ".join(f"{r.date.isoformat()} ({', '.join(r.names())})" for r in stale)
            + ": repeat them",
            _prov.BASELINE_WINDOW,
            code="before.baseline.stale", severity="caution",
        )
        out.cite(_prov.BASELINE_WINDOW)
    return tuple(r for r in results if r not in stale)


def _renal(
    out: _List, patient: Patient, results: tuple[Labs, ...], today: dt.date, window: int
) -> tuple[float, str] | None:
    """(eGFR, what it rests on) from the newest dated renal value no older than ``window`` days
    (a measured eGFR, or a creatinine with the patient's age and sex); the patient's own
    creatinine counts as of its ``measured`` date, and without one only when nothing dated is
    given ("date not stated"). None when renal function is not known."""
    age, sex = patient.age, patient.sex
    found: list[tuple[dt.date, float, str]] = []
    for r in results:
        egfr = r.value("egfr")
        scr = r.value("creatinine")
        if egfr is not None:
            found.append((r.date, egfr, f"eGFR of {r.date.isoformat()}"))
        elif scr is not None and age is not None and sex is not None:
            found.append((r.date, _body.egfr_value(age, sex, scr),
                          f"creatinine {fmt.number(scr, 3)} mg/dL of {r.date.isoformat()}"))
    own = patient.creatinine_mg_dl
    when = patient.measured.get("serum_creatinine")
    if own is not None and age is not None and sex is not None:
        egfr = _body.egfr_value(age, sex, own)
        text = f"the patient's creatinine {fmt.number(own, 3)} mg/dL"
        if when is None:
            if not found:
                out.warn(f"{text} has no date (date not stated): confirm it is recent",
                         code="before.creatinine.undated", severity="caution")
                return egfr, text + " (date not stated)"
            out.warn(f"{text} has no date: the newer dated value is used",
                     code="before.creatinine.undated_not_used", severity="caution")
        elif (today - when).days > window:
            out.warn(
                f"{text} measured {when.isoformat()} is stale (older than {window} days on "
                f"{today.isoformat()}): not used",
                _prov.BASELINE_WINDOW,
                code="before.creatinine.stale", severity="caution",
            )
            out.cite(_prov.BASELINE_WINDOW)
        else:
            found.append((when, egfr, f"{text} of {when.isoformat()}"))
    fresh = [f for f in found if (today - f[0]).days <= window]
    if not fresh:
        return None
    date, egfr, text = max(fresh, key=lambda f: f[0])
    older = [f[2] for f in fresh if f[0] < date]
    if older:
        out.warn(f"renal function from the newest value, {text}; older: " + ", ".join(older),
                 code="before.renal.newest_used", severity="caution")
    return egfr, text


def _ivig(out: _List, patient: Patient, results: tuple[Labs, ...], today: dt.date) -> None:
    renal = _renal(out, patient, results, today, _prov.PULSE_WINDOW_DAYS)
    if renal is None:
        missing = [n for n in ("age", "sex", "serum_creatinine") if getattr(patient, n) is None]
        out.add("renal function before each course (creatinine or eGFR within 7 days): not "
                "known" + (f" ({', '.join(missing)} not given)" if missing else ""), "to do",
                rules.IVIG_BOXED_WARNING)
    else:
        out.add(f"renal function before each course: eGFR {fmt.number(renal[0], 1)} "
                f"mL/min/1.73 m^2 ({renal[1]}); hydrate before the infusion", "done",
                rules.IVIG_BOXED_WARNING)
    if patient.age is None:
        out.add("age: not known (over 65 is a renal and thrombosis risk factor)", "to do",
                rules.IVIG_BOXED_WARNING)
    elif patient.age > IVIG_RISK_AGE_OVER:
        out.add(f"age {fmt.number(patient.age)}: over 65, a renal and thrombosis risk factor",
                "done", rules.IVIG_BOXED_WARNING)
    if (patient.age is not None and patient.age > IVIG_RISK_AGE_OVER) or (
        renal is not None and renal[0] < rules.EGFR_BELOW
    ):
        out.warn("at risk (boxed warning): use the minimum dose, concentration and infusion "
                 "rate practicable; hydrate before the infusion", rules.IVIG_BOXED_WARNING,
                 code="ivig.before.renal_risk", severity="high")


def _alkylating(out: _List, drug: Any, prior: bool | None) -> None:
    earlier = getattr(drug, "drug", None) == "cyclophosphamide"
    if prior is None and not earlier:
        out.add("prior alkylating agents (cyclophosphamide, chlorambucil, melphalan or others)? "
                "not answered: pass prior_alkylating_agents=True or False", "to do",
                ALKYLATING_AGENTS)
        return
    out.add("prior alkylating agents: " + ("yes" if prior or earlier else "no"), "done",
            ALKYLATING_AGENTS)
    if prior or earlier:
        out.warn(
            "prior alkylating agents: the azathioprine label warns that patients with rheumatoid "
            "arthritis previously treated with alkylating agents may have a prohibitive risk of "
            "malignancy if treated with azathioprine (written for RA; plexopathy is off-label: "
            "weigh it before starting)",
            ALKYLATING_AGENTS,
            code="azathioprine.before.prior_alkylating", severity="high",
        )


def _creatinine_baseline(patient: Patient, results: tuple[Labs, ...]) -> float | None:
    values = [v for r in results if (v := r.value("creatinine")) is not None]
    if values:
        return mean(values)
    return patient.baseline_creatinine_mg_dl


def _thiopurine(out: _List, patient: Patient, results: tuple[Labs, ...]) -> None:
    for gene, value in (("TPMT", patient.tpmt), ("NUDT15", patient.nudt15)):
        if value is None:
            out.add(f"{gene} result (sets the starting dose)", "to do", rules.THIOPURINE_GENOTYPE)
        elif value == "indeterminate" and gene == "TPMT":
            out.add("TPMT indeterminate: measure TPMT activity (dosed as intermediate meanwhile)",
                    "to do", src.INDETERMINATE_GAP)
        elif value == "indeterminate":
            out.add("NUDT15 indeterminate: no activity assay exists; monitor closely", "consider",
                    rules.THIOPURINE_GENOTYPE)
        else:
            out.add(f"{gene} result: {value.replace('_', ' ')}", "done", rules.THIOPURINE_GENOTYPE)
    out.add("baseline FBC, LFT and creatinine", _status(_has(results, "wbc") and _has(results, "alt", "ast")
            and _has(results, "creatinine")), rules.AZATHIOPRINE_CADENCE)


def _mycophenolate(
    out: _List, patient: Patient, results: tuple[Labs, ...], could: Any, tests: Sequence[Any],
    today: dt.date,
) -> None:
    if could is not None and not isinstance(could, bool):
        raise InputRangeError("could_become_pregnant must be True, False or None",
                              field="could_become_pregnant", value=could)
    dates = sorted(lab_date(d, "pregnancy_tests") for d in tests)
    if dates and dates[-1] > today:
        raise InputRangeError(
            f"pregnancy_tests dated {dates[-1].isoformat()} is after the date of this check "
            f"{today.isoformat()}: a test result cannot come from the future (pass on=)",
            field="pregnancy_tests",
            value=dates[-1],
        )
    apart = [(b - a).days for a, b in itertools.pairwise(dates)]
    low, high = PREGNANCY_TEST_DAYS
    two_tests = any(low <= gap <= high for gap in apart)
    if patient.sex == "male" or could is False:
        status: Status = "not needed"
    elif two_tests:
        status = "done"
    else:
        status = "to do"
    relevant = "" if could else " if she could become pregnant" if patient.sex != "male" else ""
    out.add(f"pregnancy test twice, 8-10 days apart{relevant}", status, rules.MYCOPHENOLATE_BEFORE)
    pressure = any(r.systolic_mmhg is not None for r in results)
    out.add("baseline FBC, LFT, albumin, creatinine and blood pressure",
            _status(_has(results, "wbc") and _has(results, "alt", "ast") and _has(results, "albumin")
                    and _has(results, "creatinine") and pressure), rules.MYCOPHENOLATE_BEFORE)
    out.add("weight and height", _status(patient.height_cm is not None), rules.MYCOPHENOLATE_BEFORE)


def _ciclosporin(
    out: _List, patient: Patient, results: tuple[Labs, ...], base: float | None,
    uncontrolled: Any, why: str | None, today: dt.date,
) -> None:
    if not isinstance(uncontrolled, bool):
        raise InputRangeError("uncontrolled_hypertension must be True or False",
                              field="uncontrolled_hypertension", value=uncontrolled)
    pressures = [r for r in results if r.systolic_mmhg is not None]
    creatinines = [r for r in results if r.value("creatinine") is not None]
    out.add(f"blood pressure on at least two occasions ({len(pressures)} given)",
            _status(len(pressures) >= 2), rules.CICLOSPORIN_BEFORE)
    out.add(f"serum creatinine on at least two occasions ({len(creatinines)} given; the baseline "
            "is their mean)", _status(len(creatinines) >= 2), rules.CICLOSPORIN_BEFORE)
    out.add("potassium", _status(_has(results, "potassium")), rules.CICLOSPORIN_BEFORE)
    out.add("LFTs and FBC", _status(_has(results, "alt", "ast") and _has(results, "wbc")),
            rules.CICLOSPORIN_BEFORE)
    out.add("magnesium and lipids (plexodose does not record them: confirm)", "to do",
            rules.CICLOSPORIN_BEFORE)
    _refusals(out, patient, results, base, pressures, uncontrolled, why, today)


def _refusals(
    out: _List, patient: Patient, results: tuple[Labs, ...], base: float | None,
    pressures: list[Labs], uncontrolled: bool, why: str | None, today: dt.date,
) -> None:
    problems = []
    renal = _renal(out, patient, results, today, _prov.BASELINE_WINDOW_DAYS)
    egfr = None if renal is None else renal[0]
    if renal is None:
        out.add("renal function within 30 days (eGFR, or creatinine with age and sex): not known",
                "to do", rules.CICLOSPORIN_BEFORE)
    if egfr is not None and egfr < rules.EGFR_BELOW:
        problems.append(f"eGFR {fmt.number(egfr, 1)} mL/min/1.73 m^2 is below 60 (renal impairment)")
    current = patient.creatinine_mg_dl
    if current is not None and base is not None and round((current - base) / base, 9) >= START_RISE:
        problems.append(
            f"creatinine {fmt.number(current, 3)} mg/dL is {fmt.percent((current - base) / base)} "
            f"above its baseline {fmt.number(base, 3)} mg/dL (25 % or more)"
        )
    high = [r for r in pressures if (r.systolic_mmhg or 0) > rules.PRESSURE_ABOVE[0]
            or (r.diastolic_mmhg or 0) > rules.PRESSURE_ABOVE[1]]
    if uncontrolled or len(high) >= 2:
        shown = ", ".join(r.text("blood_pressure") for r in high)
        problems.append("uncontrolled hypertension" + (f" ({shown} above 140/90 mmHg)" if shown else ""))
    if egfr is None and base is None:
        out.warn("no eGFR or creatinine given: renal function could not be checked",
                 rules.CICLOSPORIN_BEFORE,
                 code="ciclosporin.before.renal_not_checked", severity="high")
    if not problems:
        return
    for source in (rules.CICLOSPORIN_CONTRAINDICATIONS, rules.CICLOSPORIN_START_GAP):
        if source not in out.sources:
            out.sources.append(source)
    if why is None:
        raise ContraindicationError(
            "ciclosporin is not started: " + "; ".join(problems) + " (label: contraindicated in "
            "abnormal renal function and uncontrolled hypertension); pass override='reason' to "
            "start anyway",
            field="patient",
            value=patient,
        )
    for problem in problems:
        out.warn(f"{problem}: started on override", rules.CICLOSPORIN_CONTRAINDICATIONS,
                 code="ciclosporin.before.contraindication_overridden", severity="high")
