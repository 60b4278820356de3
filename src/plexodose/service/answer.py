"""Answering a hook: the patient's data (prefetched, or read from ``fhirServer``), each draft
order of a drug plexodose knows screened (order-sign) or dosed (order-select), the cards.

The data: the prefetch keys of :data:`hooks.PREFETCH` the EHR sent (``null``: it has none),
the others read from the request's FHIR server when it gave one with a token. Without the
Patient or the weight the answer is 412 (CDS Hooks: the service could not obtain the data it
needs); any other key missing is named on the cards and its rule "not checked". The record of
cyclophosphamide administrations counts only when it is whole (a ``next`` page left unread makes
the cumulative dose "not known", never less than it is).

Each order goes through the FHIR order reader (:func:`plexodose._interop.fhir_orders.screen_fhir`):
a request it cannot read, another patient's, or a patient whose values cannot be used is "not
screened" with the reason and the FHIR path. Above the range, the suggestion rewrites the draft
to the patient's dose; it is offered only when the rewritten order, read back by the same reader,
screens "within".
"""

from __future__ import annotations

import copy
import datetime as dt
import math
import re
from collections.abc import Callable
from typing import Any

import attrs
import httpx

from plexodose._core import format as fmt
from plexodose._core.errors import PlexodoseError
from plexodose._dosing.products import CATALOGUE
from plexodose._interop import codes
from plexodose._interop import fhir_orders as orders
from plexodose._interop.fhir_in import read_fhir
from plexodose._monitoring.review import PRE_PULSE_DAYS
from plexodose._patient.patient import Patient
from plexodose._screening import table
from plexodose._screening.exposure import Exposure
from plexodose._screening.order import Order
from plexodose._screening.screen import PROTOCOL_TIMES, screen
from plexodose._screening.verdict import Dimension, OrderFinding, Screening, overall
from plexodose.service import cards, hooks
from plexodose.service.config import Config
from plexodose.service.fetch import FetchError, FhirClient, read_all
from plexodose.service.shapes import BadInput, Precondition

UCUM = codes.UCUM
OBSERVATION_KEYS = ("weight", "height", "creatinine", "tpmt", "labs")
_WORDS = re.compile(r"azathioprine|cyclophosphamide|c[iy]closporin|mycophenol|\bivig\b|\bigiv\b|"
                    r"immune globulin|immunoglobulin")
_OUR_CODES = {c.code for c in codes.MEDICATIONS.values()}
_ORAL, _IV = codes.ROUTES["oral"].code, codes.ROUTES["IV"].code
_EVERY = ("ivig", "azathioprine", "cyclophosphamide_oral", "cyclophosphamide_iv", "ciclosporin",
          "mycophenolate")
NEEDED_BY: dict[str, tuple[str, ...]] = {  # prefetch key -> the drugs whose rules read it
    "patient": _EVERY, "weight": _EVERY, "creatinine": _EVERY,
    "height": ("ivig", "cyclophosphamide_iv"), "tpmt": ("azathioprine",),
    "labs": ("cyclophosphamide_iv",),
    "cyclophosphamide": ("cyclophosphamide_oral", "cyclophosphamide_iv"),
}
ALLOPURINOL_NOTE = ("allopurinol: not read from the record, so azathioprine is judged as without "
                    "it (with allopurinol the range is a quarter to a third)")


@attrs.frozen
class Data:
    """What the service has of the patient for one request, read once."""

    fhir_patient: dict[str, Any] | str
    """The Patient resource, or its reference when the EHR has none to send."""
    observations: dict[str, Any]
    """One collection Bundle of the Observations of every key (each once)."""
    patient: Patient | None
    problem: str | None
    """Why the patient's values cannot be used (no weight, a stale or conflicting value)."""
    lab_days: tuple[Any, ...]
    exposure: Exposure | None
    exposure_problem: str | None
    notes: tuple[tuple[str, str], ...]
    """(prefetch key, what the service could not use): shown on the orders it matters to."""


