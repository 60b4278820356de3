"""FHIR in: a Patient and Observations (dicts or fhir.resources objects) -> plexodose Patient."""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import plexodose
from plexodose import InputRangeError, MissingInputError, Patient, PlexodoseError, UnitError
from plexodose._core import ucum as _ucum
from plexodose._interop.fhir_in import CODES, read_fhir, read_observations

UCUM = "http://unitsofmeasure.org"
LOINC = "http://loinc.org"
ON = dt.date(2026, 3, 1)


def obs(oid: str, code: str, when: str, value: Any = None, unit: str | None = None,
        **extra: Any) -> dict[str, Any]:
    resource: dict[str, Any] = {
        "resourceType": "Observation", "id": oid, "status": "final",
        "code": {"coding": [{"system": LOINC, "code": code}]},
        "subject": {"reference": "Patient/p1"}, "effectiveDateTime": when,
    }
    if value is not None:
        quantity: dict[str, Any] = {"value": value, "system": UCUM}
        if unit is not None:
            quantity["code"] = unit
        resource["valueQuantity"] = quantity
    resource.update(extra)
    return resource


PATIENT = {"resourceType": "Patient", "id": "p1", "gender": "male", "birthDate": "1966-03-02"}


def ehr_bundle() -> dict[str, Any]:
    """What an EHR exports: a Patient, Observations in mixed UCUM units, and others it has."""
    resources = [
        PATIENT,
        obs("wt-old", "29463-7", "2025-06-01", 80, "kg"),
        obs("wt1", "29463-7", "2026-02-20T09:15:00+01:00", 176, "[lb_av]"),
        obs("wt-future", "29463-7", "2026-04-01", 70, "kg"),
        obs("ht1", "8302-2", "2025-06-01", 69, "[in_i]"),
        obs("cr1", "14682-9", "2026-02-20T08:00:00Z", 97, "umol/L"),
        obs("cr-old", "2160-0", "2025-01-10", 0.9, "mg/dL"),
        obs("hr1", "8867-4", "2026-02-20", 72, "/min"),  # heart rate: not used by plexodose
        obs("wbc1", "6690-2", "2026-02-20", 5.1, "10*9/L"),
        obs("plt1", "777-3", "2026-02-20", 210000, "/uL"),
        obs("alt1", "1742-6", "2026-02-20", 31, "[IU]/L"),
        obs("k1", "2823-3", "2026-02-20", 4.2, "meq/L"),
        obs("bp1", "85354-9", "2026-02-20", component=[
            {"code": {"coding": [{"system": LOINC, "code": "8480-6"}]},
             "valueQuantity": {"value": 132, "system": UCUM, "code": "mm[Hg]"}},
            {"code": {"coding": [{"system": LOINC, "code": "8462-4"}]},
             "valueQuantity": {"value": 84, "system": UCUM, "code": "mm[Hg]"}}]),
        obs("egfr1", "98979-8", "2026-02-20", 77, "mL/min/{1.73_m2}"),
        obs("tpmt1", "79713-4", "2024-11-05", valueCodeableConcept={
            "coding": [{"system": LOINC, "code": "LA25391-6", "display": "Normal metabolizer"}]}),
        {"resourceType": "Condition", "id": "c1", "subject": {"reference": "Patient/p1"}},
    ]
    return {"resourceType": "Bundle", "type": "collection",
            "entry": [{"fullUrl": f"urn:uuid:{r['id']}", "resource": r} for r in resources]}


