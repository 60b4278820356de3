"""Ids in FHIR and iCalendar exports: unique per patient, per plan and within an export,
stable for the same patient, minted as RFC 4122 uuid5; subjects checked and never
shared."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from fhir_schema import validate
from hypothesis import given, settings
from hypothesis import strategies as st

from plexodose import InputRangeError, Patient, Schedule, plan

START = dt.date(2026, 12, 1)
STAMP = dt.datetime(2026, 11, 24, 12, 0, tzinfo=dt.UTC)


PATIENT_1 = {"reference": "Patient/1"}
PATIENT_2 = {"reference": "Patient/2"}


def _fhir_ids(bundle: dict[str, Any]) -> set[str]:
    ids = {bundle["id"], bundle["identifier"]["value"]}
    for entry in bundle["entry"]:
        ids |= {entry["fullUrl"], entry["resource"].get("id", entry["fullUrl"])}
        ids |= {i["value"] for i in entry["resource"]["identifier"]}
    return ids


def _uids(calendar: str) -> list[str]:
    import icalendar

    return [str(e["uid"]) for e in icalendar.Calendar.from_ical(calendar).walk("VEVENT")]


def _twins() -> Schedule:
    from plexodose._schedule.model import Event

    same = {"date": START, "drug": "azathioprine", "kind": "monitoring", "description": "CBC"}
    return Schedule(start=START, events=(Event(**same), Event(**same)))


EX = Patient.example()  # 72 kg, 175 cm, male, 60 y, creatinine 1 mg/dL, TPMT/NUDT15 normal


_STAMP = dt.datetime(2026, 11, 30, 8, 0, tzinfo=dt.UTC)


def test_ids_unique_per_patient(full_plan: Schedule) -> None:
    one, two = full_plan.to_fhir(subject=PATIENT_1), full_plan.to_fhir(subject=PATIENT_2)
    assert _fhir_ids(one).isdisjoint(_fhir_ids(two))  # same plan, two patients: no shared id
    assert one == full_plan.to_fhir(subject=dict(PATIENT_1))  # stable for the same patient
    ics_one = _uids(full_plan.to_ics(stamp=STAMP, subject=PATIENT_1))
    ics_two = _uids(full_plan.to_ics(stamp=STAMP, subject=PATIENT_2))
    assert set(ics_one).isdisjoint(ics_two)
    later = STAMP + dt.timedelta(days=3)  # another export time: the same event, the same UID
    assert _uids(full_plan.to_ics(stamp=later, subject=PATIENT_1)) == ics_one
    # a subject known by identifier is a patient too, distinct from the literal reference
    logical = {"identifier": {"system": "urn:oid:1.2.3", "value": "1"}, "type": "Patient"}
    assert _fhir_ids(full_plan.to_fhir(subject=logical)).isdisjoint(_fhir_ids(one))


def test_ids_unique_per_plan_for_one_patient(full_plan: Schedule) -> None:
    heavier = plan(Patient(weight="90 kg"), start=START, ivig_product="privigen")
    a, b = full_plan.to_fhir(subject=PATIENT_1), heavier.to_fhir(subject=PATIENT_1)
    assert _fhir_ids(a).isdisjoint(_fhir_ids(b))  # a new plan does not overwrite the old one
    assert set(_uids(full_plan.to_ics(stamp=STAMP, subject=PATIENT_1))).isdisjoint(
        _uids(heavier.to_ics(stamp=STAMP, subject=PATIENT_1))
    )


def test_ids_from_a_namespace_or_random(full_plan: Schedule) -> None:
    import uuid

    space = uuid.UUID("12345678-1234-5678-1234-567812345678")
    assert full_plan.to_fhir(namespace=space) == full_plan.to_fhir(namespace=space)
    assert _fhir_ids(full_plan.to_fhir(namespace=space)).isdisjoint(
        _fhir_ids(full_plan.to_fhir(namespace="https://hospital.example/ehr"))
    )
    # namespace and subject together: the patient inside the host's id space
    assert _fhir_ids(full_plan.to_fhir(namespace=space, subject=PATIENT_1)).isdisjoint(
        _fhir_ids(full_plan.to_fhir(subject=PATIENT_1))
    )
    # neither: unique on every call, never stable (an anonymous export has nothing to be stable for)
    assert _fhir_ids(full_plan.to_fhir()).isdisjoint(_fhir_ids(full_plan.to_fhir()))
    assert set(_uids(full_plan.to_ics(stamp=STAMP))).isdisjoint(_uids(full_plan.to_ics(stamp=STAMP)))
    for bad in ("", "  ", "a\nb", 5, True, b"ns"):
        with pytest.raises(InputRangeError) as err:
            full_plan.to_fhir(namespace=bad)
        assert err.value.field == "namespace"
        with pytest.raises(InputRangeError):
            full_plan.to_ics(stamp=STAMP, namespace=bad)


def test_ids_unique_within_one_export() -> None:
    s = _twins()  # two events on the same date with the same text
    bundle = s.to_fhir(subject=PATIENT_1)
    validate(bundle)
    urls = [x["fullUrl"] for x in bundle["entry"]]
    assert len(urls) == 2 and len(set(urls)) == 2
    assert len(set(_uids(s.to_ics(stamp=STAMP, subject=PATIENT_1)))) == 2


@pytest.mark.parametrize(
    "subject",
    [
        {"reference": ""},
        {},
        {"reference": "   "},
        {"reference": " \t"},
        {"display": "John Smith"},  # a name is not an identity
        {"reference": "123"},  # no type
        {"reference": "Patient/"},  # no id
        {"reference": "Patient"},
        {"reference": "/123"},
        {"reference": "Patient/1 2"},
        {"reference": "Patient/1\n"},
        {"reference": "Practitioner/1"},  # not a patient or group
        {"reference": "Patient/1", "type": "Group"},
        {"reference": 5},
        {"reference": "Patient/1", "extension": []},
        {"identifier": {"system": "", "value": "1"}},
        {"identifier": {"system": "urn:oid:1.2", "value": " "}},
        {"identifier": {"system": "urn:oid:1.2"}},
        {"identifier": "urn:oid:1.2|1"},
        {"reference": "Patient/1", "display": 5},
        "Patient/1",
        ["Patient/1"],
    ],
)
def test_empty_or_untyped_subject_refused(full_plan: Schedule, subject: Any) -> None:
    for export in (
        lambda: full_plan.to_fhir(subject=subject),
        lambda: full_plan.to_fhir(subject=subject, bundle_type="transaction"),
        lambda: full_plan.to_ics(stamp=STAMP, subject=subject),
    ):
        with pytest.raises(InputRangeError) as err:
            export()
        assert err.value.field == "subject"


def test_subject_never_shared(full_plan: Schedule) -> None:
    given_subject = {"reference": "Patient/123", "display": "J. Smith"}
    bundle = full_plan.to_fhir(subject=given_subject)
    subjects = [x["resource"]["subject"] for x in bundle["entry"]]
    assert len({id(s) for s in subjects}) == len(subjects)  # one dict per resource
    subjects[0]["reference"] = "Patient/999"  # a host edits one resource...
    assert all(s == given_subject for s in subjects[1:])  # ...and no other changes
    given_subject["reference"] = "Patient/666"  # nor does the caller's dict, after the call
    assert subjects[1]["reference"] == "Patient/123"


@settings(max_examples=50, deadline=None)
@given(st.uuids(), st.text(max_size=20), st.integers(0, 10_000) | st.text(max_size=8))
def test_minted_ids_are_uuid5(space: Any, content: str, position: Any) -> None:
    import uuid

    from plexodose._interop.identity import Minter

    # the fast path (prefix hashed once) is exactly RFC 4122 uuid5 over "content|position"
    assert Minter(space, content)(position) == str(uuid.uuid5(space, f"{content}|{position}"))


def test_class_8_two_patients_on_one_plan_share_no_id() -> None:
    """Never silently wrong, class 8 (ids shared across patients): two patients on one plan share no
    FHIR id; ids are stable per patient; an empty subject is refused."""
    s = plan(EX, start="2026-12-01")
    one = s.to_fhir(subject={"reference": "Patient/1"})
    two = s.to_fhir(subject={"reference": "Patient/2"})
    ids = lambda b: {e["resource"]["id"] for e in b["entry"]}  # noqa: E731
    assert not ids(one) & ids(two) and len(ids(one)) == len(one["entry"])
    assert ids(one) == ids(s.to_fhir(subject={"reference": "Patient/1"}))  # stable
    with pytest.raises(InputRangeError):
        s.to_fhir(subject={"reference": ""})


def test_class_8_identifier_subjects_cannot_run_into_each_other() -> None:
    """Never silently wrong, class 8 (ids shared across patients), found by the second reading:
    identifier subjects that differ only in where the '|' falls between system and value get
    different UIDs."""
    s = plan(EX, start="2026-12-01")
    one = s.to_ics(stamp=_STAMP, subject={"identifier": {"system": "urn:oid:1.2|3", "value": "45"}})
    two = s.to_ics(stamp=_STAMP, subject={"identifier": {"system": "urn:oid:1.2", "value": "3|45"}})
    uids = lambda text: {line for line in text.splitlines() if line.startswith("UID:")}  # noqa: E731
    assert not uids(one) & uids(two)
