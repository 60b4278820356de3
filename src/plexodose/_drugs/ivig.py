"""IVIg: the seed's courses on a chosen weight basis, optionally rounded to a product's vials."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Literal, get_args

from plexodose._core import format as fmt
from plexodose._core import sources as src
from plexodose._core import units as u
from plexodose._core.checks import one_of, whole_number
from plexodose._core.errors import DoseRangeError, InputRangeError, safe_repr
from plexodose._core.limits import ADULT_AGE_YEARS
from plexodose._core.units import settled
from plexodose._core.vocab import AUTO_RULES, WEIGHT_BASES, AutoRule, WeightBasis
from plexodose._dosing.calculation import ROUNDING_TOLERANCE, begin
from plexodose._dosing.dispense import Dispensed, dispense
from plexodose._dosing.guard import Limit
from plexodose._dosing.products import CATALOGUE, IVIgProduct
from plexodose._dosing.pump import at_risk_rate
from plexodose._dosing.pump import duration as _duration
from plexodose._dosing.results import IVIgCourse
from plexodose._dosing.trace import Trace, hard_cap, positive
from plexodose._patient import body as _body
from plexodose._patient.patient import Patient

SEED_REGIMENS = {0.4: (5,), 1.0: (1, 2)}  # g/kg/day -> days [seed]
USUAL_TOTAL_G_PER_KG = 2.0  # [seed]
MAX_G_PER_KG_DAY = 1.0  # [gap] the highest label single-day dose seen
ROUND_TO_G = 5.0  # [guideline] Transfusion Ontario
UsedBasis = Literal["actual", "ideal", "adjusted"]  # what "auto" resolves to
AUSTRALIA_MIN_HEIGHT_CM = 152.0
ONTARIO_MIN_HEIGHT_CM = 152.4  # [guideline] Transfusion Ontario: 152.4 cm (60 in) or over
ONTARIO_MIN_WEIGHT_KG = {"male": 50.0, "female": 45.5}  # [guideline] over these
AT_RISK_WARN_HOURS = 8.0  # [gap] a day's infusion longer than this: warning
AT_RISK_REFUSE_HOURS = 24.0  # [gap] longer than this: the day cannot be given as written
OBESE_BMI = 30.0  # [guideline] Transfusion Ontario: adjusted weight above this BMI
OBESE_SHARE_OF_IBW = 1.2  # [guideline] US order sets: adjusted weight above 120 % of IBW
ROUND_TO_G_RANGE = (0.5, 40.0)  # the reference's vial sizes, 0.5 g to 40 g: a typing guard
# [label] boxed warning: risk factors plexodose reads from the patient, and the rest as flags
RISK_AGE_OVER = 65.0
RISK_RENAL_BELOW = 60.0  # mL/min (CrCl) or mL/min/1.73 m2 (eGFR): pre-existing renal impairment
RiskFactor = Literal[
    "diabetes",
    "prior_thrombosis",
    "hypercoagulable_condition",
    "immobilisation",
    "estrogens",
    "indwelling_vascular_catheter",
    "hyperviscosity",
    "cardiovascular_risk_factors",
    "volume_depletion",
    "sepsis",
    "paraproteinaemia",
    "nephrotoxic_drugs",
    "renal_insufficiency",
]
RISK_FACTORS: tuple[RiskFactor, ...] = get_args(RiskFactor)


def ivig(
    patient: Patient,
    *,
    g_per_kg_day: float = 0.4,
    days: int = 5,
    weight_basis: WeightBasis = "auto",
    product: str | IVIgProduct | None = None,
    auto_rule: AutoRule = "bmi_over_30",
    round_to_g: float = ROUND_TO_G,
    max_g_per_kg_day: float = MAX_G_PER_KG_DAY,
    risk_factors: Iterable[RiskFactor] = (),
    override: str | None = None,
) -> IVIgCourse:
    """An IVIg course for ``patient``.

    ``weight_basis`` is ``"actual"``, ``"ideal"``, ``"adjusted"`` or ``"auto"`` (adjusted weight
    when ``auto_rule`` finds obesity: ``"bmi_over_30"`` (Transfusion Ontario, the default: BMI
    above 30 and height 152.4 cm or over; actual weight below 152.4 cm),
    ``"ontario_all_adults"`` (Ontario's "should": every adult 152.4 cm or over and over 50 kg
    male / 45.5 kg female), ``"over_120_percent_ibw"`` (US order sets) or ``"australia_2026"``).
    The dosing weight is never above actual weight. With a ``product``, the daily dose is rounded
    to ``round_to_g`` (5 g) and made up of its vials.

    The boxed warning's renal and thrombosis risk factors are read from the patient (age over
    65, eGFR or creatinine clearance below 60) and from ``risk_factors`` (``"diabetes"``,
    ``"prior_thrombosis"``, ...: see ``RISK_FACTORS``); an at-risk course carries them in
    ``risk_factors`` with the label's precautions as warnings.

    >>> from plexodose import Patient
    >>> course = ivig(Patient.example())  # 0.4 g/kg/day x 72 kg = 28.8 g/day, x 5 days = 144 g
    >>> course.daily_dose, course.total_dose
    (<Quantity(28.8, 'gram / day')>, <Quantity(144.0, 'gram')>)
    >>> ivig(Patient.example(), product="privigen").rounded_daily_dose  # nearest 5 g
    <Quantity(30.0, 'gram / day')>
    """
    p, override, trace = begin(patient, override, src.SEED_IVIG, pulse=True, ivig=True)
    g = positive(u.plain_number(g_per_kg_day, "g_per_kg_day"), "g_per_kg_day")
    n_days = whole_number(days, "days", 1, 31)
    step = u.in_range(
        u.plain_number(round_to_g, "round_to_g"), "round_to_g", *ROUND_TO_G_RANGE, "g", round_to_g
    )
    flagged = _risk_flags(risk_factors)
    _check_regimen(trace, g, n_days, override)
    ceiling = _ceiling(trace, max_g_per_kg_day, override)
    hard_cap("g_per_kg_day", g, ceiling, "g/kg/day", src.IVIG_MAX_DAILY_GAP)

    weight, basis, why = dosing_weight(p, weight_basis, auto_rule, trace)
    daily = g * weight
    limits = (Limit(f"ceiling of {ceiling:g} g/kg/day", ceiling * weight, "day", src.IVIG_MAX_DAILY_GAP),)
    trace.step("daily dose = {:,g} g/kg/day x {} kg = {} g/day", g, fmt.Amount(weight),
               fmt.Amount(daily))
    trace.step("course = {} g/day x {} days = {} g", fmt.Amount(daily), n_days,
               fmt.Amount(daily * n_days))
    if g * n_days > USUAL_TOTAL_G_PER_KG + 1e-9:
        trace.warn(
            f"course total {g * n_days:,g} g/kg is above the usual {USUAL_TOTAL_G_PER_KG:,g} g/kg",
            source=src.SEED_IVIG,
            code="ivig.course_total.above_usual", severity="high",
        )
    chosen = None if product is None else CATALOGUE.ivig(product)
    dispensed = None
    if chosen is not None:
        dispensed = _vials(trace, chosen, daily, ceiling * weight, step)
    if dispensed is not None and dispensed.amount != daily:
        trace.step(
            "course as dispensed = {:,g} g/day x {} days = {:,g} g",
            dispensed.amount,
            n_days,
            dispensed.amount * n_days,
        )
    risks = _risks(p, flagged, trace)
    if risks:
        given = daily if dispensed is None else dispensed.amount
        _at_risk(trace, risks, chosen, weight, given, override)
    course = IVIgCourse._of(
        *trace.record(override),
        g,  # g_per_kg_day
        n_days,  # days
        weight,  # dosing_weight_kg
        basis,  # weight_basis
        why,  # weight_basis_reason
        daily,  # daily_dose_g
        chosen,  # product
        dispensed,  # dispensed
        limits,  # limits
        risks,  # risk_factors
    )
    if chosen is not None and chosen.minutes_per_rate_step is not None:
        course._pump()  # rate steps that do not rise are refused here, not when shown
    return course


def _check_regimen(trace: Trace, g: float, days: int, override: str | None) -> None:
    allowed = SEED_REGIMENS.get(g) or next(
        (d for rate, d in SEED_REGIMENS.items() if abs(rate - g) < 1e-9), ()
    )
    if days in allowed:
        return
    text = (
        f"g_per_kg_day {g:,g} for {days} days is not a seed regimen "
        "(0.4 g/kg/day x 5 days, or 1 g/kg/day x 1-2 days)"
    )
    if override is None:
        raise DoseRangeError(
            f"{text}; pass override='reason' to use it", field="g_per_kg_day", value=g
        )
    trace.warn(f"{text}; used on override: {override}", source=src.SEED_IVIG, code="ivig.protocol.override", severity="high")


def _ceiling(trace: Trace, max_g_per_kg_day: Any, override: str | None) -> float:
    ceiling = positive(u.plain_number(max_g_per_kg_day, "max_g_per_kg_day"), "max_g_per_kg_day")
    if ceiling > MAX_G_PER_KG_DAY and override is None:
        raise DoseRangeError(
            f"max_g_per_kg_day {ceiling:,g} is above the default {MAX_G_PER_KG_DAY:,g} g/kg/day "
            f"({src.IVIG_MAX_DAILY_GAP}); pass override='reason' to raise it",
            field="max_g_per_kg_day",
            value=ceiling,
        )
    hard_cap("max_g_per_kg_day", ceiling, USUAL_TOTAL_G_PER_KG, "g/kg/day", src.SEED_CEILING_GAP)
    trace.cite(src.IVIG_MAX_DAILY_GAP)
    return ceiling


def dosing_weight(
    p: Patient, basis: Any, auto_rule: Any, trace: Trace
) -> tuple[float, UsedBasis, str]:
    """(kg, basis used, why) for an IVIg dose."""
    basis = one_of(basis, WEIGHT_BASES, "weight_basis")
    auto_rule = one_of(auto_rule, AUTO_RULES, "auto_rule")
    actual = p.weight_kg
    if basis == "actual":
        return _chosen(trace, actual, "actual", "as requested")
    if p.height_cm is None or p.sex is None:
        if basis == "auto":
            trace.warn("height and sex are needed to check for obesity: actual body weight used", code="ivig.weight.obesity_not_checked", severity="high")
            return _chosen(trace, actual, "actual", "height or sex not given")
        p.need("height", f"{basis} body weight")
        p.need("sex", f"{basis} body weight")
    assert p.height_cm is not None and p.sex is not None
    caution = _body.devine_warning(p.height_cm)
    if caution:
        trace.warn(caution, source=src.DEVINE, code="weight.ideal.short_stature", severity="caution")
    chosen: UsedBasis
    if basis == "auto":
        chosen, why = _auto(p, auto_rule, actual, trace)
        if chosen == "actual":
            return _chosen(trace, actual, "actual", why)
    else:
        chosen, why = ("ideal" if basis == "ideal" else "adjusted"), "as requested"
    # Ideal and adjusted weight only where the rule needs them: Devine is not valid at every
    # height, and a weight the dose does not use must not refuse it.
    ideal, adjusted = _ideal_and_adjusted(p, actual, trace)
    target = ideal if chosen == "ideal" else adjusted
    if settled(actual) < settled(target):
        return _chosen(trace, actual, "actual", f"actual weight is below the {chosen} weight")
    return _chosen(trace, target, chosen, why)


def _ideal_and_adjusted(p: Patient, actual: float, trace: Trace) -> tuple[float, float]:
    assert p.height_cm is not None and p.sex is not None
    ideal = _body.ideal_weight_kg(p.height_cm, p.sex)
    adjusted = _body.adjusted_weight_kg(actual, ideal)
    trace.step(
        "ideal body weight (Devine, {}, {:,.5g} cm) = {} kg; adjusted = {} + 0.4 x ({} - {}) = {} kg",
        p.sex,
        p.height_cm,
        fmt.Amount(ideal),
        fmt.Amount(ideal),
        fmt.Amount(actual),
        fmt.Amount(ideal),
        fmt.Amount(adjusted),
        source=src.DEVINE,
    )
    return ideal, adjusted


def _auto(
    p: Patient, rule: str, actual: float, trace: Trace
) -> tuple[Literal["actual", "adjusted"], str]:
    assert p.height_cm is not None
    if rule in ("bmi_over_30", "ontario_all_adults"):
        trace.cite(src.TRANSFUSION_ONTARIO)
        if settled(p.height_cm) < ONTARIO_MIN_HEIGHT_CM:
            return "actual", (
                f"height {fmt.number(p.height_cm)} cm is below 152.4 cm: actual weight "
                "(Transfusion Ontario)"
            )
    if rule == "bmi_over_30":
        bmi = _body.bmi_value(actual, p.height_cm)
        if bmi > OBESE_BMI and settled(bmi) > OBESE_BMI:  # bmi <= 30 is never settled above
            return "adjusted", f"BMI {bmi:.3g} is above 30"
        return "actual", f"BMI {bmi:.3g} is not above 30"
    if rule == "ontario_all_adults":
        trace.cite(src.ONTARIO_ALL_ADULTS)
        assert p.sex is not None
        least = ONTARIO_MIN_WEIGHT_KG[p.sex]
        if p.age is not None and p.age < ADULT_AGE_YEARS:
            return "actual", "under 18 years (Ontario, all adults)"
        if not settled(actual) > least:
            return "actual", (
                f"weight {fmt.number(actual)} kg is not over {fmt.number(least)} kg "
                f"({p.sex}): actual weight (Ontario, all adults)"
            )
        return "adjusted", "adult 152.4 cm or over and over the weight floor (Ontario, all adults)"
    if rule == "over_120_percent_ibw":
        trace.cite(src.US_IVIG_ORDER_SETS)
        assert p.sex is not None
        ratio = actual / _body.ideal_weight_kg(p.height_cm, p.sex)
        if ratio > OBESE_SHARE_OF_IBW and settled(ratio) > OBESE_SHARE_OF_IBW:
            return "adjusted", f"actual weight is {fmt.percent(ratio)} of ideal, above 120 %"
        return "actual", f"actual weight is {fmt.percent(ratio)} of ideal, not above 120 %"
    trace.cite(src.AUSTRALIA_2026)
    trace.warn(
        "the Australian rule excludes pregnancy: use actual weight in a pregnant patient",
        source=src.AUSTRALIA_2026,
        code="ivig.weight.pregnancy", severity="caution",
    )
    if p.age is not None and p.age < ADULT_AGE_YEARS:
        return "actual", "under 18 years (Australian rule)"
    if settled(p.height_cm) < AUSTRALIA_MIN_HEIGHT_CM:
        return "actual", "under 152 cm (Australian rule)"
    assert p.sex is not None
    ideal = _body.ideal_weight_kg(p.height_cm, p.sex)
    if settled(actual) < settled(_body.adjusted_weight_kg(actual, ideal)):
        return "actual", "actual weight is below adjusted weight (Australian rule)"
    return "adjusted", "adjusted weight by default (Australian rule)"


def _chosen(trace: Trace, kg: float, basis: UsedBasis, why: str) -> tuple[float, UsedBasis, str]:
    trace.step("dosing weight: {} body weight {} kg ({})", basis, fmt.Amount(kg), why)
    return kg, basis, why


def _risk_flags(flags: Any) -> tuple[str, ...]:
    if type(flags) is tuple and not flags:  # the default: none flagged
        return ()
    if isinstance(flags, str) or not isinstance(flags, Iterable):
        raise InputRangeError(
            f"risk_factors must be a list such as ['diabetes']; got {safe_repr(flags)}",
            field="risk_factors",
            value=flags,
        )
    chosen = []
    try:
        given = list(flags)
    except Exception as exc:  # an iterable that cannot be iterated (a 0-d array)
        raise InputRangeError(
            f"risk_factors must be a list such as ['diabetes']; got {safe_repr(flags)}",
            field="risk_factors",
            value=flags,
        ) from exc
    for flag in given:
        if not isinstance(flag, str) or str.__str__(flag) not in RISK_FACTORS:
            raise InputRangeError(
                f"risk_factors: {safe_repr(flag)} is not one of {', '.join(RISK_FACTORS)}",
                field="risk_factors",
                value=flag,
            )
        chosen.append(str.__str__(flag).replace("_", " "))
    return tuple(dict.fromkeys(chosen))


def _risks(p: Patient, flagged: tuple[str, ...], trace: Trace) -> tuple[str, ...]:
    """The boxed warning's risk factors this patient shows, then the flagged ones."""
    seen = []
    if p.age is not None and p.age > RISK_AGE_OVER:
        seen.append(f"age {fmt.number(p.age)} (over 65)")
    adult = p.age is not None and p.age >= ADULT_AGE_YEARS
    if adult and p.sex is not None and p.creatinine_mg_dl is not None:
        assert p.age is not None
        egfr = _body.egfr_ml_min(p.age, p.sex, p.creatinine_mg_dl)
        if egfr < RISK_RENAL_BELOW:
            seen.append(f"eGFR {egfr:.3g} mL/min/1.73 m2 (below 60)")
            trace.cite(src.CKD_EPI_2021)
    return (*seen, *flagged)


