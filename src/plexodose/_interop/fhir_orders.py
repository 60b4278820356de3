"""FHIR both ways for order screening: a MedicationRequest in, coded DetectedIssues out, and the
cumulative cyclophosphamide of a record of MedicationAdministrations and MedicationStatements.

Reading (:func:`order_from_fhir`, :func:`screen_fhir`). One R4 MedicationRequest becomes one
:class:`~plexodose.Order`:

- the drug by the RxNorm ingredient codes plexodose ships (:data:`codes.MEDICATIONS`) or by its
  words (``text`` and coding ``display``); cyclophosphamide takes its route from ``route``;
- ``dosageInstruction[0]`` (one only): ``doseAndRate[0].doseQuantity`` in a UCUM unit of
  :data:`DOSE_UNITS`, or ``doseRange`` (its high end is screened, and the result says so);
- ``timing.repeat``: frequency per period (h, d, wk, mo) as doses a day, dosing days a week
  (``dayOfWeek``) or, for IVIg and IV cyclophosphamide, the interval between pulses or courses;
  ``boundsDuration``, ``boundsPeriod`` (first to last day, both counted) or ``count`` as the
  course length of a daily regimen;
- ``route``: the SNOMED CT codes of :data:`codes.ROUTES`, or words ("oral", "intravenous").

Whatever the reader cannot understand (a tablet count, a timing code alone, "6 per week" without
its days, a free-text dosage) is refused with a :class:`~plexodose.PlexodoseError` whose
``field`` is the FHIR path (``MedicationRequest.dosageInstruction[0].doseAndRate[0]
.doseQuantity.code``); :func:`screen_fhir` turns the refusal into a "not screened" verdict with
that path, never "within". The patient comes through the readers of "Whose value, from when"
(:mod:`plexodose._interop.fhir_in`): the request's subject must be the patient, exactly.

Writing (:func:`detected_issues`, ``Screening.to_fhir()``): a ``collection`` Bundle of one
DetectedIssue per finding that matters (not within, or within with a warning). A "not checked"
item is not an issue (nothing was detected; it stays in the Screening and its JSON); a "not
screened" finding is one, at moderate severity and without an ActCode (no v3 ActCode means
"could not be checked": DOSECOND is a dose inappropriate for the patient's condition, which
would misstate it). Codes: HL7 v3 ActCode, system :data:`ACT_CODE`, displays as published
(:data:`ACT_DISPLAYS`).

Cumulative exposure (:func:`exposure_from_fhir`): MedicationAdministration (``dosage.dose``)
and MedicationStatement (``dosage`` read as above, totalled over ``effectivePeriod``) of
cyclophosphamide, oral and IV, into the history :func:`~plexodose.cyclophosphamide_exposure`
reads. Other drugs are skipped and counted; a date after ``on`` and another patient's resource
are refused.
"""

from __future__ import annotations

import datetime as dt
import decimal
import functools
import json
import math
import numbers
import re
from collections.abc import Mapping
from typing import Any

import attrs

from plexodose._core import format as fmt
from plexodose._core.checks import checked_text
from plexodose._core.errors import (
    InputRangeError,
    MissingInputError,
    PlexodoseError,
    UnitError,
    safe_repr,
)
from plexodose._core.vocab import SCHEDULE_NAMES, Drug
from plexodose._dosing.products import CATALOGUE, IVIgProduct, medication_text
from plexodose._interop import codes, identity
from plexodose._interop import fhir_in as fin
from plexodose._interop.fhir_out import URI, _clean, _tags
from plexodose._patient.patient import Patient
from plexodose._screening import table
from plexodose._screening.exposure import (
    MAX_TOTAL_G,
    Exposure,
    cyclophosphamide_exposure,
    exposure_of,
)
from plexodose._screening.order import DOSE_UNITS, MAX_AMOUNT, Order
from plexodose._screening.screen import screen
from plexodose._screening.verdict import (
    WORDS,
    Dimension,
    OrderFinding,
    Screening,
    overall,
)

ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
# The displays as HL7 Terminology publishes them (v3 ActCode; value sets DosageProblem and
# ActSuppliedItemDetectedIssueCode, ActCode 8.0.0-9.0.0). A code not here is left out.
ACT_DISPLAYS = {
    "DOSEH": "High Dose Alert",
    "DOSEL": "Low Dose Alert",
    "DOSEIVL": "Dose-Interval Alert",
    "DOSEDUR": "Dose-Duration Alert",
    "DOSECOND": "dosage-condition alert",
    "MDOSE": "maximum dosage reached",
}
SEVERITY = {"above_hard": "high", "above_soft": "moderate", "not_screened": "moderate",
            "below": "low", "within": "low"}  # within: a warning

_PERIOD_DAYS = {"h": 1 / 24, "d": 1.0, "wk": 7.0, "mo": 30.4375}  # UCUM mo: a Julian year / 12
_DURATION_DAYS = {"h": 1 / 24, "d": 1.0, "wk": 7.0, "mo": 30.4375, "a": 365.25}
_WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# The elements of each FHIR R4 datatype the reader walks: another key is not FHIR R4 (an STU3
# dose at the Dosage's top, a typo) and is refused, never skipped.
_DOSAGE_KEYS = frozenset({
    "id", "extension", "sequence", "text", "additionalInstruction", "patientInstruction",
    "timing", "asNeededBoolean", "asNeededCodeableConcept", "site", "route", "method",
    "doseAndRate", "maxDosePerPeriod", "maxDosePerAdministration", "maxDosePerLifetime",
})
_DOSE_AND_RATE_KEYS = frozenset({"id", "extension", "type", "doseRange", "doseQuantity",
                                 "rateRatio", "rateRange", "rateQuantity"})
_TIMING_KEYS = frozenset({"id", "extension", "event", "repeat", "code"})
_REPEAT_KEYS = frozenset({
    "id", "extension", "boundsDuration", "boundsRange", "boundsPeriod", "count", "countMax",
    "duration", "durationMax", "durationUnit", "frequency", "frequencyMax", "period",
    "periodMax", "periodUnit", "dayOfWeek", "timeOfDay", "when", "offset",
})
PULSED: tuple[Drug, ...] = ("ivig", "cyclophosphamide_iv")  # the drugs given every so many days
_RXNORM = {
    codes.MEDICATIONS["azathioprine"].code: "azathioprine",
    codes.MEDICATIONS["cyclophosphamide"].code: "cyclophosphamide",
    codes.MEDICATIONS["ciclosporin"].code: "ciclosporin",
    codes.MEDICATIONS["mycophenolate mofetil"].code: "mycophenolate",
}
_ROUTE_CODES = {codes.ROUTES["oral"].code: "oral", codes.ROUTES["IV"].code: "iv"}
_ROUTE_WORDS = (
    (re.compile(r"\b(?:oral|orally|by mouth|per os|po)\b"), "oral"),
    (re.compile(r"\b(?:intravenous|intravenously|iv|i\.v\.)(?=\W|$)"), "iv"),
)
_DRUG_WORDS = (
    (re.compile(r"\bazathioprine\b"), "azathioprine"),
    (re.compile(r"\bcyclophosphamide\b"), "cyclophosphamide"),
    (re.compile(r"\bc[iy]closporine?\b"), "ciclosporin"),
    (re.compile(r"\bmycophenolate\b"), "mycophenolate"),
    (re.compile(r"\bivig\b|\bigiv\b|\bimmune globulin intravenous\b|"
                r"\bintravenous immun(?:e |o)globulin\b|\bimmunoglobulin intravenous\b"), "ivig"),
)
# Words that name another drug than those plexodose screens, though they share a word with one:
# (the word shared, the words that make it another drug, why)
_NOT_OURS = (
    ("mycophen", re.compile(r"mycophenolic acid|mycophenolate sodium"),
     "mycophenolic acid (mycophenolate sodium) is dosed differently from mycophenolate mofetil"),
    ("globulin", re.compile(r"subcutaneous|\bscig\b|hyperimmune|hepatitis|rabies|tetanus|\brho\b|"
                            r"anti-?d\b|varicella|cytomegalovirus|botulism|vaccinia|anthrax"),
     "a subcutaneous or specific (hyperimmune) immune globulin is not IVIg"),
)


# -- reading one MedicationRequest -----------------------------------------------------------


@attrs.frozen
class FhirOrder:
    """What :func:`order_from_fhir` read: the ``order``, the ``request`` it came from
    (``MedicationRequest/<id>``), its ``subject``, the ``patient`` (when a FHIR Patient or
    Observations were given; ``reading`` holds their dates and origins) and ``notes``: what the
    reading chose or could not read (the high end of a dose range, a course length not given)."""

    order: Order
    request: str
    subject: str | None = None
    patient: Patient | None = None
    reading: fin.FhirReading | None = None
    notes: tuple[str, ...] = ()