def test_bundle_to_patient_reads_latest_values_in_mixed_units() -> None:
    reading = read_fhir(ehr_bundle(), on=ON)
    p = reading.patient(nudt15="normal")
    # 176 lb x 0.45359237 = 79.832 kg (the 2026-02-20 weight, not the 2025 or the future one)
    assert p.weight_kg == pytest.approx(176 * 0.45359237)
    assert p.height_cm == pytest.approx(69 * 2.54)  # 175.26 cm
    # 97 umol/L x 113.12 / 10,000 = 1.0973 mg/dL (newer than the 0.9 mg/dL of 2025)
    assert p.creatinine_mg_dl == pytest.approx(97 * 0.011312)
    assert (p.sex, p.age, p.tpmt, p.nudt15) == ("male", 59.0, "normal", "normal")  # 60 on 03-02
    v = reading.values
    assert v["6690-2"].value == pytest.approx(5.1)
    assert v["777-3"].value == pytest.approx(210.0)  # 210,000 /uL = 210 x10^9/L
    assert v["1742-6"].value == pytest.approx(31.0) and v["1742-6"].unit == "U/L"
    assert v["2823-3"].value == pytest.approx(4.2)  # potassium: 1 meq = 1 mmol
    assert (v["8480-6"].value, v["8462-4"].value) == (pytest.approx(132), pytest.approx(84))
    assert v["8480-6"].observation == "Observation/bp1 component[0]"
    assert v["98979-8"].value == 77.0
    assert v["29463-7"].day == dt.date(2026, 2, 20)
    skipped = {(s.resource, s.reason) for s in reading.skipped}
    assert ("Observation/hr1", "LOINC 8867-4, a code plexodose does not use") in skipped
    assert ("Observation/wt-future", "dated after 2026-03-01") in skipped
    assert any(s.resource == "Condition/c1" for s in reading.skipped)


def test_round_trip_bundle_to_plan_to_fhir_validates_both_ways() -> None:
    from fhir.resources.R4B.bundle import Bundle

    exported = ehr_bundle()
    Bundle.model_validate(exported)  # the input is valid FHIR R4B
    p = Patient.from_fhir(exported, on=ON, nudt15="normal")
    schedule = plexodose.plan(p, start=ON, second_agent="azathioprine")
    out = schedule.to_fhir(subject={"reference": "Patient/p1"})
    Bundle.model_validate(out)
    requests = [e["resource"] for e in out["entry"]
                if e["resource"]["resourceType"] == "MedicationRequest"]
    dose = {r["medicationCodeableConcept"]["text"]:
            r["dosageInstruction"][0]["doseAndRate"][0]["doseQuantity"] for r in requests}
    # IVIg 0.4 g/kg x 79.832 kg = 31.933 g/day; azathioprine 2 mg/kg x 79.8 = 160 -> cap 150 mg
    assert dose["IVIg"]["code"] == "g"
    assert dose["IVIg"]["value"] == pytest.approx(0.4 * 176 * 0.45359237, abs=0.001)
    azathioprine = [r["dosageInstruction"][0]["doseAndRate"][0]["doseQuantity"]["value"]
                    for r in requests if r["medicationCodeableConcept"]["text"] == "azathioprine"]
    assert max(azathioprine) == 150


def test_fhir_resources_objects_are_accepted() -> None:
    from fhir.resources.R4B.bundle import Bundle
    from fhir.resources.R4B.observation import Observation
    from fhir.resources.R4B.patient import Patient as FhirPatient

    bundle = ehr_bundle()
    as_objects = Bundle.model_validate(bundle)
    assert Patient.from_fhir(as_objects, on=ON) == Patient.from_fhir(bundle, on=ON)
    weight = Observation.model_validate(obs("w", "29463-7", "2026-01-01", 72, "kg"))
    p = Patient.from_fhir(FhirPatient.model_validate(PATIENT), [weight], on=ON)
    assert p.weight_kg == 72.0


def test_public_names() -> None:
    assert plexodose.read_fhir is read_fhir
    assert isinstance(read_fhir(ehr_bundle(), on=ON), plexodose.FhirReading)


def test_labs_side_reads_observations_alone() -> None:
    read = read_observations([obs("n1", "751-8", "2026-02-01", 1200, "/uL")], on=ON)
    assert read.values["751-8"].value == pytest.approx(1.2)  # 1,200 /uL = 1.2 x10^9/L


