"""Reading a FHIR Patient and its Observations: the values plexodose doses from, and their dates.

An EHR export holds many Observations; plexodose reads only those whose LOINC code it knows
(:data:`CODES`) and lists the others as skipped. For each code it takes the most recent value
at or before the date ``on``, with its date and the Observation it came from. A value is read
through its UCUM unit ``code`` (``valueQuantity.code``), by plexodose's UCUM table; nothing
is guessed: an Observation it reads that has no unit, a unit that is not UCUM or not of the
code's dimension, two different values at the same time, or only values dated after ``on``,
is refused with a :class:`~plexodose.PlexodoseError` that names the resource and the path
(``Observation/wt1 valueQuantity.code``).

Resources may be plain JSON dicts or ``fhir.resources`` objects (R4, R4B or R5); a Bundle is
read for its Patient and Observations.

>>> bundle = {"resourceType": "Bundle", "type": "collection", "entry": [
...     {"resource": {"resourceType": "Patient", "id": "p1", "gender": "female",
...                   "birthDate": "1961-04-30"}},
...     {"resource": {"resourceType": "Observation", "id": "wt1", "status": "final",
...                   "code": {"coding": [{"system": "http://loinc.org", "code": "29463-7"}]},
...                   "subject": {"reference": "Patient/p1"},
...                   "effectiveDateTime": "2026-02-27",
...                   "valueQuantity": {"value": 165, "unit": "lb",
...                                     "system": "http://unitsofmeasure.org", "code": "[lb_av]"}}}]}
>>> reading = read_fhir(bundle, on="2026-03-01")
>>> reading.patient()  # 165 lb x 0.45359237 = 74.843 kg; 64 on 2026-03-01
Patient(weight='74.8427 kg', sex='female', age=64)
>>> reading.values["29463-7"].observation, reading.values["29463-7"].day
('Observation/wt1', datetime.date(2026, 2, 27))
"""

from __future__ import annotations

import datetime as dt
import decimal
import json
import math
import numbers
import re
from collections.abc import Iterable, Mapping
from types import MappingProxyType
from typing import Any, Literal

import attrs

from plexodose._core import limits as lim
from plexodose._core import ucum as _ucum
from plexodose._core import units as u
from plexodose._core import vocab as _vocab
from plexodose._core.errors import (
    InputRangeError,
    MissingInputError,
    PlexodoseError,
    UnitError,
    safe_repr,
)
from plexodose._core.public import public
from plexodose._core.sources import Source

LOINC_SYSTEM = "http://loinc.org"

ValueKind = Literal["quantity", "phenotype"]


@attrs.frozen
class Code:
    """A LOINC code plexodose reads: what it is, the UCUM kinds it may carry, its unit."""

    loinc: str
    name: str
    kinds: tuple[str, ...]
    unit: str
    """The canonical unit of the value read, as a UCUM code."""
    value: ValueKind = "quantity"


_COUNT = ("cell count per volume",)
CODES: dict[str, Code] = {
    c.loinc: c
    for c in (
        Code("29463-7", "body weight", ("mass",), "kg"),
        Code("8302-2", "body height", ("length",), "cm"),
        Code("2160-0", "creatinine (mass)", ("mass concentration",), "mg/dL"),
        Code("14682-9", "creatinine (moles)", ("substance concentration",), "mg/dL"),
        Code("98979-8", "eGFR (CKD-EPI 2021)", ("eGFR",), "mL/min/{1.73_m2}"),
        Code("6690-2", "white cell count", _COUNT, "10*9/L"),
        Code("751-8", "neutrophils", _COUNT, "10*9/L"),
        Code("711-2", "eosinophils", _COUNT, "10*9/L"),
        Code("777-3", "platelets", _COUNT, "10*9/L"),
        Code("1742-6", "ALT", ("enzyme activity per volume",), "U/L"),
        Code("1920-8", "AST", ("enzyme activity per volume",), "U/L"),
        Code("1751-7", "albumin", ("mass concentration",), "g/L"),
        Code("787-2", "MCV", ("volume",), "fL"),
        Code("2823-3", "potassium", ("substance concentration",), "mmol/L"),
        Code("8480-6", "systolic blood pressure", ("pressure",), "mm[Hg]"),
        Code("8462-4", "diastolic blood pressure", ("pressure",), "mm[Hg]"),
        Code("79713-4", "TPMT phenotype", (), "", "phenotype"),
    )
}
"""LOINC code -> what plexodose reads from it (the monitoring reference lists the lab codes;
79713-4 is "TPMT gene product metabolic activity interpretation"). NUDT15 has no verified
LOINC code here: pass ``nudt15=`` to :meth:`FhirReading.patient`."""

