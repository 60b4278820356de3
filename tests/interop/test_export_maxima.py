"""Issue 19, class 4: an export never states a dose above the maximum written beside it, and
that maximum is the patient's own ceiling (dosing-rules.md, "Screening an order someone else
wrote" and Cyclophosphamide "Ceilings", changes of 2026-12-07)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from plexodose import (
    Patient,
    PlexodoseError,
    azathioprine,
    cyclophosphamide_iv,
    cyclophosphamide_oral,
    ivig,
    mycophenolate,
    schedule,
)
from plexodose.strategies import patients, regimens

START = dt.date(2026, 12, 1)


def _json_events(s: Any) -> list[dict[str, Any]]:
    from plexodose._interop.json import schedule_dict

    return [e for e in schedule_dict(s)["events"] if e["kind"] == "dose"]


def _fhir_dosages(s: Any) -> list[dict[str, Any]]:
    bundle = s.to_fhir()
    return [
        entry["resource"]["dosageInstruction"][0]
        for entry in bundle["entry"]
        if entry["resource"]["resourceType"] == "MedicationRequest"
    ]


def _assert_exports_within(s: Any) -> None:
    """Every exported dose is at or below the maximum written beside it."""
    for e in _json_events(s):
        if e["max_per_dose"] is not None:
            assert e["per_dose"]["value"] <= e["max_per_dose"]["value"], e
            assert e["dose"]["value"] <= e["max_per_dose"]["value"] * e["doses_per_day"] + 1e-9, e
        if e["max_per_day"] is not None:
            assert e["dose"]["value"] <= e["max_per_day"]["value"], e
    for d in _fhir_dosages(s):
        dose = d["doseAndRate"][0]["doseQuantity"]["value"]
        if "maxDosePerAdministration" in d:
            assert dose <= d["maxDosePerAdministration"]["value"], d
        if "maxDosePerPeriod" in d:  # one administration never holds more than a day's maximum
            assert dose <= d["maxDosePerPeriod"]["numerator"]["value"], d
    for r in s.to_records():
        if r["dose"] is None:
            continue
        if r["max_per_dose"] is not None:
            assert r["per_dose"] <= r["max_per_dose"], r
        if r["max_per_day"] is not None:
            assert r["dose"] <= r["max_per_day"], r


def test_ivig_dose_rounded_to_nearest_never_above_its_maximum_rounded_down() -> None:
    # 158 lb x 0.45359237 = 71.66759446 kg; 1 g/kg/day -> 71.66759446 g, the maximum
    # (1 g/kg/day, the same number). Rounded to 3 decimals the dose was 71.668 and the maximum
    # (rounded down) 71.667: now both are written 71.667.
    s = schedule(ivig(Patient(weight="158 lb"), g_per_kg_day=1, days=1), start=START)
    (e,) = _json_events(s)
    assert e["per_dose"]["value"] == 71.667 and e["max_per_dose"]["value"] == 71.667
    assert e["dose"]["value"] == 71.667 and e["max_per_day"]["value"] == 71.667
    (d,) = _fhir_dosages(s)
    assert d["doseAndRate"][0]["doseQuantity"]["value"] == 71.667
    assert d["maxDosePerAdministration"]["value"] == 71.667
    _assert_exports_within(s)


def test_iv_pulse_without_override_exports_the_seed_ceiling_of_1_g_per_m2() -> None:
    # 72 kg, 175 cm: Mosteller sqrt(175 x 72 / 3600) = 1.870829 m2; 0.75 g/m2 -> 1,403.12 mg.
    # Without an override the maximum is 1 g/m2 x 1.870829 = 1,870.829 mg (written 1,870.828,
    # rounded down), not 1.6 g/m2 (2,993.3 mg).
    s = schedule(cyclophosphamide_iv(Patient.example()), start=START, count=2)
    events = _json_events(s)
    assert {e["max_per_dose"]["value"] for e in events} == {1870.828}
    assert {e["per_dose"]["value"] for e in events} == {1403.0}  # 1,403.12 mg, prepared
    (d,) = _fhir_dosages(s)
    assert d["maxDosePerAdministration"]["value"] == 1870.828
    # On an override the Michigan protocol's absolute 1.6 g/m2 is the maximum: 2,993.325 mg.
    on = schedule(cyclophosphamide_iv(Patient.example(), override="specialist"), start=START,
                  count=1)
    assert {e["max_per_dose"]["value"] for e in _json_events(on)} == {2993.325}


def test_reduced_metabolizer_exports_the_upper_end_of_its_own_range() -> None:
    # TPMT intermediate, 72 kg: N = 2 x 72 = 144 mg; CPIC 30-80 %: 43.2-115.2 mg/day; the dose
    # is 50 mg daily and the exported maximum 0.8 x 144 = 115.2 mg/day (not 150).
    p = Patient(weight="72 kg", tpmt="intermediate", nudt15="normal")
    s = schedule(azathioprine(p), start=START, months=1)
    events = _json_events(s)
    assert {e["dose"]["value"] for e in events} == {50.0}
    assert {e["max_per_day"]["value"] for e in events} == {115.2}
    (d,) = _fhir_dosages(s)
    assert d["maxDosePerPeriod"]["numerator"]["value"] == 115.2
    # With allopurinol: range 0.3 x 0.25 x 144 = 10.8 to 0.8 x 1/3 x 144 = 38.4 -> 25 mg daily,
    # maximum 38.4 mg/day.
    allo = schedule(azathioprine(p, allopurinol=True), start=START, months=1)
    assert {e["dose"]["value"] for e in _json_events(allo)} == {25.0}
    assert {e["max_per_day"]["value"] for e in _json_events(allo)} == {38.4}


def test_a_check_trusting_the_maximum_accepts_the_library_order_and_nothing_above() -> None:
    # The downstream check: accept a day's dose if it is at or below maxDosePerPeriod.
    p = Patient(weight="72 kg", tpmt="intermediate", nudt15="normal")
    (d,) = _fhir_dosages(schedule(azathioprine(p), start=START, months=1))
    most = d["maxDosePerPeriod"]["numerator"]["value"]
    assert d["doseAndRate"][0]["doseQuantity"]["value"] <= most  # 50 <= 115.2: accepted
    assert most < 150.0  # the protocol cap, above the patient's own ceiling: rejected


_CALCULATORS = {
    "ivig": ivig,
    "azathioprine": azathioprine,
    "cyclophosphamide_oral": cyclophosphamide_oral,
    "cyclophosphamide_iv": cyclophosphamide_iv,
    "mycophenolate": mycophenolate,
}


@st.composite
def _plans(draw: Any) -> Any:
    name = draw(st.sampled_from(sorted(_CALCULATORS)))
    patient = draw(patients())
    kwargs = draw(regimens(name))
    try:
        result = _CALCULATORS[name](patient, **kwargs)
        if name == "cyclophosphamide_iv":
            return schedule(result, start=START, count=2)
        if name == "ivig":
            return schedule(result, start=START)
        return schedule(result, start=START, months=1)
    except PlexodoseError:
        return None  # a refusal (a missing height, a poor metabolizer) exports nothing


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_plans())
@example(schedule(ivig(Patient(weight="158 lb"), g_per_kg_day=1, days=1), start=START))
@example(schedule(cyclophosphamide_iv(Patient(weight="158 lb", height="69 in"), g_per_m2=1),
                  start=START, count=1))
def test_property_every_exported_dose_is_at_or_below_its_maximum(s: Any) -> None:
    if s is not None:
        _assert_exports_within(s)