async def respond(call: hooks.HookCall, config: Config, client: httpx.AsyncClient,
                  today: dt.date | None = None) -> tuple[dict[str, Any], dict[str, Any]]:
    """(the CDS Hooks response, what the log line may say: counts and verdicts only)."""
    day = today or dt.date.today()
    ours = [request for _, request in call.orders if names_our_drug(request, call.medications)]
    if not ours:
        return {"cards": []}, {"orders": 0, "cards": 0}
    data = await gather(call, config, client, day)
    made: list[dict[str, Any]] = []
    verdicts: list[str] = []
    for request in ours:
        found, verdict = _order_cards(call, data, request, day)
        made += found
        verdicts.append(verdict)
    return {"cards": made}, {"orders": len(ours), "cards": len(made),
                             "verdicts": ",".join(verdicts)}


def names_our_drug(request: dict[str, Any], medications: tuple[dict[str, Any], ...]) -> bool:
    """The request names a drug plexodose knows (by RxNorm code or words): an order of another
    drug gets no card. Whether it can be read is the reader's to say."""
    concept = _concept(request, medications)
    if concept is None:
        return False
    words = [concept.get("text")] + [c.get("display") for c in concept.get("coding") or []
                                     if isinstance(c, dict)]
    for coding in concept.get("coding") or []:
        if isinstance(coding, dict) and coding.get("system") == codes.RXNORM and \
                coding.get("code") in _OUR_CODES:
            return True
    low = " ".join(w.lower() for w in words if isinstance(w, str))
    return bool(_WORDS.search(low)) or any(p.lower() in low for p in CATALOGUE.names())


def _concept(request: dict[str, Any], medications: tuple[dict[str, Any], ...]
             ) -> dict[str, Any] | None:
    """The medication's CodeableConcept: the request's own, or its Medication's code."""
    concept = request.get("medicationCodeableConcept")
    reference = request.get("medicationReference")
    if concept is None and isinstance(reference, dict):
        ref = reference.get("reference")
        pool = list(request.get("contained") or []) if str(ref).startswith("#") else medications
        for medication in pool:
            if isinstance(medication, dict) and medication.get("resourceType") == "Medication" \
                    and ref in (f"#{medication.get('id')}", f"Medication/{medication.get('id')}"):
                concept = medication.get("code")
    return concept if isinstance(concept, dict) else None


async def gather(call: hooks.HookCall, config: Config, client: httpx.AsyncClient,
                 day: dt.date) -> Data:
    """The patient's data: prefetched, else read from ``fhirServer`` (412 without the Patient
    or the weight)."""
    have: dict[str, Any] = dict(call.prefetch)
    whole = {key: _whole(value) for key, value in have.items()}
    failed: dict[str, str] = {}
    missing = [key for key in hooks.PREFETCH if key not in have]
    if missing and call.fhir_server is not None and call.fhir_token is not None:
        fhir = FhirClient(client, config, call.fhir_server, call.fhir_token)
        queries = {key: hooks.PREFETCH[key].replace(hooks.PATIENT, call.patient_id)
                   for key in missing}
        for key, got in (await read_all(fhir, queries, config.fhir_total_timeout_seconds)).items():
            if isinstance(got, FetchError):
                failed[key] = str(got)
                continue
            value, complete = got
            try:
                have[key] = None if value is None else hooks.checked(
                    key, value, call.patient_id, f"fhirServer {key}")
            except BadInput as exc:
                failed[key] = f"{key}: the FHIR server's answer does not validate at {exc.path}"
                continue
            whole[key] = complete and _whole(value)
    for key in hooks.REQUIRED:
        if key not in have:
            why = failed.get(key, "not prefetched, and no fhirServer with fhirAuthorization")
            raise Precondition(f"the {key} is needed: {why}", f"prefetch.{key}")
    notes = [(key, f"{key}: {failed.get(key, 'not prefetched and not read')}: not used")
             for key in hooks.PREFETCH if key not in have]
    fhir_patient = have["patient"] or f"Patient/{call.patient_id}"
    observations = _observations(have)
    exposure, exposure_problem = _exposure(have, whole, fhir_patient, day, notes)
    patient: Patient | None = None
    problem: str | None = None
    lab_days: tuple[Any, ...] = ()
    try:
        reading = read_fhir(fhir_patient, observations, on=day)
        patient = reading.patient()
    except PlexodoseError as exc:
        problem = str(exc)
    else:
        try:
            lab_days = reading.lab_history()
        except PlexodoseError as exc:
            notes.append(("labs", f"labs: could not be read ({exc}): not used"))
    return Data(fhir_patient=fhir_patient, observations=observations, patient=patient,
                problem=problem, lab_days=lab_days, exposure=exposure,
                exposure_problem=exposure_problem, notes=tuple(notes))