@attrs.frozen
class UnreadOrder:
    """The stand-in a "not screened" :class:`~plexodose.Screening` holds for a request that
    could not be read: its name, and the drug when that much was read."""

    request: str
    drug: str | None = None
    amount: float | None = None
    basis: str | None = None
    per: str | None = None
    written: str = ""
    times_per_day: int | None = None
    days_per_week: int | None = None
    interval_days: float | None = None
    days: int | None = None
    route: str | None = None
    product: str | None = None
    reason: str | None = None

    @property
    def text(self) -> str:
        return f"{self.request} (not read)"


class _Refusal:
    """Refusals of one resource: each names the FHIR path (the ``field``) and the resource."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __call__(self, path: str, message: str, value: Any = None,
                 kind: type[PlexodoseError] = InputRangeError) -> PlexodoseError:
        return kind(f"{path} ({self.name}): {message}", field=path, value=value)


def order_from_fhir(
    medication_request: Any,
    *,
    patient: Any = None,
    observations: Any = None,
    on: Any = None,
    reason: Any = None,
) -> FhirOrder:
    """Read one R4 MedicationRequest (a dict, a ``fhir.resources`` object, or a Bundle holding
    one, with its Patient, Observations and Medication if any) as an :class:`~plexodose.Order`.

    ``patient``: a FHIR Patient (or its reference, ``"Patient/p1"``) whose order this must be,
    or a :class:`plexodose.Patient`; a Patient in the Bundle is used when none is given.
    ``observations``: the patient's Observations (weight, height, creatinine...), read as of
    ``on`` (needed with a FHIR patient). ``reason``: the prescriber's stated reason for a dose
    above the protocol range (FHIR has no element for it; a note is never read as one).

    >>> request = {"resourceType": "MedicationRequest", "id": "mr1", "status": "active",
    ...     "intent": "order", "subject": {"reference": "Patient/p1"},
    ...     "medicationCodeableConcept": {"coding": [{
    ...         "system": "http://www.nlm.nih.gov/research/umls/rxnorm", "code": "1256"}]},
    ...     "dosageInstruction": [{"timing": {"repeat": {"frequency": 2, "period": 1,
    ...                                                  "periodUnit": "d"}},
    ...         "doseAndRate": [{"doseQuantity": {"value": 100, "unit": "mg",
    ...             "system": "http://unitsofmeasure.org", "code": "mg"}}]}]}
    >>> order_from_fhir(request).order
    Order(azathioprine 100 mg twice daily)
    """
    entries = fin._resources(medication_request, "medication_request")
    requests = [e for e in entries if e.resource.get("resourceType") == "MedicationRequest"]
    if len(requests) != 1:
        raise InputRangeError(
            f"expected one FHIR MedicationRequest, found {len(requests)} in what was given",
            field="MedicationRequest", value=len(requests))
    entry = requests[0]
    request = entry.resource
    refuse = _Refusal(entry.name)
    day = None if on is None else fin._on_date(on)
    patients = [e for e in entries if e.resource.get("resourceType") == "Patient"]
    results = [e for e in entries
               if e.resource.get("resourceType") in ("Observation", "DiagnosticReport")]
    source: Any = patient if patient is not None else (
        entries_bundle(patients) if patients else None)
    extra: list[Any] = ([entries_bundle(results)] if results else []) + (
        [] if observations is None else [observations])
    subject = _request_subject(request, refuse)
    who: fin._Who | None = None
    reading: fin.FhirReading | None = None
    person: Patient | None = patient if isinstance(patient, Patient) else None
    if person is None and (source is not None or extra):
        if day is None:
            raise MissingInputError("on: the date the patient's values are read as of (such as "
                                    "'2027-01-16') is needed with a FHIR Patient or Observations",
                                    field="on")
        if source is None:  # Observations alone: they must be the request's subject's
            if subject is None:
                raise refuse("MedicationRequest.subject", "no subject.reference, so the "
                             "Observations cannot be shown to be this patient's")
            source = subject
        who, _ = fin._the_patient(source, "patient", day)
        if subject is None:
            raise refuse("MedicationRequest.subject", f"no subject.reference, so the order "
                         f"cannot be shown to be {who}'s")
        if not who.owns(subject, fin._base(entry.full_url)):
            raise refuse("MedicationRequest.subject", f"{safe_repr(subject, 80)} is not the "
                         f"patient read ({who}): another patient's order is never screened "
                         "for this one", subject)
        reading = fin.read_fhir(source, extra or None, on=day)
        person = reading.patient()
    order, notes = _order(request, entries, refuse, reason)
    return FhirOrder(order=order, request=entry.name, subject=subject, patient=person,
                     reading=reading, notes=notes)


def _request_subject(request: dict[str, Any], refuse: _Refusal) -> str | None:
    subject = request.get("subject")
    if subject is None:
        return None
    ref = subject.get("reference") if isinstance(subject, dict) else None
    if ref is None:
        return None
    if not isinstance(ref, str) or not ref.strip() or len(ref) > fin._MAX_URL:
        raise refuse("MedicationRequest.subject.reference", "not a FHIR reference", ref)
    return ref


def _order(request: dict[str, Any], entries: list[fin._Entry], refuse: _Refusal,
           reason: Any) -> tuple[Order, tuple[str, ...]]:
    if request.get("modifierExtension") is not None:
        raise refuse("MedicationRequest.modifierExtension", "a modifier extension changes what "
                     "the order means, and plexodose does not know it")
    if request.get("doNotPerform") is True:
        raise refuse("MedicationRequest.doNotPerform", "an order not to give a drug is not "
                     "screened", True)
    if request.get("status") == "entered-in-error":
        raise refuse("MedicationRequest.status", "an order entered in error is not screened",
                     "entered-in-error")
    name, product, where = _medication_of(request, entries, refuse)
    dosages = request.get("dosageInstruction")
    if not isinstance(dosages, list) or not dosages:
        raise refuse("MedicationRequest.dosageInstruction", "no dosage instruction: nothing to "
                     "screen", dosages)
    if len(dosages) > 1:
        raise refuse("MedicationRequest.dosageInstruction[1]", f"{len(dosages)} dosage "
                     "instructions (a sequence or a taper): plexodose screens one at a time; "
                     "send each as its own MedicationRequest", len(dosages))
    notes: list[str] = []
    path = "MedicationRequest.dosageInstruction[0]"
    read = _dosage(dosages[0], path, name, refuse, notes)
    fields = read.pop("paths")
    fields["product"] = fields["drug"] = where
    try:
        order = Order(**read, product=product, reason=reason)
    except PlexodoseError as exc:
        if exc.field == "reason":
            raise
        at = fields.get(exc.field or "", path)
        raise type(exc)(f"{at} ({refuse.name}): {exc}", field=at, value=exc.value) from exc
    return order, tuple(notes)


def _medication_of(request: dict[str, Any], entries: list[fin._Entry],
                   refuse: _Refusal) -> tuple[str, str | None, str]:
    """(drug word, IVIg product, the path it was read from)."""
    concept = request.get("medicationCodeableConcept")
    path = "MedicationRequest.medicationCodeableConcept"
    if concept is None and request.get("medicationReference") is not None:
        path = "MedicationRequest.medicationReference"
        concept = _referenced_medication(request, entries, refuse, path)
    if concept is None:
        raise refuse("MedicationRequest.medication[x]", "no medication")
    name, product = _drug_in(concept, path, refuse)
    return name, product, path


def _referenced_medication(resource: dict[str, Any], entries: list[fin._Entry],
                           refuse: _Refusal, path: str) -> Any:
    ref = resource["medicationReference"].get("reference") if isinstance(
        resource["medicationReference"], dict) else None
    if not isinstance(ref, str):
        raise refuse(f"{path}.reference", "not a reference to a Medication", ref)
    found: list[Any] = []
    if ref.startswith("#"):
        contained = resource.get("contained") or []
        found = [c for c in contained if isinstance(c, dict) and c.get("resourceType") ==
                 "Medication" and f"#{c.get('id')}" == ref]
    else:
        found = [e.resource for e in entries if e.resource.get("resourceType") == "Medication"
                 and (f"Medication/{e.resource.get('id')}" == ref or e.full_url == ref)]
    if len(found) != 1:
        raise refuse(f"{path}.reference", f"{safe_repr(ref, 80)}: the Medication is not in what "
                     "was given (contained, or in the Bundle)", ref)
    if found[0].get("code") is None:
        raise refuse(f"{path}.reference", f"the Medication {safe_repr(ref, 80)} has no code", ref)
    return found[0]["code"]


def _drug_in(concept: Any, path: str, refuse: _Refusal) -> tuple[str, str | None]:
    """The drug a CodeableConcept names: by RxNorm code, else by its words (which must agree
    with the code when both name a drug)."""
    if not isinstance(concept, dict):
        raise refuse(path, "not a CodeableConcept", concept)
    coding = concept.get("coding") or []
    if not isinstance(coding, list):
        raise refuse(f"{path}.coding", "not a list", coding)
    by_code: set[str] = set()
    words: list[str] = []
    for index, item in enumerate(coding):
        if not isinstance(item, dict):
            raise refuse(f"{path}.coding[{index}]", "not a Coding", item)
        if item.get("system") == codes.RXNORM and _text(item.get("code")) in _RXNORM:
            by_code.add(_RXNORM[item["code"]])
        if isinstance(item.get("display"), str):
            words.append(item["display"])
    if isinstance(concept.get("text"), str):
        words.append(concept["text"])
    by_text, product = _drugs_in_words(words, path, refuse)
    if len(by_code) > 1:
        raise refuse(f"{path}.coding", f"RxNorm codes of more than one drug "
                     f"({', '.join(sorted(by_code))})", sorted(by_code))
    if by_code and by_text and by_text != by_code:
        raise refuse(path, f"the RxNorm code names {', '.join(sorted(by_code))} and the words "
                     f"{', '.join(sorted(by_text))}: which is it?", sorted(by_code | by_text))
    found = by_code or by_text
    if not found:
        shown = "; ".join(words)[:120] or "no code plexodose knows and no words"
        raise refuse(path, f"names no drug plexodose screens ({shown}); it reads the RxNorm "
                     "ingredient codes " + ", ".join(f"{c} {n}" for c, n in _RXNORM.items())
                     + " or the drug's name (IVIg: 'IVIg', 'immune globulin intravenous' or a "
                     "product in the catalogue)", concept)
    if len(found) > 1:
        raise refuse(path, f"names more than one drug ({', '.join(sorted(found))})",
                     sorted(found))
    return found.pop(), product


def _drugs_in_words(words: list[str], path: str,
                    refuse: _Refusal) -> tuple[set[str], str | None]:
    found: set[str] = set()
    products: set[str] = set()
    known = _ivig_patterns() if words else ()
    for text in words:
        low = " ".join(text[:1000].lower().split())  # a name, not a document
        for pattern, name in _DRUG_WORDS:
            if pattern.search(low):
                found.add(name)
        for product, brand, whole in known:
            if brand.search(low):
                found.add("ivig")
            if whole.search(low):
                products.add(product)
        for shared, pattern, why in _NOT_OURS:
            if shared in low and pattern.search(low):
                raise refuse(path, f"{safe_repr(text, 80)}: {why}", text)
    if len(products) > 1:
        raise refuse(path, f"names more than one IVIg product ({', '.join(sorted(products))})",
                     sorted(products))
    return found, next(iter(products), None)


def _ivig_products() -> list[str]:
    """The IVIg products of the catalogue, by name (the products registered now)."""
    found = []
    for name in CATALOGUE.names():
        try:
            product = CATALOGUE.ivig(name)
        except PlexodoseError:
            continue
        if isinstance(product, IVIgProduct):
            found.append(product.name)
    return found


_Patterns = tuple[tuple[str, "re.Pattern[str]", "re.Pattern[str]"], ...]
_ivig_memo: tuple[object, _Patterns] = (None, ())


def _ivig_patterns() -> _Patterns:
    """(product, its brand's pattern, its whole name's pattern) for each IVIg product, built
    once per state of the catalogue: a change to it swaps in a new snapshot (copy-on-write),
    so the snapshot's identity says whether the products are still the same."""
    global _ivig_memo
    state = CATALOGUE._state
    if _ivig_memo[0] is not state:
        _ivig_memo = (state, tuple((p, *_product_patterns(p)) for p in _ivig_products()))
    return _ivig_memo[1]


