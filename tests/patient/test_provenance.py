"""Issue 18: whose value, from when. Values carry their dates and origins; a stale weight or
creatinine is not used for a dose unless confirmed; dates that make no sense are refused."""

from __future__ import annotations

import datetime as dt
import json
import pickle

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

import plexodose as px
from plexodose import InputRangeError, Patient, PlexodoseError, azathioprine, ivig
from plexodose._patient import provenance as prov

ON = "2026-12-02"


def dated(**extra: object) -> Patient:
    given_ = dict(weight="72 kg", height="175 cm", sex="male", age=60, serum_creatinine="1 mg/dL",
                  measured={"weight": "2026-11-30", "serum_creatinine": "2026-12-01"},
                  origins={"weight": "Observation/w1"}, on=ON)
    given_.update(extra)
    return Patient(**given_)  # type: ignore[arg-type]


def test_values_used_state_dates_and_origins_on_every_result() -> None:
    course = ivig(dated())
    assert [str(v) for v in course.values_used] == [
        "weight 72 kg (measured 2026-11-30, Observation/w1)",
        "height 175 cm (date not stated)",  # given without a date: never assumed fresh
        "serum creatinine 1 mg/dL (measured 2026-12-01)",
    ]
    text = repr(course)
    assert "  values used:\n    weight 72 kg (measured 2026-11-30, Observation/w1)\n" in text
    assert course.steps[0] == "values judged on the decision date 2026-12-02 (on=)"
    exported = course.to_dict()["values_used"]
    assert exported[0] == {"name": "weight", "value": "72 kg", "measured": "2026-11-30",
                           "origin": "Observation/w1", "confirmed": None}
    assert exported[1]["measured"] is None
    json.dumps(course.to_dict())  # JSON-ready
    # an undated patient: every value "date not stated"
    plain = azathioprine(Patient.example())
    assert [str(v) for v in plain.values_used] == [
        "weight 72 kg (date not stated)", "height 175 cm (date not stated)",
        "serum creatinine 1 mg/dL (date not stated)"]


def test_the_dated_result_validates_against_the_shipped_schema() -> None:
    jsonschema = pytest.importorskip("jsonschema")
    jsonschema.validate(ivig(dated()).to_dict(), px.json_schema())


def test_stale_weight_refused_unless_confirmed() -> None:
    """A weight and creatinine from 1975 dosed IVIg in 2027 without a word."""
    old = dict(weight="72 kg", age=80, sex="male", serum_creatinine="1 mg/dL",
               measured={"weight": "1975-01-01", "serum_creatinine": "1975-01-01"}, on="2027-01-01")
    with pytest.raises(InputRangeError) as caught:
        ivig(Patient(**old))  # type: ignore[arg-type]
    assert caught.value.field == "weight"
    # 1975-01-01 to 2027-01-01: 52 years, 13 of them leap (1976 ... 2024) = 52 x 365 + 13 = 18,993 days
    assert "weight 72 kg measured 1975-01-01 is more than 7 days before the decision date " \
           "2027-01-01 (18993 days" in str(caught.value)
    assert "confirmed={'weight'" in str(caught.value)


def test_weight_windows_30_days_oral_and_7_days_for_a_pulse_or_ivig() -> None:
    # 2026-11-02 to 2026-12-02: 30 days: an oral dose takes it, an IVIg course (7 days) does not
    p = Patient(weight="72 kg", measured={"weight": "2026-11-02"}, on=ON)
    assert azathioprine(p).daily_dose_mg == 144.0  # 2 mg/kg/day x 72 kg
    with pytest.raises(InputRangeError, match="more than 7 days"):
        ivig(p)
    with pytest.raises(InputRangeError, match="more than 7 days"):
        px.cyclophosphamide_iv(attrs.evolve(p, height="175 cm"))
    # 31 days: stale for an oral dose too
    older = Patient(weight="72 kg", measured={"weight": "2026-11-01"}, on=ON)
    with pytest.raises(InputRangeError, match="more than 30 days"):
        azathioprine(older)
    # 7 days exactly before an IVIg course: fresh
    assert ivig(Patient(weight="72 kg", measured={"weight": "2026-11-25"}, on=ON)).dosing_weight_kg == 72


