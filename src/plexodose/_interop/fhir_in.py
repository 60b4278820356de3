"""Reading a FHIR Patient and its Observations: the values plexodose doses from, and their dates.

An EHR export holds many Observations; plexodose reads only those whose LOINC code it knows
(:data:`CODES`) and lists the others as skipped, each with its own reason. For each code it
takes the most recent value at or before the date ``on`` (ordered by instant, time zones
applied), with its date and the Observation it came from. A value is read through its UCUM unit
``code`` (``valueQuantity.code``), by plexodose's UCUM table; nothing is guessed.

Whose value, from when (the dosing reference's section of that name): every value read must be
provably the patient's own. The subject of each Observation is compared exactly with the
patient (a relative ``Patient/<id>``, or the same absolute URL; never by a suffix); without a
patient, all the Observations read must name one and the same subject. An Observation of
another subject, without a subject, or with one given only by identifier is refused, as is one
dated before the patient's birth; one dated after ``on`` is skipped (and listed). Results of a
DiagnosticReport that carry no date of their own are dated by the report's ``effective[x]``
(contained or referenced). A refusal is a :class:`~plexodose.PlexodoseError` that names the
resource and the path (``Observation/wt1 valueQuantity.code``).

Resources may be plain JSON dicts or ``fhir.resources`` objects (R4, R4B or R5), alone, in a
list, or in a Bundle.

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
Patient(weight='74.84274105 kg', sex='female', age=64, measured={'weight': '2026-02-27'}, origins={'weight': 'Observation/wt1'}, on='2026-03-01')
>>> reading.values["29463-7"].observation, reading.values["29463-7"].day
('Observation/wt1', datetime.date(2026, 2, 27))
>>> reading.subject  # for Schedule.to_fhir(subject=...)
{'reference': 'Patient/p1'}
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
from typing import TYPE_CHECKING, Any, Literal, Unpack

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

if TYPE_CHECKING:
    from plexodose._patient.patient import Patient, PatientFields

LOINC_SYSTEM = "http://loinc.org"
MAX_DEPTH = 64
"""How deep (dicts and lists within each other) the JSON given may be: a FHIR resource is far
shallower; deeper input is refused before it is walked."""

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
    "per LOINC code the most recent final value at or before the date, ordered by instant "
    "(time zones applied) and by day for a date without a time; two values at one time, or a "
    "date-only value beside a timed one on that day, are refused, not chosen between",
    id="fhir.observation.latest",
)
WHOSE_VALUE = Source(
    "gap",
    "plexodose dosing reference, 'Whose value, from when' (data hygiene)",
    "values of another subject, dated after the decision date or before the patient's birth, "
    "and two different values of one quantity at one time are refused, never chosen between",
    id="fhir.observation.whose_value",
)
CREATININE_UNITS_GAP = Source(
    "gap",
    "plexodose conservative choice",
    "creatinine reported by mass (2160-0) and by moles (14682-9) at one time must agree within "
    "creatinine_tolerance (default 1 %, unit rounding); the higher, which gives the lower "
    "clearance, is used",
    id="fhir.creatinine.units",
)
CPIC_TERMS = Source(
    "guideline",
    "CPIC term standardization for pharmacogenetic test results",
    "TPMT/NUDT15 phenotypes: Normal, Intermediate, Possible Intermediate and Poor Metabolizer, "
    "Indeterminate",
    id="fhir.genotype.cpic_terms",
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
    """The effective time as the Observation (or the DiagnosticReport dating it) wrote it."""
    day: dt.date
    """The day as written (the last day a partial date may mean)."""
    observation: str
    """Where it came from: ``Observation/<id>`` (with the component for a panel)."""
    dated_by: str | None = None
    """The DiagnosticReport whose ``effective[x]`` dates a result without a date of its own."""

    @property
    def instant(self) -> dt.datetime | None:
        """The moment, time zone applied, when the Observation gives a time; else None."""
        if "T" not in self.effective:
            return None
        return _parse_datetime(self.effective, self.observation)


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

    ``values`` holds the most recent reading per LOINC code; ``readings`` every reading at or
    before ``on`` (oldest first), of which :meth:`lab_history` makes one Labs per sampling day;
    ``skipped`` what was not read and why; ``notes`` what the reading could not settle (no
    gender, no birthDate). ``patient_ref`` is the patient's FHIR reference and :attr:`subject`
    the Reference to give ``Schedule.to_fhir(subject=...)``.
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
    readings: tuple[Reading, ...] = ()

    @property
    def subject(self) -> dict[str, str] | None:
        """The FHIR Reference to the patient read (a fresh dict), or None when it had no id."""
        return None if self.patient_ref is None else {"reference": self.patient_ref}

    @property
    def sources(self) -> tuple[Source, ...]:
        """The rules this reading applied, to cite beside the values it gave."""
        found = [LATEST_GAP, WHOSE_VALUE]
        if "2160-0" in self.values and "14682-9" in self.values:
            found.append(CREATININE_UNITS_GAP)
        if "79713-4" in self.values:
            found.append(CPIC_TERMS)
        return tuple(found)

    def value(self, code: str) -> float | str | None:
        found = self.values.get(code)
        return None if found is None else found.value

    def patient(self, **given: Unpack[PatientFields]) -> Patient:
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
                value=dict(given)[both[0]],
            )
        if "weight" not in fields and "weight" not in given:
            raise MissingInputError(
                f"no body weight Observation (LOINC 29463-7) at or before {self.on.isoformat()}; "
                "pass weight= (such as \"72 kg\")",
                field="weight",
            )
        if self.age_problem is not None and "age" not in given:
            raise InputRangeError(self.age_problem, field="age", value=self.birth_date)
        # each value read carries its date and Observation onto the Patient and every result
        read = self._readings_used(fields)
        measured = {**{k: r.day for k, r in read.items()}, **dict(given.pop("measured", {}) or {})}
        origins = {**{k: r.observation for k, r in read.items()}, **dict(given.pop("origins", {}) or {})}
        given.setdefault("on", self.on)
        return Patient(**{**fields, **given}, measured=measured, origins=origins)

    def _readings_used(self, fields: dict[str, Any]) -> dict[str, Reading]:
        found = {name: self.values.get(code) for name, code in (("weight", "29463-7"),
                                                               ("height", "8302-2"))}
        found["serum_creatinine"] = self.creatinine()
        return {name: r for name, r in found.items() if r is not None and name in fields}

    def lab_history(self) -> tuple[Any, ...]:
        """Every sampling day at or before ``on`` as a :class:`~plexodose.Labs`, oldest first.

        The last is the latest results, the others the history a review reads:
        ``days = reading.lab_history(); review(drug, days[-1], history=days[:-1])``. Within a
        day each value is the day's latest; creatinine by mass and by moles at one time must
        agree (``creatinine_tolerance``); a blood pressure needs both its numbers that day.
        """
        return _lab_days(self.readings, self.creatinine_tolerance)

    def labs(self) -> Any:
        """The latest sampling day's :class:`~plexodose.Labs` (see :meth:`lab_history`)."""
        days = self.lab_history()
        if not days:
            raise MissingInputError(
                f"no lab result (by its LOINC code) at or before {self.on.isoformat()}",
                field="observations",
            )
        return days[-1]

    def origins(self, day: Any) -> dict[str, str]:
        """For the Labs of ``day``: each lab value's Observation (``{"wbc": "Observation/w1"}``)."""
        wanted = _on_date(day)
        return {name: r.observation for name, r in _day_values(
            [r for r in self.readings if r.day == wanted], self.creatinine_tolerance).items()}

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

        One rule for the patient and the labs: both at the latest time must agree within
        ``creatinine_tolerance`` (1 %: rounding between units), and the higher is used, as it
        gives the lower clearance; otherwise both Observations are named in a refusal.
        """
        found = [r for r in self.readings if r.code in _CREATININE]
        return _newest(found, self.creatinine_tolerance) if found else None


_CREATININE = ("2160-0", "14682-9")


def read_fhir(
    patient: Any,
    observations: Any = None,
    *,
    on: Any,
    subject_check: bool = True,
    creatinine_tolerance: float = 0.01,
) -> FhirReading:
    """Read a FHIR Patient (or a Bundle holding one) and Observations as of the date ``on``.

    ``patient`` may also be a reference alone (``"Patient/p1"`` or ``{"reference": ...}``)
    when the Patient resource is not at hand (sex and age are then unset, with a note).
    Every Observation read must be that patient's (compared exactly; ``subject_check`` must
    stay True: it is kept for callers of 0.1.0, and False is refused).
    ``creatinine_tolerance`` is how far creatinine by mass and by moles at one time may differ.
    """
    day = _on_date(on)
    tolerance = _tolerance(creatinine_tolerance)
    if subject_check is not True:
        raise InputRangeError(
            "subject_check: every value must be provably the patient's own; the check cannot "
            "be turned off (leave out the Observations of other subjects instead)",
            field="subject_check",
            value=subject_check,
        )
    who, rest = _the_patient(patient, "patient", day)
    found = rest + (_resources(observations, "observations") if observations is not None else [])
    read = _read_all(found, day, who, tolerance)
    return FhirReading(
        on=day,
        patient_ref=who.ref,
        sex=who.sex,
        age=who.age,
        birth_date=who.birth_text,
        values=read.values,
        skipped=read.skipped,
        notes=who.notes,
        age_problem=who.age_problem,
        creatinine_tolerance=tolerance,
        readings=read.readings,
    )


def _tolerance(value: Any) -> float:
    return u.in_range(
        u.plain_number(value, "creatinine_tolerance"),
        "creatinine_tolerance", 0.0, 0.1, "", value,
    )


@attrs.frozen
class _Who:
    """The patient the values must belong to: its references, birth, sex and age."""

    ref: str | None
    full_url: str | None
    birth: dt.date | None = None
    birth_text: str | None = None
    sex: str | None = None
    age: float | None = None
    notes: tuple[str, ...] = ()
    age_problem: str | None = None

    def owns(self, ref: str, base: str | None) -> bool:
        """Whether the reference ``ref`` (written in a resource at ``base``) is this patient.

        Exact comparison: a relative ``Patient/<id>`` with the patient's own id (resolved
        against both servers' bases when both are known), or the patient's absolute fullUrl.
        """
        if _is_absolute(ref):
            return ref == self.full_url
        if base is not None and self.full_url is not None and _base(self.full_url) is not None:
            return base + ref == self.full_url
        return ref == self.ref

    def __str__(self) -> str:
        return self.ref or self.full_url or "the patient"


def _the_patient(given: Any, what: str, on: dt.date) -> tuple[_Who, list[_Entry]]:
    """The patient in ``given`` (a Patient, a Bundle holding one, or a reference alone)."""
    if isinstance(given, str) or (
        isinstance(given, Mapping) and "resourceType" not in given and "reference" in given
    ):
        ref = given if isinstance(given, str) else given.get("reference")
        if not isinstance(ref, str) or len(ref) > _MAX_URL or not _REFERENCE.fullmatch(ref):
            raise InputRangeError(
                f"{what}: a Patient resource, or a reference such as 'Patient/p1'; got "
                f"{safe_repr(ref, 60)}",
                field=what,
                value=ref,
            )
        absolute = _is_absolute(ref)
        relative = ref if not absolute else None
        return _Who(relative, ref if absolute else None,
                    notes=(f"{ref} given as a reference: no sex or age read",)), []
    resources = _resources(given, what)
    patients = [r for r in resources if r.resource.get("resourceType") == "Patient"]
    rest = [r for r in resources if r.resource.get("resourceType") != "Patient"]
    if len(patients) != 1:
        raise InputRangeError(
            f"expected one FHIR Patient, found {len(patients)} in what was given as {what}",
            field=what,
            value=None,
        )
    return _who(patients[0], on), rest


def _who(entry: _Entry, on: dt.date) -> _Who:
    resource = entry.resource
    where = _name(resource)
    rid = resource.get("id")
    ref = f"Patient/{rid}" if isinstance(rid, str) and _ID.fullmatch(rid) else None
    if rid is not None and ref is None:
        raise InputRangeError(f"{where} id: not a FHIR id", field=f"{where} id", value=rid)
    full_url = entry.full_url if entry.full_url and entry.full_url.strip() else None
    if ref is None and full_url is None:
        raise InputRangeError(
            f"{where}: the Patient has no id (nor a fullUrl), so no Observation can be shown to "
            "be this patient's; give the Patient its id",
            field=f"{where} id",
            value=None,
        )
    sex, notes = _sex(resource, where)
    birth_text = resource.get("birthDate")
    if birth_text is None:
        notes += (f"{where} has no birthDate: age is unset; a formula that needs it "
                  "(Cockcroft-Gault, CKD-EPI) will ask for age=",)
    age, age_problem, birth = _age(resource, where, on)
    return _Who(ref, full_url, birth, birth_text if isinstance(birth_text, str) else None,
                sex, age, notes, age_problem)


@attrs.frozen
class Observations:
    """The most recent reading per LOINC code, every reading used, and what was skipped."""

    values: dict[str, Reading]
    skipped: tuple[Skipped, ...]
    readings: tuple[Reading, ...] = ()
    subject: str | None = None
    """The one subject the Observations named (when no patient was given)."""


def read_observations(
    observations: Any, *, on: Any, patient: Any = None, creatinine_tolerance: float = 0.01
) -> Observations:
    """Per LOINC code of :data:`CODES`, the most recent value at or before ``on``.

    ``patient``: a Patient resource, or a reference (``"Patient/p1"``), whose Observations
    these must be (each compared exactly); without it, every Observation read must name one and
    the same subject. ``observations``: a resource, a Bundle, or a list of either.

    >>> obs = [{"resourceType": "Observation", "id": "c1", "status": "final",
    ...         "code": {"coding": [{"system": "http://loinc.org", "code": "14682-9"}]},
    ...         "subject": {"reference": "Patient/p1"},
    ...         "effectiveDateTime": "2026-02-01T08:30:00Z",
    ...         "valueQuantity": {"value": 80, "system": "http://unitsofmeasure.org",
    ...                           "code": "umol/L"}}]
    >>> read_observations(obs, on="2026-03-01").values["14682-9"].value  # 80 x 0.011312
    0.90496
    """
    day = _on_date(on)
    tolerance = _tolerance(creatinine_tolerance)
    found = _resources(observations, "observations")
    if patient is None:
        patients = [r for r in found if r.resource.get("resourceType") == "Patient"]
        if len(patients) > 1:
            raise InputRangeError(
                f"{len(patients)} FHIR Patients in the observations: pass patient= to say whose "
                "values to read",
                field="patient",
                value=None,
            )
        who = _who(patients[0], day) if patients else None
    else:
        who, extra = _the_patient(patient, "patient", day)
        found = extra + found
    return _read_all(found, day, who, tolerance)


def _read_all(
    found: list[_Entry], day: dt.date, who: _Who | None, tolerance: float
) -> Observations:
    entries = _dated(found)
    candidates: dict[str, list[Reading]] = {}
    later: dict[str, list[Reading]] = {}
    skipped: list[Skipped] = []
    subjects: dict[str, list[str]] = {}
    for entry in entries:
        if entry.resource.get("resourceType") == "Patient":
            continue
        for reading, skip in _read_one(entry, who, subjects):
            if skip is not None:
                skipped.append(skip)
            elif reading is not None:
                target = candidates if reading.day <= day else later
                target.setdefault(reading.code, []).append(reading)
    if who is None and len(subjects) > 1:
        raise InputRangeError(
            "the Observations name more than one subject ("
            + "; ".join(f"{s}: {', '.join(names[:3])}" for s, names in sorted(subjects.items()))
            + "): pass patient= to say whose values to read, or leave the others out",
            field="subject",
            value=sorted(subjects),
        )
    if who is not None and who.birth is not None:
        for readings in candidates.values():
            for r in readings:
                if r.day < who.birth:
                    raise InputRangeError(
                        f"{r.observation} effective: {r.effective} is before the patient's "
                        f"birth ({who.birth_text}): whose value is it?",
                        field=f"{r.observation} effective",
                        value=r.effective,
                    )
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
    values = {code: _newest(found_, 0.0) for code, found_ in candidates.items()}
    creatinine = [r for code in _CREATININE for r in candidates.get(code, [])]
    if creatinine:
        _newest(creatinine, tolerance)  # one rule everywhere: a contradiction is refused now
    everything = sorted((r for rs in candidates.values() for r in rs), key=_order_key)
    return Observations(
        values=values,
        skipped=tuple(skipped),
        readings=tuple(everything),
        subject=next(iter(subjects), None) if who is None else str(who),
    )


# -- which reading is the latest ---------------------------------------------------------------


def _order_key(r: Reading) -> tuple[dt.date, dt.datetime, str]:
    moment = r.instant or dt.datetime.combine(r.day, dt.time(12), tzinfo=dt.UTC)
    return r.day, moment.astimezone(dt.UTC), r.observation


def _newest(readings: list[Reading], tolerance: float) -> Reading:
    """The latest of ``readings`` (one quantity): by instant when both have a time, else by
    day; the latest ones must agree (within ``tolerance``, relative), else all are named.

    Of agreeing values the higher is used (for creatinine, the lower clearance).
    """
    last_day = max(r.day for r in readings)
    date_only = [r.day for r in readings if r.instant is None]
    timed = [r.instant for r in readings if r.instant is not None]
    last_instant = max(timed) if timed else None
    last_date_only = max(date_only) if date_only else None
    top = [
        r for r in readings
        if (r.instant is None and r.day == last_day)
        or (r.instant is not None and r.instant == last_instant
            and (last_date_only is None or r.day >= last_date_only))
    ]
    name = f"{readings[0].name} (LOINC {readings[0].code})"
    if readings[0].code in _CREATININE:
        name = "creatinine (LOINC 2160-0, 14682-9)"
    if not top:
        raise InputRangeError(
            f"{name}: the latest value cannot be told (times and dates disagree): "
            + ", ".join(f"{r.observation} at {r.effective}" for r in readings),
            field=readings[0].name,
            value=[r.effective for r in readings],
        )
    if isinstance(top[0].value, str):
        if len({r.value for r in top}) > 1:
            _conflict(name, top)
        return top[0]
    numbers_ = [float(r.value) for r in top]
    low, high = min(numbers_), max(numbers_)
    if high - low > max(tolerance, 1e-9) * high:
        _conflict(name, top)
    return max(top, key=lambda r: (float(r.value), r.observation))


def _conflict(name: str, top: list[Reading]) -> None:
    shown = ", ".join(
        f"{r.observation} {r.value if isinstance(r.value, str) else format(float(r.value), '.6g')}"
        f" {r.unit} at {r.effective}" for r in top)
    who = " and ".join(r.observation for r in top)
    raise InputRangeError(
        f"{name}: {who} give conflicting values at the same time ({shown}): which is right?",
        field="serum_creatinine" if top[0].code in _CREATININE else top[0].name,
        value=sorted(str(r.value) for r in top),
    )


# -- resources in, and the DiagnosticReports that date their results ---------------------------


@attrs.frozen
class _Entry:
    """A resource given, with its Bundle fullUrl, and the report's date for an undated result."""

    full_url: str | None
    resource: dict[str, Any]
    name: str
    dated_by: str | None = None
    report_effective: str | None = None