PANELS = {"85354-9": "blood pressure panel"}
"""Panels read for their components (systolic 8480-6, diastolic 8462-4)."""

# pint-side dimension of each canonical unit (10^9/L is 1/nL)
_DIMENSIONS = {
    "kg": u.MASS,
    "cm": u.LENGTH,
    "mg/dL": u.CREATININE,
    "10*9/L": u.Dimension("cell count per volume", "1/nL", '"3.5 10*9/L"'),
    "U/L": u.Dimension("enzyme activity per volume", "enzyme_unit/L", '"40 U/L"'),
    "g/L": u.Dimension("mass concentration", "g/L", '"40 g/L"'),
    "fL": u.Dimension("volume", "fL", '"90 fL"'),
    "mmol/L": u.Dimension("substance concentration", "mmol/L", '"4.5 mmol/L"'),
    "mm[Hg]": u.Dimension("pressure", "mmHg", '"120 mm[Hg]"'),
}
_USABLE_STATUS = ("final", "amended", "corrected")

LATEST_GAP = Source(
    "gap",
    "plexodose conservative choice (the reference says nothing on reading FHIR)",
    "per LOINC code the most recent final value at or before the date; two values at one time, "
    "or a date-only value beside a timed one on that day, are refused, not chosen between",
)
CREATININE_UNITS_GAP = Source(
    "gap",
    "plexodose conservative choice",
    "creatinine reported by mass (2160-0) and by moles (14682-9) at one time must agree within "
    "creatinine_tolerance (default 1 %, unit rounding); the higher, which gives the lower "
    "clearance, is used",
)
CPIC_TERMS = Source(
    "guideline",
    "CPIC term standardization for pharmacogenetic test results",
    "TPMT/NUDT15 phenotypes: Normal, Intermediate, Possible Intermediate and Poor Metabolizer, "
    "Indeterminate",
)


def _frozen_map(values: Mapping[str, Reading]) -> Mapping[str, Reading]:
    return MappingProxyType(dict(values))


@attrs.frozen
class Reading:
    """One value read from an Observation: in the code's canonical unit, with its date."""

    code: str
    name: str
    value: float | str
    unit: str
    effective: str
    """The effective time as the Observation wrote it."""
    day: dt.date
    observation: str
    """Where it came from: ``Observation/<id>`` (with the component for a panel)."""


@attrs.frozen
class Skipped:
    """A resource (or Observation) not read, and why."""

    resource: str
    code: str | None
    reason: str