@pytest.mark.parametrize(("bad", "path", "error"), [
    (obs("wt1", "29463-7", "2026-01-01", 72), "Observation/wt1 valueQuantity.code", UnitError),
    (obs("wt1", "29463-7", "2026-01-01", 72, "kilo"), "Observation/wt1 valueQuantity.code",
     UnitError),
    (obs("wt1", "29463-7", "2026-01-01", 72, "cm"), "Observation/wt1 valueQuantity.code",
     UnitError),
    (obs("cr1", "2160-0", "2026-01-01", 80, "umol/L"), "Observation/cr1 valueQuantity.code",
     UnitError),  # a molar unit under the mass code
    (obs("wt1", "29463-7", "2026-01-01", "72", "kg"), "Observation/wt1 valueQuantity.value",
     InputRangeError),
    (obs("wt1", "29463-7", "2026-01-01", True, "kg"), "Observation/wt1 valueQuantity.value",
     InputRangeError),
    (obs("wt1", "29463-7", "2026-01-01", 720, "kg"), "Observation/wt1 valueQuantity",
     InputRangeError),  # implausible, named by its path
    (obs("wt1", "29463-7", "2026-01-01", valueString="72 kg"), "Observation/wt1 valueQuantity",
     UnitError),
    (obs("wt1", "29463-7", "2026-13-01", 72, "kg"), "Observation/wt1 effective", InputRangeError),
    (obs("wt1", "29463-7", "2026-01-01T10:00:00", 72, "kg"), "Observation/wt1 effective",
     InputRangeError),  # a time without a zone
    ({**obs("wt1", "29463-7", "2026-01-01", 72, "kg"), "subject": {"reference": "Patient/p2"}},
     "Observation/wt1 subject", InputRangeError),
])
def test_bad_observations_are_refused_by_path(bad: dict[str, Any], path: str,
                                              error: type[PlexodoseError]) -> None:
    with pytest.raises(error) as caught:
        Patient.from_fhir(PATIENT, [bad], on=ON)
    assert path in str(caught.value)


def test_not_ucum_system_is_refused() -> None:
    bad = obs("wt1", "29463-7", "2026-01-01", 72, "kg")
    bad["valueQuantity"]["system"] = "http://example.org/units"
    with pytest.raises(UnitError, match=r"Observation/wt1 valueQuantity.system"):
        Patient.from_fhir(PATIENT, [bad], on=ON)


def test_unit_text_without_code_is_not_read() -> None:
    bad = obs("wt1", "29463-7", "2026-01-01", 72)
    bad["valueQuantity"]["unit"] = "kg"
    with pytest.raises(UnitError, match=r"no UCUM unit code .*only the UCUM code is"):
        Patient.from_fhir(PATIENT, [bad], on=ON)


def test_conflicting_values_at_the_same_time_are_refused() -> None:
    two = [obs("a", "29463-7", "2026-01-01T10:00:00Z", 72, "kg"),
           obs("b", "29463-7", "2026-01-01T11:00:00+01:00", 75, "kg")]  # the same instant
    with pytest.raises(InputRangeError, match=r"conflicting values .*Observation/a.*Observation/b"):
        Patient.from_fhir(PATIENT, two, on=ON)
    # the same value twice is no conflict; a later time on the same day wins
    same = [two[0], obs("c", "29463-7", "2026-01-01T10:00:00Z", 72000, "g")]
    assert Patient.from_fhir(PATIENT, same, on=ON).weight_kg == 72.0
    later = [two[0], obs("d", "29463-7", "2026-01-01T12:00:00Z", 73, "kg")]
    assert Patient.from_fhir(PATIENT, later, on=ON).weight_kg == 73.0
    # a date-only value beside a timed one on the same day cannot be ordered
    mixed = [two[0], obs("e", "29463-7", "2026-01-01", 74, "kg")]
    with pytest.raises(InputRangeError, match="conflicting"):
        Patient.from_fhir(PATIENT, mixed, on=ON)


def test_only_values_after_on_are_refused() -> None:
    with pytest.raises(InputRangeError, match=r"only values dated after 2026-03-01.*Observation/w"):
        Patient.from_fhir(PATIENT, [obs("w", "29463-7", "2026-03-02", 72, "kg")], on=ON)


