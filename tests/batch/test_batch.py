"""The vectorized order audit: hand-checked rows, agreement with the scalar API, Dask."""

from __future__ import annotations

import math
import subprocess
import sys
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from plexodose import (
    Q_,
    ContraindicationError,
    InputRangeError,
    MissingInputError,
    Patient,
    azathioprine,
    cyclophosphamide_iv,
    cyclophosphamide_oral,
    cyclophosphamide_pulse_reduction,
    cyclosporin,
    ivig,
    mycophenolate,
)
from plexodose._dosing.calculation import creatinine_umol_l
from plexodose._drugs import azathioprine as aza
from plexodose._drugs import ciclosporin as csa
from plexodose._drugs import cyclophosphamide as cyc
from plexodose._drugs import ivig as ivg
from plexodose._drugs import mycophenolate as mmf
from plexodose.batch import DRUGS, OUTPUT_COLUMNS, audit, audit_dask, meta

EXAMPLE = dict(weight=72.0, weight_unit="kg", height=175.0, height_unit="cm", sex="male",
               age=60.0, serum_creatinine=1.0, creatinine_unit="mg/dL")


def order(drug: str, dose: float, dose_unit: str, **patient: Any) -> dict[str, Any]:
    return {"drug": drug, **EXAMPLE, **patient, "dose": dose, "dose_unit": dose_unit}


def one(row: dict[str, Any]) -> pd.Series:
    return audit(pd.DataFrame([row])).iloc[0]


# -- hand-checked rows -----------------------------------------------------------------------

def test_azathioprine_range_and_cap() -> None:
    # IBW 50 + 2.3 x (175 / 2.54 - 60) = 70.46 < 72; CrCl 80 x 70.46 / 72 = 78.3: no reduction
    r = audit(pd.DataFrame([order("azathioprine", 100, "mg/day"),
                            order("azathioprine", 0.2, "g/day"),
                            order("azathioprine", 60, "mg/day")]))
    assert r["low_mg"].tolist() == [72.0] * 3  # 1 mg/kg x 72 kg
    assert r["high_mg"].tolist() == [144.0] * 3  # 2 mg/kg x 72 kg
    assert r["cap_mg"].tolist() == [150.0] * 3
    assert r["ordered_mg"].tolist() == [100.0, 200.0, 60.0]  # 0.2 g/day = 200 mg/day
    assert r["status"].tolist() == ["ok", "over_cap", "under_range"]
    assert r["reason"].tolist()[1:] == ["over the hard cap: azathioprine 150 mg/day",
                                        "under the protocol range: azathioprine 1-2 mg/kg/day "
                                        "(seed), renal reduction"]


@pytest.mark.parametrize(("scr", "share"), [
    (3.0, 0.75),  # CrCl 80 x 70.46 / (72 x 3) = 26.1 mL/min: 10-50 -> 75 %
    (12.0, 0.5),  # CrCl 80 x 70.46 / (72 x 12) = 6.5 mL/min: below 10 -> 50 %
])
def test_azathioprine_renal_reduction(scr: float, share: float) -> None:
    r = one(order("azathioprine", 100, "mg/day", serum_creatinine=scr))
    assert r["low_mg"] == pytest.approx(72 * share)  # 54 or 36
    assert r["high_mg"] == pytest.approx(144 * share)  # 108 or 72
    assert r["status"] == ("ok" if share == 0.75 else "above_range")  # 100 mg vs 108 or 72 mg


def test_ivig_uses_adjusted_weight_when_obese() -> None:
    # female 120 kg, 170 cm: BMI 120 / 1.7^2 = 41.5 > 30
    # IBW 45.5 + 2.3 x (170 / 2.54 - 60) = 61.437; adjusted 61.437 + 0.4 x 58.563 = 84.862 kg
    r = one(order("ivig", 35, "g/day", weight=120.0, height=170.0, sex="female"))
    assert r["low_mg"] == pytest.approx(0.4 * 84.8622 * 1000, rel=1e-5)  # 33,945 mg
    assert r["high_mg"] == pytest.approx(84.8622 * 1000, rel=1e-5)
    assert r["cap_mg"] == r["high_mg"]  # 1 g/kg/day is also the ceiling
    assert r["ordered_mg"] == 35000.0
    assert r["status"] == "ok"


