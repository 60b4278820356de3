"""cyclophosphamide_next_pulse with dates: the Michigan step rule by calendar month (issue 19,
class 5) and the patient's values with their dates and origins, checked as every calculator
checks them (begin()).

Example patient: 175 cm, 72 kg, Mosteller BSA sqrt(175 x 72 / 3600) = sqrt(3.5) = 1.870829 m2.
"""

from __future__ import annotations

import datetime as dt

import pytest

from plexodose import Patient, cyclophosphamide_iv, cyclophosphamide_next_pulse
from plexodose._core import sources as src
from plexodose._core.errors import DoseRangeError, InputRangeError, MissingInputError

EX = Patient.example()
BSA = 1.870829  # m2
WHY = "specialist: refractory"


def _at(g_per_m2: float, override: str | None = WHY) -> object:
    return cyclophosphamide_iv(EX, g_per_m2=g_per_m2, override=override)


def _raise(**dates: str) -> object:
    """A 1.4 g/m2 pulse, nadir 3,000/uL (above the 2,000 target): a raise, on an override."""
    return cyclophosphamide_next_pulse(_at(1.4), nadir_wbc="3000 /uL", override=WHY, **dates)


# --- the Michigan step rule by calendar month ------------------------------------------------


def test_michigan_raise_in_a_later_calendar_month_is_given() -> None:
    # 1.4 x 1.25 = 1.75, limited to 1.4 + 0.1 = 1.5 g/m2; 1.5 x 1,000 x 1.870829 = 2,806.24 mg.
    # Last raise 27 February, this pulse 30 March: another calendar month, one raise allowed.
    nxt = _raise(on="2027-03-30", last_raised="2027-02-27")
    assert nxt.g_per_m2 == pytest.approx(1.5)
    assert nxt.dose_mg == pytest.approx(2806.24, abs=0.01)
    assert ("the last raise was on 2027-02-27, in an earlier calendar month than this pulse "
            "(2027-03-30): one raise this month (Michigan step rule)") in nxt.steps
    assert not any("not checked" in w for w in nxt.warnings)
    assert src.MICHIGAN_STEP in nxt.sources


def test_michigan_second_raise_in_a_calendar_month_is_refused_even_on_override() -> None:
    # Last raise 2 March, this pulse 30 March: a second raise in March, an absolute limit.
    with pytest.raises(DoseRangeError) as caught:
        _raise(on="2027-03-30", last_raised="2027-03-02")
    assert caught.value.field == "last_raised"
    assert caught.value.value == dt.date(2027, 3, 2)
    text = str(caught.value)
    assert "a raise from 1.4 to 1.5 g/m2 on 2027-03-30 would be a second raise" in text
    assert "an override does not lift it" in text
    assert "at the last pulse's 1.4 g/m2, or raise it from 2027-04-01" in text  # next 1st


def test_michigan_calendar_month_not_thirty_days() -> None:
    # 31 March then 1 April: one day apart, but two calendar months: allowed.
    assert _raise(on="2027-04-01", last_raised="2027-03-31").g_per_m2 == pytest.approx(1.5)
    # 1 March then 31 March: 30 days apart, one calendar month: refused.
    with pytest.raises(DoseRangeError):
        _raise(on="2027-03-31", last_raised="2027-03-01")
    # Across the new year: December and January are two months; the same month a year apart too.
    assert _raise(on="2028-01-05", last_raised="2027-12-20").g_per_m2 == pytest.approx(1.5)
    assert _raise(on="2028-03-15", last_raised="2027-03-01").g_per_m2 == pytest.approx(1.5)
    with pytest.raises(DoseRangeError) as caught:  # December 2027: the next month is January 2028
        _raise(on="2027-12-30", last_raised="2027-12-02")
    assert "raise it from 2028-01-01" in str(caught.value)


def test_michigan_without_dates_says_not_checked() -> None:
    nxt = _raise()
    assert nxt.g_per_m2 == pytest.approx(1.5)
    assert nxt.warnings[0] == (
        "Michigan step rule, at most one raise a calendar month from 1.4 g/m2: not checked: no "
        "dates (give on= (the date of this pulse) and last_raised= (the date of the last "
        "raise)); do not give this raise if the last pulse was already raised this calendar month")
    only_on = _raise(on="2027-03-30")
    assert "not checked: no dates (give last_raised= (the date of the last raise))" in (
        only_on.warnings[0])
    only_raise = _raise(last_raised="2027-03-02")
    assert "not checked: no dates (give on= (the date of this pulse))" in only_raise.warnings[0]


