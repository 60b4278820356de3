"""Every export of a schedule at once (text, CSV, records, iCalendar, FHIR R4): the same
under any pint format, no control character written, no optional library loaded. Each
export alone: test_records.py, test_ics.py, test_fhir_out.py, test_plot.py."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys

from fhir_schema import validate  # fhir.resources and the official FHIR R4 JSON Schema
from hypothesis import given, settings
from hypothesis import strategies as st

from plexodose import Schedule

START = dt.date(2026, 12, 1)
STAMP = dt.datetime(2026, 11, 24, 12, 0, tzinfo=dt.UTC)


def test_import_loads_no_optional_export_library() -> None:
    code = (
        "import sys, plexodose; s = plexodose.schedule(plexodose.ivig("
        "plexodose.Patient.example()), start='2026-12-01'); s.to_text(); s.to_csv(); "
        "s.to_fhir(); print(sorted(m for m in ('icalendar', 'matplotlib', 'fhir') "
        "if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


# ---------------------------------------------------------------------------------------------
# Never silently wrong: pint settings, control characters

PATIENT_1 = {"reference": "Patient/1"}


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