def test_ivig_courses_and_without_height_not_screened() -> None:
    # 158 lb = 71.6676 kg, 175 cm: BMI 23.4, actual weight; 0.4 x 71.6676 = 28.667 g/day
    # (25.8-31.5 within 10 %); 1 g/kg over 3 days 23.889 (21.5-26.3), over 4 days 17.917
    # (16.1-19.7, nearest 5 g: 20): 21 g is none of them, 25 g is the 3-day course
    r = one(order("ivig", 21, "g/day", weight=158.0, weight_unit="lb"))
    assert r["low_mg"] == pytest.approx(28667.04)
    assert (r["status"], r["category"]) == ("off_protocol", "above_soft")
    assert r["reason"].startswith("not a seed or labelled IVIg course")
    assert one(order("ivig", 25, "g/day", weight=158.0, weight_unit="lb"))["status"] == "ok"
    # without height the dosing weight (adjusted above BMI 30) cannot be chosen: not screened,
    # unless above 1 g/kg/day of actual weight (71.67 g), which no dosing weight passes
    unknown = one(order("ivig", 25, "g/day", weight=158.0, weight_unit="lb", height=None))
    assert (unknown["status"], unknown["category"]) == ("missing_data", "not_screened")
    assert "IVIg dosing weight" in unknown["note"] and "no IVIg dosing weight" in unknown["reason"]
    over = one(order("ivig", 72, "g/day", weight=158.0, weight_unit="lb", height=None))
    assert (over["cap_mg"], over["status"]) == (pytest.approx(71667.6), "over_cap")


def test_cyclophosphamide_iv_is_per_pulse_on_bsa() -> None:
    r = one(order("cyclophosphamide_iv", 1.5, "g"))
    bsa = math.sqrt(175 * 72 / 3600)  # Mosteller 1.8708 m2
    assert r["per"] == "pulse"
    assert r["low_mg"] == pytest.approx(0.3 * 1000 * bsa)  # 561 mg
    assert r["high_mg"] == pytest.approx(1.0 * 1000 * bsa)  # 1,871 mg
    assert r["cap_mg"] == pytest.approx(1.6 * 1000 * bsa)  # 2,993 mg
    assert r["status"] == "ok" and r["note"] == ""
    # age 60 (60-70), 88.4 umol/L (< 300): EULAR 12.5 of 15 mg/kg, 1 g/m2 x 12.5 / 15 x 1.8708
    # = 1,559 mg: a fuller pulse warns (the screen), within the seed's 1 g/m2
    fuller = one(order("cyclophosphamide_iv", 1.6, "g"))
    assert (fuller["status"], fuller["category"]) == ("ok", "within")
    assert "EULAR/CYCLOPS pulse for age and creatinine: consider the reduction" in fuller["note"]
    # a pulse is prepared to the whole mg: 1,871.3 mg (1 g/m2 + 0.5 mg) is still 1 g/m2
    edge = one(order("cyclophosphamide_iv", 1000 * bsa + 0.5, "mg"))
    assert edge["status"] == "ok"
    assert one(order("cyclophosphamide_iv", 1000 * bsa + 0.6, "mg"))["status"] == "above_range"
    assert one(order("cyclophosphamide_iv", 2.5, "g"))["status"] == "above_range"
    assert one(order("cyclophosphamide_iv", 3.5, "g"))["status"] == "over_cap"
    # 7 mg/dL = 618.8 umol/L: beyond the EULAR table (500): refused by default, never missing
    beyond = one(order("cyclophosphamide_iv", 1, "g", serum_creatinine=7.0))
    assert (beyond["status"], beyond["category"]) == ("contraindicated", "above_soft")
    assert "beyond the EULAR/CYCLOPS table" in beyond["reason"]


@pytest.mark.parametrize(("scr", "top"), [
    (3.0, 1.75),  # 3 mg/dL = 265 umol/L >= 250: at most 1.75 mg/kg/day
    (6.0, 1.5),  # 530 umol/L >= 500: at most 1.5 mg/kg/day
    (1.0, 2.0),
])
def test_cyclophosphamide_oral_creatinine_limit(scr: float, top: float) -> None:
    r = one(order("cyclophosphamide_oral", 100, "mg/day", serum_creatinine=scr))
    assert (r["low_mg"], r["high_mg"]) == pytest.approx((72.0, top * 72))
    # the band's mg/kg is an absolute limit (126, 108 or 144 mg/day), under 200 mg/day
    assert r["cap_mg"] == pytest.approx(top * 72)
    over = one(order("cyclophosphamide_oral", top * 72 + 1, "mg/day", serum_creatinine=scr))
    assert (over["status"], over["category"]) == ("over_cap", "above_hard")


