"""Azathioprine: 1-2 mg/kg/day, never above 150 mg/day; TPMT/NUDT15, allopurinol and renal rules."""

from __future__ import annotations

import math
from typing import Any

import attrs

from plexodose._core import format as fmt
from plexodose._core import sources as src
from plexodose._core import units as u
from plexodose._core.checks import flag, fraction, whole_number
from plexodose._core.errors import ContraindicationError, PlexodoseError
from plexodose._core.record import Record
from plexodose._core.vocab import CrclWeight
from plexodose._dosing.calculation import begin, crcl_for_dosing, dispense_oral
from plexodose._dosing.dispense import Dispensed
from plexodose._dosing.guard import Limit
from plexodose._dosing.results import DailyDose, rising_steps
from plexodose._dosing.trace import Trace, positive, protocol_range
from plexodose._patient.patient import Patient

MG_PER_KG_DAY = (1.0, 2.0)  # [seed]
CAP_MG_PER_DAY = 150.0  # [seed] hard cap
# CPIC start-dose ranges as fractions of the normal dose; the first value is the default.
ONE_GENE_REDUCED = (0.3, 0.8)
BOTH_GENES_REDUCED = (0.2, 0.5)
POOR_FRACTION = 0.1  # 10-fold reduction
POOR_DAYS_PER_WEEK = 3
ALLOPURINOL_FRACTION = 0.25  # one quarter: the larger of the label's reductions (1/3 to 1/4)
ALLOPURINOL_HIGH_FRACTION = 1 / 3  # the range's upper end: the smaller reduction
# [label] US RA: start about 1 mg/kg/day, then up by 0.5 mg/kg/day steps to N (clinical rules)
TITRATION_MG_PER_KG_DAY = (1.0, 1.5)
_TITRATION_RATES = " then ".join(fmt.number(r) for r in TITRATION_MG_PER_KG_DAY)
TABLET_MG = 25.0  # [label] the smallest tablet: a reduced metabolizer's amount is a multiple
REDUCED_RANGE_LABEL = "upper end of the patient's reduced range"
# [secondary] (CrCl upper bound in mL/min, share of the dose): below 10 -> 50 %, 10-50 -> 75 %
RENAL_STEPS = ((10.0, 0.5), (50.0, 0.75))
REDUCED = ("intermediate", "possible_intermediate")
LIMITS: tuple[Limit, ...] = (Limit("seed maximum", CAP_MG_PER_DAY, "day", src.SEED_AZATHIOPRINE),)


