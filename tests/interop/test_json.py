"""The public JSON form: checked against the shipped JSON Schema with jsonschema."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import jsonschema
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import plexodose
from plexodose import Patient, PlexodoseError, azathioprine
from plexodose._interop.json import patient_dict
from plexodose.strategies import patients, regimens

VALIDATOR = jsonschema.Draft202012Validator(plexodose.json_schema())
CALCULATORS = ["ivig", "azathioprine", "cyclophosphamide_oral", "cyclophosphamide_iv",
               "ciclosporin", "mycophenolate", "cyclophosphamide_pulse_reduction"]


def valid(data: dict[str, Any]) -> dict[str, Any]:
    VALIDATOR.validate(data)
    json.dumps(data, allow_nan=False)
    return data


def quantities(data: Any) -> list[dict[str, Any]]:
    """Every {"value", "unit"} in ``data``."""
    if isinstance(data, dict):
        if set(data) == {"value", "unit"}:
            return [data]
        return [q for v in data.values() for q in quantities(v)]
    if isinstance(data, list):
        return [q for v in data for q in quantities(v)]
    return []


EX = Patient.example()  # 72 kg, 175 cm, male, 60 y, creatinine 1 mg/dL, TPMT/NUDT15 normal


def test_schema_is_a_valid_draft_2020_12_schema_shipped_in_the_package() -> None:
    from importlib.resources import files

    schema = plexodose.json_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert files("plexodose").joinpath("schema", "plexodose.schema.json").is_file()
    schema["$defs"].clear()  # a fresh copy each time: the caller cannot spoil it
    assert plexodose.json_schema()["$defs"]


@pytest.mark.parametrize("drug", CALCULATORS)
def test_every_calculator_result_validates(drug: str) -> None:
    function = getattr(plexodose, drug)

    @settings(max_examples=30, deadline=None)
    @given(patients(tpmt="normal", nudt15="normal"), regimens(drug))
    def check(p: Patient, kwargs: dict[str, Any]) -> None:
        try:
            result = function(p, **kwargs)
        except PlexodoseError:
            return  # refused for this patient's data (tested elsewhere)
        data = valid(result.to_dict())
        assert data["kind"] == type(result).__name__
        assert json.loads(result.to_json()) == data
        for q in quantities(data):
            assert q["value"] == round(q["value"], 3)  # no float noise

    check()


def test_daily_dose_names_calculated_and_dispensed() -> None:
    # azathioprine 2 mg/kg x 72 kg = 144 mg/day, dispensed 150 mg as 3 x 50 mg
    data = valid(plexodose.azathioprine(Patient.example()).to_dict())
    assert data["calculated"]["daily_dose"] == {"value": 144.0, "unit": "mg/d"}
    assert data["dispensed"]["per_dose"] == {"value": 150.0, "unit": "mg"}
    assert data["dispensed"]["units"] == [{"strength": {"value": 50.0, "unit": "mg"},
                                           "count": 3}]
    assert data["dispensed"]["rounding_error_fraction"] == 0.042  # 6 / 144 = 0.0417
    assert {s["tag"] for s in data["sources"]} >= {"seed"} and data["steps"]


def test_ivig_float_noise_is_rounded() -> None:
    # 0.4 g/kg x 82 kg = 32.800000000000004 in floats; written 32.8
    course = plexodose.ivig(Patient(weight="82 kg"), weight_basis="actual", product="privigen")
    assert course.daily_dose_g != 32.8
    data = valid(course.to_dict())
    assert data["calculated"]["daily_dose"] == {"value": 32.8, "unit": "g/d"}
    assert data["calculated"]["total_dose"] == {"value": 164.0, "unit": "g"}  # x 5 days
    assert data["dispensed"]["daily_dose"] == {"value": 35.0, "unit": "g/d"}  # 20 + 10 + 5 g
    assert data["dispensed"]["total_dose"] == {"value": 175.0, "unit": "g"}
    assert '"value": 32.8' in course.to_json()


def test_pulse_conversion_and_reduction() -> None:
    p = Patient.example()
    pulse = valid(plexodose.cyclophosphamide_iv(p).to_dict())
    # 0.75 g/m2 x 1.8708 m2 = 1,403.12 mg calculated, prepared to the whole mg: 1,403 mg
    assert pulse["dispensed"] == {"dose": {"value": 1403.0, "unit": "mg"},
                                  "rounded": "to the whole mg"}
    assert pulse["calculated"]["dose"]["value"] == pytest.approx(1403.12, abs=0.005)
    assert pulse["regimen"]["bsa"]["unit"] == "m2"
    conversion = valid(plexodose.convert_mycophenolate("1000 mg", to="sodium").to_dict())
    assert conversion["calculated"]["dose"] == {"value": 720.0, "unit": "mg"}  # 1000 mofetil
    reduction = valid(plexodose.cyclophosphamide_pulse_reduction(p).to_dict())
    assert reduction["calculated"]["dose_per_kg"]["unit"] == "mg/kg"


def test_schedule_validates_with_ucum_quantities() -> None:
    schedule = plexodose.plan(Patient.example(), start=dt.date(2026, 3, 1),
                              ivig_product="privigen")
    data = valid(schedule.to_dict())
    assert data["start"] == "2026-03-01" and len(data["events"]) == len(schedule)
    first = data["events"][0]
    assert first["dose"]["unit"] == "g" and first["rate_steps"][0]["unit"] == "mL/h"
    assert json.loads(schedule.to_json()) == data
    # the IVIg course's own ceiling, 1 g/kg/day x 72 kg, per infusion and per day
    assert first["max_per_dose"] == first["max_per_day"] == {"unit": "g", "value": 72.0}


def test_schedule_maxima_are_rounded_down() -> None:
    # 0.4 g/kg/day for 70.1238 kg (BMI 22.9): the ceiling 1 g/kg/day x 70.1238 kg = 70.1238 g;
    # to 3 decimals, down: 70.123 (the nearest, 70.124, would pass it); the dose 28.04952 g is
    # written to the nearest: 28.05
    p = Patient(weight="70.1238 kg", height="175 cm", sex="male", age=60)
    data = valid(plexodose.schedule(plexodose.ivig(p), start=dt.date(2026, 3, 1)).to_dict())
    event = data["events"][0]
    assert event["max_per_day"] == {"unit": "g", "value": 70.123}
    assert event["dose"] == {"unit": "g", "value": 28.05}


def test_patient_dict_validates() -> None:
    data = valid(patient_dict(Patient(weight="180 [lb_av]", age=50, sex="female")))
    assert data["weight"] == {"value": 81.647, "unit": "kg"}  # 180 x 0.45359237 = 81.6466


@given(st.sampled_from(CALCULATORS))
def test_changing_the_dict_does_not_change_the_result(drug: str) -> None:
    result = getattr(plexodose, drug)(Patient.example())
    first = result.to_dict()
    first["calculated"].clear()
    first["steps"].append("x")
    assert result.to_dict() != first and result.to_dict()["calculated"]


def test_schema_refuses_what_is_not_the_form() -> None:
    data = plexodose.azathioprine(Patient.example()).to_dict()
    broken = json.loads(json.dumps(data))
    broken["calculated"]["daily_dose"]["unit"] = "milligram / day"  # not a UCUM code
    with pytest.raises(jsonschema.ValidationError):
        VALIDATOR.validate(broken)


def test_class_13_json_names_calculated_and_dispensed() -> None:
    """Never silently wrong, class 13 (text that contradicted the numbers): the JSON names the
    calculated and the dispensed dose apart."""
    data = azathioprine(EX).to_dict()  # 144 mg calculated, 150 mg (3 x 50 mg) dispensed
    assert data["calculated"]["daily_dose"]["value"] == 144.0
    assert data["dispensed"]["per_dose"]["value"] == 150.0