def test_partial_dates_count_from_their_last_day() -> None:
    # "2026-03" may mean 31 March: not at or before 1 March
    with pytest.raises(InputRangeError, match="only values dated after"):
        read_observations([obs("w", "29463-7", "2026-03", 72, "kg")], on=ON)
    read = read_observations([obs("w", "29463-7", "2026-02", 72, "kg")], on=ON)
    assert read.values["29463-7"].day == dt.date(2026, 2, 28)


def test_status_and_absent_values_are_skipped_not_read() -> None:
    cancelled = obs("w1", "29463-7", "2026-01-01", 99, "kg", status="entered-in-error")
    absent = obs("w2", "29463-7", "2026-01-02", dataAbsentReason={"text": "refused"})
    good = obs("w3", "29463-7", "2025-12-01", 70, "kg")
    reading = read_fhir(PATIENT, [cancelled, absent, good], on=ON)
    assert reading.patient().weight_kg == 70.0
    assert {s.resource for s in reading.skipped} == {"Observation/w1", "Observation/w2"}


def test_gender_other_and_unknown_leave_sex_unset_with_a_note() -> None:
    for gender in ("other", "unknown"):
        found = [obs("w", "29463-7", "2026-01-01", 72, "kg"),
                 obs("h", "8302-2", "2026-01-01", 175, "cm")]
        reading = read_fhir({**PATIENT, "gender": gender}, found, on=ON)
        p = reading.patient()
        assert p.sex is None and "sex is unset" in reading.notes[0]
        with pytest.raises(MissingInputError, match="needs the patient's sex"):
            plexodose.ivig(p, weight_basis="ideal")
    with pytest.raises(InputRangeError, match="gender"):
        read_fhir({**PATIENT, "gender": "M"}, [], on=ON)


def test_birth_date_gives_the_age_on_the_date() -> None:
    weight = [obs("w", "29463-7", "2026-01-01", 72, "kg")]
    # born 1966-03-02: 59 on 2026-03-01, 60 on 2026-03-02
    assert Patient.from_fhir(PATIENT, weight, on="2026-03-02").age == 60
    assert Patient.from_fhir({**PATIENT, "birthDate": None}, weight, on=ON).age is None
    with pytest.raises(InputRangeError, match="birthDate '1966' has no day"):
        Patient.from_fhir({**PATIENT, "birthDate": "1966"}, weight, on=ON)
    assert Patient.from_fhir({**PATIENT, "birthDate": "1966"}, weight, on=ON, age=59).age == 59


def test_missing_weight_and_fields_given_twice() -> None:
    with pytest.raises(MissingInputError, match="no body weight Observation"):
        Patient.from_fhir(PATIENT, [], on=ON)
    assert Patient.from_fhir(PATIENT, [], on=ON, weight="72 kg").weight_kg == 72.0
    with pytest.raises(InputRangeError, match=r"weight came from FHIR \(Observation/w\)"):
        Patient.from_fhir(PATIENT, [obs("w", "29463-7", "2026-01-01", 72, "kg")], on=ON,
                          weight="80 kg")


def test_resource_that_is_not_what_it_says() -> None:
    with pytest.raises(InputRangeError, match="expected one FHIR Patient, found 0"):
        Patient.from_fhir(obs("w", "29463-7", "2026-01-01", 72, "kg"), [], on=ON)
    with pytest.raises(InputRangeError, match=r"Observation/x code: missing"):
        Patient.from_fhir(PATIENT, [{"resourceType": "Observation", "id": "x"}], on=ON)
    with pytest.raises(InputRangeError, match="without resourceType"):
        Patient.from_fhir(PATIENT, [{"id": "x"}], on=ON)
    with pytest.raises(InputRangeError, match=r"fhir\.resources objects"):
        Patient.from_fhir(PATIENT, [42], on=ON)
    with pytest.raises(InputRangeError, match="on must be a date"):
        Patient.from_fhir(PATIENT, [], on="yesterday")