@public
@attrs.frozen
class FhirReading:
    """What plexodose read from a FHIR Patient and Observations on the date ``on``.

    ``values`` holds the most recent reading per LOINC code; ``skipped`` what was not read and
    why; ``notes`` what the reading could not settle (a gender that is neither female nor
    male).
    """

    on: dt.date
    patient_ref: str | None
    sex: str | None
    age: float | None
    birth_date: str | None
    values: Mapping[str, Reading] = attrs.field(converter=_frozen_map)
    skipped: tuple[Skipped, ...] = ()
    notes: tuple[str, ...] = ()
    age_problem: str | None = None
    creatinine_tolerance: float = 0.01

    @property
    def sources(self) -> tuple[Source, ...]:
        """The rules this reading applied, to cite beside the values it gave."""
        found = [LATEST_GAP]
        if "2160-0" in self.values and "14682-9" in self.values:
            found.append(CREATININE_UNITS_GAP)
        if "79713-4" in self.values:
            found.append(CPIC_TERMS)
        return tuple(found)

    def value(self, code: str) -> float | str | None:
        found = self.values.get(code)
        return None if found is None else found.value

    def patient(self, **given: Any) -> Any:
        """A :class:`~plexodose.Patient` from what was read; ``given`` adds fields FHIR did not
        hold (``nudt15="normal"``, ``baseline_creatinine="0.8 mg/dL"``, ``minor_override``).

        A field both read and given is refused: say which to use by leaving one out.
        """
        from plexodose._patient.patient import Patient

        fields = self._fields()
        both = sorted(set(fields) & set(given))
        if both:
            raise InputRangeError(
                f"{', '.join(both)} came from FHIR ({', '.join(self._origin(f) for f in both)}) "
                "and were also given: leave out one of the two",
                field=both[0],
                value=given[both[0]],
            )
        if "weight" not in fields and "weight" not in given:
            raise MissingInputError(
                f"no body weight Observation (LOINC 29463-7) at or before {self.on.isoformat()}; "
                "pass weight= (such as \"72 kg\")",
                field="weight",
            )
        if self.age_problem is not None and "age" not in given:
            raise InputRangeError(self.age_problem, field="age", value=self.birth_date)
        return Patient(**{**fields, **given})

    def _fields(self) -> dict[str, Any]:
        fields: dict[str, Any] = {}
        for name, code, unit in (("weight", "29463-7", "kg"), ("height", "8302-2", "cm")):
            value = self.value(code)
            if value is not None:
                fields[name] = u.quantity(float(value), unit)
        creatinine = self.creatinine()
        if creatinine is not None:
            fields["serum_creatinine"] = u.quantity(float(creatinine.value), "mg/dL")
        if self.sex is not None:
            fields["sex"] = self.sex
        if self.age is not None:
            fields["age"] = self.age
        tpmt = self.value("79713-4")
        if tpmt is not None:
            fields["tpmt"] = tpmt
        return fields

    def _origin(self, field: str) -> str:
        code = {"weight": "29463-7", "height": "8302-2", "tpmt": "79713-4"}.get(field)
        if field == "serum_creatinine":
            found = self.creatinine()
            return "" if found is None else found.observation
        if code is not None and code in self.values:
            return self.values[code].observation
        return f"{self.patient_ref or 'Patient'} {'gender' if field == 'sex' else 'birthDate'}"

    def creatinine(self) -> Reading | None:
        """The latest serum creatinine, mass (2160-0) or moles (14682-9), in mg/dL.

        Both at the same time must agree within ``creatinine_tolerance`` (1 %: rounding
        between units); the higher is used, as it gives the lower clearance.
        """
        found = [r for r in (self.values.get("2160-0"), self.values.get("14682-9")) if r]
        if len(found) < 2:
            return found[0] if found else None
        mass, molar = found
        if _moment(mass) != _moment(molar):
            return max(found, key=_moment)
        low, high = sorted(float(r.value) for r in found)
        if high - low > self.creatinine_tolerance * high:
            raise InputRangeError(
                f"{mass.observation} and {molar.observation} give creatinine at the same time "
                f"as {float(mass.value):g} and {float(molar.value):g} mg/dL: which is right?",
                field="serum_creatinine",
                value=(mass.value, molar.value),
            )
        return max(found, key=lambda r: float(r.value))


def _moment(reading: Reading) -> tuple[dt.date, str]:
    return reading.day, _time_part(reading.effective)


def read_fhir(
    patient: Any,
    observations: Any = None,
    *,
    on: Any,
    subject_check: bool = True,
    creatinine_tolerance: float = 0.01,
) -> FhirReading:
    """Read a FHIR Patient (or a Bundle holding one) and Observations as of the date ``on``.

    ``subject_check`` refuses an Observation whose subject is another patient;
    ``creatinine_tolerance`` is how far creatinine by mass and by moles at one time may differ.
    """
    day = _on_date(on)
    tolerance = u.in_range(
        u.plain_number(creatinine_tolerance, "creatinine_tolerance"),
        "creatinine_tolerance", 0.0, 0.1, "", creatinine_tolerance,
    )
    resources = _resources(patient, "patient")
    patients = [r for r in resources if r[1].get("resourceType") == "Patient"]
    rest = [r for r in resources if r[1].get("resourceType") != "Patient"]
    if len(patients) != 1:
        raise InputRangeError(
            f"expected one FHIR Patient, found {len(patients)} in what was given as patient",
            field="patient",
            value=None,
        )
    full_url, resource = patients[0]
    where = _name(resource)
    refs = {where} | ({full_url} if isinstance(full_url, str) and full_url else set())
    sex, notes = _sex(resource, where)
    age, age_problem = _age(resource, where, day)
    found = rest + (_resources(observations, "observations") if observations is not None else [])
    read = read_observations(
        [r for _, r in found], on=day, subject=refs if subject_check and resource.get("id") else None
    )
    return FhirReading(
        on=day,
        patient_ref=where,
        sex=sex,
        age=age,
        birth_date=resource.get("birthDate"),
        values=read.values,
        skipped=read.skipped,
        notes=notes,
        age_problem=age_problem,
        creatinine_tolerance=tolerance,
    )