def _whole(value: Any) -> bool:
    return not (isinstance(value, dict) and any(
        isinstance(link, dict) and link.get("relation") == "next"
        for link in value.get("link") or []))


def _observations(have: dict[str, Any]) -> dict[str, Any]:
    """The Observations of every key in one Bundle, each resource once (a creatinine may come
    with the labs too)."""
    seen: dict[str, dict[str, Any]] = {}
    loose: list[dict[str, Any]] = []
    for key in OBSERVATION_KEYS:
        value = have.get(key)
        if value is None:
            continue
        resources = [e.get("resource") for e in value.get("entry") or []] if \
            value.get("resourceType") == "Bundle" else [value]
        for resource in resources:
            if not isinstance(resource, dict) or resource.get("resourceType") != "Observation":
                continue
            rid = resource.get("id")
            if isinstance(rid, str):
                seen.setdefault(rid, resource)
            else:
                loose.append(resource)
    return {"resourceType": "Bundle", "type": "collection",
            "entry": [{"resource": r} for r in [*seen.values(), *loose]]}


def _exposure(have: dict[str, Any], whole: dict[str, bool], patient: Any, day: dt.date,
              notes: list[tuple[str, str]]) -> tuple[Exposure | None, str | None]:
    """The cumulative cyclophosphamide of the record: None (not known) when the record was not
    had or not whole; an EHR with no administration to send has a record of none."""
    key = "cyclophosphamide"
    if key not in have:
        return None, None
    if not whole.get(key, True):
        notes.append((key, "cyclophosphamide: the record has more pages than were read, so the "
                      "cumulative dose is not known (never counted as less than it is)"))
        return None, None
    record = have[key] or {"resourceType": "Bundle", "type": "searchset", "entry": []}
    try:
        return orders.exposure_from_fhir(record, on=day, patient=patient), None
    except PlexodoseError as exc:
        return None, str(exc)


def _order_cards(call: hooks.HookCall, data: Data, request: dict[str, Any], day: dt.date) -> tuple[list[dict[str, Any]], str]:
    ref = f"MedicationRequest/{request.get('id', '(no id)')}"
    name = _name(request, call.medications)
    read = _read(_bundle(request, call.medications))
    if not _subject_is(request, call):
        why = (f"its subject is not the patient in context (Patient/{call.patient_id}): "
               "another patient's order is never screened for this one")
        return _unread(ref, name, "per_dose", why, day, []), "not_screened"
    if data.patient is None:
        return _unread(ref, name, "per_day", "the patient's values could not be used: "
                       f"{data.problem}", day, []), "not_screened"
    drug = None if isinstance(read, PlexodoseError) else read.order.drug
    notes = [text for key, text in data.notes if drug is None or drug in NEEDED_BY[key]]
    if drug == "azathioprine":
        notes.append(ALLOPURINOL_NOTE)
    labs = _labs(data, day, notes) if drug == "cyclophosphamide_iv" else None
    last = _last_pulse(data.exposure) if drug == "cyclophosphamide_iv" else None
    made: list[dict[str, Any]] = []
    if call.service.hook == "order-select":
        made += _calculated(data, request, read, notes, ref, labs, last, name, call.medications,
                            day)
        if not _has_dose(request):
            return made, "dosed"
    if isinstance(read, PlexodoseError):
        dimension: Dimension = "frequency" if ".timing" in (read.field or "") else "per_dose"
        return made + _unread(ref, name, dimension, f"the order could not be read: {read}", day,
                              notes), "not_screened"
    s = _screen(read, data, day, labs, last)
    suggestion = _suggestion(s, request, data, day, labs, last)
    made += cards.screening_cards(s, request=ref, suggestion=suggestion, notes=notes,
                                  show_within=call.show_within and call.service.hook ==
                                  "order-sign", name=name)
    return made, s.verdict