def test_creatinine_in_both_codes_at_once() -> None:
    mass = obs("m", "2160-0", "2026-02-01T08:00:00Z", 1.1, "mg/dL")
    # 97 umol/L = 1.0973 mg/dL: within 1 % of 1.1, so the higher (1.1) is used
    agree = obs("u", "14682-9", "2026-02-01T08:00:00Z", 97, "umol/L")
    weight = obs("w", "29463-7", "2026-01-01", 72, "kg")
    assert Patient.from_fhir(PATIENT, [mass, agree, weight], on=ON).creatinine_mg_dl == 1.1
    differ = obs("u", "14682-9", "2026-02-01T08:00:00Z", 150, "umol/L")
    with pytest.raises(InputRangeError, match="Observation/m and Observation/u"):
        Patient.from_fhir(PATIENT, [mass, differ, weight], on=ON)
    reading = read_fhir(PATIENT, [mass, agree, weight], on=ON)
    # latest value; whose value, from when (issue 18); both units
    assert [s.tag for s in reading.sources] == ["gap", "gap", "gap"]
    # 97 umol/L = 1.0973 mg/dL is 0.25 % below 1.1: refused with a tolerance of 0.1 %
    with pytest.raises(InputRangeError, match="which is right"):  # refused when read (issue 18)
        read_fhir(PATIENT, [mass, agree, weight], on=ON, creatinine_tolerance=0.001)
    with pytest.raises(InputRangeError, match="creatinine_tolerance"):
        read_fhir(PATIENT, [], on=ON, creatinine_tolerance=0.5)


@pytest.mark.parametrize(("words", "expected"), [
    ("Intermediate metabolizer", "intermediate"), ("Poor Metabolizer", "poor"),
    ("Possible Intermediate Metabolizer", "possible_intermediate"),
    ("Indeterminate", "indeterminate")])
def test_tpmt_phenotype_from_cpic_terms(words: str, expected: str) -> None:
    tpmt = obs("t", "79713-4", "2020-01-01", valueCodeableConcept={"text": words})
    weight = obs("w", "29463-7", "2026-01-01", 72, "kg")
    assert Patient.from_fhir(PATIENT, [tpmt, weight], on=ON).tpmt == expected


def test_tpmt_phenotype_of_another_gene_is_refused() -> None:
    tpmt = obs("t", "79713-4", "2020-01-01", valueCodeableConcept={"text": "Rapid metabolizer"})
    with pytest.raises(InputRangeError, match="Observation/t valueCodeableConcept"):
        read_observations([tpmt], on=ON)


@given(st.sampled_from(sorted(c for c in CODES if CODES[c].value == "quantity")),
       st.sampled_from(["kg", "[in_i]", "10*9/L", "mm[Hg]", "U/L", "fL", "mmol/L", "mg/dL",
                        "umol/L", "g/L", "/uL", "mL/min/{1.73_m2}", "[lb_av]", "s", "%"]),
       st.floats(0.5, 300))
def test_every_code_reads_its_kind_and_refuses_others(code: str, unit: str, value: float) -> None:
    """A unit of the code's kind is read (or refused as implausible); any other never is."""
    entry = _ucum.lookup(unit)
    fits = entry is not None and entry.kind in CODES[code].kinds
    try:
        read = read_observations([obs("o", code, "2026-01-01", value, unit)], on=ON)
    except UnitError:
        assert not fits
    except InputRangeError:
        assert fits  # a plausibility range, never a unit refusal
    else:
        assert fits and read.values[code].value >= 0


def test_inputs_are_not_changed() -> None:
    bundle = ehr_bundle()
    before = copy.deepcopy(bundle)
    read_fhir(bundle, on=ON).patient()
    assert bundle == before