@functools.lru_cache(maxsize=256)
def _product_patterns(product: str) -> tuple[re.Pattern[str], re.Pattern[str]]:
    """The product's brand alone ("privigen": IVIg, its concentration unsaid) and the product
    named whole ("Privigen 10 %", "privigen 10%")."""
    brand = product.lower().split()[0]
    words = product.lower().replace("%", " % ").split()
    whole = r"\s*".join(re.escape(w) for w in words)
    return (re.compile(rf"(?<![\w-]){re.escape(brand)}(?![\w-])"),
            re.compile(rf"(?<![\w-]){whole}"))


def _dosage(dosage: Any, path: str, name: str, refuse: _Refusal,
            notes: list[str]) -> dict[str, Any]:
    """The Order's keyword arguments from one Dosage (and ``paths``: each argument's path)."""
    if not isinstance(dosage, dict):
        raise refuse(path, "not a Dosage", dosage)
    _known_keys(dosage, _DOSAGE_KEYS, path, "Dosage", refuse)
    if dosage.get("asNeededBoolean") is True or dosage.get("asNeededCodeableConcept") is not None:
        raise refuse(f"{path}.asNeeded[x]", "a dose 'as needed' is not a regimen plexodose "
                     "screens", True)
    route = _route(dosage.get("route"), f"{path}.route", refuse)
    drug: str = name
    if name == "cyclophosphamide":
        if route is None:
            raise refuse(f"{path}.route", "cyclophosphamide without a route: oral (26643006) "
                         "and IV (47625008) are screened by different rules")
        drug = f"cyclophosphamide_{route}"
    pulsed = drug in PULSED
    paths: dict[str, str] = {"route": f"{path}.route"}
    timing = _timing(dosage.get("timing"), f"{path}.timing", pulsed, refuse, notes, paths)
    if (drug == "cyclophosphamide_iv" and timing["every"] is None
            and timing["times_per_day"] is not None and timing["days"] != 1):
        timing["every"] = 1.0  # a pulse every day is a pulse 1 day after the last
        notes.append("IV cyclophosphamide every day: read as pulses 1 day apart")
    dose_path, dose, per_day = _dose(dosage, path, refuse, notes)
    paths["dose"] = dose_path
    if timing["every"] is not None:
        timing["every"] = f"{_text_number(timing['every'])} day"  # as Order reads it
    if per_day and timing["every"] is not None:
        raise refuse(f"{dose_path}.code", "a daily amount with a regimen every "
                     f"{timing['every']}s: give the dose of one administration",
                     dose, UnitError)
    return {"drug": drug, "dose": dose, "route": route, "paths": paths, **timing}


def _route(concept: Any, path: str, refuse: _Refusal) -> str | None:
    if concept is None:
        return None
    if not isinstance(concept, dict):
        raise refuse(path, "not a CodeableConcept", concept)
    coding = concept.get("coding") or []
    if not isinstance(coding, list):
        raise refuse(f"{path}.coding", "not a list", coding)
    found: set[str] = set()
    words: list[str] = []
    unknown: list[str] = []
    for item in coding:
        if not isinstance(item, dict):
            raise refuse(f"{path}.coding", "not a Coding", item)
        if item.get("system") == codes.SNOMED and _text(item.get("code")) in _ROUTE_CODES:
            found.add(_ROUTE_CODES[item["code"]])
        elif item.get("code") is not None:
            unknown.append(str(item.get("code"))[:40])
        if isinstance(item.get("display"), str):
            words.append(item["display"])
    if isinstance(concept.get("text"), str):
        words.append(concept["text"])
    by_words = {way for text in words for pattern, way in _ROUTE_WORDS
                if pattern.search(" ".join(text.lower().split()))}
    if found and by_words and found != by_words:
        raise refuse(path, f"the code says {', '.join(sorted(found))}, the words "
                     f"{', '.join(sorted(by_words))}", concept)
    ways = found or by_words
    if len(ways) != 1:
        shown = "; ".join(words + unknown)[:80]
        raise refuse(path, f"{safe_repr(shown) if shown else 'no route'}: plexodose screens oral "
                     "(SNOMED CT 26643006) and intravenous (47625008) orders", concept)
    return ways.pop()


def _number(value: Any, path: str, refuse: _Refusal, low: float = 0.0) -> float:
    if isinstance(value, bool) or not isinstance(value, (numbers.Real, decimal.Decimal)):
        raise refuse(path, f"needs a number; got {safe_repr(value)}", value)
    try:
        number = float(value)
    except (OverflowError, ValueError, ArithmeticError):
        number = math.nan
    if not math.isfinite(number) or number <= low:
        raise refuse(path, f"must be a finite number above {fmt.number(low)}; got "
                     f"{safe_repr(value)}", value)
    return number


