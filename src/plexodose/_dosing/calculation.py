"""What the drug calculators share: argument checks and renal function for dosing."""

from __future__ import annotations

import datetime as dt
from typing import Any

from plexodose._core import format as fmt
from plexodose._core import sources as src
from plexodose._core import units as u
from plexodose._core.checks import one_of
from plexodose._core.errors import InputRangeError
from plexodose._core.limits import ADULT_AGE_YEARS
from plexodose._core.sources import Source
from plexodose._core.vocab import CRCL_WEIGHTS
from plexodose._dosing.dispense import Dispensed, dispense, rounded_to_sizes
from plexodose._dosing.guard import Limit, per_dose_bound
from plexodose._dosing.products import CATALOGUE
from plexodose._dosing.trace import Trace, reason
from plexodose._patient import body as _body
from plexodose._patient import provenance as _prov
from plexodose._patient.patient import Patient
from plexodose._patient.provenance import ValueUsed

UMOL_PER_L_PER_MG_DL = 10_000 / u.CREATININE_MOLAR_MASS_G_PER_MOL  # 88.4
ROUNDING_TOLERANCE = 0.10  # [secondary] US IVIg practice, applied to every rounding as a warning


def _patient(value: Any) -> Patient:
    if not isinstance(value, Patient):
        raise InputRangeError(
            f'patient must be a plexodose.Patient, such as Patient(weight="72 kg"); '
            f"got {type(value).__name__}",
            field="patient",
            value=value,
        )
    return value


def begin(
    patient: Any, override: Any, *sources: Source, pulse: bool = False, ivig: bool = False
) -> tuple[Patient, str | None, Trace]:
    """Check the patient and the override reason; open the calculation's trace.

    The patient's values are listed on the result with their dates and origins, and a weight or
    creatinine older than its window on the decision date is refused unless confirmed:
    ``pulse`` (an IV cyclophosphamide pulse or an IVIg course) sets the 7-day window, else 30
    days (clinical rules, "Whose value, from when"). ``ivig`` names what is not known of the
    boxed warning's risk factors (age, renal function): unknown is not "not at risk"."""
    checked = patient if type(patient) is Patient else _patient(patient)
    reason_given = None if override is None else reason(override)
    trace = Trace(*sources)
    if checked.minor_override is not None:
        trace.warn(
            f"patient is under 18: adult protocol applied on override: {checked.minor_override}",
            code="patient.minor_override", severity="high",
        )
    trace.used = values_used(checked, trace, pulse)
    if ivig:
        _unknown_ivig_risks(checked, trace)
    return checked, reason_given, trace


def values_used(p: Patient, trace: Trace, pulse: bool = False) -> tuple[ValueUsed, ...]:
    """The patient's values with their dates and origins; a stale weight or creatinine refused.

    A value without a date is "date not stated" (never assumed fresh). A dated weight or
    creatinine older than its window on the decision date (``p.on``, today when not given) is
    refused unless ``confirmed`` gives the date it was confirmed, itself within the window."""
    used, stale = judged_values(p, trace, pulse)
    if stale:
        raise stale[0]
    return used