@attrs.frozen
class Observations:
    """The most recent reading per LOINC code, and what was skipped."""

    values: dict[str, Reading]
    skipped: tuple[Skipped, ...]


def read_observations(
    observations: Iterable[Any], *, on: Any, subject: set[str] | None = None
) -> Observations:
    """Per LOINC code of :data:`CODES`, the most recent value at or before ``on``.

    ``subject``: the references the Observations' subject may have (others are refused).

    >>> obs = [{"resourceType": "Observation", "id": "c1", "status": "final",
    ...         "code": {"coding": [{"system": "http://loinc.org", "code": "14682-9"}]},
    ...         "effectiveDateTime": "2026-02-01T08:30:00Z",
    ...         "valueQuantity": {"value": 80, "system": "http://unitsofmeasure.org",
    ...                           "code": "umol/L"}}]
    >>> read_observations(obs, on="2026-03-01").values["14682-9"].value  # 80 x 0.011312
    0.90496
    """
    day = _on_date(on)
    candidates: dict[str, list[Reading]] = {}
    later: dict[str, list[Reading]] = {}
    skipped: list[Skipped] = []
    for item in observations:
        for _, resource in _resources(item, "observations"):
            for reading, skip in _read_one(resource, day, subject):
                if skip is not None:
                    skipped.append(skip)
                elif reading is not None:
                    target = candidates if reading.day <= day else later
                    target.setdefault(reading.code, []).append(reading)
    for code, readings in later.items():
        skipped += [Skipped(r.observation, code, f"dated after {day.isoformat()}") for r in readings]
        if code not in candidates:
            raise InputRangeError(
                f"{CODES[code].name} (LOINC {code}): only values dated after "
                f"{day.isoformat()} ({', '.join(r.observation for r in readings)}); "
                "choose a later date or leave them out",
                field=CODES[code].name,
                value=[r.effective for r in readings],
            )
    return Observations(
        values={code: _latest(found) for code, found in candidates.items()},
        skipped=tuple(skipped),
    )


def _latest(readings: list[Reading]) -> Reading:
    newest_day = max(r.day for r in readings)
    same_day = [r for r in readings if r.day == newest_day]
    timed = [r for r in same_day if _time_part(r.effective)]
    if len(timed) == len(same_day):
        newest = max(_instant(r) for r in same_day)
        same_day = [r for r in same_day if _instant(r) == newest]
    values: set[float | str] = {r.value for r in same_day}
    if len(values) > 1:
        raise InputRangeError(
            f"{same_day[0].name} (LOINC {same_day[0].code}): conflicting values at the same time "
            + ", ".join(f"{r.observation} {r.value} {r.unit} at {r.effective}" for r in same_day),
            field=same_day[0].name,
            value=sorted(map(str, values)),
        )
    return same_day[0]


def _instant(r: Reading) -> dt.datetime:
    return _parse_datetime(r.effective, r.observation)


# -- one Observation --------------------------------------------------------------------------


def _read_one(
    obs: dict[str, Any], on: dt.date, subject: set[str] | None
) -> list[tuple[Reading | None, Skipped | None]]:
    kind = obs.get("resourceType")
    where = _name(obs)
    if kind != "Observation":
        return [(None, Skipped(where, None, f"a {kind or 'resource without resourceType'}, "
                                           "not an Observation"))]
    codes = list(dict.fromkeys(_loinc_codes(obs.get("code"), f"{where} code")))
    known = [c for c in codes if c in CODES or c in PANELS]
    if not known:
        return [(None, Skipped(where, codes[0] if codes else None, "a code plexodose does not use"))]
    if len(known) > 1:
        raise InputRangeError(
            f"{where} code: more than one LOINC code plexodose reads ({', '.join(known)})",
            field=f"{where} code",
            value=known,
        )
    code = known[0]
    status = obs.get("status")
    if status not in _USABLE_STATUS:
        return [(None, Skipped(where, code, f"status {status!r}, not final, amended or corrected"))]
    _check_subject(obs, where, subject)
    effective = _effective(obs, where)
    day = _day(effective, f"{where} effective")
    if code in PANELS:
        return [(r, None) for r in _components(obs, where, effective, day)]
    if not any(key.startswith("value") for key in obs) and "dataAbsentReason" in obs:
        return [(None, Skipped(where, code, "no value (dataAbsentReason)"))]
    return [(_value(obs, where, CODES[code], effective, day), None)]


