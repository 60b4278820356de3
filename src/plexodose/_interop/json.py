"""The public JSON form of results, schedules and patients, described by a shipped JSON Schema.

Every quantity is ``{"value": number, "unit": UCUM code}`` with the value rounded to 3
decimals (below what any dose is measured to, and no float noise such as
32.800000000000004). A result names both what was ``calculated`` and what is ``dispensed``
(whole tablets or vials; null when nothing is dispensed), with its derivation ``steps``,
``warnings`` and ``sources``; ``alerts`` holds the warnings again, each with its stable code,
severity and the id of the rule it cites (``warnings`` stays the list of texts). The schema is ``plexodose/schema/plexodose.schema.json``
(JSON Schema draft 2020-12), loaded by :func:`schema`.

>>> from plexodose import Patient, ivig
>>> data = result_dict(ivig(Patient(weight="72 kg"), product="privigen"))
>>> data["calculated"]["daily_dose"], data["dispensed"]["daily_dose"]  # 0.4 g/kg x 72 kg
({'unit': 'g/d', 'value': 28.8}, {'unit': 'g/d', 'value': 30.0})
"""

from __future__ import annotations

import functools
import json
import math
from typing import Any

from plexodose._core.alerts import Alert
from plexodose._core.sources import Source
from plexodose._core.version import __version__
from plexodose._dosing.dispense import Dispensed
from plexodose._dosing.guard import Limit
from plexodose._dosing.results import (
    Conversion,
    CyclophosphamidePulse,
    DailyDose,
    IVIgCourse,
    PulseReduction,
)

SCHEMA_FILE = "plexodose.schema.json"
DECIMALS = 3


def _version() -> str:
    return __version__


def number(value: float) -> float:
    """``value`` rounded to 3 decimals (never -0)."""
    rounded = round(float(value), DECIMALS)
    return rounded + 0.0  # -0.0 + 0.0 is 0.0


def quantity(value: float | None, unit: str) -> dict[str, Any] | None:
    """``{"unit": UCUM code, "value": rounded}``, or None for no value."""
    return None if value is None else {"unit": unit, "value": number(value)}


def limit_number(value: float) -> float:
    """A maximum rounded down to 3 decimals: the rounding never widens it."""
    scale = float(10**DECIMALS)
    return math.floor(float(value) * scale) / scale


def limit_quantity(value: float | None, unit: str) -> dict[str, Any] | None:
    """:func:`quantity` for a maximum (rounded down), or None for no maximum."""
    return None if value is None else {"unit": unit, "value": limit_number(value)}


def bounded_number(value: float, maximum: float | None) -> float:
    """``value`` rounded to 3 decimals, never above ``maximum`` as written (rounded down).

    A dose the guard let through is at or below its maximum (within float noise); rounded to
    the nearest it can come out one thousandth above the maximum rounded down (71.66759 g:
    71.668 against 71.667). Such a dose is written as the maximum: it moves by less than a
    thousandth of its unit, and an export never states a dose above the maximum beside it.
    """
    rounded = number(value)
    if maximum is None:
        return rounded
    return min(rounded, limit_number(maximum))


def bounded_quantity(
    value: float | None, unit: str, maximum: float | None
) -> dict[str, Any] | None:
    """:func:`quantity` for a dose written beside ``maximum`` (see :func:`bounded_number`)."""
    return None if value is None else {"unit": unit, "value": bounded_number(value, maximum)}


def source_dict(source: Source) -> dict[str, Any]:
    """A source as JSON: its id ("" for one made outside plexodose) beside the older keys, and
    where to look it up (year or null, edition, links: empty where the rules give none)."""
    return {"id": source.id, "tag": source.tag, "citation": source.citation, "rule": source.rule,
            "year": source.year, "edition": source.edition, "links": list(source.links)}


def alert_dict(alert: Alert) -> dict[str, Any]:
    """A warning as an app routes it: code, severity, text, and the cited rule's id (null when
    it cites none; "" for a Source made outside plexodose)."""
    source = alert.source
    return {"code": alert.code, "severity": alert.severity, "text": alert.text,
            "source": None if source is None else source.id}