def azathioprine(
    patient: Patient,
    *,
    mg_per_kg_day: float = 2.0,
    doses_per_day: int = 1,
    genotype_fraction: float | None = None,
    allopurinol: bool = False,
    crcl_weight: CrclWeight = "auto",
    override: str | None = None,
) -> DailyDose:
    """Azathioprine daily dose: mg/kg/day x actual weight, capped at 150 mg/day, then the
    genotype, allopurinol and renal shares of that normal dose.

    ``genotype_fraction`` chooses a start fraction within CPIC's range for a reduced
    metabolizer (default: the larger reduction). ``crcl_weight`` is the Cockcroft-Gault weight
    for the renal rule: ``"auto"`` (lower of actual and ideal), ``"actual"``, ``"ideal"`` or
    ``"adjusted"``. The 150 mg/day cap is never exceeded.

    >>> from plexodose import Patient
    >>> azathioprine(Patient.example()).daily_dose  # 2 mg/kg x 72 kg = 144 mg/day
    <Quantity(144.0, 'milligram / day')>
    >>> azathioprine(Patient(weight="90 kg", age=40)).daily_dose  # 180 capped at 150
    <Quantity(150.0, 'milligram / day')>
    """
    p, override, trace = begin(patient, override, src.SEED_AZATHIOPRINE)
    rate = positive(u.plain_number(mg_per_kg_day, "mg_per_kg_day"), "mg_per_kg_day")
    per_day = whole_number(doses_per_day, "doses_per_day", 1, 2)
    protocol_range(
        trace,
        "mg_per_kg_day",
        rate,
        *MG_PER_KG_DAY,
        "mg/kg/day",
        override,
        src.SEED_AZATHIOPRINE, below="warn",
    )
    weight = p.weight_kg
    dose = rate * weight
    trace.step("{:,g} mg/kg/day x {} kg (actual weight) = {} mg/day", rate, fmt.Amount(weight),
               fmt.Amount(dose))
    # The cap bounds the normal dose; CPIC's and the label's reductions are shares of it.
    cap_applied = dose > CAP_MG_PER_DAY
    if cap_applied:
        trace.step(
            "capped at {:,g} mg/day (from {} mg)",
            CAP_MG_PER_DAY,
            fmt.Amount(dose),
            source=src.SEED_AZATHIOPRINE,
        )
        dose = CAP_MG_PER_DAY
    gene = _genotype(p, genotype_fraction, override, trace)
    low_share = high_share = 1.0
    if flag(allopurinol, "allopurinol"):
        low_share, high_share = ALLOPURINOL_FRACTION, ALLOPURINOL_HIGH_FRACTION
        trace.step("with allopurinol: one quarter of the dose", source=src.AZATHIOPRINE_LABEL)
        trace.cite(src.RANGE_LOW_END_GAP)
    renal = _renal(p, crcl_weight, trace)
    low_share *= renal
    high_share *= renal
    limits: tuple[Limit, ...] = LIMITS
    days_per_week = 7
    dispensed: Dispensed | None
    if gene.kind == "reduced":
        dose, limits = _reduced(weight, dose, gene, low_share, high_share, per_day, override, trace)
    elif gene.kind == "poor":
        dose = _normal_dose(weight) * POOR_FRACTION * low_share
        days_per_week = POOR_DAYS_PER_WEEK
        trace.step(
            "poor metabolizer, on override: CPIC's regimen for MALIGNANT conditions, borrowed: "
            "N {} mg / 10 = {} mg on 3 days a week",
            fmt.Amount(_normal_dose(weight)),
            fmt.Amount(dose),
            source=src.CPIC_POOR_MALIGNANCY,
        )
    else:
        if low_share != 1:
            dose *= low_share
            trace.step("after adjustments (x {:.3g}): {} mg per dosing day", low_share,
                       fmt.Amount(dose))
        if high_share != 1 and override is None:
            upper = MG_PER_KG_DAY[1] * weight
            upper = min(upper, CAP_MG_PER_DAY) * high_share
            limits = (*LIMITS, Limit(REDUCED_RANGE_LABEL, upper, "day", src.AZATHIOPRINE_LABEL))
    per_dose = dose / per_day
    if gene.kind == "poor":
        dispensed = None
        trace.warn(
            f"{fmt.mass_mg(per_dose)} three times a week is not rounded up to tablets: prescribe the "
            "form (for example an oral liquid); this regimen is CPIC's for malignant conditions, "
            "Allow 4-6 weeks to reach steady state",
            src.CPIC_POOR_MALIGNANCY,
            code="azathioprine.poor_metabolizer.not_rounded", severity="caution",
        )
    else:
        dispensed = dispense_oral("azathioprine", per_dose, limits, per_day, trace)
    given = dose if dispensed is None else dispensed.amount * per_day
    trace.step(
        "label titration as plan() lays it out (this calculator at {} mg/kg/day): {}",
        _TITRATION_RATES,
        _Titration._of(p, given, (per_day, genotype_fraction, allopurinol, crcl_weight, override)),
    )
    trace.step("full effect takes 3-6 months", source=src.SEED_DURATION)
    return DailyDose._of(
        *trace.record(override),
        "azathioprine",  # drug
        dose * days_per_week / 7,  # daily_dose_mg
        per_day,  # doses_per_day
        weight,  # dosing_weight_kg
        days_per_week,  # days_per_week
        limits,  # limits
        cap_applied,  # cap_applied
        dispensed,  # dispensed
    )


def azathioprine_titration(patient: Patient, below_mg: float, **given: Any) -> tuple[DailyDose, ...]:
    """The label's titration steps up to a dose of ``below_mg`` a dosing day (as dispensed):
    the calculator at 1 then 1.5 mg/kg/day with ``given`` (its other arguments), each kept if it
    rises and stays below. A reduced metabolizer's steps come out at its amount: none is kept,
    it starts there on day 1. What plan() lays out, and what the result's derivation names."""
    steps = (azathioprine(patient, mg_per_kg_day=r, **given) for r in TITRATION_MG_PER_KG_DAY)
    return tuple(rising_steps(steps, below_mg))