def judged_values(
    p: Patient, trace: Trace, pulse: bool = False
) -> tuple[tuple[ValueUsed, ...], list[InputRangeError]]:
    """:func:`values_used` without raising: the values, and a refusal for each stale one (an
    order screen names every stale value, and still checks what needs none of them)."""
    used = tuple(v for name in _prov.DATED if (v := p.value_used(name)) is not None)
    stale: list[InputRangeError] = []
    if not p._measured:  # nothing dated: nothing to judge, every value "date not stated"
        return used, stale
    on = p.on if p.on is not None else dt.date.today()
    trace.step("values judged on the decision date {} ({})", on.isoformat(),
               "on=" if p.on is not None else "today: no on= given")
    windows = p.windows
    for value in used:
        if value.measured is None or value.name == "baseline_creatinine":
            continue  # a baseline's date is judged against the start, by the review
        days = (on - value.measured).days
        if value.name == "height":
            limit = windows.get("height", _prov.HEIGHT_WARNING_DAYS)
            if days > limit:
                trace.warn(
                    f"height measured {value.measured.isoformat()}, {days} days before "
                    f"{on.isoformat()} (more than {limit}): re-measure",
                    source=_prov.HEIGHT_OLD,
                    code="patient.height.old", severity="caution",
                )
            continue
        default = _prov.PULSE_WINDOW_DAYS if pulse else (
            _prov.WEIGHT_WINDOW_DAYS if value.name == "weight" else _prov.CREATININE_WINDOW_DAYS
        )
        limit = windows.get(value.name, default)
        source = _prov.WEIGHT_STALE if value.name == "weight" else _prov.CREATININE_STALE
        trace.cite(source)
        if limit != default:
            trace.warn(
                f"{value.name.replace('_', ' ')} window set to {limit} days for this patient "
                f"(default {default})",
                source=source,
                code="patient.value_window.changed", severity="caution",
            )
        if days <= limit:
            continue
        what = f"{value.name.replace('_', ' ')} {value.text} measured {value.measured.isoformat()}"
        confirmed = value.confirmed
        if confirmed is None or (on - confirmed).days > limit:
            again = f"confirmed {confirmed.isoformat()}, also" if confirmed else "is"
            stale.append(InputRangeError(
                f"{what} {again} more than {limit} days before the decision date "
                f"{on.isoformat()} ({days} days; {source.rule}): measure it again, or pass "
                f"confirmed={{'{value.name}': '<date it was confirmed>'}} with a date within "
                f"{limit} days",
                field=value.name,
                value=value.measured,
            ))
            continue
        trace.warn(
            f"{what}, {days} days before {on.isoformat()} (window {limit} days): used as "
            f"confirmed on {confirmed.isoformat()}",
            source=source,
            code="patient.value.old_confirmed", severity="caution",
        )
    return used, stale


def _unknown_ivig_risks(p: Patient, trace: Trace) -> None:
    """Unknown age or renal function is not "not at risk": name it (boxed warning)."""
    unknown = []
    if p.age is None:
        unknown.append("age not known (over 65 is a risk factor)")
    missing = [name for name in ("age", "sex", "serum_creatinine") if getattr(p, name) is None]
    if missing:
        unknown.append(f"renal function not known ({', '.join(missing)} not given)")
    if unknown:
        trace.warn(
            "renal and thrombosis risk not excluded: " + "; ".join(unknown) + ": until known, "
            "treat as at risk (minimum dose, concentration and infusion rate practicable; "
            "hydrate; check renal function before treatment)",
            source=src.IVIG_BOXED_WARNING,
            code="ivig.renal_risk.unknown", severity="high",
        )


def adult_renal_inputs(p: Patient, trace: Trace, purpose: str) -> tuple[float, str, float] | None:
    """(age, sex, creatinine) when all are known for an adult, else None with a warning."""
    age, sex, creatinine = p.age, p.sex, p.creatinine_mg_dl
    if age is None or sex is None or creatinine is None:
        missing = [name for name in ("age", "sex", "serum_creatinine") if getattr(p, name) is None]
        trace.warn(f"renal function not estimated ({', '.join(missing)} not given): no {purpose}", code="renal.not_estimated.missing_value", severity="high")
        return None
    if age < ADULT_AGE_YEARS:
        trace.warn(f"renal function not estimated: the equations are for adults; no {purpose}", code="renal.not_estimated.minor", severity="high")
        return None
    return age, sex, creatinine




def crcl_for_dosing(p: Patient, trace: Trace, purpose: str, weight_basis: Any = "auto") -> float | None:
    """Cockcroft-Gault for a dose adjustment, on ``weight_basis``: ``"auto"`` (the default, a
    gap: the lower of actual and ideal weight, the conservative estimate), ``"actual"``,
    ``"ideal"`` or ``"adjusted"`` (never above actual weight)."""
    weight_basis = one_of(weight_basis, CRCL_WEIGHTS, "crcl_weight")
    inputs = adult_renal_inputs(p, trace, purpose)
    if inputs is None:
        return None
    age, sex, scr = inputs
    weight, which = _crcl_weight(p, sex, weight_basis, trace)
    crcl = _body.clearance_ml_min(age, weight, sex, scr)
    trace.step(
        "creatinine clearance (Cockcroft-Gault, {} weight {:,.5g} kg, creatinine {:.3g} mg/dL): "
        "{:.3g} mL/min",
        which,
        fmt.Amount(weight),  # as the block writes a weight
        scr,
        crcl,
        source=src.COCKCROFT_GAULT,
    )
    trace.cite(src.CRCL_WEIGHT_GAP)
    return crcl