def _dated(found: list[_Entry]) -> list[_Entry]:
    """The entries, with each DiagnosticReport's contained Observations added and each result
    without a date of its own given the report's ``effective[x]``."""
    out = list(found)
    dating: list[tuple[tuple[str, str, str | None], str, str | None, Any]] = []
    for entry in found:
        report = entry.resource
        if report.get("resourceType") != "DiagnosticReport":
            continue
        where = entry.name
        effective = _own_effective(report, where)
        subject = report.get("subject")
        results = report.get("result") or []
        if not isinstance(results, list):
            raise InputRangeError(f"{where} result: not a list", field=f"{where} result", value=None)
        base = _base(entry.full_url)
        for index, item in enumerate(results):
            ref = item.get("reference") if isinstance(item, dict) else None
            if not isinstance(ref, str):
                raise InputRangeError(
                    f"{where} result[{index}]: not a reference", field=f"{where} result",
                    value=item,
                )
            key = ("abs", ref, None) if _is_absolute(ref) else ("rel", ref, base)
            dating.append((key, where, effective, subject))
        contained = report.get("contained") or []
        if not isinstance(contained, list):
            raise InputRangeError(f"{where} contained: not a list", field=f"{where} contained")
        for inner in contained:
            if not isinstance(inner, dict) or inner.get("resourceType") != "Observation":
                continue
            copy = dict(inner)
            if copy.get("subject") is None and subject is not None:
                copy["subject"] = subject  # a contained result is the report's patient's
            name = f"{where} contained {_name(inner)}"
            has_date = _own_effective(copy, name) is not None
            out.append(_Entry(None, copy, name, None if has_date else where,
                              None if has_date else effective))
    if not dating:
        return out
    dated: list[_Entry] = []
    for entry in out:
        res = entry.resource
        if (res.get("resourceType") != "Observation" or entry.dated_by is not None
                or _own_effective(res, entry.name) is not None):
            dated.append(entry)
            continue
        rid = f"Observation/{res.get('id')}"
        base = _base(entry.full_url)
        by = [(where, effective, subject) for (kind, ref, rbase), where, effective, subject in dating
              if (kind == "abs" and ref == entry.full_url)
              or (kind == "rel" and ref == rid and (rbase is None or base is None or rbase == base))]
        if not by:
            dated.append(entry)
            continue
        if len({e for _, e, _ in by}) > 1:
            raise InputRangeError(
                f"{entry.name}: dated differently by {', '.join(w for w, _, _ in by)}",
                field=f"{entry.name} effective",
                value=[e for _, e, _ in by],
            )
        where, effective, subject = by[0]
        own = res.get("subject")
        if isinstance(own, dict) and isinstance(subject, dict) and own.get(
                "reference") != subject.get("reference"):
            raise InputRangeError(
                f"{entry.name} subject: {safe_repr(own.get('reference'), 60)} is not the subject of "
                f"{where} ({safe_repr(subject.get('reference'), 60)}), which dates it",
                field=f"{entry.name} subject",
                value=own.get("reference"),
            )
        dated.append(attrs.evolve(entry, dated_by=where, report_effective=effective))
    return dated