def _text(value: Any) -> str | None:
    """``value`` when it is text (a key to look up), else None: never hash what was given."""
    return value if isinstance(value, str) else None


def _text_number(value: float) -> str:
    return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)


def _dose(dosage: dict[str, Any], path: str, refuse: _Refusal,
          notes: list[str]) -> tuple[str, str, bool]:
    """(path of the quantity read, the amount as text Order reads, a daily amount?)."""
    dose_and_rate = dosage.get("doseAndRate")
    if not isinstance(dose_and_rate, list) or not dose_and_rate:
        if dosage.get("text") is not None:
            raise refuse(f"{path}.doseAndRate", "a dosage in free text only is not read: give "
                         "doseAndRate[0].doseQuantity", dosage.get("text"))
        raise refuse(f"{path}.doseAndRate", "no dose", dose_and_rate)
    if len(dose_and_rate) > 1:
        raise refuse(f"{path}.doseAndRate[1]", f"{len(dose_and_rate)} doses (calculated and "
                     "ordered?): plexodose screens one", len(dose_and_rate))
    first = dose_and_rate[0]
    where = f"{path}.doseAndRate[0]"
    if not isinstance(first, dict):
        raise refuse(where, "not a DoseAndRate", first)
    _known_keys(first, _DOSE_AND_RATE_KEYS, where, "Dosage.doseAndRate", refuse)
    if first.get("doseQuantity") is not None:
        q_path = f"{where}.doseQuantity"
        value, unit = _quantity(first["doseQuantity"], q_path, refuse)
        return q_path, f"{_text_number(value)} {unit}", unit.endswith("/day")
    span = first.get("doseRange")
    if span is None:
        raise refuse(f"{where}.doseQuantity", "no dose (doseQuantity or doseRange)")
    r_path = f"{where}.doseRange"
    if not isinstance(span, dict) or span.get("high") is None:
        raise refuse(f"{r_path}.high", "a dose range without its high end cannot be screened",
                     span)
    high, unit = _quantity(span["high"], f"{r_path}.high", refuse)
    low_text = ""
    if span.get("low") is not None:
        low, low_unit = _quantity(span["low"], f"{r_path}.low", refuse)
        if low_unit != unit:
            raise refuse(f"{r_path}.low.code", f"the range's ends are in {low_unit} and {unit}",
                         low_unit, UnitError)
        if low > high:
            raise refuse(f"{r_path}.low.value", f"the low end {_text_number(low)} is above the "
                         f"high end {_text_number(high)}", low)
        low_text = f"{_text_number(low)}-"
    notes.append(f"dose range {low_text}{_text_number(high)} {unit}: the high end "
                 f"({_text_number(high)} {unit}) is screened; the low end is not")
    return f"{r_path}.high", f"{_text_number(high)} {unit}", unit.endswith("/day")


def _quantity(q: Any, path: str, refuse: _Refusal) -> tuple[float, str]:
    if not isinstance(q, dict):
        raise refuse(path, "not a Quantity", q)
    if q.get("comparator") is not None:
        raise refuse(f"{path}.comparator", f"{safe_repr(q['comparator'])}: a bound, not a dose",
                     q["comparator"])
    value = _number(q.get("value"), f"{path}.value", refuse)
    code = q.get("code")
    accepted = ", ".join(DOSE_UNITS)
    if not isinstance(code, str) or not code:
        shown = f" (the unit text {safe_repr(q.get('unit'))} is not read)" if q.get("unit") else ""
        raise refuse(f"{path}.code", f"no UCUM unit code{shown}; plexodose reads {accepted}",
                     code, UnitError)
    system = q.get("system")
    if system is not None and system != codes.UCUM:
        raise refuse(f"{path}.system", f"{safe_repr(system)} is not UCUM ({codes.UCUM})", system,
                     UnitError)
    if code not in DOSE_UNITS:
        why = (" (a count of tablets or vials is not an amount: give the dose in mg)"
               if code.startswith("{") or code.lower() in ("tab", "cap", "1") else "")
        raise refuse(f"{path}.code", f"{safe_repr(code, 40)} is not a UCUM dose unit plexodose "
                     f"reads{why}; it reads {accepted}", code, UnitError)
    unit = DOSE_UNITS[code]
    text = q.get("unit")
    if isinstance(text, str):
        said = _unit_text(text)
        if said is not None and said != unit:
            raise refuse(f"{path}.unit", f"the unit text {safe_repr(text)} names another unit "
                         f"than the code {safe_repr(code)}: which is it?", text, UnitError)
    base = unit.split("/")[0]
    amount = value * (1000.0 if base == "g" else 1.0)
    basis = "mg" if "/kg" not in unit and "/m2" not in unit else (
        "mg/kg" if "/kg" in unit else "mg/m2")
    if amount > MAX_AMOUNT[basis]:
        raise refuse(f"{path}.value", f"{_text_number(value)} {unit} is outside the plausible "
                     f"range (at most {fmt.number(MAX_AMOUNT[basis])} {basis})", value)
    return value, unit


def _unit_text(text: str) -> str | None:
    """The unit a human-readable unit text names, when it is one of :data:`DOSE_UNITS`."""
    low = text.strip().lower().replace("²", "2").replace("^2", "2").replace("**2", "2")
    low = low.replace(" ", "").replace("/day", "/d")
    return DOSE_UNITS.get(low)


def _timing(timing: Any, path: str, pulsed: bool | None, refuse: _Refusal, notes: list[str],
            paths: dict[str, str]) -> dict[str, Any]:
    """times_per_day, days_per_week, every (days) and days from a Timing."""
    out: dict[str, Any] = {"times_per_day": None, "days_per_week": 7, "every": None, "days": None}
    if timing is None:
        return out
    if not isinstance(timing, dict):
        raise refuse(path, "not a Timing", timing)
    _known_keys(timing, _TIMING_KEYS, path, "Timing", refuse)
    repeat = timing.get("repeat")
    if repeat is None:
        if timing.get("code") is not None:
            raise refuse(f"{path}.code", "a timing code alone is not read: give timing.repeat "
                         "(frequency, period, periodUnit)", timing.get("code"))
        if timing.get("event"):
            raise refuse(f"{path}.event", "dates alone are not read: give timing.repeat",
                         timing.get("event"))
        return out
    where = f"{path}.repeat"
    if not isinstance(repeat, dict):
        raise refuse(where, "not a Timing.repeat", repeat)
    _known_keys(repeat, _REPEAT_KEYS, where, "Timing.repeat", refuse)
    days_of_week = _days_of_week(repeat.get("dayOfWeek"), f"{where}.dayOfWeek", refuse)
    frequency, period, unit = _frequency(repeat, where, refuse, notes)
    paths.update({"times_per_day": f"{where}.frequency", "every": f"{where}.period",
                  "days_per_week": f"{where}.dayOfWeek"})
    regimen = _regimen(frequency, period, unit, days_of_week, pulsed, where, refuse)
    out.update(regimen)
    if out["every"] is not None and unit == "mo":
        notes.append(f"every {fmt.number(period or 1)} mo read as every "
                     f"{fmt.number(out['every'])} days (UCUM mo = 30.4375 d)")
    if out["every"] is not None:
        if any(repeat.get(k) is not None for k in ("boundsDuration", "boundsPeriod", "count")):
            notes.append("the bounds of a regimen every so many days are not read as a course "
                         "length")
        return out
    if timing.get("event"):
        notes.append(f"timing.event lists {len(timing['event'])} dates: the course length is "
                     "not read from the bounds")
        return out
    out["days"] = _course(repeat, where, out, refuse, notes, paths)
    return out


def _known_keys(node: dict[str, Any], known: frozenset[str], path: str, kind: str,
                refuse: _Refusal) -> None:
    """Refuse a key ``kind`` does not have (a modifierExtension among them: what it changes
    cannot be known); ``_x`` keys carry a primitive's extensions and are left."""
    unknown = sorted(str(k) for k in node if k not in known and not str(k).startswith("_"))
    if unknown:
        why = ("a modifier extension changes what the element means, and plexodose does not "
               "know it" if unknown[0] == "modifierExtension" else f"not an element of {kind} "
               "(FHIR R4)")
        raise refuse(f"{path}.{unknown[0]}", why, unknown[0])


def _days_of_week(value: Any, path: str, refuse: _Refusal) -> int | None:
    if value is None:
        return None
    if not isinstance(value, list) or not value or any(d not in _WEEKDAYS for d in value):
        raise refuse(path, f"days of the week ({', '.join(_WEEKDAYS)}); got "
                     f"{safe_repr(value, 60)}", value)
    return len(set(value))