class _Titration(Record):
    """A derivation value worked out when read (the calculation stays at float arithmetic):
    the titration steps below a dose of ``target_mg`` a dosing day, as plan() lays them out."""

    __slots__ = ()
    patient: Patient
    target_mg: float
    given: tuple[Any, ...]  # doses_per_day, genotype_fraction, allopurinol, crcl_weight, override

    def __format__(self, spec: str) -> str:
        names = ("doses_per_day", "genotype_fraction", "allopurinol", "crcl_weight", "override")
        try:
            steps = azathioprine_titration(self.patient, self.target_mg,
                                           **dict(zip(names, self.given, strict=True)))
        except PlexodoseError as exc:  # reading a derivation never raises
            return f"not worked out ({exc})"
        here = f"{fmt.mass_mg(self.target_mg)} a dosing day"
        if not steps:
            return f"none below this dose: {here} from day 1"
        said = [f"{fmt.mass_mg(s.given_per_dose_mg)} {s.frequency}" for s in steps]
        return ", then ".join(said) + f", then this dose ({here})"


def _normal_dose(weight_kg: float) -> float:
    """N: the normal full dose, 2 mg/kg/day x actual weight, never above 150 mg/day."""
    return min(MG_PER_KG_DAY[1] * weight_kg, CAP_MG_PER_DAY)


def _reduced(
    weight: float,
    asked: float,
    gene: _Gene,
    low_share: float,
    high_share: float,
    per_day: int,
    override: str | None,
    trace: Trace,
) -> tuple[float, tuple[Limit, ...]]:
    """(mg per dosing day, limits) for a reduced metabolizer: CPIC's share applied once to N,
    the smallest whole multiple of 25 mg (whole tablets a dose) inside the patient's range."""
    normal = _normal_dose(weight)
    low = gene.fraction * low_share * normal
    high = gene.span[1] * high_share * normal
    step = TABLET_MG * per_day
    amount = math.ceil(low / step - 1e-9) * step
    trace.step(
        "reduced range: N {} mg x {:.4g} = {} mg up to x {:.4g} = {} mg per day",
        fmt.Amount(normal),
        gene.fraction * low_share,
        fmt.Amount(low),
        gene.span[1] * high_share,
        fmt.Amount(high),
        source=src.CPIC_REDUCED_TABLETS,
    )
    if amount > high * (1 + 1e-9):
        if override is None:
            raise ContraindicationError(
                f"no whole multiple of {step:g} mg lies in the patient's reduced range "
                f"{fmt.number(low)}-{fmt.number(high)} mg/day ({src.CPIC_REDUCED_TABLETS}); pass "
                f"override='reason' for {step:g} mg daily",
                field="genotype_fraction",
                value=gene.fraction,
            )
        # On override: the largest multiple at or below the range's upper end, at least one
        # tablet (25 mg daily where the whole range lies below 25 mg).
        amount = max(step, math.floor(high / step + 1e-9) * step)
        trace.warn(
            f"{amount:g} mg daily, outside the reduced range {fmt.number(low)}-{fmt.number(high)} mg/day "
            f"(no whole multiple of {step:g} mg inside it), on override: {override}",
            src.CPIC_REDUCED_TABLETS,
            code="azathioprine.reduced_range.override", severity="high",
        )
    titration_step = asked * low_share  # the genotype share is never applied to a step
    if asked < normal * (1 - 1e-12) and titration_step < amount:  # a step below N: as asked
        trace.step(
            "label titration step {} mg/day is below the reduced amount of {:,g} mg/day: "
            "given as a step, with no genotype reduction",
            fmt.Amount(titration_step),
            amount,
            source=src.CPIC_REDUCED_TABLETS,
        )
        amount = titration_step
    else:
        trace.step(
            "{:,g} mg daily from day 1 ({} of N); hold at least 4 weeks, then adjust by blood "
            "counts",
            amount,
            fmt.percent(amount / normal),
            source=src.CPIC_REDUCED_TABLETS,
        )
    limits: tuple[Limit, ...] = LIMITS
    if override is None:
        limits = (*LIMITS, Limit(REDUCED_RANGE_LABEL, high, "day", src.CPIC_REDUCED_TABLETS))
    return amount, limits


@attrs.frozen
class _Gene:
    """What the genotype asks for: ``kind`` normal, reduced or poor; the chosen share of N and
    CPIC's span for a reduced metabolizer."""

    kind: str
    fraction: float = 1.0
    span: tuple[float, float] = (1.0, 1.0)