def _components(obs: dict[str, Any], where: str, effective: str, day: dt.date) -> list[Reading]:
    parts = obs.get("component")
    if not isinstance(parts, list):
        raise InputRangeError(f"{where} component: a panel without components", field=where)
    readings = []
    for index, part in enumerate(parts):
        path = f"{where} component[{index}]"
        if not isinstance(part, dict):
            raise InputRangeError(f"{path}: not an object", field=path, value=part)
        codes = [c for c in _loinc_codes(part.get("code"), f"{path}.code") if c in CODES]
        if len(codes) == 1:
            readings.append(_value(part, path, CODES[codes[0]], effective, day, prefix="."))
    return readings


def _value(
    holder: dict[str, Any], where: str, code: Code, effective: str, day: dt.date, prefix: str = " "
) -> Reading:
    if code.value == "phenotype":
        value: float | str = _phenotype(holder, where, code, prefix)
    else:
        value = _quantity(holder, f"{where}{prefix}valueQuantity", code)
    return Reading(code.loinc, code.name, value, code.unit, effective, day, where)


def _quantity(holder: dict[str, Any], path: str, code: Code) -> float:
    q = holder.get("valueQuantity")
    if not isinstance(q, dict):
        other = next((k for k in holder if k.startswith("value")), None)
        raise UnitError(
            f"{path}: {code.name} needs a valueQuantity"
            + (f", not {other}" if other else ", and there is none"),
            field=path,
            value=holder.get(other) if other else None,
        )
    if q.get("comparator") is not None:
        raise InputRangeError(
            f"{path}.comparator: {q['comparator']!r}{q.get('value')} is a bound, not a value",
            field=f"{path}.comparator",
            value=q.get("comparator"),
        )
    number = q.get("value")
    if isinstance(number, bool) or not isinstance(number, (numbers.Real, decimal.Decimal)):
        raise InputRangeError(
            f"{path}.value: {code.name} needs a number; got {safe_repr(number)}",
            field=f"{path}.value",
            value=number,
        )
    unit = _ucum_code(q, path, code)
    try:
        magnitude = float(number)
    except (OverflowError, ValueError, ArithmeticError) as exc:  # huge ints, Decimal sNaN
        raise InputRangeError(
            f"{path}.value: {code.name} must be a finite number; got {safe_repr(number)}",
            field=f"{path}.value",
            value=number,
        ) from exc
    return _convert(magnitude, unit, path, code)


def _ucum_code(q: dict[str, Any], path: str, code: Code) -> str:
    unit = q.get("code")
    system = q.get("system")
    if not isinstance(unit, str) or not unit:
        shown = f" (unit text {q['unit']!r} is not read: only the UCUM code is)" if q.get("unit") else ""
        raise UnitError(
            f"{path}.code: {code.name} has no UCUM unit code{shown}; plexodose reads "
            f"{', '.join(_accepted(code))}",
            field=f"{path}.code",
            value=unit,
        )
    if system is not None and system != _ucum.UCUM_SYSTEM:
        raise UnitError(
            f"{path}.system: {safe_repr(system)} is not UCUM ({_ucum.UCUM_SYSTEM}); the unit "
            f"{unit!r} is not read",
            field=f"{path}.system",
            value=system,
        )
    return unit


def _accepted(code: Code) -> list[str]:
    extra = list(_ucum.MONOVALENT_EQUIVALENTS) if code.loinc == "2823-3" else []
    return [e.code for e in _ucum.TABLE.values() if e.kind in code.kinds] + extra