def _trace(result: Any) -> dict[str, Any]:
    return {
        "plexodose_version": _version(),
        "kind": type(result).__name__,
        "summary": repr(result).splitlines()[0],
        "override": result.override,
        "steps": list(result.steps),
        "warnings": list(result.warnings),
        "alerts": [alert_dict(a) for a in result.alerts],
        "sources": [source_dict(s) for s in result.sources],
        "values_used": [value.to_dict() for value in result.values_used],
        "limits": [_limit(lim, _UNIT_OF.get(type(result), "mg")) for lim in getattr(result, "limits", ())],
    }


def _limit(lim: Limit, unit: str) -> dict[str, Any]:
    return {
        "label": lim.label,
        "amount": limit_quantity(lim.amount, unit),
        "per": lim.per,
        "source": source_dict(lim.source),
    }


def _dispensed(d: Dispensed, per_dose: bool, per_day_factor: float) -> dict[str, Any]:
    """What is dispensed (per administration when ``per_dose``, and per day) and its make-up."""
    unit = d.unit
    made: dict[str, Any] = {"product": d.product, "form": d.form}
    if per_dose:
        made["per_dose"] = quantity(d.amount, unit)
    made.update(
        daily_dose=quantity(d.amount * per_day_factor, f"{unit}/d"),
        units=[{"strength": quantity(size, unit), "count": n} for size, n in d.units],
        rounded=d.rounded,
        rounding_error=quantity(d.rounding_error, unit),
        rounding_error_fraction=number(d.rounding_error_fraction),
    )
    return made


def _daily(r: DailyDose) -> dict[str, Any]:
    per_day = r.doses_per_day * r.days_per_week / 7
    dispensed = None
    if r.dispensed is not None:
        dispensed = _dispensed(r.dispensed, True, per_day)
    return {
        "drug": r.drug,
        "calculated": {
            "daily_dose": quantity(r.daily_dose_mg, "mg/d"),
            "per_dose": quantity(r.per_dose_mg, "mg"),
        },
        "dispensed": dispensed,
        "regimen": {
            "doses_per_day": r.doses_per_day,
            "days_per_week": r.days_per_week,
            "frequency": r.frequency,
            "dosing_weight": quantity(r.dosing_weight_kg, "kg"),
            "mg_per_kg_day": quantity(r.mg_per_kg_day, "mg/kg/d"),
            "cap": limit_quantity(r.cap_mg_per_day, "mg/d"),
            "cap_applied": r.cap_applied,
            "formulation": r.formulation,
        },
    }


def _ivig(r: IVIgCourse) -> dict[str, Any]:
    dispensed = None
    if r.dispensed is not None:
        dispensed = _dispensed(r.dispensed, False, 1.0)  # an IVIg amount is a day's dose
        dispensed["total_dose"] = quantity(r.dispensed.amount * r.days, "g")
        dispensed["daily_volume"] = quantity(r.daily_volume_ml, "mL")
    return {
        "drug": "IVIg",
        "calculated": {
            "daily_dose": quantity(r.daily_dose_g, "g/d"),
            "total_dose": quantity(r.daily_dose_g * r.days, "g"),
        },
        "dispensed": dispensed,
        "regimen": {
            "dose_per_kg": quantity(r.g_per_kg_day, "g/kg/d"),
            "days": r.days,
            "dosing_weight": quantity(r.dosing_weight_kg, "kg"),
            "weight_basis": r.weight_basis,
            "weight_basis_reason": r.weight_basis_reason,
            "product": None if r.product is None else r.product.name,
            "risk_factors": list(r.risk_factors),
        },
        "infusion": _infusion(r),
    }


def _infusion(r: IVIgCourse) -> dict[str, Any] | None:
    """One day's infusion as the block states it: volume, pump rates and time (null without a
    product: the rates follow a product's label)."""
    if r.product is None:
        return None
    hours = r.infusion_hours
    return {
        "product": r.product.name,
        "rate_row": r.product.rate_row,
        "volume": quantity(r.daily_volume_ml, "mL"),
        "rate_steps": [quantity(rate, "mL/h") for rate in r.pump_rates_ml_per_h],
        "rate_steps_per_kg": [quantity(rate, "mg/kg/min") for rate in r.pump_rates_mg_per_kg_min],
        "infusion_time": None
        if hours is None
        else {"shortest": quantity(hours[0], "h"), "longest": quantity(hours[1], "h")},
        "at_risk": bool(r.risk_factors),
    }