def _hours(grams: float, rate: float, kg: float) -> float:
    """Hours to give ``grams`` at ``rate`` mg/kg/min to ``kg``: mg / (mg/kg/min x kg) / 60."""
    return grams * 1000 / (rate * kg) / 60


def _at_risk(
    trace: Trace,
    risks: tuple[str, ...],
    product: IVIgProduct | None,
    kg: float,
    grams: float,
    override: str | None,
) -> None:
    trace.warn(
        "renal and thrombosis risk (" + "; ".join(risks) + "): use the minimum dose, "
        "concentration and infusion rate practicable; hydrate before the infusion; check "
        "renal function (creatinine, BUN) before treatment",
        source=src.IVIG_BOXED_WARNING,
        code="ivig.renal_risk.present", severity="high",
    )
    if product is None or product.initial_rate_mg_per_kg_min is None:
        trace.warn(
            "at-risk patient: no product chosen, so no rate: hold the product's initial rate, "
            "or keep within its own at-risk figure where its label gives one",
            source=src.IVIG_AT_RISK_RATE,
            code="ivig.at_risk_rate.no_product", severity="high",
        )
        return
    low, high, why = at_risk_rate(product)
    to_ml_h = kg * 60 / (product.concentration_g_per_ml * 1000)
    longest = _hours(grams, low, kg)
    shortest = _hours(grams, high, kg)
    if high == low:
        pump = f"{fmt.number(low)} mg/kg/min ({fmt.number(low * to_ml_h, 1)} mL/h), not escalated"
        takes = _duration(longest)
    else:
        pump = (
            f"{fmt.number(low)} rising to at most {fmt.number(high)} mg/kg/min "
            f"({fmt.number(low * to_ml_h, 1)}-{fmt.number(high * to_ml_h, 1)} mL/h)"
        )
        takes = f"{_duration(shortest)} to {_duration(longest)}"
    trace.warn(
        f"at-risk patient: {product.name} at {pump}, {why}; each day's "
        f"{fmt.number(grams)} g takes {takes}",
        source=product.source,
        code="ivig.at_risk_rate.product", severity="high",
    )
    trace.cite(src.IVIG_AT_RISK_RATE)
    if shortest > AT_RISK_REFUSE_HOURS:
        text = (
            f"at the at-risk rate each day's infusion takes {takes}, more than 24 hours: the day "
            "cannot be given as written; set a rate within the label, or give a lower daily "
            "dose over more days (such as the seed's 0.4 g/kg/day for 5 days)"
        )
        if override is None:
            raise DoseRangeError(
                f"{text}; pass override='reason' to keep it", field="g_per_kg_day", value=grams
            )
        trace.warn(f"{text}; kept on override: {override}", src.IVIG_AT_RISK_RATE, code="ivig.at_risk_rate.override", severity="high")
    elif longest > AT_RISK_WARN_HOURS:
        trace.warn(
            f"each day's infusion takes up to {_duration(longest)} at the at-risk rate, more "
            "than 8 hours",
            src.IVIG_AT_RISK_RATE,
            code="ivig.at_risk_rate.long_infusion", severity="caution",
        )