# -- one Observation --------------------------------------------------------------------------


def _read_one(
    entry: _Entry, who: _Who | None, subjects: dict[str, list[str]]
) -> list[tuple[Reading | None, Skipped | None]]:
    obs = entry.resource
    kind = obs.get("resourceType")
    where = entry.name
    if kind != "Observation":
        why = ("a DiagnosticReport: its results are read as Observations"
               if kind == "DiagnosticReport" else f"a {kind}, not an Observation")
        return [(None, Skipped(where, None, why))]
    codes = list(dict.fromkeys(_loinc_codes(obs.get("code"), f"{where} code")))
    known = [c for c in codes if c in CODES or c in PANELS]
    if not known:
        return [(None, Skipped(where, codes[0] if codes else None, _unknown(obs, codes)))]
    if len(known) > 1:
        raise InputRangeError(
            f"{where} code: more than one LOINC code plexodose reads ({', '.join(known)})",
            field=f"{where} code",
            value=known,
        )
    code = known[0]
    status = obs.get("status")
    if status not in _USABLE_STATUS:
        return [(None, Skipped(where, code, f"status {safe_repr(status, 40)}, not final, amended or "
                                            "corrected"))]
    _check_subject(obs, where, _base(entry.full_url), who, subjects)
    effective = _effective(obs, where, entry.report_effective)
    day = _day(effective, f"{where} effective")
    if code in PANELS:
        return [(r, None) for r in _components(obs, where, effective, day, entry.dated_by)]
    if not any(key.startswith("value") for key in obs) and "dataAbsentReason" in obs:
        return [(None, Skipped(where, code, "no value (dataAbsentReason)"))]
    return [(_value(obs, where, CODES[code], effective, day, entry.dated_by), None)]