def test_cyclophosphamide_oral_at_most_200_mg_a_day() -> None:
    # 120 kg: 1-2 mg/kg/day = 120-240 mg/day, limited to 200 mg/day (EULAR 2009 / EUVAS)
    r = audit(pd.DataFrame([order("cyclophosphamide_oral", dose, "mg/day", weight=120.0)
                            for dose in (200, 201, 110)]))
    assert r["low_mg"].tolist() == [120.0] * 3
    assert r["high_mg"].tolist() == [cyc.ORAL_MAX_MG_PER_DAY] * 3
    assert r["cap_mg"].tolist() == [cyc.ORAL_MAX_MG_PER_DAY] * 3
    assert r["status"].tolist() == ["ok", "over_cap", "under_range"]
    # 250 kg: even 1 mg/kg/day is past 200, so the range is 200-200
    assert one(order("cyclophosphamide_oral", 200, "mg/day", weight=250.0))["status"] == "ok"


def test_mycophenolate_egfr_limit() -> None:
    normal = one(order("mycophenolate", 1000, "mg"))  # 1000 mg a dose x 2 = 2000 mg/day
    assert (normal["ordered_mg"], normal["low_mg"], normal["high_mg"], normal["cap_mg"]) == (
        2000.0, 1000.0, 3000.0, 3000.0)
    # male 60 y, 4 mg/dL: eGFR 142 x (4 / 0.9)^-1.2 x 0.9938^60 = 16.3 < 25: 2,000 mg a day
    low_gfr = one(order("mycophenolate", 1500, "mg", serum_creatinine=4.0))
    assert (low_gfr["low_mg"], low_gfr["high_mg"], low_gfr["cap_mg"]) == (1000.0, 2000.0, 2000.0)
    assert low_gfr["status"] == "over_cap"  # 2 x 1,500 = 3,000 mg/day


def test_mycophenolate_under_500_mg_a_dose_is_below_whatever_the_day() -> None:
    # 4 x 300 mg = 1,200 mg/day is inside 1,000-3,000, but 300 mg a dose is under 500 (eTG);
    # four doses a day is not the protocol's twice daily: above_soft is the worse finding
    r = one({**order("mycophenolate", 300, "mg"), "doses_per_day": 4})
    assert (r["ordered_mg"], r["status"], r["category"]) == (1200.0, "off_protocol",
                                                             "above_soft")
    assert r["reason"] == ("not the protocol's frequency: mycophenolate 2 doses a day, every "
                           "day of the week: needs a stated reason; under the protocol range: "
                           "mycophenolate 500-1500 mg a dose, 1000-3000 mg/day")
    twice = one(order("mycophenolate", 450, "mg"))  # 2 x 450 = 900 mg/day, 450 a dose
    assert (twice["status"], twice["category"]) == ("under_range", "below")


def test_ciclosporin_per_dose_is_doubled() -> None:
    r = one(order("Cyclosporin", 180, "mg"))  # alias and case; 2 doses x 180 mg = 360 mg/day
    assert r["drug"] == "ciclosporin"
    assert (r["ordered_mg"], r["low_mg"], r["high_mg"]) == (360.0, 180.0, 360.0)  # 2.5-5 x 72
    assert r["status"] == "ok"