def _unread(ref: str, name: str, dimension: Dimension, why: str, day: dt.date,
            notes: list[str]) -> list[dict[str, Any]]:
    """The card of an order that could not be screened, saying why (never silence)."""
    finding = OrderFinding(dimension=dimension, category="not_screened", text=why,
                           source=table.SCREENING)
    s = Screening(order=orders.UnreadOrder(request=ref), on=day, verdict="not_screened",
                  findings=(finding,))
    return cards.screening_cards(s, request=ref, suggestion=None, notes=notes,
                                 show_within=False, name=name)


def _name(request: dict[str, Any], medications: tuple[dict[str, Any], ...]) -> str:
    """The medication's own words for a card, when the order could not be read."""
    concept = _concept(request, medications) or {}
    words = concept.get("text") or next((c.get("display") for c in concept.get("coding") or []
                                         if isinstance(c, dict) and c.get("display")), None)
    return f"{str(words)[:60]} order" if isinstance(words, str) else "This order"


def _subject_is(request: dict[str, Any], call: hooks.HookCall) -> bool:
    """The request's subject is the patient in context, exactly (relative, or absolute on the
    request's FHIR server)."""
    subject = request.get("subject") or {}
    ref = subject.get("reference") if isinstance(subject, dict) else None
    own = f"Patient/{call.patient_id}"
    return ref == own or (call.fhir_server is not None
                          and ref == f"{call.fhir_server.rstrip('/')}/{own}")


def _bundle(request: dict[str, Any], medications: tuple[dict[str, Any], ...]) -> dict[str, Any]:
    return {"resourceType": "Bundle", "type": "collection",
            "entry": [{"resource": request}, *({"resource": m} for m in medications)]}


def _read(bundle: dict[str, Any]) -> Any:
    """The order of the request (an ``orders.FhirOrder``), or the reader's refusal."""
    try:
        return orders.order_from_fhir(bundle)
    except PlexodoseError as exc:
        return exc


def _screen(read: Any, data: Data, day: dt.date, labs: Any, last: str | None) -> Screening:
    """The screen of a read order for the patient read once, with the reader's notes among
    what was not checked, and the cumulative dose "not screened" when the record was
    unreadable."""
    s = screen(read.order, data.patient, on=day, prior_cyclophosphamide=data.exposure,
               labs=labs, last_pulse=last)
    s = attrs.evolve(s, not_checked=s.not_checked + tuple(read.notes))
    if data.exposure_problem is not None and read.order.drug.startswith("cyclophosphamide"):
        found = (*s.findings, OrderFinding(
            dimension="cumulative", category="not_screened",
            text="the record of past administrations could not be read: "
                 f"{data.exposure_problem}", source=table.CUMULATIVE_UNKNOWN))
        s = attrs.evolve(s, findings=found, verdict=overall(found))
    return s


def _has_dose(request: dict[str, Any]) -> bool:
    dosages = request.get("dosageInstruction") or []
    return bool(dosages) and bool(dosages[0].get("doseAndRate"))


def _labs(data: Data, day: dt.date, notes: list[str]) -> Any:
    """The latest sampling day's labs when taken within the pre-pulse window before ``day``
    (Michigan: within 1 week of the infusion); older ones are not used, and said so."""
    if not data.lab_days:
        return None
    latest = data.lab_days[-1]
    if (day - latest.date).days > PRE_PULSE_DAYS:
        notes.append(f"the latest labs ({latest.date.isoformat()}) are older than "
                     f"{PRE_PULSE_DAYS} days before the pulse: not used as pre-pulse labs "
                     "(Michigan protocol: within 1 week of the infusion)")
        return None
    return latest