def _frequency(repeat: dict[str, Any], where: str, refuse: _Refusal,
               notes: list[str]) -> tuple[int | None, float | None, str | None]:
    frequency = repeat.get("frequency")
    if frequency is not None:
        frequency = int(_number(frequency, f"{where}.frequency", refuse))
        if frequency != repeat["frequency"]:
            raise refuse(f"{where}.frequency", "a whole number of times", repeat["frequency"])
    top = repeat.get("frequencyMax")
    if top is not None:
        most = _number(top, f"{where}.frequencyMax", refuse)
        if not most.is_integer() or most < (frequency or 1):
            raise refuse(f"{where}.frequencyMax", "a whole number, at least the frequency", top)
        notes.append(f"frequency {frequency or 1}-{int(most)}: the highest ({int(most)}) is "
                     "screened")
        frequency = int(most)
    period = repeat.get("period")
    unit = repeat.get("periodUnit")
    if period is None:
        if frequency is not None:
            raise refuse(f"{where}.period", f"frequency {frequency} per what? give period and "
                         "periodUnit", None)
        return None, None, None
    period = _number(period, f"{where}.period", refuse)
    if _text(unit) not in _PERIOD_DAYS:
        raise refuse(f"{where}.periodUnit", f"{safe_repr(unit)}: plexodose reads periods in h, "
                     "d, wk and mo", unit)
    if repeat.get("periodMax") is not None:
        if _number(repeat["periodMax"], f"{where}.periodMax", refuse) < period:
            raise refuse(f"{where}.periodMax", "shorter than the period", repeat["periodMax"])
        notes.append(f"period {fmt.number(period)}-{fmt.number(float(repeat['periodMax']))} "
                     f"{unit}: the shortest ({fmt.number(period)} {unit}) is screened")
    return frequency or 1, period, unit


def _regimen(frequency: int | None, period: float | None, unit: str | None,
             days_of_week: int | None, pulsed: bool | None, where: str,
             refuse: _Refusal) -> dict[str, Any]:
    """``pulsed``: True for IVIg and IV cyclophosphamide (less often than daily is an interval;
    no days of the week), False for the daily drugs (no interval), None for a record of what
    was taken (either)."""
    if frequency is None or period is None or unit is None:
        if days_of_week is not None and pulsed is True:
            raise refuse(f"{where}.dayOfWeek", "days of the week for a pulse or a course: give "
                         "the interval as period", days_of_week)
        return {"days_per_week": days_of_week or 7}
    span = period * _PERIOD_DAYS[unit]  # the period in days
    shown = f"{frequency} per {fmt.number(period)} {unit}"
    if days_of_week is not None:
        if pulsed is True:
            raise refuse(f"{where}.dayOfWeek", "days of the week for a pulse or a course: give "
                         "the interval as period", days_of_week)
        per_day = frequency / (span / 7 * days_of_week) if unit == "wk" else frequency / span
        if unit == "wk" and period != 1:
            raise refuse(f"{where}.period", f"{shown} on given days of the week: give the "
                         "doses a day per 1 d (or per 1 wk)", period)
        return {"times_per_day": _whole(per_day, shown, where, refuse),
                "days_per_week": days_of_week}
    per_day = frequency / span
    if pulsed is not False and span / frequency > 1:
        return {"times_per_day": 1, "every": span / frequency}
    if per_day >= 1 - 1e-9:
        return {"times_per_day": _whole(per_day, shown, where, refuse)}
    if unit == "wk" and period == 1 and frequency == 1:
        return {"times_per_day": 1, "days_per_week": 1}
    if unit == "wk" and period == 1:
        raise refuse(f"{where}.dayOfWeek", f"{shown} does not say on how many days (once "
                     f"daily on {frequency} days, or twice on fewer?): give dayOfWeek", None)
    raise refuse(f"{where}.period", f"{shown}: a regimen less often than daily is not one "
                 "plexodose screens for a daily drug", period)


def _whole(per_day: float, shown: str, where: str, refuse: _Refusal) -> int:
    times = round(per_day)
    if abs(per_day - times) > 1e-9 * max(1.0, per_day) or not 1 <= times <= 24:
        raise refuse(f"{where}.frequency", f"{shown} is not a whole number of doses a day "
                     "(1-24)", per_day)
    return times


def _course(repeat: dict[str, Any], where: str, regimen: dict[str, Any], refuse: _Refusal,
            notes: list[str], paths: dict[str, str]) -> int | None:
    """The course length in days of a daily regimen: bounds, else count."""
    days: int | None = None
    if repeat.get("boundsRange") is not None:
        raise refuse(f"{where}.boundsRange", "a range of course lengths is not read: give "
                     "boundsDuration or boundsPeriod", repeat["boundsRange"])
    if repeat.get("boundsDuration") is not None:
        paths["days"] = f"{where}.boundsDuration"
        days = _duration_days(repeat["boundsDuration"], f"{where}.boundsDuration", refuse, notes)
    elif repeat.get("boundsPeriod") is not None:
        paths["days"] = f"{where}.boundsPeriod"
        days = _period_days(repeat["boundsPeriod"], f"{where}.boundsPeriod", refuse, notes)
    count = repeat.get("countMax", repeat.get("count"))
    if count is None:
        return days
    key = "countMax" if repeat.get("countMax") is not None else "count"
    total = _number(count, f"{where}.{key}", refuse)
    times = regimen["times_per_day"] or 1
    if not total.is_integer() or total % times:
        raise refuse(f"{where}.{key}", f"{_text_number(total)} administrations are not whole "
                     f"days of {times} a day", count)
    if regimen["days_per_week"] != 7:
        notes.append(f"{key} {int(total)} on {regimen['days_per_week']} days a week: the course "
                     "length is not read from it")
        return days
    by_count = int(total) // times
    if days is not None and days != by_count:
        raise refuse(f"{where}.{key}", f"{int(total)} administrations ({by_count} days) and "
                     f"bounds of {days} days disagree", count)
    paths.setdefault("days", f"{where}.{key}")
    return by_count


def _duration_days(q: Any, path: str, refuse: _Refusal, notes: list[str]) -> int:
    if not isinstance(q, dict):
        raise refuse(path, "not a Duration", q)
    value = _number(q.get("value"), f"{path}.value", refuse)
    code = _text(q.get("code"))
    if code not in _DURATION_DAYS or q.get("system", codes.UCUM) != codes.UCUM:
        raise refuse(f"{path}.code", f"{safe_repr(q.get('code'))}: a duration in UCUM h, d, wk, "
                     "mo or a", q.get("code"), UnitError)
    days = value * _DURATION_DAYS[code]
    if code in ("mo", "a"):
        notes.append(f"a course of {_text_number(value)} {code} read as {round(days)} days")
        return max(1, round(days))
    if abs(days - round(days)) > 1e-9:
        raise refuse(f"{path}.value", f"{_text_number(value)} {code} is not a whole number of "
                     "days", value)
    return round(days)


def _period_days(period: Any, path: str, refuse: _Refusal, notes: list[str]) -> int | None:
    if not isinstance(period, dict):
        raise refuse(path, "not a Period", period)
    start, end = period.get("start"), period.get("end")
    if start is None or end is None:
        notes.append("boundsPeriod without both ends: the course length is not read")
        return None
    first = fin._day(fin._text_time(start, f"{path}.start"), f"{path}.start", first=True)
    last = fin._day(fin._text_time(end, f"{path}.end"), f"{path}.end")
    if last < first:
        raise refuse(f"{path}.end", f"{end} is before the start {start}", end)
    return (last - first).days + 1  # the first and the last dosing day both count


# -- screening one MedicationRequest ---------------------------------------------------------