# words an Observation without a LOINC code may carry -> the quantity plexodose would read
_WORDS = (
    (re.compile(r"creatinine", re.I), "creatinine", ("2160-0", "14682-9")),
    (re.compile(r"\bgfr\b|glomerular", re.I), "eGFR", ("98979-8",)),
    (re.compile(r"body weight|\bweight\b", re.I), "body weight", ("29463-7",)),
    (re.compile(r"body height|\bheight\b|\bstature\b", re.I), "body height", ("8302-2",)),
    (re.compile(r"neutrophil", re.I), "neutrophils", ("751-8",)),
    (re.compile(r"eosinophil", re.I), "eosinophils", ("711-2",)),
    (re.compile(r"platelet", re.I), "platelets", ("777-3",)),
    (re.compile(r"\bwbc\b|white (blood )?cell|leukocyte|leucocyte", re.I), "white cell count",
     ("6690-2",)),
    (re.compile(r"\balt\b|alanine", re.I), "ALT", ("1742-6",)),
    (re.compile(r"\bast\b|aspartate", re.I), "AST", ("1920-8",)),
    (re.compile(r"albumin", re.I), "albumin", ("1751-7",)),
    (re.compile(r"\bmcv\b|mean (corpuscular|cell) volume", re.I), "MCV", ("787-2",)),
    (re.compile(r"potassium|\bk\+", re.I), "potassium", ("2823-3",)),
    (re.compile(r"blood pressure|systolic|diastolic", re.I), "blood pressure",
     ("85354-9", "8480-6", "8462-4")),
    (re.compile(r"\btpmt\b|thiopurine", re.I), "TPMT phenotype", ("79713-4",)),
)