def _pulse(r: CyclophosphamidePulse) -> dict[str, Any]:
    return {
        "drug": "cyclophosphamide (IV)",
        "calculated": {"dose": quantity(r.dose_mg, "mg")},
        # prepared to the whole mg (never above a limit): what the pharmacy makes up
        "dispensed": None if r.held else {"dose": quantity(r.prepared_mg, "mg"),
                                          "rounded": "to the whole mg"},
        "regimen": {
            "dose_per_m2": quantity(r.g_per_m2, "g/m2"),
            "interval": quantity(r.interval_weeks, "wk"),
            "bsa": quantity(r.bsa_m2, "m2"),
            "bsa_formula": r.bsa_formula,
            "bsa_cap": quantity(r.bsa_cap_m2, "m2"),
            "dosing_bsa": quantity(r.dosing_bsa_m2, "m2"),
            "reduction": number(r.reduction),
            "held": r.held,
        },
    }


def _conversion(r: Conversion) -> dict[str, Any]:
    return {
        "drug": r.to_drug,
        "calculated": {"dose": quantity(r.to_mg, "mg")},
        "dispensed": None,
        "regimen": {"from_drug": r.from_drug, "from_dose": quantity(r.from_mg, "mg")},
    }


def _reduction(r: PulseReduction) -> dict[str, Any]:
    return {
        "drug": "cyclophosphamide (IV)",
        "calculated": {
            "dose": quantity(r.dose_mg, "mg"),
            "dose_per_kg": quantity(r.reduced_mg_per_kg, "mg/kg"),
        },
        "dispensed": None,
        "regimen": {
            "standard_dose_per_kg": quantity(r.standard_mg_per_kg, "mg/kg"),
            "fraction": number(r.fraction),
            "weight": quantity(r.weight_kg, "kg"),
            "cap_applied": r.cap_applied,
        },
    }


_UNIT_OF: dict[type, str] = {IVIgCourse: "g"}

_KINDS: dict[type, Any] = {
    DailyDose: _daily,
    IVIgCourse: _ivig,
    CyclophosphamidePulse: _pulse,
    Conversion: _conversion,
    PulseReduction: _reduction,
}


def result_dict(result: Any) -> dict[str, Any]:
    """A dose result as JSON-ready data (see the module docstring and the schema)."""
    build = _KINDS.get(type(result))
    if build is None:
        raise TypeError(f"no JSON form for {type(result).__name__}")  # a programming error
    return {**_trace(result), **build(result)}


def _event(e: Any) -> dict[str, Any]:
    per_dose = None if e.dose_amount is None else e.dose_amount / e.doses_per_day
    hours = e.infusion_hours
    return {
        "date": e.date.isoformat(),
        "until": None if e.until is None else e.until.isoformat(),
        "drug": e.drug,
        "kind": e.kind,
        "phase": e.phase,
        "description": e.description,
        "route": e.route,
        "dose": bounded_quantity(e.dose_amount, e.dose_unit or "", _day_bound(e)),
        "per_dose": bounded_quantity(per_dose, e.dose_unit or "", e.max_per_dose),
        "doses_per_day": e.doses_per_day,
        "days_per_week": e.days_per_week,
        "volume": quantity(e.volume_ml, "mL"),
        "rate_steps": [quantity(rate, "mL/h") for rate in e.rate_steps_ml_per_h],
        "infusion_time": None
        if hours is None
        else {"shortest": quantity(hours[0], "h"), "longest": quantity(hours[1], "h")},
        "cumulative": quantity(e.cumulative_amount, e.dose_unit or ""),
        "max_per_dose": limit_quantity(e.max_per_dose, e.dose_unit or ""),
        "max_per_day": limit_quantity(e.max_per_day, e.dose_unit or ""),
        "warnings": list(e.warnings),
        "alerts": [alert_dict(a) for a in e.alerts],
    }