def screen_fhir(
    given: Any,
    *,
    on: Any,
    patient: Any = None,
    observations: Any = None,
    history: Any = None,
    reason: Any = None,
    prior_cyclophosphamide: Any = None,
    allopurinol: bool = False,
    last_pulse: Any = None,
    last_raised: Any = None,
    labs: Any = None,
) -> Screening:
    """Screen the MedicationRequest in ``given`` (the request, or a Bundle with the Patient,
    Observations, Medication and past MedicationAdministrations/MedicationStatements).

    A request, patient or Observation that cannot be read is "not screened" with the FHIR
    path, never "within". Past administrations in ``given`` or ``history`` are taken as the
    record of cyclophosphamide (give them all, or none: none is "not known", never zero); a
    record that cannot be read leaves the other dimensions screened and the cumulative one "not
    screened". The other keywords are :func:`plexodose.screen`'s.

    >>> from plexodose import Patient
    >>> request = {"resourceType": "MedicationRequest", "id": "mr1", "status": "active",
    ...     "intent": "order", "subject": {"reference": "Patient/p1"},
    ...     "medicationCodeableConcept": {"text": "azathioprine"},
    ...     "dosageInstruction": [{"doseAndRate": [{"doseQuantity": {"value": 2, "unit": "tab",
    ...         "system": "http://unitsofmeasure.org", "code": "{tbl}"}}]}]}
    >>> s = screen_fhir(request, on="2027-01-16", patient=Patient.example())
    >>> s.verdict, s.findings[0].text.split(" (")[0]
    ('not_screened', 'the order could not be read: MedicationRequest.dosageInstruction[0].doseAndRate[0].doseQuantity.code')
    """
    day = fin._on_date(on)
    reason = None if reason is None else checked_text(reason, "reason")  # the caller's own
    plain = history if history is not None and not _is_fhir(history) else None
    if plain is not None:
        cyclophosphamide_exposure(plain, on=day)  # a plain history's mistakes are the caller's
    if patient is not None and not isinstance(patient, Patient | Mapping | str) and not hasattr(
            patient, "model_dump"):
        raise InputRangeError(f"patient must be a plexodose.Patient, a FHIR Patient or its "
                              f"reference; got {type(patient).__name__}", field="patient",
                              value=patient)
    name = "MedicationRequest"
    try:
        entries = fin._resources(given, "order")
        found = [e for e in entries if e.resource.get("resourceType") == "MedicationRequest"]
        if len(found) == 1:
            name = found[0].name
        read = order_from_fhir(entries_bundle(entries), patient=patient,
                               observations=observations, on=day, reason=reason)
        if read.patient is None:
            raise MissingInputError("no patient: give patient= (a plexodose.Patient, or the FHIR "
                                    "Patient with its Observations)", field="patient")
    except PlexodoseError as exc:
        return _unread(exc, name, day, reason)
    records = [e for e in entries if e.resource.get("resourceType") in _ADMINISTRATIONS]
    patients = [e for e in entries if e.resource.get("resourceType") == "Patient"]
    problem: PlexodoseError | None = None
    exposure: Exposure | None = None
    try:
        whose = patient if patient is not None and not isinstance(patient, Patient) else (
            entries_bundle(patients) if len(patients) == 1 else read.subject)
        exposure = _exposure(records, None if plain is not None else history,
                             prior_cyclophosphamide, plain, day, whose)
    except PlexodoseError as exc:
        if exc.field == "prior_cyclophosphamide":
            raise
        problem = exc
    screening = screen(read.order, read.patient, on=day, prior_cyclophosphamide=exposure,
                       allopurinol=allopurinol, last_pulse=last_pulse,
                       last_raised=last_raised, labs=labs)
    findings = screening.findings
    if problem is not None and read.order.drug.startswith("cyclophosphamide"):
        findings += (OrderFinding(dimension="cumulative", category="not_screened",
                                  text=f"the record of past administrations could not be "
                                  f"read: {_with_path(problem)}", source=table.CUMULATIVE_UNKNOWN),)
    return attrs.evolve(screening, findings=findings, verdict=overall(findings),
                        not_checked=screening.not_checked + read.notes)


def entries_bundle(entries: list[fin._Entry]) -> dict[str, Any]:
    """The resources read, as one collection Bundle (their fullUrls kept)."""
    return {"resourceType": "Bundle", "type": "collection", "entry": [
        {"resource": e.resource} | ({"fullUrl": e.full_url} if e.full_url else {})
        for e in entries]}


def _is_fhir(given: Any) -> bool:
    """FHIR resources (a resource, a Bundle, or a list of them), not (date, drug, amount)."""
    items = given if isinstance(given, list | tuple) else [given]
    return all((isinstance(i, Mapping) and "resourceType" in i) or hasattr(i, "model_dump")
               or isinstance(i, list) for i in items) and bool(items)


def _exposure(records: list[fin._Entry], history: Any, prior: Any, plain: Any, day: dt.date,
              whose: Any) -> Exposure | None:
    """The exposure before the order: ``prior`` and a ``plain`` history as screen() reads
    them, plus the FHIR record (``records`` in what was screened, and a FHIR ``history``)."""
    given = exposure_of(prior, plain, day) if prior is not None or plain is not None else None
    if not records and history is None:
        return given
    record = [entries_bundle(records)] + ([] if history is None else [history])
    found = exposure_from_fhir(record, on=day, patient=whose)
    if given is None or not given.known:
        return found
    return attrs.evolve(found, total_g=given.total_g + found.total_g,
                        text=f"{given.text} plus {found.text}")


def _with_path(exc: PlexodoseError) -> str:
    text = str(exc)
    return text if exc.field is None or exc.field in text else f"{exc.field}: {text}"


def _unread(exc: PlexodoseError, name: str, day: dt.date, reason: Any) -> Screening:
    field = exc.field or ""
    dimension: Dimension = "per_dose"
    if ".timing" in field:
        dimension = "course" if ".bounds" in field or field.endswith((".count", ".countMax")) \
            else "frequency"
    elif not field.startswith(("MedicationRequest", "Medication", "medication", "order")):
        dimension = "per_day"  # the patient's values, as screen() reports them
    what = "the patient's values" if dimension == "per_day" else "the order"
    finding = OrderFinding(dimension=dimension, category="not_screened",
                           text=f"{what} could not be read: {_with_path(exc)}",
                           source=table.SCREENING)
    shown = reason if isinstance(reason, str) else None
    return Screening(order=UnreadOrder(request=name, reason=shown), on=day,
                     verdict="not_screened", findings=(finding,), reason=shown)


# -- cumulative cyclophosphamide from the record ---------------------------------------------

_ADMINISTRATIONS = ("MedicationAdministration", "MedicationStatement")
_NOT_GIVEN = {
    "MedicationAdministration": ("not-done", "entered-in-error"),
    "MedicationStatement": ("not-taken", "entered-in-error", "intended"),
}


def exposure_from_fhir(resources: Any, *, on: Any, patient: Any = None) -> Exposure:
    """Total cyclophosphamide (oral and IV) in the MedicationAdministrations and
    MedicationStatements of ``resources`` up to ``on``, through
    :func:`plexodose.cyclophosphamide_exposure`.

    ``patient``: the FHIR Patient (or ``"Patient/p1"``) whose record this is; without it, every
    resource must name one and the same subject (a Patient among the resources is used). A
    resource of another subject, or dated after ``on``, is refused; an administration not done
    (or entered in error) is skipped; other drugs are skipped and counted. A
    MedicationStatement counts its dose over its ``effectivePeriod`` (both ends, counted; or
    ``timing.repeat.count`` doses). An administration that names no drug, or no amount, is
    refused: a record is never read as less than it says.

    >>> given = {"resourceType": "MedicationAdministration", "id": "a1", "status": "completed",
    ...     "medicationCodeableConcept": {"coding": [{
    ...         "system": "http://www.nlm.nih.gov/research/umls/rxnorm", "code": "3002"}]},
    ...     "subject": {"reference": "Patient/p1"}, "effectiveDateTime": "2026-01-05",
    ...     "dosage": {"dose": {"value": 1.4, "system": "http://unitsofmeasure.org",
    ...                         "code": "g"}}}
    >>> exposure_from_fhir([given], on="2026-03-01").total_g
    1.4
    """
    day = fin._on_date(on)
    entries = fin._resources(resources, "resources")
    who = _whose(entries, patient, day)
    subjects: dict[str, list[str]] = {}
    history: list[tuple[dt.date, str, str]] = []
    where: list[str] = []
    skipped = 0
    for entry in entries:
        kind = entry.resource.get("resourceType")
        if kind not in _ADMINISTRATIONS:
            continue
        refuse = _Refusal(entry.name)
        _record_subject(entry, kind, who, subjects, refuse)
        if entry.resource.get("status") in _NOT_GIVEN[kind]:
            skipped += 1
            continue
        taken = _administered(entry, kind, day, refuse)
        if taken is None:
            skipped += 1
            continue
        history.append(taken)
        where.append(entry.name)
    if who is None and len(subjects) > 1:
        raise InputRangeError(
            "the record names more than one subject (" + "; ".join(
                f"{s}: {', '.join(n[:3])}" for s, n in sorted(subjects.items()))
            + "): pass patient= to say whose record it is", field="subject",
            value=sorted(subjects))
    try:
        read = cyclophosphamide_exposure(history, on=day)
    except PlexodoseError as exc:  # name the resource, not the list index
        index = re.match(r"history\[(\d+)\]", exc.field or "")
        if index is None:
            raise
        raise type(exc)(f"{where[int(index.group(1))]}: {exc}",
                        field=where[int(index.group(1))], value=exc.value) from exc
    shown = f"{len(history)} administration{'s' if len(history) != 1 else ''} in the FHIR record"
    return attrs.evolve(read, text=shown, skipped=read.skipped + skipped)