def _unknown(obs: dict[str, Any], codes: list[str]) -> str:
    """Why an Observation with no code plexodose reads is skipped, in its own words."""
    if codes:
        return f"LOINC {codes[0][:20]}, a code plexodose does not use"
    concept: dict[str, Any] = obs["code"] if isinstance(obs.get("code"), dict) else {}
    coding: list[Any] = concept["coding"] if isinstance(concept.get("coding"), list) else []
    words = [c.get("display") for c in coding if isinstance(c, dict)] + [concept.get("text")]
    text = " ".join(w for w in words if isinstance(w, str))[:200]
    for pattern, name, loinc in _WORDS:
        if pattern.search(text):
            return (f"{name} without a LOINC code (plexodose reads {name} by LOINC "
                    f"{' or '.join(loinc)})")
    return "no LOINC code (plexodose reads Observations by their LOINC code)"


def _components(
    obs: dict[str, Any], where: str, effective: str, day: dt.date, dated_by: str | None
) -> list[Reading]:
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
            readings.append(
                _value(part, path, CODES[codes[0]], effective, day, dated_by, prefix="."))
    return readings


def _value(
    holder: dict[str, Any], where: str, code: Code, effective: str, day: dt.date,
    dated_by: str | None, prefix: str = " ",
) -> Reading:
    if code.value == "phenotype":
        value: float | str = _phenotype(holder, where, code, prefix)
    else:
        value = _quantity(holder, f"{where}{prefix}valueQuantity", code)
    return Reading(code.loinc, code.name, value, code.unit, effective, day, where, dated_by)


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
            f"{path}.comparator: {safe_repr(q['comparator'])}{q.get('value')} is a bound, not a value",
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
    value = _convert(magnitude, unit, path, code)
    _check_unit_text(q, path, code, magnitude, unit, value)
    return value