def test_michigan_dates_refuse_only_a_raise() -> None:
    same_month = {"on": "2027-03-30", "last_raised": "2027-03-02"}
    # A nadir of 1,500/uL cuts 20 %: 1.4 x 0.8 = 1.12 g/m2, not a raise: given.
    cut = cyclophosphamide_next_pulse(_at(1.4), nadir_wbc="1500 /uL", override=WHY, **same_month)
    assert cut.g_per_m2 == pytest.approx(1.12)
    # At the 1.6 g/m2 absolute limit a good nadir raises nothing: 1.6 is kept, not refused.
    top = cyclophosphamide_next_pulse(_at(1.6), nadir_wbc="3000 /uL", override=WHY, **same_month)
    assert top.g_per_m2 == pytest.approx(1.6)
    assert not any("calendar month" in w for w in top.warnings)
    # Below 1.4 g/m2 the month rule does not apply: 1.0 x 1.25 = 1.25 g/m2 on the override.
    low = cyclophosphamide_next_pulse(_at(1.0), nadir_wbc="3000 /uL", override=WHY, **same_month)
    assert low.g_per_m2 == pytest.approx(1.25)
    # Without an override the ceiling is 1 g/m2 and the step rule is not reached: 0.6 x 1.25.
    plain = cyclophosphamide_next_pulse(_at(0.6, None), nadir_wbc="3000 /uL", **same_month)
    assert plain.g_per_m2 == pytest.approx(0.75)


def test_michigan_dates_are_checked() -> None:
    with pytest.raises(InputRangeError) as caught:
        _raise(on="2027-03-30", last_raised="2027-04-02")  # a raise after this pulse
    assert caught.value.field == "last_raised" and "after this pulse" in str(caught.value)
    for field, bad in (("on", "30/03/2027"), ("last_raised", "yesterday"), ("on", 20270330),
                       ("last_raised", dt.datetime(2027, 3, 2, 9, 0))):
        with pytest.raises(InputRangeError) as caught:
            _raise(**{field: bad})
        assert caught.value.field == field and field in str(caught.value)


# --- values used: begin() on the patient now -------------------------------------------------


def _dated(**extra: object) -> Patient:
    fields: dict[str, object] = {
        "weight": "72 kg", "height": "175 cm", "sex": "male", "age": 60,
        "serum_creatinine": "1 mg/dL", "on": "2027-03-30",
        "measured": {"weight": "2027-03-28", "height": "2027-01-04",
                     "serum_creatinine": "2027-03-29"},
        "origins": {"weight": "Observation/w1", "serum_creatinine": "Observation/c1"},
    }
    fields.update(extra)
    return Patient(**fields)  # type: ignore[arg-type]


def test_next_pulse_with_patient_lists_the_values_used_with_dates_and_origins() -> None:
    first = _at(0.5, None)
    nxt = cyclophosphamide_next_pulse(first, nadir_wbc="3500 /uL", patient=_dated())
    used = {v.name: v for v in nxt.values_used}
    assert (used["weight"].text, used["weight"].measured, used["weight"].origin) == (
        "72 kg", dt.date(2027, 3, 28), "Observation/w1")
    assert used["height"].measured == dt.date(2027, 1, 4) and used["height"].origin is None
    assert used["serum_creatinine"].origin == "Observation/c1"
    assert "weight 72 kg (measured 2027-03-28, Observation/w1)" in repr(nxt)
    # the same BSA (72 kg, 175 cm): the dose is the one without a patient,
    # 0.5 x 1.25 = 0.625 g/m2 x 1.870829 m2 = 1,169.27 mg
    assert nxt.dose_mg == pytest.approx(1169.27, abs=0.01)
    assert nxt.steps[0] == "values judged on the decision date 2027-03-30 (on=)"
    assert nxt.steps[1] == ("BSA now 1.8708 m2 (mosteller, 175 cm, 72 kg), within 5 % of the "
                            "1.8708 m2 behind the last pulse: the last pulse's BSA is kept")