def _whose(entries: list[fin._Entry], patient: Any, day: dt.date) -> fin._Who | None:
    if patient is not None:
        who, _ = fin._the_patient(patient, "patient", day)
        return who
    patients = [e for e in entries if e.resource.get("resourceType") == "Patient"]
    if len(patients) > 1:
        raise InputRangeError(f"{len(patients)} FHIR Patients in the record: pass patient= to "
                              "say whose record it is", field="patient", value=None)
    return fin._who(patients[0], day) if patients else None


def _record_subject(entry: fin._Entry, kind: str, who: fin._Who | None,
                    subjects: dict[str, list[str]], refuse: _Refusal) -> None:
    path = f"{kind}.subject"
    subject = entry.resource.get("subject")
    ref = subject.get("reference") if isinstance(subject, dict) else None
    if not isinstance(ref, str) or not ref.strip() or len(ref) > fin._MAX_URL:
        raise refuse(path, f"no subject.reference, so it cannot be shown to be "
                     f"{who or 'the patient'}'s", subject)
    base = fin._base(entry.full_url)
    if who is not None:
        if not who.owns(ref, base):
            raise refuse(path, f"{safe_repr(ref, 80)} is not the patient ({who}): another "
                         "patient's administration is never counted", ref)
        return
    if not fin._REFERENCE.fullmatch(ref) or ref.startswith("urn:"):
        raise refuse(path, f"{safe_repr(ref, 80)} is not a reference to a Patient plexodose can "
                     "compare; pass patient=", ref)
    key = base + ref if base is not None and not fin._is_absolute(ref) else ref
    subjects.setdefault(key, []).append(entry.name)


def _administered(entry: fin._Entry, kind: str, day: dt.date,
                  refuse: _Refusal) -> tuple[dt.date, str, str] | None:
    """(date, drug, amount) of cyclophosphamide given, or None for another drug."""
    resource = entry.resource
    concept = resource.get("medicationCodeableConcept")
    path = f"{kind}.medicationCodeableConcept"
    if concept is None and resource.get("medicationReference") is not None:
        path = f"{kind}.medicationReference"
        concept = _referenced_medication(resource, [entry], refuse, path)
    if concept is None:
        raise refuse(f"{kind}.medication[x]", "no medication: which drug was given?")
    try:
        name, _ = _drug_in(concept, path, refuse)
    except PlexodoseError as exc:
        if "names no drug" in str(exc) and _has_words(concept):
            return None  # a drug plexodose does not screen: another drug
        raise
    if name != "cyclophosphamide":
        return None
    when = _when(resource, kind, day, refuse)
    if kind == "MedicationAdministration":
        mg, route = _administered_mg(resource, refuse)
    else:
        mg, route = _stated_mg(resource, refuse, when)
    drug = "cyclophosphamide" if route is None else f"cyclophosphamide_{route}"
    if mg / 1000 > MAX_TOTAL_G:
        raise refuse(f"{kind}.dosage", f"{fmt.number(mg / 1000)} g of cyclophosphamide: above "
                     f"the plausible {fmt.number(MAX_TOTAL_G)} g", mg)
    return when[1], drug, f"{_text_number(mg)} mg"


def _has_words(concept: Any) -> bool:
    coding = concept.get("coding") if isinstance(concept, dict) else None
    words = [c.get("display") for c in coding or [] if isinstance(c, dict)]
    words.append(concept.get("text") if isinstance(concept, dict) else None)
    return any(isinstance(w, str) and w.strip() for w in words)


def _when(resource: dict[str, Any], kind: str, day: dt.date,
          refuse: _Refusal) -> tuple[dt.date | None, dt.date]:
    """(first day, last day) of ``effective[x]``; the last may not be after ``day``."""
    first: dt.date | None
    if resource.get("effectiveDateTime") is not None:
        path = f"{kind}.effectiveDateTime"
        text = fin._text_time(resource["effectiveDateTime"], path)
        first, last = fin._day(text, path, first=True), fin._day(text, path)
    elif isinstance(resource.get("effectivePeriod"), dict):
        path = f"{kind}.effectivePeriod"
        period = resource["effectivePeriod"]
        if period.get("start") is None and period.get("end") is None:
            raise refuse(path, "a period without a start or an end", period)
        start = period.get("start")
        end = period.get("end")
        first = None if start is None else fin._day(
            fin._text_time(start, f"{path}.start"), f"{path}.start", first=True)
        if end is None:
            if kind == "MedicationStatement":
                raise refuse(f"{path}.end", "no end: how much was taken cannot be totalled "
                             "(give the end, or the MedicationAdministrations)", period)
            last = fin._day(fin._text_time(start, f"{path}.start"), f"{path}.start")
        else:
            last = fin._day(fin._text_time(end, f"{path}.end"), f"{path}.end")
            path = f"{path}.end"
        if first is not None and last < first:
            raise refuse(path, "the end is before the start", period)
    else:
        raise refuse(f"{kind}.effective[x]", "no date: it cannot be placed before or after the "
                     "decision", None)
    if last > day:
        raise refuse(path, f"dated {last.isoformat()}, after the decision date "
                     f"{day.isoformat()}: a future administration is not exposure", last)
    return first, last


def _administered_mg(resource: dict[str, Any], refuse: _Refusal) -> tuple[float, str | None]:
    dosage = resource.get("dosage")
    path = "MedicationAdministration.dosage"
    if not isinstance(dosage, dict) or dosage.get("dose") is None:
        raise refuse(f"{path}.dose", "no dose: how much was given?", dosage)
    value, unit = _quantity(dosage["dose"], f"{path}.dose", refuse)
    if unit not in ("mg", "g"):
        raise refuse(f"{path}.dose.code", f"{unit}: the amount given is a mass (mg or g), not "
                     "a dose per kg, m2 or day", unit, UnitError)
    return value * (1000.0 if unit == "g" else 1.0), _route(dosage.get("route"),
                                                           f"{path}.route", refuse)