def _ucum_code(q: dict[str, Any], path: str, code: Code) -> str:
    unit = q.get("code")
    system = q.get("system")
    if not isinstance(unit, str) or not unit:
        shown = f" (unit text {safe_repr(q['unit'])} is not read: only the UCUM code is)" if q.get("unit") else ""
        raise UnitError(
            f"{path}.code: {code.name} has no UCUM unit code{shown}; plexodose reads "
            f"{', '.join(_accepted(code))}",
            field=f"{path}.code",
            value=unit,
        )
    if system is not None and system != _ucum.UCUM_SYSTEM:
        raise UnitError(
            f"{path}.system: {safe_repr(system)} is not UCUM ({_ucum.UCUM_SYSTEM}); the unit "
            f"{safe_repr(unit)} is not read",
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
            f"{path}.code: {safe_repr(unit, 40)} is {what}; {code.name} needs one of "
            f"{', '.join(_accepted(code))}",
            field=f"{path}.code",
            value=unit,
        )
    if not math.isfinite(number) or number < 0:
        raise InputRangeError(
            f"{path}.value: {code.name} must be a finite number, not below zero; got {safe_repr(number)}",
            field=f"{path}.value",
            value=number,
        )
    if entry.kind == "eGFR":
        return number * entry.scale
    text = f"{safe_repr(number)} {unit}"
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


_TEXT_MAP = str.maketrans({"⁹": "^9", "³": "^3", "×": "x", "µ": "u", "μ": "u"})


class _OtherKind(Exception):
    """The unit text names a known unit of another kind than the code's."""


def _check_unit_text(q: dict[str, Any], path: str, code: Code, number: float, unit: str,
                     value: float) -> None:
    """Refuse a ``unit`` text naming a known unit other than the UCUM ``code``: the value
    would be right under one and wrong under the other, and which was meant is not known."""
    text = q.get("unit")
    if not isinstance(text, str) or not text.strip() or text.strip() == unit:
        return
    try:
        by_text = _text_value(number, text.strip(), code)
    except _OtherKind:
        by_text = math.nan
    if by_text is None or abs(by_text - value) <= 1e-6 * max(abs(value), abs(by_text), 1e-12):
        return
    raise UnitError(
        f"{path}: the unit text {safe_repr(text, 40)} and the UCUM code {safe_repr(unit, 40)} name different units "
        f"({number:g} {text.strip()[:40]} is not {number:g} {unit}); which was measured is not "
        "known: correct one of the two",
        field=f"{path}.unit",
        value=(text, unit),
    )


def _text_value(number: float, text: str, code: Code) -> float | None:
    """``number`` read through the display ``text`` in the code's canonical unit; None when the
    text is no unit plexodose knows; _OtherKind when it is a unit of another kind."""
    from plexodose._monitoring import labs as _labs

    text = text.translate(_TEXT_MAP)
    if len(text) > 40 or not text.isascii():
        return None
    entry = _ucum.lookup(text)
    if code.loinc == "2823-3" and text in _ucum.MONOVALENT_EQUIVALENTS:
        entry = _ucum.lookup(_ucum.MONOVALENT_EQUIVALENTS[text])
    if entry is not None:
        if entry.kind not in code.kinds:
            raise _OtherKind(text)
        return _plain(number * entry.scale, entry.pint, code)
    key = text.replace(" ", "").lower()
    table: dict[str, float] | None = {
        "U/L": _labs.ENZYME_SPELLINGS,
        "mmol/L": _labs.POTASSIUM_SPELLINGS if code.loinc == "2823-3" else None,
        "mL/min/{1.73_m2}": _labs.EGFR_SPELLINGS,
    }.get(code.unit)
    if code.unit == "10*9/L" and key in _labs.COUNT_SPELLINGS:
        power = _labs.COUNT_SPELLINGS[key]
        return float(number * 10**power if power >= 0 else number / 10**-power)
    if table is not None and key in table:
        return float(number * table[key])
    try:
        parsed = u.unit(text)
    except Exception:
        return None
    try:
        return _plain(number, str(parsed), code)
    except PlexodoseError as exc:
        raise _OtherKind(text) from exc


def _plain(number: float, pint_unit: str, code: Code) -> float:
    if code.unit == "mL/min/{1.73_m2}":
        return number
    dim = {"kg": u.MASS, "cm": u.LENGTH, "mg/dL": u.CREATININE}.get(code.unit)
    found = u.to_float(u.quantity(number, pint_unit), code.name, dim or _DIMENSIONS[code.unit])
    return found


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


_ID = re.compile(r"[A-Za-z0-9\-.]{1,64}")
_REFERENCE = re.compile(r"(?:(?:https?://\S+/)?Patient/[A-Za-z0-9\-.]{1,64}|urn:uuid:[0-9a-fA-F\-]{36}"
                        r"|urn:oid:[0-9.]{1,200})")


_MAX_URL = 500  # longer references are refused, and never given to a regular expression


def _is_absolute(ref: str) -> bool:
    return ref.startswith(("http://", "https://", "urn:"))


def _base(full_url: str | None) -> str | None:
    """The server base of a RESTful fullUrl (``https://x/fhir/`` of ``https://x/fhir/Patient/1``)."""
    if not isinstance(full_url, str) or len(full_url) > _MAX_URL:
        return None
    match = re.fullmatch(r"(https?://\S+/)[A-Z][A-Za-z]+/[A-Za-z0-9\-.]{1,64}", full_url)
    return None if match is None else match.group(1)