JSON = st.recursive(
    st.none() | st.booleans() | st.floats(allow_nan=True) | st.integers() | st.text(max_size=8)
    | st.sampled_from(["29463-7", LOINC, UCUM, "kg", "[lb_av]", "final", "2026-01-01",
                       "Observation", "Patient", "Bundle", "Patient/p1"]),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
        st.sampled_from(["resourceType", "id", "code", "coding", "system", "status", "value",
                         "valueQuantity", "effectiveDateTime", "effectivePeriod", "subject",
                         "reference", "entry", "resource", "fullUrl", "component", "gender",
                         "birthDate", "comparator", "unit", "valueCodeableConcept", "text",
                         "display", "start", "end"]), inner, max_size=6),
    max_leaves=20,
)


@given(JSON, JSON)
def test_any_json_is_read_or_refused_with_a_plexodose_error(patient, observations):
    try:
        made = read_fhir(patient, observations, on=ON).patient()
    except PlexodoseError as exc:
        assert str(exc)  # a refusal always says why
    else:
        assert 2 <= made.weight_kg <= 350


@given(st.dictionaries(st.sampled_from(["value", "code", "system", "unit", "comparator"]), JSON))
def test_any_value_quantity_is_read_or_refused(quantity):
    try:
        read = read_observations([obs("o", "29463-7", "2026-01-01", valueQuantity=quantity)],
                                 on=ON)
    except PlexodoseError as exc:
        assert "Observation/o" in str(exc)  # named by the resource
    else:
        assert _ucum.lookup(quantity["code"]).kind == "mass"  # only a UCUM mass unit is read
        assert 2 <= read.values["29463-7"].value <= 350


def _paths(data: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    if isinstance(data, dict):
        items = list(data.items())
    elif isinstance(data, list):
        items = list(enumerate(data))
    else:
        return [prefix]
    return [prefix] + [p for key, value in items for p in _paths(value, (*prefix, key))]


BUNDLE_PATHS = _paths(ehr_bundle())


@given(st.lists(st.tuples(st.sampled_from(BUNDLE_PATHS), JSON), min_size=1, max_size=3))
def test_a_real_bundle_with_any_part_replaced_is_read_or_refused(changes):
    bundle = ehr_bundle()
    for path, new in changes:
        holder: Any = bundle
        try:
            for key in path[:-1]:
                holder = holder[key]
            if path:
                holder[path[-1]] = new
        except (KeyError, IndexError, TypeError):
            continue  # an earlier change removed this path
    try:
        made = read_fhir(bundle, on=ON).patient(nudt15="normal")
    except PlexodoseError as exc:
        assert str(exc)
    else:
        assert 2 <= made.weight_kg <= 350


def test_labs_from_fhir_take_the_latest_day_and_feed_a_review() -> None:
    from plexodose import Labs, review

    observations = [
        obs("n0", "751-8", "2026-02-10T08:00:00Z", 2.9, "10*9/L"),  # an earlier draw: left out
        obs("w1", "6690-2", "2026-02-24T08:00:00Z", 3100, "/uL"),  # 3,100 /uL = 3.1 x10^9/L
        obs("p1", "777-3", "2026-02-24T08:00:00Z", 150, "10*9/L"),
        obs("c1", "14682-9", "2026-02-24T08:00:00Z", 80, "umol/L"),  # 80 x 0.011312 mg/dL
        obs("s1", "8480-6", "2026-02-24T08:05:00Z", 150, "mm[Hg]"),
        obs("d1", "8462-4", "2026-02-24T08:05:00Z", 95, "mm[Hg]"),
    ]
    labs = Labs.from_fhir(observations, on=ON)
    assert labs.date == dt.date(2026, 2, 24)
    assert labs.value("wbc") == pytest.approx(3.1) and labs.value("platelets") == 150
    assert labs.value("creatinine") == pytest.approx(0.90496)
    assert labs.value("neutrophils") is None  # 2026-02-10 is not the latest sampling day
    assert labs.blood_pressure is not None
    r = review("azathioprine", labs, on=ON, baseline="0.9 mg/dL")  # WBC 3.1 < 3.5: withhold
    assert r.action == "withhold" and r.proposed_dose is None
    with pytest.raises(PlexodoseError):
        Labs.from_fhir([obs("w2", "6690-2", "2026-04-01T08:00:00Z", 4.1, "10*9/L")], on=ON)