def _vials(trace: Trace, product: IVIgProduct, daily: float, maximum: float, step: float) -> Any:
    trace.cite(product.source)
    if product.rate_row:
        trace.step(
            "{} rates: the label's {} row (plexopathy is off-label; the closest labelled "
            "neurological indication)",
            product.name,
            product.rate_row,
        )
    if not product.vial_sizes_g:
        trace.warn(f"{product.name} has no vial sizes in the catalogue: dose not rounded", code="ivig.dispense.no_vials", severity="caution")
        return None
    result = _round_within_tolerance(daily, product, maximum, step)
    if result is None:
        trace.warn(
            f"{fmt.mass_g(daily)} cannot be made of {product.name} vials within 10 % of the order: "
            "dose not rounded; dispense it as calculated or choose another product",
            source=src.US_ROUNDING,
            code="ivig.dispense.not_rounded", severity="caution",
        )
        return None
    trace.step(
        "rounded in {:,g} g steps ({}): {:,g} g/day = {} of {}",
        result.step,
        result.rounded,
        result.amount,
        _vial_text(result.units),
        product.name,
        source=src.TRANSFUSION_ONTARIO,
    )
    return result


def _round_within_tolerance(
    daily: float, product: IVIgProduct, maximum: float, step: float
) -> Dispensed | None:
    """The 5 g rounding, or the product's own smallest step when 5 g would move the dose more
    than 10 % (US practice keeps the rounded dose within 10 % of the order); else None."""
    for attempt in (step, None):
        result = dispense(daily, product.name, "vials", "g", product.vial_sizes_g, maximum, attempt)
        if result is not None and abs(result.rounding_error_fraction) <= ROUNDING_TOLERANCE:
            return result
    return None


def _vial_text(units: tuple[tuple[float, int], ...]) -> str:
    return " + ".join(f"{n} x {size:,g} g" for size, n in units)