def test_confirmation_and_configured_windows() -> None:
    p = Patient(weight="72 kg", measured={"weight": "2026-11-20"}, confirmed={"weight": ON}, on=ON)
    course = ivig(p)  # 12 days old, confirmed today
    assert course.values_used[0].confirmed == dt.date(2026, 12, 2)
    assert any("used as confirmed on 2026-12-02" in w for w in course.warnings)
    assert prov.WEIGHT_STALE in course.sources
    # a confirmation itself older than the window does not help
    stale = Patient(weight="72 kg", measured={"weight": "2026-10-01"},
                    confirmed={"weight": "2026-10-02"}, on=ON)
    with pytest.raises(InputRangeError, match="confirmed 2026-10-02, also more than 30 days"):
        azathioprine(stale)
    # a window set for the patient replaces the default, and says so
    wide = Patient(weight="72 kg", measured={"weight": "2026-11-20"}, windows={"weight": 14}, on=ON)
    assert any("window set to 14 days" in w for w in ivig(wide).warnings)


def test_stale_creatinine_refused_for_a_dose() -> None:
    p = Patient(weight="72 kg", age=60, sex="male", serum_creatinine="1 mg/dL",
                measured={"weight": ON, "serum_creatinine": "2026-10-01"}, on=ON)
    with pytest.raises(InputRangeError) as caught:
        px.mycophenolate(p)
    assert caught.value.field == "serum_creatinine"


def test_old_height_warns() -> None:
    p = Patient(weight="72 kg", height="175 cm", measured={"height": "2024-01-01", "weight": ON}, on=ON)
    assert any(w.startswith("height measured 2024-01-01") and "re-measure" in w
               for w in azathioprine(p).warnings)


def test_dates_that_make_no_sense_are_refused() -> None:
    with pytest.raises(InputRangeError, match="after the decision date") as caught:
        Patient(weight="72 kg", measured={"weight": "2026-12-03"}, on=ON)
    assert caught.value.field == "measured"
    with pytest.raises(InputRangeError, match="before the patient's birth"):
        Patient(weight="72 kg", age=30, measured={"weight": "1980-01-01"}, on=ON)
    with pytest.raises(InputRangeError, match="has no serum_creatinine"):
        Patient(weight="72 kg", measured={"serum_creatinine": ON}, on=ON)
    with pytest.raises(InputRangeError, match="before the value was measured"):
        Patient(weight="72 kg", measured={"weight": "2026-12-01"}, confirmed={"weight": "2026-11-30"}, on=ON)
    with pytest.raises(InputRangeError, match="must be one of"):
        Patient(weight="72 kg", measured={"wieght": ON}, on=ON)
    with pytest.raises(InputRangeError, match="must be a date"):
        Patient(weight="72 kg", measured={"weight": "30/11/2026"}, on=ON)
    with pytest.raises(InputRangeError, match="windows"):
        Patient(weight="72 kg", windows={"weight": 0})


def test_patient_mappings_are_read_only_and_pickle() -> None:
    p = dated()
    with pytest.raises(TypeError):
        p.measured["weight"] = dt.date(2026, 1, 1)  # type: ignore[index]
    assert pickle.loads(pickle.dumps(p)) == p
    assert "measured={'serum_creatinine': '2026-12-01', 'weight': '2026-11-30'}" in repr(p)
    course = ivig(p)
    assert pickle.loads(pickle.dumps(course)).values_used == course.values_used


@given(st.integers(min_value=0, max_value=60))
def test_weight_age_decides_fresh_or_refused(days: int) -> None:
    on = dt.date(2026, 12, 2)
    p = Patient(weight="72 kg", measured={"weight": on - dt.timedelta(days=days)}, on=on)
    try:
        dose = azathioprine(p)
    except PlexodoseError as refused:
        assert days > 30 and refused.field == "weight"
    else:
        assert days <= 30 and dose.values_used[0].measured == on - dt.timedelta(days=days)
