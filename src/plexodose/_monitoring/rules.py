"""The review's rules: each reads one case (plain floats) and records findings with sources.

Every threshold is a constant of ``plexodose._monitoring.thresholds``; this module only applies them.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
from typing import Literal

import attrs

from plexodose._core import format as fmt
from plexodose._core import sources as src
from plexodose._core import vocab
from plexodose._core.errors import MissingInputError
from plexodose._core.public import public
from plexodose._core.sources import Source
from plexodose._monitoring import thresholds as rules
from plexodose._monitoring.labs import Labs

Action = Literal["continue", "flag", "repeat", "reduce", "withhold", "stop"]
ACTIONS: tuple[Action, ...] = ("continue", "flag", "repeat", "reduce", "withhold", "stop")
"""Mildest first: the review takes the most severe action any rule asks for."""
Thresholds = Literal["bsr2017", "local"]

AZATHIOPRINE, MYCOPHENOLATE, CICLOSPORIN = "azathioprine", "mycophenolate mofetil", "ciclosporin"
ORAL_CYCLOPHOSPHAMIDE, IV_CYCLOPHOSPHAMIDE = "cyclophosphamide (oral)", "cyclophosphamide IV"
SHARED = (AZATHIOPRINE, MYCOPHENOLATE, CICLOSPORIN)
REVIEW_NAMES: dict[vocab.Drug, str] = {  # the review's name of each of vocab.REVIEWED_DRUGS
    "azathioprine": AZATHIOPRINE,
    "mycophenolate": MYCOPHENOLATE,
    "ciclosporin": CICLOSPORIN,
    "cyclophosphamide_oral": ORAL_CYCLOPHOSPHAMIDE,
    "cyclophosphamide_iv": IV_CYCLOPHOSPHAMIDE,
}
def severity(action: str) -> int:
    """The rank of ``action``: 0 for continue up to 5 for stop."""
    return ACTIONS.index(action)


@public
@attrs.frozen
class Finding:
    """One rule that a result met: the action it asks for, in words, with its source."""

    action: Action
    text: str
    source: Source
    check: dt.date | None = None
    """The date this finding wants the next test by (None: the regular cadence)."""

    def __str__(self) -> str:
        return f"{self.action}: {self.text}"


@attrs.frozen(kw_only=True)
class Case:
    """Everything one review reads, checked and as plain floats."""

    drug: str
    labs: Labs
    history: tuple[Labs, ...]
    baseline_creatinine: float | None
    baseline_count: int
    current_mg_per_day: float | None
    doses_per_day: int
    started: dt.date | None
    stable_since: dt.date | None
    thresholds: Thresholds
    uln_alt: float | None
    uln_ast: float | None
    explained: frozenset[str]
    creatinine_rise: float
    reduction: float
    reductions: int
    pressure_reductions: int
    uncontrolled_hypertension: bool
    potassium_limit: float
    max_mg_per_day: float | None = None
    """The most a proposed dose may be a day: the calculator result's own tightest limit, or the
    drug's fixed maximum (None where it needs the patient's weight: ciclosporin by name)."""



# ---------------------------------------------------------------------------------------------
# Rules


class Rules:
    """Findings, notes and sources collected while one review is made."""

    def __init__(self, case: Case) -> None:
        self.case = case
        self.findings: list[Finding] = []
        self.notes: list[str] = []
        self.sources: list[Source] = []

    def find(self, action: Action, text: str, source: Source, check: dt.date | None = None) -> None:
        self.findings.append(Finding(action, text, source, check))
        self.cite(source)

    def note(self, text: str, source: Source | None = None) -> None:
        if text not in self.notes:
            self.notes.append(text)
        self.cite(source)

    def cite(self, source: Source | None) -> None:
        if source is not None and source not in self.sources:
            self.sources.append(source)

    def days(self, n: int) -> dt.date:
        return self.case.labs.date + dt.timedelta(days=n)


def _shown(name: str, value: float) -> str:
    return _TEXT[name](value)


_TEXT = {
    "wbc": lambda v: f"WBC {fmt.number(v, 3)} x10^9/L",
    "neutrophils": lambda v: f"neutrophils {fmt.number(v, 3)} x10^9/L",
    "eosinophils": lambda v: f"eosinophils {fmt.number(v, 3)} x10^9/L",
    "platelets": lambda v: f"platelets {fmt.number(v, 1)} x10^9/L",
    "alt": lambda v: f"ALT {fmt.number(v, 1)} U/L",
    "ast": lambda v: f"AST {fmt.number(v, 1)} U/L",
    "albumin": lambda v: f"albumin {fmt.number(v, 1)} g/L",
    "mcv": lambda v: f"MCV {fmt.number(v, 1)} fL",
    "creatinine": lambda v: f"creatinine {fmt.number(v, 3)} mg/dL",
    "egfr": lambda v: f"eGFR {fmt.number(v, 1)} mL/min/1.73 m^2",
    "potassium": lambda v: f"potassium {fmt.number(v, 2)} mmol/L",
}


def counts(r: Rules, *, by_analogy: bool) -> None:
    labs, case = r.case.labs, r.case
    local = case.thresholds == "local"
    source = rules.ORAL_CYCLOPHOSPHAMIDE_COUNTS_GAP if by_analogy else rules.BSR_THRESHOLDS
    chosen = rules.LOCAL_THRESHOLDS if local else source
    limits = {
        "wbc": (rules.WBC_BELOW, rules.WBC_BELOW),
        "neutrophils": (rules.NEUTROPHILS_BELOW, rules.LOCAL_NEUTROPHILS_BELOW),
        "platelets": (rules.PLATELETS_BELOW, rules.LOCAL_PLATELETS_BELOW),
    }
    analogy = " (shared thresholds applied by analogy)" if by_analogy else ""
    for name, (bsr, other) in limits.items():
        value = labs.value(name)
        if value is None:
            continue
        limit = other if local else bsr
        unit = "x10^9/L"
        if value < limit:
            r.find(
                "withhold",
                f"{_shown(name, value)} is below {fmt.number(limit)} {unit}: withhold and discuss "
                f"with the specialist team{analogy}",
                chosen if name != "wbc" else source,
            )
        elif bsr != other and min(bsr, other) <= value < max(bsr, other):
            side = "BSR 2017" if local else "a local protocol"
            r.note(
                f"{_shown(name, value)}: {side} (< {fmt.number(bsr if local else other)} {unit}) "
                f"would {'not ' if local else ''}withhold; this review uses "
                f"{'the local' if local else 'the BSR 2017'} threshold",
                rules.LOCAL_THRESHOLDS,
            )


def shared(r: Rules) -> None:
    """The BSR 2017 thresholds shared by azathioprine, mycophenolate and ciclosporin."""
    labs, case = r.case.labs, r.case
    r.cite(rules.BSR_THRESHOLDS)
    counts(r, by_analogy=False)
    eos = labs.value("eosinophils")
    if eos is not None and eos > rules.EOSINOPHILS_ABOVE:
        if "eosinophils" in case.explained:
            r.note(f"{_shown('eosinophils', eos)} is above 0.5 x10^9/L: explained by the prescriber")
        else:
            r.find(
                "withhold",
                f"{_shown('eosinophils', eos)} is above 0.5 x10^9/L (unexplained eosinophilia): "
                "withhold and discuss with the specialist team",
                rules.BSR_THRESHOLDS,
            )
    for name, uln in (("alt", case.uln_alt), ("ast", case.uln_ast)):
        _enzyme(r, name, uln)
    albumin = labs.value("albumin")
    if albumin is not None and albumin < rules.ALBUMIN_BELOW:
        if "albumin" in case.explained:
            r.note(f"{_shown('albumin', albumin)} is below 30 g/L: explained by the prescriber")
        else:
            r.find(
                "withhold",
                f"{_shown('albumin', albumin)} is below 30 g/L (unexplained fall): withhold and "
                "discuss with the specialist team",
                rules.BSR_THRESHOLDS,
            )
    mcv = labs.value("mcv")
    if mcv is not None and mcv > rules.MCV_ABOVE:
        r.find(
            "flag",
            f"{_shown('mcv', mcv)} is above 105 fL: check B12, folate and TSH; treat if abnormal, "
            "discuss with the specialist team if normal (do not withhold for this)",
            rules.BSR_MCV,
        )
    trends(r, ("wbc", "neutrophils", "platelets", "albumin"), ("alt", "ast"))


def _enzyme(r: Rules, name: str, uln: float | None) -> None:
    value = r.case.labs.value(name)
    if value is None:
        return
    local = r.case.thresholds == "local"
    if local and uln is None:
        raise MissingInputError(
            f'the local thresholds judge {name.upper()} against 2x the upper limit of normal: '
            f'give uln_{name}= (such as "40 U/L")',
            field=f"uln_{name}",
        )
    limit = rules.LOCAL_ULN_MULTIPLE * uln if local and uln is not None else rules.LIVER_ENZYME_ABOVE
    if value > limit:
        what = f"2x the upper limit ({fmt.number(limit)} U/L)" if local else "100 U/L"
        r.find(
            "withhold",
            f"{_shown(name, value)} is above {what}: withhold and discuss with the specialist team",
            rules.LOCAL_THRESHOLDS if local else rules.BSR_THRESHOLDS,
        )
    elif not local and uln is not None and value > rules.LOCAL_ULN_MULTIPLE * uln:
        r.note(
            f"{_shown(name, value)}: a local protocol (> 2x the upper limit, "
            f"{fmt.number(2 * uln)} U/L) would withhold; this review uses BSR 2017 (> 100 U/L)",
            rules.LOCAL_THRESHOLDS,
        )
    elif local and value > rules.LIVER_ENZYME_ABOVE:
        r.note(
            f"{_shown(name, value)}: BSR 2017 (> 100 U/L) would withhold; this review uses the "
            "local threshold",
            rules.BSR_THRESHOLDS,
        )


def _series(r: Rules, name: str) -> list[float]:
    past = [v for h in r.case.history if (v := h.value(name)) is not None]
    latest = r.case.labs.value(name)
    return [] if latest is None else [*past, latest]


def trends(r: Rules, falling: tuple[str, ...], rising: tuple[str, ...]) -> None:
    """[guideline] gradual falls or rises: be aware; [secondary] three >10 % falls: stop."""
    for name in falling:
        values = _series(r, name)
        last = values[-(rules.TREND_OCCASIONS + 1) :]
        if len(last) == rules.TREND_OCCASIONS + 1 and all(
            b < a * (1 - rules.TREND_FALL) for a, b in itertools.pairwise(last)
        ):
            shown = ", ".join(_shown(name, v).split(" ", 1)[1] for v in last)
            r.find(
                "stop",
                f"{_TEXT[name](last[-1]).split(' ')[0]} fell by more than 10 % on three "
                f"occasions in a row ({shown}): stop and seek advice",
                rules.TREND_STOP,
            )
        elif len(values) >= 3 and values[-3] > values[-2] > values[-1]:
            r.find(
                "flag",
                f"{_TEXT[name](values[-1]).split(' ')[0]} falling "
                f"({', '.join(_shown(name, v).split(' ', 1)[1] for v in values[-3:])}): be aware "
                "of a gradual fall",
                rules.BSR_TRENDS,
            )
    for name in rising:
        values = _series(r, name)
        if len(values) >= 3 and values[-3] < values[-2] < values[-1]:
            r.find(
                "flag",
                f"{name.upper()} rising "
                f"({', '.join(_shown(name, v).split(' ', 1)[1] for v in values[-3:])}): be aware "
                "of rising liver enzymes",
                rules.BSR_TRENDS,
            )


def _rise(value: float, baseline: float) -> float:
    # 9 decimals: unit-conversion noise (80 umol/L) never moves a result across a threshold.
    return round((value - baseline) / baseline, 9)


def _previous(r: Rules, name: str) -> float | None:
    for result in reversed(r.case.history):
        found = result.value(name)
        if found is not None:
            return found
    return None


def _need_baseline(r: Rules) -> float:
    base = r.case.baseline_creatinine
    if base is None:
        raise MissingInputError(
            f"the {r.case.drug} creatinine rule compares with the pre-treatment creatinine: give "
            'baseline= (the pre-treatment Labs, or "0.9 mg/dL")',
            field="baseline",
        )
    return base


def renal_shared(r: Rules) -> None:
    """Creatinine > 30 % above baseline or eGFR < 60: repeat in 1 week; if still, withhold."""
    labs = r.case.labs
    creatinine = labs.value("creatinine")
    if creatinine is not None and r.case.drug != CICLOSPORIN:
        base = _need_baseline(r)
        rise = _rise(creatinine, base)
        if rise > rules.CREATININE_RISE_ABOVE:
            before = _previous(r, "creatinine")
            confirmed = before is not None and _rise(before, base) > rules.CREATININE_RISE_ABOVE
            text = (
                f"{_shown('creatinine', creatinine)} is {fmt.percent(rise)} above the baseline "
                f"{fmt.number(base, 3)} mg/dL (more than 30 %)"
            )
            if confirmed:
                r.find("withhold", text + ", again on repeat: withhold and discuss", rules.BSR_RENAL)
            else:
                r.find(
                    "repeat",
                    text + ": repeat in 1 week; withhold if still more than 30 % above",
                    rules.BSR_RENAL,
                    r.days(rules.RENAL_REPEAT_DAYS),
                )
    egfr = labs.value("egfr")
    if egfr is not None and egfr < rules.EGFR_BELOW:
        before = _previous(r, "egfr")
        text = f"{_shown('egfr', egfr)} is below 60"
        if before is not None and before < rules.EGFR_BELOW:
            r.find(
                "withhold",
                text + ", again on repeat: withhold and discuss (the persisting renal decline "
                "is treated as the rule's 'still above baseline')",
                rules.BSR_RENAL,
            )
        else:
            r.find("repeat", text + ": repeat in 1 week", rules.BSR_RENAL, r.days(rules.RENAL_REPEAT_DAYS))


def ciclosporin_rules(r: Rules) -> None:
    case, labs = r.case, r.case.labs
    r.cite(src.CICLOSPORIN_LABEL)
    creatinine = labs.value("creatinine")
    if creatinine is not None:
        base = _need_baseline(r)
        _ciclosporin_creatinine(r, creatinine, base)
        r.note(
            "the shared BSR rule (creatinine more than 30 % above baseline: repeat in 1 week, "
            "then withhold) differs for ciclosporin; the ciclosporin label rule is applied",
            rules.BSR_RENAL,
        )
        if case.baseline_count == 1:
            r.note("the label asks for two pre-treatment creatinines (the baseline is their mean); one was given")
    pressure(r, ciclosporin=True)
    potassium = labs.value("potassium")
    if potassium is not None and potassium > case.potassium_limit:
        r.find(
            "flag",
            f"{_shown('potassium', potassium)} is above {fmt.number(case.potassium_limit)} "
            "mmol/L: review for hyperkalaemia (ciclosporin; especially with renal dysfunction)",
            rules.POTASSIUM_GAP,
        )


def _ciclosporin_creatinine(r: Rules, creatinine: float, base: float) -> None:
    case = r.case
    rise = _rise(creatinine, base)
    margin = case.creatinine_rise
    text = (
        f"{_shown('creatinine', creatinine)} is {fmt.percent(rise)} above the pre-treatment "
        f"{fmt.number(base, 3)} mg/dL"
    )
    if rise >= rules.CICLOSPORIN_STOP_RISE:
        r.find("stop", text + " (50 % or more): stop ciclosporin", rules.CICLOSPORIN_STOP)
        return
    if rise < margin:
        return
    text += f" ({fmt.percent(margin)} or more)"
    before = _previous(r, "creatinine")
    if case.reductions >= rules.CICLOSPORIN_FAILED_REDUCTIONS:
        r.find(
            "stop",
            text + f" after {case.reductions} reductions: two reductions failed; discontinue",
            rules.CICLOSPORIN_CREATININE,
        )
    elif case.reductions or (before is not None and _rise(before, base) >= margin):
        r.find(
            "reduce",
            text + (", still after a reduction" if case.reductions else ", confirmed on repeat")
            + f": reduce the dose by {fmt.percent(case.reduction)} (25-50 %)",
            rules.CICLOSPORIN_CREATININE,
            r.days(rules.FORTNIGHT_DAYS),
        )
    else:
        r.find(
            "repeat",
            text + ": repeat within 2 weeks; reduce the dose by 25-50 % if it persists",
            rules.CICLOSPORIN_CREATININE,
            r.days(rules.CICLOSPORIN_REPEAT_DAYS),
        )


def _above(labs: Labs) -> bool:
    s, d = labs.systolic_mmhg, labs.diastolic_mmhg
    return s is not None and d is not None and (s > rules.PRESSURE_ABOVE[0] or d > rules.PRESSURE_ABOVE[1])


def pressure(r: Rules, *, ciclosporin: bool) -> None:
    labs, case = r.case.labs, r.case
    if not _above(labs):
        return
    reading = labs.text("blood_pressure")
    if not ciclosporin:
        r.find(
            "flag",
            f"blood pressure {reading} is above 140/90 mmHg: manage as hypertension",
            rules.MYCOPHENOLATE_PRESSURE,
        )
        return
    before = next((h for h in reversed(case.history) if h.systolic_mmhg is not None), None)
    if before is None or not _above(before):
        r.find(
            "repeat",
            f"blood pressure {reading} is above 140/90 mmHg: measure again within a week (two "
            "readings above 140/90 mean hypertension to treat)",
            rules.CICLOSPORIN_PRESSURE,
            r.days(rules.PRESSURE_REPEAT_DAYS),
        )
    elif not case.uncontrolled_hypertension:
        r.find(
            "flag",
            f"blood pressure {reading}, and {before.text('blood_pressure')} before: two readings "
            "above 140/90 mmHg: treat hypertension (if it cannot be controlled, pass "
            "uncontrolled_hypertension=True)",
            rules.CICLOSPORIN_PRESSURE,
        )
    elif case.pressure_reductions >= 1:
        r.find(
            "stop",
            f"blood pressure {reading} stays uncontrolled after a dose reduction: stop ciclosporin",
            rules.CICLOSPORIN_PRESSURE,
        )
    else:
        r.find(
            "reduce",
            f"blood pressure {reading} cannot be controlled: reduce the dose by "
            f"{fmt.percent(case.reduction)} (25-50 %)",
            rules.CICLOSPORIN_PRESSURE,
            r.days(rules.FORTNIGHT_DAYS),
        )


# ---------------------------------------------------------------------------------------------
# Cadence: when the next regular check is due


def cadence(case: Case) -> tuple[int, Source]:
    day = case.labs.date
    stable = None if case.stable_since is None else (day - case.stable_since).days
    if case.drug == AZATHIOPRINE:
        if stable is None or stable < 7 * rules.STABLE_WEEKS:
            return rules.FORTNIGHT_DAYS, rules.AZATHIOPRINE_CADENCE
        if stable < 7 * (rules.STABLE_WEEKS + rules.AZATHIOPRINE_MONTHLY_WEEKS):
            return rules.MONTH_DAYS, rules.AZATHIOPRINE_CADENCE
        return rules.QUARTER_DAYS, rules.AZATHIOPRINE_CADENCE
    if case.drug == MYCOPHENOLATE:
        if stable is None or stable < 7 * rules.STABLE_WEEKS:
            return rules.FORTNIGHT_DAYS, rules.MYCOPHENOLATE_CADENCE
        return rules.QUARTER_DAYS, rules.MYCOPHENOLATE_CADENCE
    if case.drug == CICLOSPORIN:
        on_treatment = None if case.started is None else (day - case.started).days
        early = on_treatment is None or on_treatment < rules.CICLOSPORIN_FORTNIGHTLY_MONTHS * rules.MONTH_DAYS
        unstable = stable is None or stable < 7 * rules.STABLE_WEEKS
        return (rules.FORTNIGHT_DAYS if early or unstable else rules.MONTH_DAYS), rules.CICLOSPORIN_CADENCE
    return rules.FORTNIGHT_DAYS, rules.ORAL_CYCLOPHOSPHAMIDE_CADENCE_GAP


# ---------------------------------------------------------------------------------------------
# The proposed dose


def reduced_dose(case: Case) -> tuple[float, str] | None:
    """The reduced ciclosporin dose (mg/day, text) in whole 25 mg capsules a dose, inside the
    label's 25-50 % range: the largest at or below the chosen reduction, else the smallest above
    it; None when no whole-capsule dose lies inside the range (or no current dose is known)."""
    current = case.current_mg_per_day
    if current is None:
        return None
    capsule, n = rules.CICLOSPORIN_CAPSULE_MG, case.doses_per_day
    least, most = rules.CICLOSPORIN_REDUCTION
    low, high = current * (1 - most) / n, current * (1 - least) / n  # per dose, mg
    inside = [k * capsule for k in range(math.ceil(low / capsule - 1e-9), math.floor(high / capsule + 1e-9) + 1)]
    inside = [d for d in inside if d > 0]
    if not inside:
        return None
    target = current * (1 - case.reduction) / n
    below = [d for d in inside if d <= target + 1e-9]
    per_dose = max(below) if below else min(inside)
    daily = per_dose * n
    frequency = {1: "daily", 2: "twice daily"}.get(n, f"{n} times daily")
    text = f"{fmt.mass_mg(per_dose)} {frequency}"
    if n > 1:
        text += f" ({fmt.mass_mg(daily)}/day)"
    text += f", down from {fmt.mass_mg(current)}/day ({fmt.percent(1 - daily / current)} less)"
    return daily, text


