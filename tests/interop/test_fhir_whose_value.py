"""Issue 18, FHIR readers: whose value, from when, in which unit.

Every value read from FHIR must be provably the patient's own, dated at or before the decision
date and not before birth, read in one unit, never chosen between two contradictory results;
HL7's own R4 examples (tests/data/hl7) read as a user expects.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from plexodose import (
    InputRangeError,
    Labs,
    MissingInputError,
    Patient,
    PlexodoseError,
    UnitError,
    read_fhir,
    review,
)
from plexodose._interop.fhir_in import MAX_DEPTH, read_observations

HL7 = Path(__file__).parents[1] / "data" / "hl7"
UCUM = "http://unitsofmeasure.org"
LOINC = "http://loinc.org"
ON = dt.date(2027, 1, 20)
PATIENT = {"resourceType": "Patient", "id": "p1", "gender": "female", "birthDate": "1966-03-02"}


def hl7(name: str) -> Any:
    return json.loads((HL7 / f"{name}.json").read_text(encoding="utf-8"))


def obs(oid: str, code: str, when: str | None, value: float, unit: str,
        subject: Any = "Patient/p1", text: str | None = None) -> dict[str, Any]:
    resource: dict[str, Any] = {
        "resourceType": "Observation", "id": oid, "status": "final",
        "code": {"coding": [{"system": LOINC, "code": code}]},
        "valueQuantity": {"value": value, "system": UCUM, "code": unit},
    }
    if when is not None:
        resource["effectiveDateTime"] = when
    if subject is not None:
        resource["subject"] = {"reference": subject} if isinstance(subject, str) else subject
    if text is not None:
        resource["valueQuantity"]["unit"] = text
    return resource


def bundle(*resources: dict[str, Any], urls: list[str] | None = None) -> dict[str, Any]:
    entries = [{"resource": r} for r in resources]
    for entry, url in zip(entries, urls or [], strict=False):
        entry["fullUrl"] = url
    return {"resourceType": "Bundle", "type": "collection", "entry": entries}


# -- 1. another patient's values ------------------------------------------------------------


def test_another_patients_values_never_make_one_labs() -> None:
    a = obs("wa", "6690-2", "2027-01-16T08:00:00Z", 3.1, "10*9/L", subject="Patient/A")
    b = obs("wb", "6690-2", "2027-01-17T08:00:00Z", 8.0, "10*9/L", subject="Patient/B")
    with pytest.raises(InputRangeError, match=r"more than one subject.*Patient/A.*Patient/B"):
        Labs.from_fhir([a, b], on=ON)
    with pytest.raises(InputRangeError, match=r"Observation/wb subject: 'Patient/B' is not"):
        Labs.from_fhir([a, b], on=ON, patient="Patient/A")
    # A's own value alone, with A named: WBC 3.1 on the 16th
    assert Labs.from_fhir([a], on=ON, patient={"reference": "Patient/A"}).value("wbc") == 3.1
    assert Labs.from_fhir([a], on=ON).value("wbc") == 3.1  # one subject across the read


@pytest.mark.parametrize(("subject", "words"), [
    ({"reference": "Patient/p2"}, "is not the patient read"),
    ("Patient/p1", "not a FHIR Reference"),  # a bare string, not a Reference
    (None, "missing"),
    ({"identifier": {"system": "urn:mrn", "value": "123"}}, "given only by identifier"),
    ({"reference": "https://other.example/fhir/Patient/p1"}, "is not the patient read"),
    ({"reference": "Patient/xp1"}, "is not the patient read"),
])
def test_a_subject_that_is_not_provably_the_patient_is_refused(subject: Any, words: str) -> None:
    weight = obs("w", "29463-7", "2027-01-01", 72, "kg")
    if subject is None:
        del weight["subject"]
    else:
        weight["subject"] = subject
    with pytest.raises(InputRangeError, match=words) as caught:
        read_fhir(PATIENT, [weight], on=ON)
    assert caught.value.field == "Observation/w subject"


def test_a_patient_without_id_cannot_own_observations() -> None:
    no_id = {k: v for k, v in PATIENT.items() if k != "id"}
    with pytest.raises(InputRangeError, match="has no id"):
        read_fhir(no_id, [obs("w", "29463-7", "2027-01-01", 72, "kg")], on=ON)
    with pytest.raises(InputRangeError, match="cannot be turned off") as caught:
        read_fhir(PATIENT, [], on=ON, subject_check=False)
    assert caught.value.field == "subject_check"


def test_references_compare_exactly_with_server_bases() -> None:
    base = "https://ehr.example/fhir/"
    weight = obs("w", "29463-7", "2027-01-01", 72, "kg")
    same = bundle(PATIENT, weight, urls=[base + "Patient/p1", base + "Observation/w"])
    assert read_fhir(same, on=ON).patient().weight_kg == 72.0  # relative, same server
    absolute = obs("w", "29463-7", "2027-01-01", 72, "kg", subject=base + "Patient/p1")
    assert read_fhir(bundle(PATIENT, absolute, urls=[base + "Patient/p1"]),
                     on=ON).patient().weight_kg == 72.0
    other = bundle(PATIENT, weight,
                   urls=[base + "Patient/p1", "https://other.example/fhir/Observation/w"])
    with pytest.raises(InputRangeError, match="is not the patient read"):
        read_fhir(other, on=ON)  # "Patient/p1" on another server is another patient
    with pytest.raises(InputRangeError, match="is not the patient read"):
        read_fhir(PATIENT, [absolute], on=ON)  # an absolute URL, the patient's server unknown


# -- 2. dates that make no sense ------------------------------------------------------------


@pytest.mark.parametrize("when", ["2027-13", "2027-00", "2027-02-30", "2027-01-01T25:00:00Z"])
def test_invalid_dates_are_refused_not_rolled_over(when: str) -> None:
    with pytest.raises(InputRangeError, match="is not a FHIR date") as caught:
        read_fhir(PATIENT, [obs("w", "29463-7", when, 72, "kg")], on="2029-01-01")
    assert caught.value.field == "Observation/w effective"


def test_a_value_dated_before_birth_is_refused() -> None:
    old = obs("w", "29463-7", "1960-05-01", 72, "kg")  # born 1966-03-02
    with pytest.raises(InputRangeError, match=r"Observation/w effective: 1960-05-01 is before"):
        read_fhir(PATIENT, [old], on=ON)
    with pytest.raises(InputRangeError, match="before the patient's birth"):
        Labs.from_fhir([obs("n", "751-8", "1965-01-01", 2.0, "10*9/L")], on=ON, patient=PATIENT)


def test_readings_are_ordered_by_instant_not_by_local_date() -> None:
    # 2027-01-02T01:00+14:00 is 2027-01-01T11:00Z; 2027-01-01T20:00-05:00 is 2027-01-02T01:00Z:
    # the second is 14 hours later, though its local date is earlier
    early = obs("a", "29463-7", "2027-01-02T01:00:00+14:00", 70, "kg")
    late = obs("b", "29463-7", "2027-01-01T20:00:00-05:00", 72, "kg")
    reading = read_fhir(PATIENT, [early, late], on=ON)
    assert reading.values["29463-7"].observation == "Observation/b"
    assert reading.patient().weight_kg == 72.0


def test_a_value_after_on_is_never_used() -> None:
    now = obs("a", "6690-2", "2027-01-20T23:30:00-05:00", 4.0, "10*9/L")
    future = obs("b", "6690-2", "2027-01-21T00:10:00+14:00", 1.0, "10*9/L")
    labs = Labs.from_fhir([now, future], on=ON)
    assert (labs.date, labs.value("wbc")) == (ON, 4.0)


# -- 4. a unit text and a UCUM code that disagree --------------------------------------------


@pytest.mark.parametrize(("code", "value", "text", "ucum"), [
    ("29463-7", 72, "kg", "[lb_av]"),
    ("29463-7", 160, "lbs", "kg"),
    ("29463-7", 72, "cm", "kg"),
    ("8302-2", 66.9, "cm", "[in_i]"),
    ("751-8", 20, "%", "10*9/L"),
    ("2160-0", 1.2, "umol/L", "mg/dL"),  # 1.2 umol/L would be 0.0136 mg/dL
])
def test_unit_text_naming_another_unit_is_refused(code: str, value: float, text: str,
                                                  ucum: str) -> None:
    with pytest.raises(UnitError, match="name different units") as caught:
        read_observations([obs("q", code, "2027-01-01", value, ucum, text=text)], on=ON)
    assert caught.value.field == "Observation/q valueQuantity.unit"


@pytest.mark.parametrize(("code", "value", "text", "ucum", "expected"), [
    ("29463-7", 185, "lbs", "[lb_av]", 185 * 0.45359237),  # HL7's own spelling: 83.915 kg
    ("8302-2", 66.9, "in", "[in_i]", 66.9 * 2.54),  # 169.926 cm
    ("751-8", 0.9, "x10*9/L", "10*9/L", 0.9),
    ("6690-2", 4.2, "K/uL", "10*3/uL", 4.2),  # 10^3/uL is 10^9/L
    ("2823-3", 4.2, "mEq/L", "mmol/L", 4.2),  # potassium: 1 mEq = 1 mmol
    ("29463-7", 72, "Kilogramm", "kg", 72.0),  # free text plexodose does not know: not read
])
def test_unit_text_agreeing_or_unknown_is_read_by_the_code(code: str, value: float, text: str,
                                                           ucum: str, expected: float) -> None:
    read = read_observations([obs("q", code, "2027-01-01", value, ucum, text=text)], on=ON)
    assert read.values[code].value == pytest.approx(expected)


# -- 5. contradictions: one rule everywhere --------------------------------------------------


def test_two_creatinines_at_one_time_are_refused_by_labs_and_patient_alike() -> None:
    # 0.9 mg/dL and 300 umol/L (300 x 0.011312 = 3.39 mg/dL) at the same instant
    mass = obs("m", "2160-0", "2027-01-16T08:00:00Z", 0.9, "mg/dL")
    molar = obs("u", "14682-9", "2027-01-16T08:00:00Z", 300, "umol/L")
    weight = obs("w", "29463-7", "2027-01-16", 72, "kg")
    for read in (lambda: Labs.from_fhir([mass, molar], on=ON),
                 lambda: read_fhir(PATIENT, [mass, molar, weight], on=ON),
                 lambda: read_fhir("Patient/p1", [mass, molar], on=ON).lab_history()):
        with pytest.raises(InputRangeError, match="Observation/m and Observation/u") as caught:
            read()
        assert caught.value.field == "serum_creatinine"
    # 97 umol/L = 1.0973 mg/dL agrees with 1.1 mg/dL within 1 %: the higher is used everywhere
    agree = obs("u", "14682-9", "2027-01-16T08:00:00Z", 97, "umol/L")
    close = obs("m", "2160-0", "2027-01-16T08:00:00Z", 1.1, "mg/dL")
    assert Labs.from_fhir([close, agree], on=ON).value("creatinine") == 1.1
    assert Patient.from_fhir(PATIENT, [close, agree, weight], on=ON).creatinine_mg_dl == 1.1


# -- 6. data dropped: the whole history ------------------------------------------------------


def _sixteenth_and_seventeenth() -> list[dict[str, Any]]:
    return [obs("w16", "6690-2", "2027-01-16T08:00:00Z", 1.0, "10*9/L"),
            obs("n16", "751-8", "2027-01-16T08:00:00Z", 0.2, "10*9/L"),
            obs("p17", "777-3", "2027-01-17T08:00:00Z", 250, "10*9/L")]


def test_lab_history_keeps_every_sampling_day_oldest_first() -> None:
    reading = read_fhir("Patient/p1", _sixteenth_and_seventeenth(), on=ON)
    days = reading.lab_history()
    assert [d.date for d in days] == [dt.date(2027, 1, 16), dt.date(2027, 1, 17)]
    assert (days[0].value("wbc"), days[0].value("neutrophils")) == (1.0, 0.2)
    assert days[1].names() == ("platelets",) and reading.labs() == days[1]
    assert reading.origins("2027-01-16") == {"wbc": "Observation/w16",
                                             "neutrophils": "Observation/n16"}
    assert Labs.from_fhir(_sixteenth_and_seventeenth(), on=ON) == days[1]


def test_review_with_history_sees_the_sixteenth() -> None:
    days = read_fhir("Patient/p1", _sixteenth_and_seventeenth(), on=ON).lab_history()
    r = review("azathioprine", days[-1], history=days[:-1], on=ON)
    assert r.action == "withhold"  # neutrophils 0.2 on the 16th, 4 days before


# -- 7. standard shapes: HL7's own examples --------------------------------------------------


def test_hl7_patient_weight_and_height_read_as_expected() -> None:
    reading = read_fhir(hl7("patient-example"),
                        [hl7("observation-example"), hl7("observation-example-body-height")],
                        on="2016-04-01")
    p = reading.patient()
    assert round(p.weight_kg, 2) == 83.91  # 185 lb x 0.45359237 = 83.915 kg
    assert round(p.height_cm, 2) == 169.93  # 66.9 in x 2.54 = 169.926 cm
    assert (p.sex, p.age) == ("male", 41.0)  # born 1974-12-25
    assert reading.subject == {"reference": "Patient/example"}
    assert reading.patient_ref == "Patient/example"


def test_hl7_cbc_report_dates_its_results_and_feeds_a_review() -> None:
    cbc = hl7("diagnosticreport-example")
    labs = Labs.from_fhir(cbc, on="2011-03-10")
    assert labs.date == dt.date(2011, 3, 4)  # the report's effectiveDateTime, as written
    assert labs.value("neutrophils") == pytest.approx(0.9)
    assert labs.value("wbc") == pytest.approx(4.6)
    assert labs.value("platelets") == pytest.approx(444) and labs.value("mcv") == 99
    # neutrophils 0.9 x10^9/L is below the shared 1.0 threshold: withhold
    assert review("azathioprine", labs, on="2011-03-10").action == "withhold"
    reading = read_fhir("Patient/pat2", cbc, on="2011-03-10")
    assert reading.values["751-8"].dated_by == "DiagnosticReport/101"
    assert ("DiagnosticReport/101", None,
            "a DiagnosticReport: its results are read as Observations") in {
        (s.resource, s.code, s.reason) for s in reading.skipped}


def test_contained_results_are_dated_by_their_report() -> None:
    cbc = hl7("diagnosticreport-example")
    report = copy.deepcopy(cbc["entry"][0]["resource"])
    results = [copy.deepcopy(e["resource"]) for e in cbc["entry"][1:]]
    for r in results:
        del r["subject"]  # a contained result is its report's patient's
    report["contained"] = results
    report["result"] = [{"reference": f"#{r['id']}"} for r in results]
    labs = Labs.from_fhir(report, on="2011-03-10")  # a single resource, not a list
    assert labs.date == dt.date(2011, 3, 4)
    assert labs.value("neutrophils") == pytest.approx(0.9)
    reading = read_fhir("Patient/pat2", report, on="2011-03-10")
    assert reading.values["751-8"].observation == "DiagnosticReport/101 contained Observation/r9"


def test_a_result_with_no_date_and_no_report_is_refused() -> None:
    cbc = hl7("diagnosticreport-example")
    alone = cbc["entry"][9]["resource"]  # r9, neutrophils, without its report
    with pytest.raises(InputRangeError, match="no DiagnosticReport given with it dates it"):
        Labs.from_fhir(alone, on="2011-03-10")


def test_skip_reasons_and_notes_say_what_is_missing() -> None:
    reading = read_fhir(hl7("patient-example-a"), [hl7("observation-example-f204-creatinine")],
                        on="2016-04-01")
    (skip,) = reading.skipped
    assert skip.resource == "Observation/f204"
    assert skip.reason.startswith("creatinine without a LOINC code")
    assert reading.notes == ("Patient/pat1 has no birthDate: age is unset; a formula that needs "
                             "it (Cockcroft-Gault, CKD-EPI) will ask for age=",)
    assert reading.age is None


# -- 9. what is not FHIR at all --------------------------------------------------------------


@pytest.mark.parametrize("given_", [None, 5, "Observation/w", b"{}"])
def test_labs_from_not_resources_is_a_plexodose_error(given_: Any) -> None:
    with pytest.raises(InputRangeError, match="must be FHIR resources") as caught:
        Labs.from_fhir(given_, on=ON)
    assert caught.value.field == "observations"


def test_deep_json_is_refused_without_recursion_error() -> None:
    deep: Any = obs("w", "29463-7", "2027-01-01", 72, "kg")
    for _ in range(600):
        deep = [deep]
    with pytest.raises(InputRangeError, match=f"deeper than {MAX_DEPTH}"):
        Labs.from_fhir(deep, on=ON)
    nested: Any = {"x": None}
    for _ in range(5000):
        nested = {"x": nested}
    with pytest.raises(InputRangeError, match="deeper"):
        read_fhir(PATIENT, [{**obs("w", "29463-7", "2027-01-01", 72, "kg"), "note": nested}],
                  on=ON)


def test_missing_labs_say_so() -> None:
    with pytest.raises(MissingInputError, match="no lab result"):
        Labs.from_fhir([obs("w", "29463-7", "2027-01-01", 72, "kg")], on=ON)


# -- properties over generated bundles -------------------------------------------------------

SUBJECTS = st.sampled_from(["Patient/p1", "Patient/p1", "Patient/p2", None,
                            "https://other.example/fhir/Patient/p1"])
ZONES = st.sampled_from(["Z", "+14:00", "-12:00", "+05:30", "-05:00", ""])
DAYS = st.dates(dt.date(1960, 1, 1), dt.date(2027, 3, 1))
TIMES = st.times().map(lambda t: t.replace(microsecond=0))


@st.composite
def observation(draw: Any, index: int) -> dict[str, Any]:
    day, zone = draw(DAYS), draw(ZONES)
    when = day.isoformat() if zone == "" else f"{day.isoformat()}T{draw(TIMES).isoformat()}{zone}"
    return obs(f"o{index}", draw(st.sampled_from(["6690-2", "751-8", "29463-7"])), when,
               draw(st.sampled_from([1.0, 2.5, 4.0, 72.0])), "10*9/L", subject=draw(SUBJECTS))


def _fix_units(o: dict[str, Any]) -> dict[str, Any]:
    if o["code"]["coding"][0]["code"] == "29463-7":
        o["valueQuantity"]["code"] = "kg"
    return o


BUNDLES = st.integers(1, 6).flatmap(
    lambda n: st.tuples(*(observation(i) for i in range(n)))).map(
    lambda found: [_fix_units(o) for o in found])


def _by_id(found: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {f"Observation/{o['id']}": o for o in found}


@given(BUNDLES, st.booleans())
def test_no_value_of_another_subject_the_future_or_before_birth_reaches_a_result(
        found: list[dict[str, Any]], duplicate: bool) -> None:
    if duplicate:
        found = [*found, dict(found[0], id="dup")]
    source = _by_id(found)
    try:
        reading = read_fhir(PATIENT, bundle(*found), on=ON)
        days = reading.lab_history()
    except PlexodoseError as exc:
        assert str(exc)
        return
    birth = dt.date(1966, 3, 2)
    for r in reading.readings:
        o = source[r.observation]
        assert o["subject"] == {"reference": "Patient/p1"}
        assert birth <= r.day <= ON
    for labs in days:
        assert birth <= labs.date <= ON
        for name, where in reading.origins(labs.date).items():
            assert source[where]["subject"] == {"reference": "Patient/p1"}
            assert labs.value(name) == pytest.approx(source[where]["valueQuantity"]["value"])


@given(BUNDLES)
def test_labs_without_a_patient_come_from_one_subject_only(found: list[dict[str, Any]]) -> None:
    try:
        labs = Labs.from_fhir(found, on=ON)
    except PlexodoseError as exc:
        assert str(exc)
        return
    lab = [o for o in found if o["code"]["coding"][0]["code"] != "29463-7"]
    assert len({json.dumps(o.get("subject"), sort_keys=True) for o in found}) == 1
    assert labs.date <= ON and lab


UNITS = ["kg", "g", "[lb_av]", "cm", "[in_i]", "lbs", "lb", "pounds", "%", "mg", "Kilogramm"]


@given(st.sampled_from(UNITS), st.sampled_from(UNITS), st.floats(50, 150))
def test_a_weight_is_read_only_when_its_unit_text_and_code_agree(text: str, code: str,
                                                                 value: float) -> None:
    from plexodose._core import units as u

    try:
        read = read_observations([obs("q", "29463-7", "2027-01-01", value, code, text=text)],
                                 on=ON)
    except PlexodoseError:
        return
    kg = read.values["29463-7"].value
    by_code = {"kg": 1.0, "g": 0.001, "[lb_av]": 0.45359237, "mg": 1e-6}[code]
    assert kg == pytest.approx(value * by_code)  # always read by the UCUM code
    if text in ("kg", "g", "[lb_av]", "lbs", "lb", "pounds", "mg"):
        assert u.to_float(f"1 {text.replace('[lb_av]', 'lb')}", "w", u.MASS) == pytest.approx(
            by_code)  # a known unit text was the same unit