def _convert(number: float, unit: str, path: str, code: Code) -> float:
    if code.loinc == "2823-3" and unit in _ucum.MONOVALENT_EQUIVALENTS:
        unit = _ucum.MONOVALENT_EQUIVALENTS[unit]  # potassium: 1 meq = 1 mmol
    entry = _ucum.lookup(unit)
    if entry is None or entry.kind not in code.kinds:
        what = "not a UCUM code plexodose reads" if entry is None else f"a {entry.kind}"
        raise UnitError(
            f"{path}.code: {unit!r:.40} is {what}; {code.name} needs one of "
            f"{', '.join(_accepted(code))}",
            field=f"{path}.code",
            value=unit,
        )
    if not math.isfinite(number) or number < 0:
        raise InputRangeError(
            f"{path}.value: {code.name} must be a finite number, not below zero; got {number!r}",
            field=f"{path}.value",
            value=number,
        )
    if entry.kind == "eGFR":
        return number * entry.scale
    text = f"{number!r} {unit}"
    try:
        if code.loinc == "29463-7":
            return lim.weight_kg(text, "weight")
        if code.loinc == "8302-2":
            return lim.height_cm(text, "height")
        if code.unit == "mg/dL":
            return lim.creatinine_mg_dl(text, "serum_creatinine")
        return u.to_float(text, code.name, _DIMENSIONS[code.unit])
    except PlexodoseError as exc:
        raise type(exc)(f"{path}: {exc}", field=path, value=text) from exc


def _phenotype(holder: dict[str, Any], where: str, code: Code, prefix: str) -> str:
    concept = holder.get("valueCodeableConcept")
    if isinstance(concept, dict):
        path = f"{where}{prefix}valueCodeableConcept"
        coding = concept.get("coding") or []
        if not isinstance(coding, list):
            raise InputRangeError(f"{path}.coding: not a list", field=path, value=coding)
        words = [c.get("display") for c in coding if isinstance(c, dict)]
        words = [w for w in [*words, concept.get("text")] if isinstance(w, str) and w.strip()]
    elif isinstance(holder.get("valueString"), str):
        path = f"{where}{prefix}valueString"
        words = [holder["valueString"]]
    else:
        path = f"{where}{prefix}value[x]"
        words = []
    if not words:
        raise InputRangeError(
            f"{path}: {code.name} needs a phenotype in words (CPIC's term, such as "
            "'Intermediate Metabolizer')",
            field=path,
            value=None,
        )
    read = {_vocab.phenotype_from_text(w, path) for w in words}
    if len(read) > 1:
        raise InputRangeError(
            f"{path}: its words disagree ({', '.join(map(repr, words))})", field=path, value=words
        )
    return read.pop()


# -- codes, subjects, dates ------------------------------------------------------------------


def _loinc_codes(concept: Any, path: str) -> list[str]:
    if not isinstance(concept, dict):
        raise InputRangeError(f"{path}: missing or not a CodeableConcept", field=path, value=concept)
    coding = concept.get("coding") or []
    if not isinstance(coding, list):
        raise InputRangeError(f"{path}.coding: not a list", field=path, value=coding)
    return [
        c["code"]
        for c in coding
        if isinstance(c, dict) and c.get("system") == LOINC_SYSTEM and isinstance(c.get("code"), str)
    ]


def _check_subject(obs: dict[str, Any], where: str, subject: set[str] | None) -> None:
    ref = obs["subject"].get("reference") if isinstance(obs.get("subject"), dict) else None
    if subject is None or ref is None:
        return
    if not isinstance(ref, str):
        raise InputRangeError(
            f"{where} subject.reference: not a reference; got {safe_repr(ref)}",
            field=f"{where} subject",
            value=ref,
        )
    if ref in subject or any(ref.endswith("/" + s) for s in subject if s.startswith("Patient/")):
        return
    raise InputRangeError(
        f"{where} subject: {safe_repr(ref)} is not the patient read ({', '.join(sorted(subject))})",
        field=f"{where} subject",
        value=ref,
    )


def _effective(obs: dict[str, Any], where: str) -> str:
    for key in ("effectiveDateTime", "effectiveInstant"):
        if obs.get(key) is not None:
            return _text_time(obs[key], f"{where} {key}")
    period = obs.get("effectivePeriod")
    if isinstance(period, dict) and (period.get("end") or period.get("start")):
        return _text_time(period.get("end") or period.get("start"), f"{where} effectivePeriod")
    raise InputRangeError(
        f"{where}: no effectiveDateTime, so it cannot be placed before or after the date asked",
        field=f"{where} effective",
        value=None,
    )


def _text_time(value: Any, path: str) -> str:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if not isinstance(value, str):
        raise InputRangeError(f"{path}: not a date; got {safe_repr(value)}", field=path, value=value)
    return value