def _last_pulse(exposure: Exposure | None) -> str | None:
    if exposure is None:
        return None
    pulses = [a for a in exposure.administrations if a.drug == "cyclophosphamide_iv"]
    if not pulses:
        return None
    last = max(pulses, key=lambda a: a.date)
    return f"{last.amount_mg!r} mg"


# -- suggestions: the draft rewritten to the patient's dose, offered only if it screens within --


def _suggestion(s: Screening, request: dict[str, Any], data: Data, day: dt.date, labs: Any,
                last: str | None) -> dict[str, Any] | None:
    if s.suggested_mg is None or not s.verdict.startswith("above"):
        return None
    drug = s.order.drug
    times = PROTOCOL_TIMES[drug]
    per_dose = s.suggested_mg / (1 if drug in ("ivig", "cyclophosphamide_iv") else times)
    if drug == "cyclophosphamide_iv":
        per_dose = float(math.floor(per_dose))  # a pulse rounded down: never above its range
    rewritten = with_dose(request, drug, per_dose,
                          None if drug in ("ivig", "cyclophosphamide_iv") else times)
    return _verified(rewritten, request, data, day, labs, last,
                     lambda words: f"Change to {words}",
                     "the patient's dose by plexodose's rules (the order as written is above "
                     "the range)")


def _verified(rewritten: dict[str, Any], request: dict[str, Any], data: Data, day: dt.date,
              labs: Any, last: str | None, label: Callable[[str], str], why: str
              ) -> dict[str, Any] | None:
    read = _read(_bundle(rewritten, ()))
    if isinstance(read, PlexodoseError):
        return None
    again = _screen(read, data, day, labs, last)
    if again.verdict != "within":
        return None
    words = cards.dose_words(again.order)
    return cards.suggestion(label(words), f"Update the draft order to {words}: {why}",
                            rewritten)


def with_dose(request: dict[str, Any], drug: str, per_dose_mg: float, times: int | None,
              *, interval_days: float | None = None, days: int | None = None) -> dict[str, Any]:
    """A copy of the draft ``request`` with one dosage instruction of ``per_dose_mg`` (IVIg in
    g), ``times`` a day for a daily drug, and for a new timing the interval between pulses or
    the course length; the rest of the order (route, bounds, notes) is kept."""
    made: dict[str, Any] = _copy(request)
    dosages = made.get("dosageInstruction") or [{}]
    dosage = dict(dosages[0])
    quantity = ({"value": _value(per_dose_mg / 1000), "unit": "g", "system": UCUM, "code": "g"}
                if drug == "ivig" else
                {"value": _value(per_dose_mg), "unit": "mg", "system": UCUM, "code": "mg"})
    first = dict((dosage.get("doseAndRate") or [{}])[0])
    first.pop("doseRange", None)
    first["doseQuantity"] = quantity
    dosage["doseAndRate"] = [first]
    timing = dict(dosage.get("timing") or {})
    repeat = dict(timing.get("repeat") or {})
    if times is not None:
        for key in ("frequencyMax", "period", "periodMax", "periodUnit", "dayOfWeek",
                    "timeOfDay", "when"):
            repeat.pop(key, None)
        repeat.update(frequency=times, period=1, periodUnit="d")
    elif interval_days is not None:
        weeks = interval_days / 7
        repeat.update(frequency=1, period=_value(weeks) if weeks == int(weeks) else
                      _value(interval_days), periodUnit="wk" if weeks == int(weeks) else "d")
    elif drug == "ivig" and not repeat:
        repeat.update(frequency=1, period=1, periodUnit="d")
    if days is not None and not any(k in repeat for k in ("boundsDuration", "boundsPeriod",
                                                          "count")):
        repeat["boundsDuration"] = {"value": days, "unit": "d", "system": UCUM, "code": "d"}
    if repeat:
        timing["repeat"] = repeat
        dosage["timing"] = timing
    dosage["text"] = _dosage_text(drug, per_dose_mg, times, interval_days, days)
    made["dosageInstruction"] = [dosage]
    return made


