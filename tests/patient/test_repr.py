"""Pasteable reprs (issue 21): the printed form of a Patient and of a Labs is a call that
rebuilds it exactly, and hypothesis prints that call in a falsifying example (not attrs'
``Patient(weight_kg=...)``, which the constructor refuses)."""

from __future__ import annotations

import datetime as dt
import re

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.vendor.pretty import pretty

from plexodose import Q_, Labs, Patient
from plexodose._core import limits as lim
from plexodose._monitoring import labs as _labs
from plexodose.strategies import patients

NAMES = {"Patient": Patient, "Labs": Labs}


@given(st.one_of(patients(), patients(complete=False), patients(varied_units=False),
                 patients(renal_impairment=True, baseline_creatinine=True)))
def test_a_patient_s_repr_rebuilds_it(p: Patient) -> None:
    text = repr(p)
    again = eval(text, NAMES)
    assert again == p
    assert repr(again) == text  # and prints the same, its typed text kept
    assert pretty(p) == text  # what hypothesis prints in a falsifying example


def test_a_repr_shows_the_text_typed_or_the_value_in_full() -> None:
    p = Patient(weight="158 lb", height="5'9\"", age=60, serum_creatinine="80 umol/L")
    assert repr(p) == ("Patient(weight='158 lb', height='5\\'9\"', age=60, "
                       "serum_creatinine='80 umol/L')")
    # a Quantity keeps no text: the value in full digits (150 x 0.45359237 = 68.0388555)
    q = Patient(weight=Q_(150, "lb"), age=60.5)
    assert repr(q) == "Patient(weight='68.0388555 kg', age=60.5)"
    exact = Patient(weight=Q_(100.46712345678, "kg"))
    assert repr(exact) == "Patient(weight='100.46712345678 kg')"
    assert eval(repr(exact), NAMES).weight_kg == 100.46712345678


def test_a_text_that_no_longer_reads_back_is_not_shown(monkeypatch: pytest.MonkeyPatch) -> None:
    from plexodose._patient import patient as _patient

    p = Patient(weight="158 lb")
    # the reading of "158 lb" changed (a host's registry): the repr falls back to the value
    monkeypatch.setattr(_patient, "_canonical", lambda *args: 1.0)
    assert repr(p) == "Patient(weight='71.66759446 kg')"  # 158 x 0.45359237


def test_a_falsifying_example_can_be_pasted_back() -> None:
    @settings(max_examples=200, database=None)
    @given(patients())
    def heavy(p: Patient) -> None:
        assert p.weight_kg < 80

    with pytest.raises(AssertionError) as caught:
        heavy()
    notes = "\n".join(getattr(caught.value, "__notes__", []))
    printed = re.search(r"p=(Patient\(.*\)),\n", notes)
    assert printed is not None, notes
    again = eval(printed.group(1), NAMES)
    assert isinstance(again, Patient) and again.weight_kg >= 80


def test_the_ipython_printer_prints_the_repr() -> None:
    class Printer:
        def __init__(self) -> None:
            self.out = ""

        def text(self, text: str) -> None:
            self.out += text

    for value in (Patient.example(), Labs(date="2027-01-16", wbc="3100 /uL")):
        printer = Printer()
        value._repr_pretty_(printer, False)
        assert printer.out == repr(value)


# --- Labs ------------------------------------------------------------------------------------

# Each analyte within its plausibility range, in one of the spellings Labs reads.
_SPELLINGS = {
    "wbc": ("x10^9/L", "/uL"), "neutrophils": ("x10^9/L", "10*9/L"),
    "eosinophils": ("x10^9/L", "/mm3"), "platelets": ("x10^9/L", "/uL"),
    "alt": ("U/L", "IU/L"), "ast": ("U/L", "U/L"), "albumin": ("g/L", "g/dL"),
    "mcv": ("fL", "fL"), "creatinine": ("mg/dL", "umol/L"),
    "egfr": ("mL/min/1.73 m^2", "mL/min/1.73 m^2"), "potassium": ("mmol/L", "mEq/L"),
}
_SCALE = {"/uL": 1e3, "/mm3": 1e3, "g/dL": 0.1, "umol/L": 1 / 0.011312}  # per canonical unit


def _range(name: str) -> tuple[float, float]:
    """The plausibility range, a thousandth inside each end: a value converted from another
    spelling may move by a rounding and must stay inside."""
    low, high = {**_labs.COUNT_LIMITS, "alt": _labs.ENZYME_U_L, "ast": _labs.ENZYME_U_L,
                 "albumin": _labs.ALBUMIN_G_L, "mcv": _labs.MCV_FL,
                 "creatinine": lim.CREATININE_MG_DL, "egfr": _labs.EGFR_ML_MIN,
                 "potassium": _labs.POTASSIUM_MMOL_L}[name]
    return low * 1.001, high * 0.999


@st.composite
def _lab_sets(draw: st.DrawFn) -> Labs:
    given_: dict[str, object] = {}
    for name in draw(st.lists(st.sampled_from(sorted(_SPELLINGS)), unique=True)):
        low, high = _range(name)
        unit = draw(st.sampled_from(_SPELLINGS[name]))
        value = draw(st.floats(low, high)) * _SCALE.get(unit, 1.0)
        given_[name] = f"{value!r} {unit}"
    if draw(st.booleans()):
        systolic = round(draw(st.floats(90, 200)), draw(st.integers(0, 3)))
        given_["blood_pressure"] = f"{systolic}/{draw(st.floats(40, 89))} mmHg"
    if given_ and draw(st.booleans()):
        given_["origins"] = {sorted(given_)[0]: "Observation/x1"}
    return Labs(date=dt.date(2027, 1, 16), **given_)


@given(_lab_sets())
def test_a_labs_repr_rebuilds_it(labs: Labs) -> None:
    text = repr(labs)
    again = eval(text, NAMES)
    assert again == labs and attrs.asdict(again) == attrs.asdict(labs)
    assert pretty(labs) == text


def test_the_labs_repr_writes_as_typed_else_full_digits_and_no_thousands_separator() -> None:
    labs = Labs(date="2027-01-16", platelets="1000000 /uL", creatinine="80 umol/L",
                blood_pressure="120.5/80 mmHg")
    # typed text reads back to the very values: the repr is what was typed
    assert repr(labs) == ("Labs(date='2027-01-16', platelets='1000000 /uL', "
                          "creatinine='80 umol/L', blood_pressure='120.5/80 mmHg')")
    # 1,000,000 / 1000 = 1000 x10^9/L, beside what was typed
    assert labs.text("platelets") == "1000000 /uL (1,000 x10^9/L)"
    # a Quantity keeps no text: 80 x 0.011312 = 0.90496 mg/dL in full digits, no separator
    made = Labs(date="2027-01-16", platelets=Q_(1_000_000, "1/uL"), creatinine=Q_(80, "umol/L"))
    assert repr(made) == ("Labs(date='2027-01-16', platelets='1000 x10^9/L', "
                          "creatinine='0.90496 mg/dL')")
    assert made.text("platelets") == "1,000 x10^9/L"


def test_a_subclass_dated_keeps_its_class_and_its_own_fields() -> None:
    # dated() copies every field of the object's own class, not only Patient's
    @attrs.frozen
    class WardPatient(Patient):
        ward: str = attrs.field(default="A", kw_only=True)

    made = WardPatient(weight="72 kg", ward="B").dated("2027-01-04")
    assert (type(made), made.ward, made.on) == (WardPatient, "B", dt.date(2027, 1, 4))
    assert made.weight_kg == 72.0