def _stated_mg(resource: dict[str, Any], refuse: _Refusal,
               when: tuple[dt.date | None, dt.date]) -> tuple[float, str | None]:
    """What a MedicationStatement says was taken: ``count`` doses, one dose on one day, or the
    regimen over every day of ``effectivePeriod`` (both ends counted)."""
    dosages = resource.get("dosage")
    path = "MedicationStatement.dosage"
    if not isinstance(dosages, list) or len(dosages) != 1:
        raise refuse(path, "one dosage is needed to total what was taken",
                     None if not isinstance(dosages, list) else len(dosages))
    dosage = dosages[0]
    where = f"{path}[0]"
    if not isinstance(dosage, dict):
        raise refuse(where, "not a Dosage", dosage)
    route = _route(dosage.get("route"), f"{where}.route", refuse)
    notes: list[str] = []
    timing = _timing(dosage.get("timing"), f"{where}.timing", None, refuse, notes, {})
    q_path, amount, per_day = _dose(dosage, where, refuse, notes)
    number, unit = amount.split(" ", 1)
    if unit not in ("mg", "g", "mg/day", "g/day"):
        raise refuse(f"{q_path}.code", f"{unit}: a dose per kg or m2 cannot be totalled without "
                     "the weight or BSA of the day", unit, UnitError)
    base = float(number) * (1000.0 if unit.startswith("g") else 1.0)
    repeat = (dosage.get("timing") or {}).get("repeat") or {}
    count = repeat.get("countMax", repeat.get("count"))
    if count is not None:
        if per_day:
            raise refuse(f"{q_path}.code", "a daily amount with a count of doses: give the dose "
                         "of one administration", unit, UnitError)
        given = _number(count, f"{where}.timing.repeat.count", refuse)
        return base * given, route
    first, last = when
    regular = timing["times_per_day"] is not None or timing["every"] is not None
    if not regular and not per_day:
        if first == last:
            return base, route  # one dose on one day
        raise refuse(f"{where}.timing.repeat", "a dose over a period without its frequency: "
                     "give timing.repeat (frequency and period, or count)", None)
    if resource.get("effectivePeriod") is None or first is None:
        raise refuse("MedicationStatement.effectivePeriod", "a repeated dose needs the period "
                     "it was taken over (start and end), or timing.repeat.count", None)
    if timing["days_per_week"] != 7:
        raise refuse(f"{where}.timing.repeat.dayOfWeek", "days of the week over a period: give "
                     "timing.repeat.count (the doses taken)", None)
    span = (last - first).days + 1
    if timing["every"] is not None:
        return base * (int((span - 1) // timing["every"]) + 1), route
    return base * (1 if per_day else timing["times_per_day"]) * span, route


# -- writing ---------------------------------------------------------------------------------


def order_to_fhir(order: Any, *, subject: Any = None) -> dict[str, Any]:
    """A MedicationRequest for ``order`` that :func:`order_from_fhir` reads back as an order
    that screens the same (intent ``order``, status ``active``; ``subject`` a FHIR Reference,
    else a display only). A prescriber's ``reason`` is not written: FHIR has no element for it,
    and the reader never takes a note as one. An order one FHIR Timing cannot say (a regimen
    every so many days with a course length or several doses a day) is refused.

    >>> from plexodose import Order
    >>> mr = order_to_fhir(Order(drug="mycophenolate", dose="1 g/day", times_per_day=2))
    >>> mr["dosageInstruction"][0]["doseAndRate"][0]["doseQuantity"]["code"]
    'mg/d'
    """
    if not isinstance(order, Order):
        raise InputRangeError(f"order must be a plexodose.Order; got {type(order).__name__}",
                              field="order", value=order)
    who = identity.subject(subject)
    pulse = order.drug == "cyclophosphamide_iv"
    if (order.interval_days is not None or pulse) and (order.days is not None or (
            order.times_per_day or 1) != 1 or order.days_per_week != 7):
        raise InputRangeError(
            f"{order.text}: a regimen every so many days (or an IV pulse) with a course length, "
            "several doses a day or days of the week is not one FHIR Timing", field="order",
            value=order.text)
    name = SCHEDULE_NAMES[order.drug]
    code = codes.MEDICATIONS.get(name)
    text = medication_text(name) if order.product is None else f"{name} ({order.product})"
    medication: dict[str, Any] = {"text": text}
    if code is not None:
        medication = {"coding": [code.coding()], "text": text}
    unit = {"mg": "mg", "mg/kg": "mg/kg", "mg/m2": "mg/m2"}[order.basis] + (
        "/d" if order.per == "day" else "")
    amount = order.amount
    if order.drug == "ivig" and order.basis == "mg":  # IVIg in grams, as its plan's FHIR
        amount, unit = amount / 1000, "g" + unit[2:]
    repeat: dict[str, Any] = {}
    if order.interval_days is not None:
        repeat = {"frequency": 1, "period": order.interval_days, "periodUnit": "d"}
    elif order.times_per_day is not None and not pulse:  # "1 per 1 d" would be daily pulses
        repeat = {"frequency": order.times_per_day, "period": 1, "periodUnit": "d"}
    if order.days_per_week != 7:
        repeat["dayOfWeek"] = list(_WEEKDAYS[: order.days_per_week])
    if order.days is not None:
        repeat["boundsDuration"] = {"value": order.days, "unit": "d", "system": codes.UCUM,
                                    "code": "d"}
    way = codes.ROUTES["oral" if order.route == "oral" else "IV"]
    dosage: dict[str, Any] = {
        "text": order.text,
        "route": {"coding": [way.coding()], "text": way.display},
        "doseAndRate": [{"doseQuantity": {"value": amount, "unit": unit,
                                          "system": codes.UCUM, "code": unit}}],
    }
    if repeat:
        dosage["timing"] = {"repeat": repeat}
    resource = {
        "resourceType": "MedicationRequest",
        "status": "active",
        "intent": "order",
        "medicationCodeableConcept": medication,
        "subject": {"display": "the patient"} if who is None else who.as_reference(),
        "dosageInstruction": [dosage],
    }
    cleaned: dict[str, Any] = _clean(resource)
    return cleaned


def detected_issues(
    screening: Any,
    order_reference: Any = None,
    *,
    patient: Any = None,
    namespace: Any = None,
) -> dict[str, Any]:
    """A FHIR R4 ``collection`` Bundle of one DetectedIssue per finding that matters.

    Each: ``status`` final; ``code`` the HL7 v3 ActCode of the finding (none for "not
    screened"), with the category in words; ``severity`` high (above an absolute limit),
    moderate (above the range, not screened) or low (below, a warning); ``implicated`` the
    order (``order_reference``: ``"MedicationRequest/mr1"`` or a Reference dict); ``detail``
    the order and the finding; ``evidence[0].detail[0].display`` the rule, its id and its source;
    ``identifiedDateTime`` the screening date; a ``mitigation`` quoting the prescriber's reason
    when an above-range order carries one. ``patient``: a FHIR Reference to the patient (it
    also makes the ids stable, as ``namespace`` does; with neither they are random).
    """
    if not isinstance(screening, Screening):
        raise InputRangeError(f"screening must be a plexodose.Screening; got "
                              f"{type(screening).__name__}", field="screening", value=screening)
    implicated = _implicated(order_reference)
    who = identity.subject(patient)
    if who is not None and (who.type == "Group" or re.search(r"(?:^|/)Group/",
                                                                 who.reference or "")):
        raise InputRangeError("patient: a DetectedIssue's patient is a Patient, not a Group",
                              field="patient", value=patient)
    issues = [_issue(f, screening, implicated, who) for f in screening.findings if f.matters]
    issues = [_clean(i) for i in issues]
    content = identity.digest([screening.on.isoformat(),
                               *(json.dumps(i, sort_keys=True) for i in issues)])
    mint = identity.Minter(identity.namespace_for(who, namespace), content)
    entries = []
    for index, issue in enumerate(issues):
        rid = mint(index)
        entries.append({"fullUrl": f"urn:uuid:{rid}", "resource": {
            "resourceType": "DetectedIssue", "id": rid,
            "identifier": [{"system": URI, "value": f"urn:uuid:{rid}"}], **issue}})
    bundle_id = mint("bundle")
    bundle: dict[str, Any] = {
        "resourceType": "Bundle", "id": bundle_id, "meta": {"tag": _tags()},
        "identifier": {"system": URI, "value": f"urn:uuid:{bundle_id}"},
        "type": "collection",
    }
    if entries:
        bundle["entry"] = entries
    return bundle


_REFERENCE = re.compile(r"(?:https?://\S+/)?[A-Z][A-Za-z]{1,63}/[A-Za-z0-9\-.]{1,64}"
                        r"(?:/_history/[A-Za-z0-9\-.]{1,64})?|urn:uuid:[0-9a-fA-F\-]{36}")


def _implicated(value: Any) -> dict[str, Any] | None:
    if value is None:
        return None
    ref = value.get("reference") if isinstance(value, dict) else value
    extra = sorted(str(k) for k in value if k not in ("reference", "display", "type")) if (
        isinstance(value, dict)) else []
    if (not isinstance(ref, str) or len(ref) > fin._MAX_URL or not _REFERENCE.fullmatch(ref)
            or extra):
        raise InputRangeError(
            "order_reference must be a reference to the order, such as 'MedicationRequest/mr1' "
            f"or {{'reference': 'MedicationRequest/mr1'}}; got {safe_repr(value, 80)}",
            field="order_reference", value=value)
    out: dict[str, Any] = {"reference": ref}
    if isinstance(value, dict):
        out |= {k: v for k, v in value.items() if k in ("display", "type") and isinstance(v, str)}
    return out


def _issue(finding: OrderFinding, screening: Screening, implicated: dict[str, Any] | None,
           who: identity.Subject | None) -> dict[str, Any]:
    category = finding.category
    code = None if category == "not_screened" else finding.code
    words = WORDS[category] + (" (a warning)" if finding.warning else "")
    concept: dict[str, Any] = {"text": f"{finding.dimension.replace('_', ' ')}: {words}"}
    if code in ACT_DISPLAYS:
        concept = {"coding": [{"system": ACT_CODE, "code": code,
                               "display": ACT_DISPLAYS[code]}], **concept}
    source = finding.source
    rule = f"rule {finding.rule_id}: " if finding.rule_id else "rule: "
    issue: dict[str, Any] = {
        "status": "final",
        "code": concept,
        "severity": SEVERITY[category],
    }
    if who is not None:
        issue["patient"] = who.as_reference()
    issue["identifiedDateTime"] = screening.on.isoformat()
    if implicated is not None:
        issue["implicated"] = [dict(implicated)]
    issue["evidence"] = [{"detail": [{"display": f"{rule}{source.rule} (source [{source.tag}] "
                                                 f"{source.reference})"}]}]
    issue["detail"] = f"{screening.order.text}: {finding.text}"
    if category == "above_soft" and screening.reason is not None:
        issue["mitigation"] = [{"action": {
            "text": f"accepted on the prescriber's stated reason: {screening.reason}"}}]
    return issue


__all__ = [
    "ACT_DISPLAYS",
    "DOSE_UNITS",
    "FhirOrder",
    "UnreadOrder",
    "detected_issues",
    "exposure_from_fhir",
    "order_from_fhir",
    "order_to_fhir",
    "screen_fhir",
]