@pytest.mark.parametrize(("changes", "status", "words"), [
    ({"drug": "cyclophosphamide", "route": None}, "missing_data", "route not given"),
    ({"drug": "cyclophosphamide", "route": "sc"}, "implausible_input", "route 'sc' must be"),
    ({"drug": None}, "missing_data", "drug not given"),
    ({"dose": None}, "missing_data", "dose not given"),
    ({"drug": "cyclophosphamide_iv", "height": None, "dose_unit": "mg"}, "missing_data",
     "height not given"),
    ({"dose_unit": "mg"}, "wrong_unit", "a plain mass does not say how often"),
    ({"drug": "cyclophosphamide_iv", "dose_unit": "mg/day"}, "wrong_unit", "mass per pulse"),
    ({"weight_unit": "cm"}, "wrong_unit", "weight '72 cm' is not in a mass unit"),
    ({"weight_unit": None}, "wrong_unit", "weight 72 has no unit"),
    ({"dose_unit": "furlongs"}, "wrong_unit", "dose '100 furlongs'"),
    ({"dose_unit": "grain"}, "wrong_unit", "dose '100 grain'"),  # refused by the scalar API too
    ({"weight": 400.0}, "implausible_input", "outside the plausible range 2-350 kg"),
    # 400 lb = 181 kg: 1 mg/kg = 181 mg is past the 150 mg cap, so the range is 150-150 mg
    ({"weight": 400.0, "weight_unit": "lb"}, "under_range", "under the protocol range"),
    ({"serum_creatinine": 30.0}, "implausible_input", "0.1-25 mg/dL"),
    ({"sex": "m"}, "implausible_input", "sex 'm' must be 'female' or 'male'"),
    ({"dose": -5.0}, "implausible_input", "finite number above 0"),
    ({"weight": "72 kg"}, "implausible_input", "is not a real number"),
    ({"weight": True}, "implausible_input", "weight True is not a real number"),
    ({"dose": 100 + 1000j}, "implausible_input", "dose (100+1000j) is not a real number"),
    ({"dose": 100 + 0j}, "implausible_input", "is not a real number"),
    ({"dose": math.inf}, "implausible_input", "dose inf must be a finite number above 0"),
    ({"weight": -math.inf}, "implausible_input", "outside the plausible range"),
    ({"doses_per_day": 3}, "off_protocol", "not the protocol's frequency: azathioprine 1 dose "
     "or 2 doses a day"),
    ({"doses_per_day": 25}, "implausible_input", "doses_per_day 25 must be a whole number from "
     "1 to 24"),
    ({"doses_per_day": 1.5}, "implausible_input", "doses_per_day 1.5 must be a whole number"),
    ({"days_per_week": 5}, "off_protocol", "every day of the week"),
    ({"days_per_week": 8}, "implausible_input", "days_per_week 8 must be a whole number from 1 "
     "to 7"),
    ({"dose": 300.0, "dose_unit": "g/day"}, "implausible_input",
     "dose '300 g/day' is outside the plausible range (0.001 to 200,000 mg)"),
    ({"dose": 0.5, "dose_unit": "ug/day"}, "implausible_input",  # 0.0005 mg: a typing error
     "dose '0.5 ug/day' is outside the plausible range (0.001 to 200,000 mg)"),
    # an absolute limit needs no patient value: 200 mg/day is above 150 whatever the weight
    ({"dose": 200.0, "weight": None}, "over_cap", "weight not given; over the hard cap"),
    ({"age": 12.0}, "minor", "under 18"),
    ({"age": 130.0}, "implausible_input", "0-120 years"),
])
def test_input_problems(changes: dict[str, Any], status: str, words: str) -> None:
    row = order("azathioprine", 100, "mg/day")
    row.update(changes)
    r = one(row)
    assert r["status"] == status
    assert words in r["reason"]


def test_unknown_drugs_may_be_flagged_instead_of_refused() -> None:
    r = audit(pd.DataFrame([order("prednisolone", 5, "mg/day"), order("azathioprine", 100, "mg/day")]),
              unknown_drugs="flag")
    assert r["status"].tolist() == ["unknown_drug", "ok"]
    assert r["reason"].iloc[0].startswith("drug 'prednisolone' is not one of ivig, azathioprine")
    with pytest.raises(InputRangeError, match="unknown_drugs must be 'raise' or 'flag'"):
        audit(pd.DataFrame([order("azathioprine", 100, "mg/day")]), unknown_drugs="ignore")  # type: ignore[arg-type]


def test_the_first_problem_decides_and_every_problem_is_named() -> None:
    r = one(order("azathioprine", None, "mg/day", weight=400.0, sex="x"))
    assert r["status"] == "missing_data"
    assert "dose not given" in r["reason"] and "2-350 kg" in r["reason"]
    assert "sex 'x'" in r["reason"]


def test_optional_columns_may_be_absent() -> None:
    frame = pd.DataFrame({"drug": ["azathioprine", "cyclophosphamide_iv"], "weight": [72, 72],
                          "weight_unit": ["kg", "kg"], "dose": [100, 1], "dose_unit": ["mg/day", "g"]})
    r = audit(frame)
    assert r["status"].tolist() == ["ok", "missing_data"]
    assert "renal reduction not checked" in r["note"].iloc[0]