def _genotype(p: Patient, chosen: Any, override: str | None, trace: Trace) -> _Gene:
    trace.cite(src.CPIC_THIOPURINES)
    if p.tpmt == "normal" and p.nudt15 == "normal" and chosen is None:
        return _Gene("normal")  # the common case, decided without building the gene table
    genes = {"TPMT": p.tpmt, "NUDT15": p.nudt15}
    if "poor" in genes.values():
        poor = [g for g, v in genes.items() if v == "poor"]
        text = f"poor metabolizer ({', '.join(poor)})"
        if override is None:
            raise ContraindicationError(
                f"{text}: CPIC advises a non-thiopurine alternative for nonmalignant conditions "
                "(consider mycophenolate, cyclophosphamide or ciclosporin); pass "
                "override='reason' for CPIC's regimen for malignant conditions (a 10-fold "
                "reduction three times a week)",
                field=poor[0].lower(),
                value="poor",
            )
        trace.warn(
            f"{text}: CPIC's regimen for MALIGNANT conditions (10-fold reduction, three times "
            f"a week), borrowed for a nonmalignant condition on override: {override}",
            src.CPIC_POOR_MALIGNANCY,
            code="azathioprine.poor_metabolizer.override", severity="high",
        )
        return _Gene("poor", POOR_FRACTION)
    # An indeterminate phenotype is dosed as intermediate (a gap), so it counts as reduced:
    # TPMT indeterminate with NUDT15 intermediate is the both-intermediate row.
    reduced = [
        f"{g} {v.replace('_', ' ')}"
        for g, v in genes.items()
        if v is not None and (v in REDUCED or v == "indeterminate")
    ]
    if genes["TPMT"] == "indeterminate":
        trace.warn(
            "TPMT indeterminate: measure TPMT activity; dosed as an intermediate metabolizer "
            "meanwhile",
            source=src.INDETERMINATE_GAP,
            code="azathioprine.tpmt.indeterminate", severity="high",
        )
    if genes["NUDT15"] == "indeterminate":
        trace.warn(
            "NUDT15 indeterminate: no NUDT15 activity assay exists; monitor blood counts "
            "closely; dosed as an intermediate metabolizer",
            source=src.NUDT15_INDETERMINATE,
            code="azathioprine.nudt15.indeterminate", severity="high",
        )
        trace.cite(src.INDETERMINATE_GAP)
    untested = [g for g, v in genes.items() if v is None]
    if untested:
        trace.warn(
            f"{' and '.join(untested)} status not given: test before starting (CPIC); "
            + ("dose not adjusted for genotype" if not reduced else "dosed on the gene tested"),
            code="azathioprine.genotype.not_given", severity="high",
        )
    if not reduced:
        _no_fraction(chosen, untested)
        return _Gene("normal")
    span = BOTH_GENES_REDUCED if len(reduced) == 2 else ONE_GENE_REDUCED
    value = span[0] if chosen is None else fraction(chosen, "genotype_fraction")
    protocol_range(
        trace, "genotype_fraction", value, *span, "", override, src.CPIC_THIOPURINES, below="warn",
    )
    trace.cite(src.RANGE_LOW_END_GAP)
    trace.step(
        "reduced metabolizer ({}): start at {} of the normal dose (CPIC {} to {}); 2-4 weeks to "
        "steady state",
        ", ".join(reduced),
        fmt.percent(value),
        fmt.percent(span[0]),
        fmt.percent(span[1]),
    )
    return _Gene("reduced", value, (span[0], max(span[1], value)))


def _no_fraction(chosen: Any, untested: list[str]) -> float:
    if chosen is not None and fraction(chosen, "genotype_fraction") != 1:
        status = "is not known" if untested else "calls for the normal dose"
        raise ContraindicationError(
            "genotype_fraction applies to reduced metabolizers only; this patient's TPMT/NUDT15 "
            f"status {status}",
            field="genotype_fraction",
            value=chosen,
        )
    return 1.0


def _renal(p: Patient, weight_basis: Any, trace: Trace) -> float:
    crcl = crcl_for_dosing(p, trace, "renal adjustment", weight_basis)
    (severe, severe_share), (moderate, moderate_share) = RENAL_STEPS
    if crcl is None or crcl > moderate:
        return 1.0
    kept = severe_share if crcl < severe else moderate_share
    trace.step(
        "CrCl {:.3g} mL/min: give {} of the dose",
        crcl,
        fmt.percent(kept),
        source=src.AZATHIOPRINE_RENAL,
    )
    return kept