# FHIR dateTime: a year, month or day, and a time only with a day and a zone
_DATE = re.compile(
    r"(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2})?)?)?)?"
)


def _day(text: str, path: str) -> dt.date:
    """The last day the (possibly partial) FHIR date or dateTime may mean, as written."""
    match = _DATE.fullmatch(text)
    try:
        if match is None:
            raise ValueError(text)
        year, month, day = match.groups()
        if day is not None:
            if "T" in text:
                _parse_datetime(text, path)  # a time must be well formed, with its zone
            return dt.date(int(year), int(month), int(day))
        if month is not None:
            following = dt.date(int(year) + int(month) // 12, int(month) % 12 + 1, 1)
            return following - dt.timedelta(days=1)
        return dt.date(int(year), 12, 31)
    except ValueError as exc:
        raise InputRangeError(
            f"{path}: {safe_repr(text)} is not a FHIR date or dateTime", field=path, value=text
        ) from exc


def _time_part(text: str) -> str:
    return text.partition("T")[2]


def _parse_datetime(text: str, path: str) -> dt.datetime:
    try:
        parsed = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as exc:
        raise InputRangeError(f"{path}: {safe_repr(text)} is not a FHIR dateTime", field=path,
                              value=text) from exc
    if parsed.tzinfo is None:
        raise InputRangeError(
            f"{path}: {safe_repr(text)} has a time but no time zone (FHIR requires one)",
            field=path,
            value=text,
        )
    return parsed


def _on_date(on: Any) -> dt.date:
    if isinstance(on, dt.datetime):
        return on.date()
    if isinstance(on, dt.date):
        return on
    if isinstance(on, str):
        try:
            return dt.date.fromisoformat(on.strip())
        except ValueError:
            pass
    raise InputRangeError(
        f"on must be a date such as '2026-03-01' or datetime.date(2026, 3, 1); got {safe_repr(on)}",
        field="on",
        value=on,
    )


# -- the Patient -----------------------------------------------------------------------------


def _sex(patient: dict[str, Any], where: str) -> tuple[str | None, tuple[str, ...]]:
    gender = patient.get("gender")
    if gender is None:
        return None, (f"{where} has no gender: sex is unset",)
    if not isinstance(gender, str) or gender not in _vocab.FHIR_GENDER:
        raise InputRangeError(
            f"{where} gender: {gender!r:.40} is not a FHIR administrative gender "
            f"({', '.join(_vocab.FHIR_GENDER)})",
            field=f"{where} gender",
            value=gender,
        )
    sex = _vocab.FHIR_GENDER[gender]
    if sex is None:
        return None, (
            f"{where} gender is {gender!r}: sex is unset; a formula that needs it "
            "(Cockcroft-Gault, CKD-EPI, ideal body weight) will ask for sex='female' or 'male'",
        )
    return sex, ()


def _age(patient: dict[str, Any], where: str, on: dt.date) -> tuple[float | None, str | None]:
    birth = patient.get("birthDate")
    if birth is None:
        return None, None
    text = _text_time(birth, f"{where} birthDate")
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        return None, (
            f"{where} birthDate {text!r} has no day, so the age on {on.isoformat()} is not "
            "known to the year: pass age= explicitly"
        )
    born = _day(text, f"{where} birthDate")
    if born > on:
        raise InputRangeError(
            f"{where} birthDate {text} is after {on.isoformat()}", field=f"{where} birthDate",
            value=text,
        )
    years = on.year - born.year - ((on.month, on.day) < (born.month, born.day))
    return float(years), None


# -- resources in, as dicts ------------------------------------------------------------------


def _as_dict(resource: Any, what: str) -> dict[str, Any]:
    if isinstance(resource, Mapping):
        return dict(resource)
    dump = getattr(resource, "model_dump", None)
    if callable(dump):  # fhir.resources >= 7 (pydantic 2)
        data = dump(mode="json")
    elif callable(getattr(resource, "json", None)):  # older fhir.resources
        data = json.loads(resource.json())
    else:
        raise InputRangeError(
            f"{what} must be FHIR resources as dicts or fhir.resources objects; got "
            f"{type(resource).__name__}",
            field=what,
            value=resource,
        )
    if not isinstance(data, dict):
        raise InputRangeError(f"{what}: not a FHIR resource", field=what, value=resource)
    data.setdefault("resourceType", type(resource).__name__)
    return data


def _resources(given: Any, what: str) -> list[tuple[str | None, dict[str, Any]]]:
    """(fullUrl, resource) for a resource, a Bundle's entries, or a list of either."""
    if isinstance(given, (list, tuple)):
        return [found for item in given for found in _resources(item, what)]
    resource = _as_dict(given, what)
    if resource.get("resourceType") != "Bundle":
        if not isinstance(resource.get("resourceType"), str):
            raise InputRangeError(
                f"{what}: a resource without resourceType", field=what, value=None
            )
        return [(None, resource)]
    entries = resource.get("entry") or []
    if not isinstance(entries, list):
        raise InputRangeError(f"{_name(resource)} entry: not a list", field=what, value=None)
    found = []
    for index, entry in enumerate(entries):
        inner = entry.get("resource") if isinstance(entry, dict) else None
        if inner is None or isinstance(inner, (list, tuple)):
            raise InputRangeError(
                f"{_name(resource)} entry[{index}]: no resource", field=what, value=entry
            )
        url = entry.get("fullUrl")
        found += [(url if fu is None and isinstance(url, str) else fu, r)
                  for fu, r in _resources(inner, what)]
    return found


def _name(resource: dict[str, Any]) -> str:
    kind, rid = resource.get("resourceType", "resource"), resource.get("id", "(no id)")
    return f"{str(kind)[:40]}/{str(rid)[:64]}"


# LOINC code -> (Labs field, unit text Labs reads the canonical value in)
LAB_CODES = {
    "6690-2": ("wbc", "10*9/L"),
    "751-8": ("neutrophils", "10*9/L"),
    "711-2": ("eosinophils", "10*9/L"),
    "777-3": ("platelets", "10*9/L"),
    "1742-6": ("alt", "U/L"),
    "1920-8": ("ast", "U/L"),
    "1751-7": ("albumin", "g/L"),
    "787-2": ("mcv", "fL"),
    "2160-0": ("creatinine", "mg/dL"),
    "14682-9": ("creatinine", "mg/dL"),
    "98979-8": ("egfr", "mL/min/{1.73_m2}"),
    "2823-3": ("potassium", "mmol/L"),
}
_PRESSURE = ("8480-6", "8462-4")


def labs_from_fhir(observations: Iterable[Any], *, on: Any) -> Any:
    """The :class:`~plexodose.Labs` of the most recent sampling day at or before ``on``.

    Each code's latest reading is taken (as :func:`read_observations` reads it); only the
    readings of the latest day that has any lab result make the set, so a value from an earlier
    day is never presented as current. Creatinine by mass and by moles on that day must agree
    (the higher is used, as for the patient).

    >>> obs = [{"resourceType": "Observation", "id": "w1", "status": "final",
    ...         "code": {"coding": [{"system": "http://loinc.org", "code": "6690-2"}]},
    ...         "effectiveDateTime": "2027-01-16T08:00:00Z",
    ...         "valueQuantity": {"value": 3100, "system": "http://unitsofmeasure.org",
    ...                           "code": "/uL"}}]
    >>> labs_from_fhir(obs, on="2027-01-20")
    Labs(date='2027-01-16', wbc='3.1 x10^9/L')
    """
    from plexodose._monitoring.labs import Labs

    read = read_observations(observations, on=on)
    lab_days = [r.day for code, r in read.values.items() if code in LAB_CODES or code in _PRESSURE]
    if not lab_days:
        raise MissingInputError(
            "no lab result (by its LOINC code) at or before the review date", field="observations"
        )
    day = max(lab_days)
    given: dict[str, str] = {}
    for code, (name, unit) in LAB_CODES.items():
        reading = read.values.get(code)
        if reading is None or reading.day != day:
            continue
        value = f"{float(reading.value)!r} {unit}"
        if name == "creatinine" and name in given:  # by mass and by moles: the higher
            value = max(value, given[name], key=lambda text: float(text.split()[0]))
        given[name] = value
    pressure = [read.values.get(code) for code in _PRESSURE]
    if all(r is not None and r.day == day for r in pressure):
        systolic, diastolic = (float(r.value) for r in pressure if r is not None)
        given["blood_pressure"] = f"{systolic:g}/{diastolic:g} mmHg"
    return Labs(date=day, **given)