def test_output_shape_and_index_are_kept() -> None:
    frame = pd.DataFrame([order("azathioprine", 100, "mg/day")] * 3, index=[10, 20, 30])
    r = audit(frame)
    assert list(r.columns) == list(OUTPUT_COLUMNS)
    assert r.index.tolist() == [10, 20, 30]
    assert r.dtypes.to_dict() == meta().dtypes.to_dict()
    assert audit(frame.iloc[:0]).empty


def test_refusals_are_plexodose_errors() -> None:
    with pytest.raises(InputRangeError, match="drug 'prednisolone' is not one the audit knows"):
        audit(pd.DataFrame([order("prednisolone", 5, "mg/day")]))
    with pytest.raises(MissingInputError, match="'dose_unit' column"):
        audit(pd.DataFrame({"drug": ["ivig"], "weight": [72], "weight_unit": ["kg"],
                            "dose": [30]}))
    with pytest.raises(InputRangeError, match="pandas DataFrame"):
        audit([{"drug": "ivig"}])


def test_import_plexodose_does_not_import_pandas_or_the_batch_module() -> None:
    # (pint itself imports numpy and dask.base when they are installed)
    code = ("import sys, plexodose; "
            "print(sorted({'pandas', 'plexodose.batch', 'distributed'} & set(sys.modules)))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


# -- agreement with the scalar API -----------------------------------------------------------

MASS_UNITS = {"kg": (30.0, 200.0), "lb": (66.0, 440.0), "g": (30_000.0, 200_000.0)}
LENGTH_UNITS = {"cm": (140.0, 210.0), "m": (1.4, 2.1), "in": (55.0, 83.0)}
CREATININE_UNITS = {"mg/dL": (0.3, 12.0), "umol/L": (27.0, 1060.0)}


def _measure(units: dict[str, tuple[float, float]]) -> st.SearchStrategy[tuple[float, str]]:
    return st.sampled_from(sorted(units)).flatmap(
        lambda unit: st.tuples(st.floats(*units[unit]), st.just(unit)))


@st.composite
def patient_rows(draw: Any) -> dict[str, Any]:
    weight, weight_unit = draw(_measure(MASS_UNITS))
    height = draw(st.none() | _measure(LENGTH_UNITS))
    creatinine = draw(st.none() | _measure(CREATININE_UNITS))
    return {
        "drug": draw(st.sampled_from(DRUGS)),
        "weight": weight, "weight_unit": weight_unit,
        "height": None if height is None else height[0],
        "height_unit": None if height is None else height[1],
        "sex": draw(st.sampled_from(["female", "male", None])),
        "age": draw(st.none() | st.floats(18, 100)),
        "serum_creatinine": None if creatinine is None else creatinine[0],
        "creatinine_unit": None if creatinine is None else creatinine[1],
        "dose_share": draw(st.floats(0.3, 2.5)),  # the order as a share of the scalar maximum
    }


def scalar_patient(row: dict[str, Any]) -> Patient:
    def quantity(value: str, unit: str) -> Any:
        return None if row[value] is None else Q_(row[value], row[unit])
    return Patient(weight=Q_(row["weight"], row["weight_unit"]),
                   height=quantity("height", "height_unit"), sex=row["sex"], age=row["age"],
                   serum_creatinine=quantity("serum_creatinine", "creatinine_unit"),
                   tpmt="normal", nudt15="normal")


def scalar_range(drug: str, p: Patient) -> tuple[float, float, float]:
    """(low, high, cap) in mg/day (mg per pulse), from the scalar calculators at the range ends."""
    if drug == "ivig":
        low_rate, high_rate = min(ivg.SEED_REGIMENS), max(ivg.SEED_REGIMENS)
        low = ivig(p, g_per_kg_day=low_rate, days=ivg.SEED_REGIMENS[low_rate][0])
        high = ivig(p, g_per_kg_day=high_rate, days=ivg.SEED_REGIMENS[high_rate][0])
        cap = ivg.MAX_G_PER_KG_DAY * high.dosing_weight_kg * 1000
        return low.daily_dose_g * 1000, high.daily_dose_g * 1000, cap
    if drug == "cyclophosphamide_iv":
        ends = [cyclophosphamide_iv(p, g_per_m2=rate) for rate in cyc.IV_G_PER_M2]
        return ends[0].dose_mg, ends[1].dose_mg, cyc.IV_HARD_MAX_G_PER_M2 * 1000 * ends[1].bsa_m2
    if drug == "cyclophosphamide_iv_mg_per_kg":
        pulse = cyclophosphamide_pulse_reduction(p)  # needs age and creatinine (<= 500 umol/L)
        dose = min(pulse.dose.to("mg").magnitude, cyc.PULSE_MAX_MG)  # the CYCLOPS 1.2 g
        return dose, dose, cyc.PULSE_MAX_MG
    if drug == "mycophenolate":
        ends = [mycophenolate(p, mg_per_dose=dose) for dose in mmf.MG_PER_DOSE]
        assert ends[1].cap_mg_per_day is not None
        return ends[0].daily_dose_mg, ends[1].daily_dose_mg, ends[1].cap_mg_per_day
    calculator, rates, cap = {
        "azathioprine": (azathioprine, aza.MG_PER_KG_DAY, aza.CAP_MG_PER_DAY),
        "cyclophosphamide_oral": (cyclophosphamide_oral, cyc.ORAL_MG_PER_KG_DAY,
                                  min(_oral_band(p) * p.weight_kg, cyc.ORAL_MAX_MG_PER_DAY)),
        "ciclosporin": (cyclosporin, csa.MG_PER_KG_DAY, csa.MG_PER_KG_DAY[1] * p.weight_kg),
    }[drug]
    # eGFR < 60: ciclosporin is refused without a reason, and its range is still the range
    reason = {"override": "eGFR < 60 (test)"} if drug == "ciclosporin" else {}
    low, high = (calculator(p, mg_per_kg_day=rate, **reason).daily_dose_mg for rate in rates)
    if drug == "cyclophosphamide_oral":  # the 200 mg/day maximum (a no-op once the calculator has it)
        low, high = (min(end, cyc.ORAL_MAX_MG_PER_DAY) for end in (low, high))
    return low, high, cap


def _oral_band(p: Patient) -> float:
    """The creatinine band's mg/kg/day (2, 1.75 from 250 umol/L, 1.5 above 500)."""
    # the library's factor (113.12 g/mol: 88.4017 umol/L per mg/dL), not 88.4: at exactly
    # 250 umol/L typed, 2.82805 mg/dL x 88.4 = 249.9998 would fall in the wrong band
    umol = creatinine_umol_l(p)
    if umol is None or umol < 250:
        return cyc.ORAL_MG_PER_KG_DAY[1]
    return cyc.ORAL_OVER_500_UMOL_L if umol > 500 else cyc.ORAL_FROM_250_UMOL_L


def expected_status(ordered: float, low: float, high: float, cap: float) -> str:
    if ordered > cap * (1 + 1e-9):
        return "over_cap"
    if ordered > high * (1 + 1e-9):
        return "above_range"
    return "under_range" if ordered < low * (1 - 1e-9) else "ok"


# g/kg/day: the seed's 0.4 and 1, and the label's 1 g/kg over 2, 3 or 4 days
IVIG_COURSES = (0.4, 1.0, 0.5, 1 / 3, 0.25)


def expected_ivig(ordered_mg: float, dosing_kg: float) -> str:
    """Within a course's amount by 10 %, or at its nearest 5 g; else off the protocol."""
    if ordered_mg > dosing_kg * 1000 * (1 + 1e-9):  # 1 g/kg/day
        return "over_cap"
    grams = ordered_mg / 1000
    for rate in IVIG_COURSES:
        course = rate * dosing_kg
        if abs(grams - course) <= course * 0.1 * (1 + 1e-9) or abs(
                grams - round(course / 5) * 5) <= 1e-9 * max(1.0, round(course / 5) * 5):
            return "ok"
    return "off_protocol"


def contraindicated(drug: str, p: Patient) -> bool:
    """Ciclosporin at eGFR < 60; an IV pulse with creatinine beyond the EULAR table's 500."""
    if drug == "cyclophosphamide_iv":
        return p.creatinine_mg_dl is not None and round(p.creatinine_mg_dl * 88.4, 6) > 500
    try:
        if drug == "ciclosporin":
            cyclosporin(p)
    except ContraindicationError:
        return True
    return False


def same(a: float, b: float) -> bool:
    # Same formulas in the same order; 1e-12 allows for (x * 7) / 7 in DailyDose.
    return (math.isnan(a) and math.isnan(b)) or math.isclose(a, b, rel_tol=1e-12)


@settings(deadline=None)
@given(st.lists(patient_rows(), min_size=1, max_size=8))
# exactly 250 umol/L: the 1.75 mg/kg band in both (30 kg: 52.5 mg/day), found by hypothesis
@example(rows=[{"drug": "cyclophosphamide_oral", "weight": 30000.0, "weight_unit": "g",
                "height": None, "height_unit": None, "sex": "female", "age": None,
                "serum_creatinine": 250.0, "creatinine_unit": "umol/L", "dose_share": 1.0}])
def test_batch_ranges_equal_the_scalar_calculators(rows: list[dict[str, Any]]) -> None:
    expected: list[Any] = []
    for row in rows:
        pulse = row["drug"].startswith("cyclophosphamide_iv")
        p = scalar_patient(row)
        try:
            low, high, cap = scalar_range(row["drug"], p)
        except (MissingInputError, ContraindicationError) as exc:  # no height (BSA), age or
            row.update(dose=1.0, dose_unit="g")  # creatinine; or beyond the EULAR table
            # a mg/kg pulse beyond the table's 500 umol/L, whatever the age: refused by default
            # (a g/m2 pulse without height is not screened, which outranks that)
            beyond = isinstance(exc, ContraindicationError) or (
                row["drug"].endswith("mg_per_kg") and contraindicated("cyclophosphamide_iv", p))
            expected.append("contraindicated" if beyond else "missing_data")
            continue
        row.update(dose=row["dose_share"] * high, dose_unit="mg" if pulse else "mg/day")
        if row["drug"] == "ivig" and None in (p.height_cm, p.sex):  # no dosing weight chosen
            over = row["dose"] > p.weight_kg * 1000 * (1 + 1e-9)  # 1 g/kg/day of actual weight
            typo = row["dose"] > 200_000  # the order screen's typing guard: not read at all
            expected.append("implausible_input" if typo else "over_cap" if over else
                            "missing_data")
            continue
        expected.append((low, high, cap, contraindicated(row["drug"], p)))
    result = audit(pd.DataFrame(rows).drop(columns="dose_share"))
    for (_, got), want in zip(result.iterrows(), expected, strict=True):
        if isinstance(want, str):
            assert got["status"] == want
            continue
        low, high, cap, refused = want
        assert same(got["low_mg"], low), (got["low_mg"], low)
        assert same(got["high_mg"], high), (got["high_mg"], high)
        assert same(got["cap_mg"], cap), (got["cap_mg"], cap)
        # the band's ends are checked against the calculators in test_batch_dispensing.py
        band = (got["accepted_low_mg"], got["accepted_high_mg"])
        status = (expected_ivig(got["ordered_mg"], cap / 1000) if got["drug"] == "ivig"
                  else expected_status(got["ordered_mg"], *band, cap))
        if refused and status != "over_cap":  # the worse finding: a stated reason is needed
            status = "contraindicated"
        if got["ordered_mg"] > 200_000:  # the order screen's typing guard: 200 g as written
            status = "implausible_input"
        assert got["status"] == status, (got["reason"], status)


@settings(deadline=None)
@given(st.lists(patient_rows(), min_size=1, max_size=20), st.floats(1, 5000))
def test_status_agrees_with_the_numbers(rows: list[dict[str, Any]], dose: float) -> None:
    frame = pd.DataFrame(rows).drop(columns="dose_share").assign(dose=dose, dose_unit="mg/day")
    r = audit(frame)
    checked = r[r["status"].isin(["ok", "under_range", "above_range", "over_cap"])]
    assert not checked["drug"].astype(str).str.startswith("cyclophosphamide_iv").any()  # pulses
    assert (checked["low_mg"] <= checked["high_mg"]).all()
    assert (checked["accepted_low_mg"] <= checked["low_mg"]).all()
    assert (checked["accepted_high_mg"] >= checked["high_mg"]).all()
    assert (checked["accepted_high_mg"] <= checked["cap_mg"].fillna(math.inf) * (1 + 1e-9)).all()
    in_range = (checked["ordered_mg"] >= checked["accepted_low_mg"] * (1 - 1e-9)) & (
        checked["ordered_mg"] <= checked["accepted_high_mg"] * (1 + 1e-9))
    assert ((checked["status"] == "ok") == in_range).all()
    assert (checked.loc[checked["status"] == "over_cap", "ordered_mg"]
            > checked.loc[checked["status"] == "over_cap", "cap_mg"]).all()
    assert (r["reason"].eq("") == r["status"].eq("ok")).all()


# -- Dask ------------------------------------------------------------------------------------

def sample_orders(n: int, seed: int = 5) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    drugs = rng.choice([*DRUGS, "cyclosporin", "mycophenolate mofetil", "unknown"], n)
    unit = np.where(np.char.startswith(drugs.astype(str), "cyclophosphamide_iv"), "g", "mg/day")
    return pd.DataFrame({
        "drug": drugs, "weight": rng.uniform(40, 140, n), "weight_unit": "kg",
        "height": rng.uniform(150, 200, n), "height_unit": "cm",
        "sex": rng.choice(["female", "male"], n), "age": rng.uniform(18, 90, n),
        "serum_creatinine": rng.uniform(0.5, 6, n), "creatinine_unit": "mg/dL",
        "dose": np.where(unit == "g", rng.uniform(0.3, 3, n), rng.uniform(20, 4000, n)),
        "dose_unit": unit,
    })


def test_audit_dask_matches_pandas_on_a_local_cluster() -> None:
    dd = pytest.importorskip("dask.dataframe")
    distributed = pytest.importorskip("distributed")
    frame = sample_orders(300)
    with distributed.LocalCluster(processes=False, n_workers=1, threads_per_worker=2,
                                  dashboard_address=None) as cluster, distributed.Client(cluster):
        lazy = audit_dask(dd.from_pandas(frame, npartitions=3), unknown_drugs="flag")
        assert list(lazy.columns) == list(OUTPUT_COLUMNS)
        result = lazy.compute()
        via_audit = audit(dd.from_pandas(frame, npartitions=2), unknown_drugs="flag").compute()
    expected = audit(frame, unknown_drugs="flag")
    assert set(expected["status"]) >= {"ok", "unknown_drug", "above_range"}
    pd.testing.assert_frame_equal(result, expected)
    pd.testing.assert_frame_equal(via_audit, expected)


def test_class_12_the_audit_refuses_what_the_calculator_refuses() -> None:
    """Never silently wrong, class 12 (the batch audit), found by the second reading: the audit
    refuses what the calculator refuses. At 95 cm, Devine's ideal weight is -6.5 kg: the
    calculators refuse to dose on it (IVIg on the adjusted basis when obese; azathioprine's
    Cockcroft-Gault), so the audit must not give a range."""
    pd = pytest.importorskip("pandas")
    from plexodose.batch import audit

    short = {"weight_unit": "kg", "height": 95, "height_unit": "cm", "sex": "female", "age": 30,
             "serum_creatinine": 1, "creatinine_unit": "mg/dL"}
    rows = [{"drug": "ivig", "weight": 40, "dose": 16, "dose_unit": "g/day", **short},
            {"drug": "azathioprine", "weight": 40, "dose": 80, "dose_unit": "mg/day", **short},
            {"drug": "ivig", "weight": 20, "dose": 8, "dose_unit": "g/day", **short}]
    result = audit(pd.DataFrame(rows))
    # Since 2026-12-07 IVIg below 152.4 cm is dosed on actual weight (Transfusion Ontario), so
    # BMI 44 at 95 cm needs no ideal weight: 0.4 x 40 kg = 16 g, "ok" in both.
    assert ivig(Patient(weight="40 kg", height="95 cm", sex="female", age=30)).daily_dose_g == 16.0
    assert result["status"][0] == "ok"
    with pytest.raises(InputRangeError):
        azathioprine(Patient(weight="40 kg", height="95 cm", sex="female", age=30,
                             serum_creatinine="1 mg/dL"))
    assert result["status"][1] == "missing_data" and "ideal weight" in result["note"][1]
    # lean (BMI 22): no ideal weight needed: 0.4 x 20 kg = 8 g, audited "ok" as the calculator
    assert ivig(Patient(weight="20 kg", height="95 cm", sex="female", age=30)).daily_dose_g == 8.0
    assert result["status"][2] == "ok"