def _check_subject(
    obs: dict[str, Any], where: str, base: str | None, who: _Who | None,
    subjects: dict[str, list[str]],
) -> None:
    """The Observation's subject must be the patient (exactly), or, with no patient given,
    recorded so that one subject across the read can be required."""
    path = f"{where} subject"
    subject = obs.get("subject")
    ref = subject.get("reference") if isinstance(subject, dict) else None
    if subject is None or (isinstance(subject, dict) and ref is None):
        given = "given only by identifier" if isinstance(subject, dict) and subject.get(
            "identifier") is not None else "missing"
        raise InputRangeError(
            f"{path}: {given}, so the value cannot be shown to be "
            f"{'the patient' if who is None else who}'s; give subject.reference "
            f"({who or 'Patient/<id>'}) or leave the Observation out",
            field=path,
            value=subject,
        )
    if not isinstance(ref, str) or not ref.strip() or len(ref) > _MAX_URL:
        raise InputRangeError(
            f"{path}: not a FHIR Reference with a reference; got {safe_repr(subject, 60)}",
            field=path,
            value=subject,
        )
    if who is not None:
        if who.owns(ref, base):
            return
        raise InputRangeError(
            f"{path}: {safe_repr(ref, 80)} is not the patient read ({who}"
            + (f", {who.full_url}" if who.full_url and who.ref else "")
            + "): another subject's value is never used",
            field=path,
            value=ref,
        )
    if not _REFERENCE.fullmatch(ref) or ref.startswith("urn:"):
        raise InputRangeError(
            f"{path}: {safe_repr(ref, 80)} is not a reference to a Patient plexodose can compare; pass "
            "patient= (the Patient resource or its reference)",
            field=path,
            value=ref,
        )
    key = base + ref if base is not None and not _is_absolute(ref) else ref
    subjects.setdefault(key, []).append(where)


def _own_effective(obs: dict[str, Any], where: str) -> str | None:
    for key in ("effectiveDateTime", "effectiveInstant"):
        if obs.get(key) is not None:
            return _text_time(obs[key], f"{where} {key}")
    period = obs.get("effectivePeriod")
    if isinstance(period, dict) and (period.get("end") or period.get("start")):
        return _text_time(period.get("end") or period.get("start"), f"{where} effectivePeriod")
    return None


