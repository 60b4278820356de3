"""Exports of a schedule: records, CSV, text, iCalendar, FHIR R4 and the plot."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import matplotlib
import pytest
from fhir_schema import validate  # fhir.resources and the official FHIR R4 JSON Schema
from hypothesis import given, settings
from hypothesis import strategies as st

from plexodose import (
    InputRangeError,
    Patient,
    Schedule,
    azathioprine,
    cyclophosphamide_iv,
    ivig,
    plan,
    schedule,
)
from plexodose._core.vocab import SECOND_AGENTS

matplotlib.use("Agg")

P = Patient.example()
START = dt.date(2026, 12, 1)
STAMP = dt.datetime(2026, 11, 24, 12, 0, tzinfo=dt.UTC)


@pytest.fixture(scope="module")
def full_plan() -> Schedule:
    return plan(P, start=START, ivig_product="privigen")


@pytest.fixture(scope="module")
def pulses() -> Schedule:
    # 1 g/m2 x 1.870829 m2 = 1,870.83 mg x 12 = 22.45 g: pulse 11 reaches 20 g (20.58 g)
    return schedule(cyclophosphamide_iv(P, g_per_m2=1), start=START, count=12)


# ---------------------------------------------------------------------------------------------
# Records, CSV, text


def test_records_are_plain_json(full_plan: Schedule) -> None:
    records = full_plan.to_records()
    assert json.loads(json.dumps(records)) == records  # only JSON types inside
    assert len(records) == len(full_plan)
    first = records[0]
    assert first["date"] == "2026-12-01" and first["drug"] == "IVIg" and first["kind"] == "dose"
    # Privigen: 30 g a day, 300 mL, 0.5 and 4 mg/kg/min x 72 kg x 60 / 100 = 21.6, 172.8 mL/h
    assert (first["dose"], first["dose_unit"], first["volume_ml"]) == (30, "g", pytest.approx(300))
    assert first["rate_steps_ml_per_h"] == pytest.approx([21.6, 172.8])
    twice = next(r for r in records if r["drug"] == "ciclosporin" and r["kind"] == "dose")
    assert (twice["dose"], twice["per_dose"], twice["doses_per_day"]) == (350, 175, 2)
    # the results' own limits: IVIg 1 g/kg/day x 72 kg; ciclosporin 5 mg/kg/day x 72 kg = 360
    # a day, 180 a dose in two
    assert (first["max_per_dose"], first["max_per_day"]) == (72, 72)
    assert (twice["max_per_dose"], twice["max_per_day"]) == (180, 360)
    test = next(r for r in records if r["kind"] == "monitoring")
    assert (test["max_per_dose"], test["max_per_day"]) == (None, None)


def test_csv_parses_back(full_plan: Schedule) -> None:
    rows = list(csv.DictReader(io.StringIO(full_plan.to_csv())))
    records = full_plan.to_records()
    assert len(rows) == len(records)
    for row, record in zip(rows, records, strict=True):
        assert row["date"] == record["date"] and row["description"] == record["description"]
        assert row["dose"] == ("" if record["dose"] is None else str(record["dose"]))
    assert rows[0]["rate_steps_ml_per_h"] == "21.6; 172.8"  # 0.5 and 4 mg/kg/min x 72 x 0.6
    assert (rows[0]["max_per_dose"], rows[0]["max_per_day"]) == ("72.0", "72.0")  # 1 g/kg x 72


def test_csv_of_pulses_carries_warnings(pulses: Schedule) -> None:
    rows = [r for r in csv.DictReader(io.StringIO(pulses.to_csv())) if r["kind"] == "dose"]
    warned = [r["date"] for r in rows if r["warnings"]]
    assert warned == [(START + dt.timedelta(days=28 * 10)).isoformat()]  # pulse 11, day 280
    # cumulative after pulse 11: 11 x 1,870.83 = 20,579.1 mg
    assert float(rows[10]["cumulative"]) == pytest.approx(11 * 1870.829, abs=0.01)


def test_text_is_an_aligned_table(full_plan: Schedule) -> None:
    text = full_plan.to_text()
    lines = text.splitlines()
    header = lines[1]
    assert header.split() == ["date", "drug", "kind", "dose", "route", "what"]
    column = header.index("drug")
    body = lines[2 : lines.index("totals:")]
    assert all(line[column - 2 : column] == "  " for line in body)  # columns line up
    # azathioprine 75 mg for 8 weeks (56 days) as one row
    assert any("(56 days)" in line and "75 mg daily" in line for line in body)
    assert "IVIg: 150 g" in text and "warnings:" in text and "sources:" in text
    assert "1.0 mg" not in text and "mg." not in text  # ISMP: no trailing zero


# ---------------------------------------------------------------------------------------------
# iCalendar


def test_ics_round_trips(full_plan: Schedule) -> None:
    import icalendar

    text = full_plan.to_ics(stamp=STAMP)
    assert text.startswith("BEGIN:VCALENDAR\r\n") and text.endswith("END:VCALENDAR\r\n")
    cal = icalendar.Calendar.from_ical(text)
    items = list(cal.walk("VEVENT"))
    assert len(items) == len(full_plan)
    got = [
        (i.decoded("dtstart"), str(i.get("summary")), str(i.get("description")).split("\n")[0])
        for i in items
    ]
    want = [(e.date, _summary(e), e.description) for e in full_plan]
    assert got == want
    assert len({str(i.get("uid")) for i in items}) == len(items)
    assert all(i.decoded("dtstamp") == STAMP for i in items)


def _summary(e: Any) -> str:
    from plexodose._interop.ics import summary

    return summary(e)


def test_ics_window_and_warnings(pulses: Schedule) -> None:
    import icalendar

    cal = icalendar.Calendar.from_ical(pulses.to_ics(stamp=STAMP))
    nadir = next(i for i in cal.walk("VEVENT") if "nadir" in str(i.get("summary")))
    # day 10-14 after the first pulse: DTEND is exclusive, so 15 December
    assert (nadir.decoded("dtstart"), nadir.decoded("dtend")) == (
        dt.date(2026, 12, 11),
        dt.date(2026, 12, 16),
    )
    warned = [i for i in cal.walk("VEVENT") if "WARNING" in str(i.get("description"))]
    assert [i.decoded("dtstart") for i in warned] == [START + dt.timedelta(days=280)]


# ---------------------------------------------------------------------------------------------
# FHIR R4


@pytest.mark.parametrize("second", SECOND_AGENTS)
def test_fhir_bundle_validates(second: str) -> None:
    s = plan(P, start=START, second_agent=second, ivig_product="privigen")
    bundle = s.to_fhir()
    validate(bundle)
    json.dumps(bundle)
    services = [x for x in bundle["entry"] if x["resource"]["resourceType"] == "ServiceRequest"]
    assert len(services) == sum(1 for e in s if e.kind != "dose")


def test_fhir_medication_requests_per_phase(full_plan: Schedule) -> None:
    bundle = full_plan.to_fhir(subject={"reference": "Patient/123"})
    validate(bundle)
    requests = [
        x["resource"]
        for x in bundle["entry"]
        if x["resource"]["resourceType"] == "MedicationRequest"
    ]
    # IVIg loading; azathioprine 75, 100, 150 mg; ciclosporin start and maintenance
    assert [
        (
            r["medicationCodeableConcept"]["text"],
            r["dosageInstruction"][0]["doseAndRate"][0]["doseQuantity"]["value"],
        )
        for r in requests
    ] == [
        ("IVIg", 30),
        ("azathioprine", 75),
        ("azathioprine", 100),
        ("azathioprine", 150),
        ("ciclosporin", 175),
        ("ciclosporin", 100),
    ]
    aza = requests[1]["dosageInstruction"][0]
    assert aza["timing"]["repeat"] == {
        "boundsPeriod": {"start": "2026-12-19", "end": "2027-02-12"},  # 56 days from 19 Dec
        "frequency": 1,
        "period": 1,
        "periodUnit": "d",
    }
    assert aza["doseAndRate"][0]["doseQuantity"] == {
        "value": 75.0,
        "unit": "mg",
        "system": "http://unitsofmeasure.org",
        "code": "mg",
    }
    assert aza["route"] == {
        "coding": [{"system": "http://snomed.info/sct", "code": "26643006",
                    "display": "Oral route"}],
        "text": "oral",
    }
    cic = requests[4]["dosageInstruction"][0]
    assert cic["timing"]["repeat"]["frequency"] == 2  # 175 mg twice daily
    ivig_rate = requests[0]["dosageInstruction"][0]["doseAndRate"][0]
    assert ivig_rate["doseQuantity"]["code"] == "g"
    assert ivig_rate["rateRange"]["high"]["code"] == "mL/h"
    assert all(r["subject"] == {"reference": "Patient/123"} for r in requests)


def test_fhir_pulses_and_windows(pulses: Schedule) -> None:
    bundle = pulses.to_fhir()
    validate(bundle)
    (request,) = [
        x["resource"]
        for x in bundle["entry"]
        if x["resource"]["resourceType"] == "MedicationRequest"
    ]
    repeat = request["dosageInstruction"][0]["timing"]["repeat"]
    assert (repeat["period"], repeat["periodUnit"]) == (4, "wk")  # every 28 days
    assert any("20 g threshold" in n["text"] for n in request["note"])
    nadir = next(
        x["resource"]
        for x in bundle["entry"]
        if "nadir" in x["resource"].get("code", {}).get("text", "")
    )
    assert nadir["occurrencePeriod"] == {"start": "2026-12-11", "end": "2026-12-15"}


def test_fhir_irregular_dates_listed() -> None:
    poor = Patient(weight="72 kg", tpmt="poor", nudt15="normal")
    s = schedule(azathioprine(poor, override="no alternative tolerated"), start=START, months=1)
    bundle = s.to_fhir()
    validate(bundle)
    timing = bundle["entry"][0]["resource"]["dosageInstruction"][0]["timing"]
    assert timing["event"][:3] == ["2026-12-01", "2026-12-03", "2026-12-05"]  # three a week
    assert len(timing["event"]) == 14
    repeat = timing["repeat"]
    assert (repeat["frequency"], repeat["period"], repeat["periodUnit"]) == (3, 1, "wk")
    text = bundle["entry"][0]["resource"]["dosageInstruction"][0]["text"]
    assert text.startswith("14.4 mg three times a week")  # 144 mg / 10, never "daily"


def test_fhir_subject_checked(full_plan: Schedule) -> None:
    with pytest.raises(InputRangeError):
        full_plan.to_fhir(subject="Patient/123")  # type: ignore[arg-type]


@settings(max_examples=15, deadline=None)
@given(st.sampled_from(SECOND_AGENTS), st.integers(1, 18))
def test_fhir_validates_for_any_plan(second: str, months: int) -> None:
    validate(plan(P, start=START, second_agent=second, months=months).to_fhir())


# ---------------------------------------------------------------------------------------------
# Plot


def test_plot_writes_png(pulses: Schedule, tmp_path: Path) -> None:
    target = tmp_path / "plan.png"
    fig = pulses.plot(target)
    assert target.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    axes = fig.get_axes()
    assert [t.get_text() for t in axes[0].get_yticklabels()] == ["cyclophosphamide"]
    assert len(axes) == 2  # the lanes and the cumulative-dose axis
    assert max(axes[1].get_lines()[0].get_ydata()) == pytest.approx(12 * 1.870829, abs=1e-3)


def test_plot_without_path_and_bad_path(full_plan: Schedule, tmp_path: Path) -> None:
    fig = full_plan.plot()
    labels = [t.get_text() for t in fig.get_axes()[0].get_yticklabels()]
    assert labels == ["IVIg", "azathioprine", "ciclosporin"]
    with pytest.raises(InputRangeError):
        full_plan.plot(tmp_path / "missing" / "plan.png")


def test_import_loads_no_optional_export_library() -> None:
    code = (
        "import sys, plexodose; s = plexodose.schedule(plexodose.ivig("
        "plexodose.Patient.example()), start='2026-12-01'); s.to_text(); s.to_csv(); "
        "s.to_fhir(); print(sorted(m for m in ('icalendar', 'matplotlib', 'fhir') "
        "if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_ivig_schedule_exports_validate() -> None:
    s = schedule(
        ivig(P), start=START, maintenance=ivig(P, g_per_kg_day=1, days=1), maintenance_count=3
    )
    bundle = s.to_fhir()
    validate(bundle)
    maintenance = [
        x["resource"]
        for x in bundle["entry"]
        if x["resource"]["resourceType"] == "MedicationRequest"
    ][1]
    repeat = maintenance["dosageInstruction"][0]["timing"]["repeat"]
    assert (repeat["period"], repeat["periodUnit"]) == (3, "wk")  # every 21 days
    assert repeat["boundsPeriod"] == {"start": "2026-12-22", "end": "2027-02-02"}  # day 21..63


def test_ics_carries_the_schedule_warnings(full_plan: Schedule) -> None:
    import icalendar

    cal = icalendar.Calendar.from_ical(full_plan.to_ics(stamp=STAMP))
    description = str(cal.get("description"))  # RFC 7986 calendar DESCRIPTION
    assert all(f"WARNING: {w}" in description for w in full_plan.warnings)


def test_ics_writer_escapes_and_folds_like_the_rfc() -> None:
    import icalendar

    from plexodose._interop.ics import _fold, _text

    value = "µg, mcg; a\\b\n" + "é" * 60  # commas, semicolons, backslash, newline, 2-byte chars
    line = _fold("DESCRIPTION:" + _text(value))
    assert all(len(part.encode()) <= 75 for part in line.split("\r\n"))
    text = f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\nBEGIN:VEVENT\r\n{line}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    event = icalendar.Calendar.from_ical(text).walk("VEVENT")[0]
    assert str(event["DESCRIPTION"]) == value


# ---------------------------------------------------------------------------------------------
# Never silently wrong: ids, pint settings, stamps, control characters

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


def _twins() -> Schedule:
    from plexodose._schedule.model import Event

    same = {"date": START, "drug": "azathioprine", "kind": "monitoring", "description": "CBC"}
    return Schedule(start=START, events=(Event(**same), Event(**same)))


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


PINT_FORMATS = ("~P", "~", "~#P", "~L", "L", "~H", "H", "P", "D", "~D", "~C", "C", "#~P")


def test_text_same_under_every_pint_format(full_plan: Schedule) -> None:
    import pint

    from plexodose import ureg

    def exports() -> tuple[str, ...]:
        return (
            full_plan.to_text(),
            full_plan.to_csv(),
            json.dumps(full_plan.to_records()),
            full_plan.to_ics(stamp=STAMP, subject=PATIENT_1),
            json.dumps(full_plan.to_fhir(subject=PATIENT_1)),
        )

    baseline = exports()
    assert "  IVIg: 150 g" in baseline[0]  # Privigen 30 g x 5 days
    registries = {id(r): r for r in (ureg, pint.get_application_registry())}.values()
    saved = [r.formatter.default_format for r in registries]
    try:
        for spec in PINT_FORMATS:
            for r in registries:
                r.formatter.default_format = spec
            assert exports() == baseline, spec
    finally:
        for r, old in zip(registries, saved, strict=True):
            r.formatter.default_format = old
    assert exports() == baseline


@pytest.mark.parametrize(
    "stamp",
    [
        dt.datetime(2026, 11, 24, 12, 0),  # naive: which instant?
        dt.datetime(1, 1, 1, tzinfo=dt.UTC),
        dt.datetime(999, 12, 31, tzinfo=dt.UTC),
        dt.datetime(1, 1, 1, tzinfo=dt.timezone(dt.timedelta(hours=14))),  # overflows in UTC
        dt.datetime(9999, 12, 31, 23, tzinfo=dt.timezone(dt.timedelta(hours=-14))),
        dt.datetime(1969, 12, 31, tzinfo=dt.UTC),
        dt.datetime(2200, 1, 1, tzinfo=dt.UTC),
        dt.date(2026, 11, 24),
        "2026-11-24T12:00:00Z",
        1764000000,
        True,
    ],
)
def test_ics_stamp_refused_unless_aware_and_plausible(pulses: Schedule, stamp: Any) -> None:
    with pytest.raises(InputRangeError) as err:
        pulses.to_ics(stamp=stamp)
    assert err.value.field == "stamp"


def test_ics_stamp_refused_naive_says_tzinfo(pulses: Schedule) -> None:
    with pytest.raises(InputRangeError, match="tzinfo"):
        pulses.to_ics(stamp=dt.datetime(2026, 11, 24, 12, 0))


def test_ics_stamp_pandas_timestamps(pulses: Schedule) -> None:
    import icalendar
    import pandas as pd

    for bad in (pd.Timestamp("2026-11-24 12:00"), pd.NaT, pd.Timestamp("1677-09-22", tz="UTC")):
        with pytest.raises(InputRangeError):
            pulses.to_ics(stamp=bad)
    aware = pd.Timestamp("2026-11-24 13:00:00.123456789", tz="Europe/Paris")  # UTC+1 in November
    cal = icalendar.Calendar.from_ical(pulses.to_ics(stamp=aware))
    assert {e.decoded("dtstamp") for e in cal.walk("VEVENT")} == {STAMP}  # 12:00 UTC
    plus_five = dt.datetime(2026, 11, 24, 17, 0, tzinfo=dt.timezone(dt.timedelta(hours=5)))
    assert "DTSTAMP:20261124T120000Z\r\n" in pulses.to_ics(stamp=plus_five)


UNSAFE = "\x00\x01\x08\x0b\x0c\r\x0e\x1b\x1f\x7f\x85\u2028\u2029\xa0\ufeff"


def _unsafe_schedule(text: str) -> Schedule:
    from plexodose._schedule.model import Event

    return Schedule(
        start=START,
        events=(
            Event(date=START, drug="azathioprine", kind="dose", description=f"dose {text}",
                  dose_amount=75.0, dose_unit="mg", route="oral", phase=f"start{text}",
                  warnings=(f"override: {text}",)),
            Event(date=START, drug="IVIg", kind="monitoring", description=f"{text} test",
                  warnings=(text + "x",)),
        ),
        warnings=(f"product {text} name",),
    )


def _assert_safe(s: Schedule) -> None:
    import icalendar

    from plexodose._core.text import clean

    texts = {
        "text": s.to_text(),
        "csv": s.to_csv(),
        "records": json.dumps(s.to_records(), ensure_ascii=False),
        "ics": s.to_ics(stamp=STAMP, subject=PATIENT_1),
    }
    for kind in ("collection", "transaction"):
        bundle = s.to_fhir(subject=PATIENT_1, bundle_type=kind)  # type: ignore[arg-type]
        validate(bundle)  # the FHIR string regex, by the JSON Schema
        texts[kind] = json.dumps(bundle, ensure_ascii=False)
    for name, text in texts.items():
        if name in ("ics", "csv"):  # their line ends are CRLF by standard
            text = text.replace("\r\n", "\n")
        assert clean(text) == text, name
    calendar = icalendar.Calendar.from_ical(texts["ics"])
    assert len(calendar.walk("VEVENT")) == len(s)


def test_control_characters_never_exported() -> None:
    s = _unsafe_schedule(UNSAFE)
    _assert_safe(s)
    bundle = s.to_fhir(subject=PATIENT_1)
    request = bundle["entry"][0]["resource"]
    assert request["note"][0]["text"] == "override: " + " " * len(UNSAFE)  # each one a space
    assert len(s.to_text().splitlines()) == len(s.to_text().split("\n"))  # no hidden breaks


@settings(max_examples=25, deadline=None)
@given(st.text(min_size=1, max_size=12))
def test_any_text_exports_safely(text: str) -> None:
    _assert_safe(_unsafe_schedule(text))


@settings(max_examples=50, deadline=None)
@given(st.uuids(), st.text(max_size=20), st.integers(0, 10_000) | st.text(max_size=8))
def test_minted_ids_are_uuid5(space: Any, content: str, position: Any) -> None:
    import uuid

    from plexodose._interop.identity import Minter

    # the fast path (prefix hashed once) is exactly RFC 4122 uuid5 over "content|position"
    assert Minter(space, content)(position) == str(uuid.uuid5(space, f"{content}|{position}"))