def _crcl_weight(p: Patient, sex: str, basis: str, trace: Trace) -> tuple[float, str]:
    actual = p.weight_kg
    if basis == "actual":
        return actual, "actual"
    if p.height_cm is None:
        if basis != "auto":
            raise p.missing("height", f"{basis} weight for Cockcroft-Gault")
        trace.warn(
            "height not given: Cockcroft-Gault uses actual weight, which overestimates "
            "clearance in obesity",
            code="renal.cockcroft_gault.no_height", severity="high",
        )
        return actual, "actual"
    ideal = _body.ideal_weight_kg(p.height_cm, sex)
    trace.cite(src.DEVINE)
    caution = _body.devine_warning(p.height_cm)
    if caution:
        trace.warn(caution, source=src.DEVINE, code="weight.ideal.short_stature", severity="caution")
    chosen, which = (
        (_body.adjusted_weight_kg(actual, ideal), "adjusted")
        if basis == "adjusted"
        else (ideal, "ideal")
    )
    if actual < chosen:  # the reference: actual weight when it is below ideal
        return actual, "actual"
    return chosen, which


def egfr_for_dosing(p: Patient, trace: Trace, purpose: str) -> float | None:
    inputs = adult_renal_inputs(p, trace, purpose)
    if inputs is None:
        return None
    value = _body.egfr_ml_min(*inputs)
    trace.step("eGFR (CKD-EPI 2021): {:.3g} mL/min/1.73 m2", value, source=src.CKD_EPI_2021)
    return value


def creatinine_umol_l(p: Patient) -> float | None:
    scr = p.creatinine_mg_dl
    # rounded so a threshold typed in umol/L (250) is not missed by a float artefact (249.99999)
    return None if scr is None else round(scr * UMOL_PER_L_PER_MG_DL, 6)


def oral_amount(drug: str, per_dose_mg: float, limits: tuple[Limit, ...], doses_per_day: int
                ) -> float | None:
    """The amount :func:`dispense_oral` dispenses for one dose (mg; None where it dispenses
    nothing), as plain numbers: for a screen, which needs the amount only."""
    product = CATALOGUE.oral(drug)
    if product is None:
        return None
    found = rounded_to_sizes(per_dose_mg, product.strengths_mg,
                             per_dose_bound(limits, doses_per_day))
    return None if found is None else found[0]


def dispense_oral(
    drug: str, per_dose_mg: float, limits: tuple[Limit, ...], doses_per_day: int, trace: Trace
) -> Dispensed | None:
    """Round one oral dose to the catalogue's strengths for ``drug``: to the nearest, or down
    where the nearest would pass any limit, per dose or per day."""
    product = CATALOGUE.oral(drug)
    if product is None:
        trace.warn(
            f"no {drug} strengths in the product catalogue: the dose is not rounded "
            "(register an OralProduct to round it)",
            code="dispense.not_rounded.no_strengths", severity="caution",
        )
        return None
    result = dispense(
        per_dose_mg,
        product.name,
        product.form,
        "mg",
        product.strengths_mg,
        per_dose_bound(limits, doses_per_day),
    )
    trace.cite(product.source)
    if result is None:
        trace.warn(
            f"{fmt.number(per_dose_mg)} mg cannot be made from {product.name} "
            f"({', '.join(f'{s:,g}' for s in product.strengths_mg)} mg): dispense another form",
            code="dispense.not_rounded.no_strength_fits", severity="caution",
        )
        return None
    error = result.amount - per_dose_mg  # the rounding error, formatted when the step is read
    if error:
        trace.step(
            "dispensed per dose: {:,g} mg ({}, rounded {}; {:+,.3g} mg)",
            result.amount,
            product.name,
            result.rounded,
            fmt.Amount(error),
        )
    else:
        trace.step(
            "dispensed per dose: {:,g} mg ({}, rounded {}; exact)",
            result.amount,
            product.name,
            result.rounded,
        )
    if abs(error / per_dose_mg) > ROUNDING_TOLERANCE:
        trace.warn(
            f"rounding to whole {product.form}s changes each dose by "
            f"{fmt.signed_percent(result.rounding_error_fraction)} ({fmt.number(per_dose_mg)} -> "
            f"{result.amount:g} mg), more than 10 %: consider another strength or form",
            source=src.ROUNDING_WARNING_GAP,
            code="dispense.rounding.over_10_percent", severity="caution",
        )
    return result