def _copy(value: Any) -> Any:
    """A deep copy of parsed JSON (plain dicts, lists and scalars) without ``copy.deepcopy``'s
    bookkeeping, about a third of its cost; anything else goes to ``copy.deepcopy``."""
    kind = type(value)
    if kind is dict:
        return {key: _copy(item) for key, item in value.items()}
    if kind is list:
        return [_copy(item) for item in value]
    if kind in (str, int, float, bool) or value is None:
        return value
    return copy.deepcopy(value)


def _value(number: float) -> float | int:
    rounded = round(number, 6)
    return int(rounded) if rounded == int(rounded) else rounded


def _dosage_text(drug: str, per_dose_mg: float, times: int | None, interval_days: float | None,
                 days: int | None) -> str:
    amount = fmt.mass_g(per_dose_mg / 1000, 3) if drug == "ivig" else fmt.mass_mg(per_dose_mg)
    parts = [amount]
    if times is not None:
        parts.append(cards.times_words(times))
    if interval_days is not None:
        parts.append(f"every {fmt.number(interval_days)} days")
    if days is not None:
        parts.append(f"for {days} day{'s' if days != 1 else ''}")
    return " ".join(parts)


# -- order-select: the patient's own dose -----------------------------------------------------


def _calculated(data: Data, request: dict[str, Any], read: Any, notes: list[str], ref: str,
                labs: Any, last: str | None, name: str, medications: tuple[dict[str, Any], ...],
                day: dt.date) -> list[dict[str, Any]]:
    """The calculator's dose for the drug being picked, with a suggestion to use it."""
    from plexodose._drugs.azathioprine import azathioprine
    from plexodose._drugs.ciclosporin import ciclosporin
    from plexodose._drugs.cyclophosphamide import cyclophosphamide_iv, cyclophosphamide_oral
    from plexodose._drugs.ivig import ivig
    from plexodose._drugs.mycophenolate import mycophenolate

    calculators: dict[str, Callable[[Any], Any]] = {
        "ivig": ivig, "azathioprine": azathioprine, "ciclosporin": ciclosporin,
        "cyclophosphamide_oral": cyclophosphamide_oral,
        "cyclophosphamide_iv": cyclophosphamide_iv, "mycophenolate": mycophenolate}
    if isinstance(read, PlexodoseError):
        drug, why = _drug_without_dose(request, medications)
        if drug is None:  # a dose written is screened after, with the reader's reason
            return [] if _has_dose(request) else _unread(ref, name, "per_dose", why, day, notes)
    else:
        drug = read.order.drug
    try:
        result = calculators[drug](data.patient)
    except PlexodoseError as exc:
        return [cards.calculator_refusal_card(drug, str(exc), request=ref)]
    order = Order.from_result(result)
    amount = float(math.floor(order.amount)) if drug == "cyclophosphamide_iv" else order.amount
    rewritten = with_dose(request, drug, amount,
                          None if drug in ("ivig", "cyclophosphamide_iv") else
                          order.times_per_day, interval_days=order.interval_days, days=order.days)
    offer = _verified(rewritten, request, data, day, labs, last,
                      lambda words: f"Use {words}", "the patient's dose calculated by plexodose")
    return [cards.dose_card(drug, result, request=ref, suggestion=offer)]


def _drug_without_dose(request: dict[str, Any], medications: tuple[dict[str, Any], ...]
                      ) -> tuple[str | None, str]:
    """(the drug, or None with the reason) of a request with no dose yet: the reader is given
    the request with a placeholder dose (it reads no order without one)."""
    probe = with_dose(request, "azathioprine", 1.0, None)
    probe["dosageInstruction"][0].pop("timing", None)
    try:
        return str(orders.order_from_fhir(_bundle(probe, medications), on=None).order.drug), ""
    except PlexodoseError as exc:
        return None, str(exc)