def _day_bound(e: Any) -> float | None:
    """The most a dosing day may hold: ``max_per_day``, or ``max_per_dose`` x doses a day."""
    bounds = [b for b in (e.max_per_day,) if b is not None]
    if e.max_per_dose is not None:
        bounds.append(e.max_per_dose * e.doses_per_day)
    return min(bounds) if bounds else None


def schedule_dict(schedule: Any) -> dict[str, Any]:
    """A schedule as JSON-ready data: its events, warnings, sources and prior exposure."""
    unit = {"IVIg": "g"}
    return {
        "plexodose_version": _version(),
        "kind": "Schedule",
        "start": schedule.start.isoformat(),
        "events": [_event(e) for e in schedule.events],
        "warnings": list(schedule.warnings),
        "alerts": [alert_dict(a) for a in schedule.alerts],
        "sources": [source_dict(s) for s in schedule.sources],
        "prior": [
            {"drug": drug, "amount": quantity(amount, unit.get(drug, "mg"))}
            for drug, amount in schedule.prior
        ],
    }


def checklist_dict(checklist: Any) -> dict[str, Any]:
    """A checklist before starting as JSON-ready data: each check with its status and source,
    the warnings and their alerts (code, severity, text, source id), and the sources."""
    return {
        "plexodose_version": _version(),
        "kind": "BeforeStarting",
        "drug": checklist.drug,
        "ready": checklist.ready,
        "checks": [{"item": c.item, "status": c.status, "source": source_dict(c.source)}
                   for c in checklist.checks],
        "baseline_creatinine": quantity(checklist.baseline_creatinine_mg_dl, "mg/dL"),
        "override": checklist.override,
        "warnings": list(checklist.warnings),
        "alerts": [alert_dict(a) for a in checklist.alerts],
        "sources": [source_dict(s) for s in checklist.sources],
    }


def review_dict(review: Any) -> dict[str, Any]:
    """A monitoring review as JSON-ready data: the action, the proposed dose (null when the
    action carries none), every reason with its source, each result given as judged by which
    rule or not judged, and when to check next."""
    unit = {"mg/day": "mg/d"}.get(review.proposed_unit or "", review.proposed_unit or "mg/d")
    return {
        "plexodose_version": _version(),
        "kind": "Review",
        "summary": review.headline,
        "drug": review.drug,
        "date": review.date.isoformat(),
        "action": review.action,
        "proposed_dose": None
        if review.proposed_amount is None
        else {"unit": unit, "value": number(review.proposed_amount), "text": review.proposed_text},
        "next_check": review.next_check.isoformat(),
        "next_check_text": review.next_check_text,
        "reasons": [
            {"action": f.action, "text": f.text, "source": source_dict(f.source)}
            for f in review.reasons
        ],
        "notes": list(review.notes),
        "judgements": list(review.judgements),
        "sources": [source_dict(s) for s in review.sources],
    }


def patient_dict(patient: Any) -> dict[str, Any]:
    """A patient as JSON-ready data (the CLI prints it beside a result)."""
    return {
        "weight": quantity(patient.weight_kg, "kg"),
        "height": quantity(patient.height_cm, "cm"),
        "sex": patient.sex,
        "age": quantity(patient.age, "a"),
        "serum_creatinine": quantity(patient.creatinine_mg_dl, "mg/dL"),
        "baseline_creatinine": quantity(patient.baseline_creatinine_mg_dl, "mg/dL"),
        "tpmt": patient.tpmt,
        "nudt15": patient.nudt15,
        "minor_override": patient.minor_override,
    }


def dumps(data: Any, indent: int | None = None) -> str:
    """JSON text: keys sorted, NaN and infinity refused (neither is JSON nor a dose)."""
    return json.dumps(data, sort_keys=True, indent=indent, allow_nan=False, ensure_ascii=False)


@functools.cache
def _schema_text() -> str:
    from importlib.resources import files

    return files("plexodose").joinpath("schema", SCHEMA_FILE).read_text(encoding="utf-8")


def schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of :func:`result_dict`, :func:`schedule_dict` and
    :func:`patient_dict`, as a fresh dict."""
    loaded: dict[str, Any] = json.loads(_schema_text())
    return loaded