def _effective(obs: dict[str, Any], where: str, report: str | None) -> str:
    own = _own_effective(obs, where)
    if own is not None:
        return own
    if report is not None:
        return report
    raise InputRangeError(
        f"{where}: no effective[x] of its own, and no DiagnosticReport given with it dates it, "
        "so it cannot be placed before or after the date asked",
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


def _day(text: str, path: str, first: bool = False) -> dt.date:
    """The last day (``first``: the first) the (possibly partial) FHIR date or dateTime may
    mean, as written. A month outside 1-12 or a day its month lacks is refused."""
    match = _DATE.fullmatch(text)
    try:
        if match is None:
            raise ValueError(text)
        year, month, day = match.groups()
        if month is not None and not 1 <= int(month) <= 12:
            raise ValueError(text)
        if day is not None:
            if "T" in text:
                _parse_datetime(text, path)  # a time must be well formed, with its zone
            return dt.date(int(year), int(month), int(day))
        if month is not None:
            if first:
                return dt.date(int(year), int(month), 1)
            following = dt.date(int(year) + int(month) // 12, int(month) % 12 + 1, 1)
            return following - dt.timedelta(days=1)
        return dt.date(int(year), 1, 1) if first else dt.date(int(year), 12, 31)
    except (ValueError, OverflowError) as exc:
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
            f"{where} gender: {safe_repr(gender, 40)} is not a FHIR administrative gender "
            f"({', '.join(_vocab.FHIR_GENDER)})",
            field=f"{where} gender",
            value=gender,
        )
    sex = _vocab.FHIR_GENDER[gender]
    if sex is None:
        return None, (
            f"{where} gender is {safe_repr(gender)}: sex is unset; a formula that needs it "
            "(Cockcroft-Gault, CKD-EPI, ideal body weight) will ask for sex='female' or 'male'",
        )
    return sex, ()


def _age(
    patient: dict[str, Any], where: str, on: dt.date
) -> tuple[float | None, str | None, dt.date | None]:
    """(age on ``on``, why the age is not known, the first day the birthDate may mean)."""
    birth = patient.get("birthDate")
    if birth is None:
        return None, None, None
    text = _text_time(birth, f"{where} birthDate")
    if "T" in text:
        raise InputRangeError(f"{where} birthDate: {safe_repr(text, 60)} is not a FHIR date",
                              field=f"{where} birthDate", value=text)
    earliest = _day(text, f"{where} birthDate", first=True)
    if earliest > on:
        raise InputRangeError(
            f"{where} birthDate {text} is after {on.isoformat()}", field=f"{where} birthDate",
            value=text,
        )
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        return None, (
            f"{where} birthDate {safe_repr(text)} has no day, so the age on {on.isoformat()} is not "
            "known to the year: pass age= explicitly"
        ), earliest
    born = earliest
    years = on.year - born.year - ((on.month, on.day) < (born.month, born.day))
    return float(years), None, born


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


_SCALARS = (str, int, float)


def _check_depth(given: Any, what: str) -> None:
    """Refuse JSON nested deeper than :data:`MAX_DEPTH` before anything walks it (iteratively:
    no recursion, so no RecursionError however deep)."""
    stack: list[tuple[Any, int]] = [(given, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, (dict, Mapping)):  # dict first: the ABC's check is slow
            children: Iterable[Any] = item.values()
        elif isinstance(item, (list, tuple)):
            children = item
        else:
            continue
        if depth >= MAX_DEPTH:
            raise InputRangeError(
                f"{what}: nested deeper than {MAX_DEPTH} levels, which no FHIR resource is",
                field=what,
                value=None,
            )
        deeper = depth + 1
        # JSON's scalars never nest: only containers go on the stack (same answer, far fewer
        # items to look at)
        stack.extend((child, deeper) for child in children
                     if not isinstance(child, _SCALARS) and child is not None)


def _resources(given: Any, what: str) -> list[_Entry]:
    """(fullUrl, resource) for a resource, a Bundle's entries, or a list of either."""
    if given is None or isinstance(given, (str, bytes, numbers.Number)):
        raise InputRangeError(
            f"{what} must be FHIR resources (a resource, a Bundle, or a list of them) as dicts "
            f"or fhir.resources objects; got {type(given).__name__} {safe_repr(given, 40)}",
            field=what,
            value=given,
        )
    _check_depth(given, what)
    found: list[_Entry] = []
    _collect(given, what, None, found, 0)
    return found


def _collect(given: Any, what: str, url: str | None, found: list[_Entry], depth: int) -> None:
    if depth > MAX_DEPTH:
        raise InputRangeError(f"{what}: Bundles or lists nested deeper than {MAX_DEPTH}",
                              field=what, value=None)
    if isinstance(given, (list, tuple)):
        for item in given:
            _collect(item, what, None, found, depth + 1)
        return
    resource = _as_dict(given, what)
    if not isinstance(given, Mapping):
        _check_depth(resource, what)
    if resource.get("resourceType") != "Bundle":
        if not isinstance(resource.get("resourceType"), str):
            raise InputRangeError(
                f"{what}: a resource without resourceType", field=what, value=None
            )
        found.append(_Entry(url, resource, _name(resource)))
        return
    entries = resource.get("entry") or []
    if not isinstance(entries, list):
        raise InputRangeError(f"{_name(resource)} entry: not a list", field=what, value=None)
    for index, entry in enumerate(entries):
        inner = entry.get("resource") if isinstance(entry, dict) else None
        if inner is None or isinstance(inner, (list, tuple)):
            raise InputRangeError(
                f"{_name(resource)} entry[{index}]: no resource", field=what, value=None
            )
        full = entry.get("fullUrl")
        _collect(inner, what, full if isinstance(full, str) else None, found, depth + 1)


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
_PRESSURE = {"8480-6": "systolic", "8462-4": "diastolic"}


def _day_values(readings: list[Reading], tolerance: float) -> dict[str, Reading]:
    """Lab name -> the latest reading of one day (creatinine's two codes as one quantity)."""
    groups: dict[str, list[Reading]] = {}
    for r in readings:
        name = LAB_CODES[r.code][0] if r.code in LAB_CODES else _PRESSURE.get(r.code)
        if name is not None:
            groups.setdefault(name, []).append(r)
    return {name: _newest(found, tolerance if name == "creatinine" else 0.0)
            for name, found in groups.items()}


def _lab_days(readings: Iterable[Reading], tolerance: float) -> tuple[Any, ...]:
    from plexodose._monitoring.labs import Labs

    days: dict[dt.date, list[Reading]] = {}
    for r in readings:
        days.setdefault(r.day, []).append(r)
    made = []
    for day in sorted(days):
        values = _day_values(days[day], tolerance)
        given: dict[str, str] = {}
        for name, reading in values.items():
            if name in ("systolic", "diastolic"):
                continue
            given[name] = f"{safe_repr(float(reading.value))} {LAB_CODES[reading.code][1]}"
        if "systolic" in values and "diastolic" in values:
            systolic, diastolic = (float(values[k].value) for k in ("systolic", "diastolic"))
            given["blood_pressure"] = f"{systolic:g}/{diastolic:g} mmHg"
        if given:
            origins = {name: r.observation for name, r in values.items()
                       if name not in ("systolic", "diastolic")}
            if "blood_pressure" in given:
                origins["blood_pressure"] = values["systolic"].observation
            made.append(Labs(date=day, **given, origins=origins))
    return tuple(made)


def labs_from_fhir(
    observations: Any, *, on: Any, patient: Any = None, creatinine_tolerance: float = 0.01
) -> Any:
    """The :class:`~plexodose.Labs` of the most recent sampling day at or before ``on``.

    ``patient``: the Patient resource, or its reference (``"Patient/p1"``), whose results
    these must be; without it, every Observation read must name one and the same subject (a
    Patient in the Bundle is used). Only the readings of the latest day that has any lab result
    make the set, so a value from an earlier day is never presented as current; for the
    earlier days (a review's history) use ``read_fhir(patient, observations,
    on=...).lab_history()``. Creatinine by mass and by moles at one time must agree.

    >>> obs = [{"resourceType": "Observation", "id": "w1", "status": "final",
    ...         "code": {"coding": [{"system": "http://loinc.org", "code": "6690-2"}]},
    ...         "subject": {"reference": "Patient/p1"},
    ...         "effectiveDateTime": "2027-01-16T08:00:00Z",
    ...         "valueQuantity": {"value": 3100, "system": "http://unitsofmeasure.org",
    ...                           "code": "/uL"}}]
    >>> labs_from_fhir(obs, on="2027-01-20", patient="Patient/p1")
    Labs(date='2027-01-16', wbc='3.1 x10^9/L', origins={'wbc': 'Observation/w1'})
    """
    tolerance = _tolerance(creatinine_tolerance)
    read = read_observations(observations, on=on, patient=patient, creatinine_tolerance=tolerance)
    days = _lab_days(read.readings, tolerance)
    if not days:
        raise MissingInputError(
            "no lab result (by its LOINC code) at or before the review date", field="observations"
        )
    return days[-1]