def test_next_pulse_without_patient_carries_the_last_pulse_values() -> None:
    first = cyclophosphamide_iv(_dated(), g_per_m2=0.5)
    nxt = cyclophosphamide_next_pulse(first, nadir_wbc="3500 /uL")
    assert nxt.values_used == first.values_used  # the BSA it reuses rests on them
    assert nxt.values_used[0].measured == dt.date(2027, 3, 28)


def test_next_pulse_patient_weight_older_than_7_days_is_refused_unless_confirmed() -> None:
    first = _at(0.5, None)
    # weight measured 2027-03-20, the pulse on 2027-03-30: 10 days, the pulse window is 7
    old = _dated(measured={"weight": "2027-03-20", "height": "2027-01-04"})
    with pytest.raises(InputRangeError) as caught:
        cyclophosphamide_next_pulse(first, nadir_wbc="3500 /uL", patient=old)
    assert caught.value.field == "weight" and "more than 7 days" in str(caught.value)
    confirmed = _dated(measured={"weight": "2027-03-20", "height": "2027-01-04"},
                       confirmed={"weight": "2027-03-29"})
    nxt = cyclophosphamide_next_pulse(first, nadir_wbc="3500 /uL", patient=confirmed)
    assert any("used as confirmed on 2027-03-29" in w for w in nxt.warnings)


def test_next_pulse_on_is_the_decision_date_of_the_patient() -> None:
    first = _at(0.5, None)
    # No on= on the patient: the pulse date judges the values; weight 2026-11-20 is 5 days
    # before a pulse on 2026-11-25 (fresh), 10 days before one on 2026-11-30 (stale).
    p = Patient(weight="72 kg", height="175 cm", measured={"weight": "2026-11-20"})
    fresh = cyclophosphamide_next_pulse(first, nadir_wbc="3500 /uL", patient=p, on="2026-11-25")
    assert fresh.steps[0] == "values judged on the decision date 2026-11-25 (on=)"
    with pytest.raises(InputRangeError) as caught:
        cyclophosphamide_next_pulse(first, nadir_wbc="3500 /uL", patient=p, on="2026-11-30")
    assert caught.value.field == "weight"
    with pytest.raises(InputRangeError) as caught:  # two decision dates: refused, not chosen
        cyclophosphamide_next_pulse(first, nadir_wbc="3500 /uL", patient=_dated(), on="2027-03-29")
    assert caught.value.field == "on"


def test_next_pulse_patient_bsa_5_percent_or_more_from_the_last_is_refused() -> None:
    first = _at(0.5, None)
    # 79 kg: BSA x sqrt(79 / 72) = x 1.04748, 4.75 % more: the last pulse's BSA is kept
    kept = cyclophosphamide_next_pulse(first, nadir_wbc="3500 /uL",
                                       patient=Patient(weight="79 kg", height="175 cm"))
    assert kept.dose_mg == pytest.approx(1169.27, abs=0.01)
    assert kept.steps[0].startswith("BSA now 1.9597 m2 (mosteller, 175 cm, 79 kg), within 5 %")
    # 80 kg: x sqrt(80 / 72) = x 1.05409 (1.97203 m2, shown to 4 decimals), 5.41 % more:
    # recalculate, never applied silently
    with pytest.raises(InputRangeError) as caught:
        cyclophosphamide_next_pulse(first, nadir_wbc="3500 /uL",
                                    patient=Patient(weight="80 kg", height="175 cm"))
    assert caught.value.field == "patient"
    assert str(caught.value).startswith(
        "patient: BSA 1.972 m2 (175 cm, 80 kg) differs by 5.4 % from the 1.8708 m2 behind the last "
        "pulse; 5 % or more asks for a recalculation")
    with pytest.raises(MissingInputError) as missing:
        cyclophosphamide_next_pulse(first, nadir_wbc="3500 /uL", patient=Patient(weight="72 kg"))
    assert missing.value.field == "height"
    with pytest.raises(InputRangeError) as wrong:
        cyclophosphamide_next_pulse(first, nadir_wbc="3500 /uL", patient="72 kg")  # type: ignore[arg-type]
    assert wrong.value.field == "patient"
