"""A plan's dose events, as the rows ``Schedule.to_records()`` writes, audit within as they are.

Issue 20: joined to the patient and fed to ``batch.audit``, the rows flagged every twice-daily
dose ``over_cap`` (165 of 352 dose rows for the example plan, 333 of 352 for a mycophenolate
plan): a record's ``dose`` is the dosing day's amount, and the audit read it as one dose.
"""

from __future__ import annotations

import pandas as pd
import pytest

from plexodose import Patient, plan
from plexodose._core import vocab
from plexodose.batch import audit

EXAMPLE = dict(weight=72.0, weight_unit="kg", height=175.0, height_unit="cm", sex="male",
               age=60.0, serum_creatinine=1.0, creatinine_unit="mg/dL")  # Patient.example()
PLANS = [(second, refractory) for second in vocab.SECOND_AGENTS
         for refractory in ("ciclosporin", "cyclophosphamide_oral", "cyclophosphamide_iv")
         if not (second.startswith("cyclophosphamide")
                 and refractory.startswith("cyclophosphamide"))]


def dose_rows(second: str, refractory: str) -> pd.DataFrame:
    records = pd.DataFrame(plan(Patient.example(), start="2026-12-01", second_agent=second,
                                refractory_agent=refractory).to_records())
    return records[records["kind"] == "dose"].assign(**EXAMPLE)


@pytest.mark.parametrize(("second", "refractory"), PLANS)
def test_every_dose_event_of_a_plan_audits_within(second: str, refractory: str) -> None:
    rows = dose_rows(second, refractory)
    result = audit(rows)
    assert len(result) == len(rows) > 100
    assert (result["category"] == "within").all(), result.loc[
        result["category"] != "within", ["drug", "ordered_mg", "reason"]].drop_duplicates()
    assert (result["status"] == "ok").all()
    assert result["drug"].astype(str).tolist() == rows["drug_key"].tolist()


def test_twice_daily_rows_are_read_as_the_day_they_state() -> None:
    result = audit(dose_rows("mycophenolate", "ciclosporin"))
    # mycophenolate 500, 750 then 1,000 mg twice daily: 1,000, 1,500, 2,000 mg a day (not
    # 2,000-4,000); ciclosporin 5 then 2.5 mg/kg/day x 72 kg = 360 -> 2 x 175 = 350 mg and
    # 180 -> 2 x 100 = 200 mg (capsules) a day, not 700 and 400
    days = result.groupby(result["drug"].astype(str))["ordered_mg"].unique()
    assert sorted(days["mycophenolate"]) == [1000.0, 1500.0, 2000.0]
    assert sorted(days["ciclosporin"]) == [200.0, 350.0]
    assert int((result["status"] == "over_cap").sum()) == 0


def test_a_record_carries_what_a_screen_needs() -> None:
    s = plan(Patient.example(), start="2026-12-01", second_agent="cyclophosphamide_iv")
    rows = [r for r in s.to_records() if r["kind"] == "dose"]
    pulse = next(r for r in rows if r["drug"] == "cyclophosphamide")
    # 0.75 g/m2 x Mosteller sqrt(175 x 72 / 3600) = 1.8708 m2 = 1,403.1 mg a pulse
    assert (pulse["drug_key"], pulse["route"], pulse["dose_unit"]) == (
        "cyclophosphamide_iv", "IV", "mg")
    # 0.75 g/m2 x 1.8708 m2 = 1,403.12 mg, prepared to the whole mg
    assert pulse["dose"] == pulse["per_dose"] == 1403.0
    assert (pulse["doses_per_day"], pulse["days_per_week"]) == (1, 7)
    twice = next(r for r in rows if r["drug"] == "ciclosporin")
    assert (twice["drug_key"], twice["dose"], twice["per_dose"], twice["doses_per_day"]) == (
        "ciclosporin", 350.0, 175.0, 2)
    test = next(r for r in s.to_records() if r["kind"] == "monitoring")
    assert (test["dose"], test["per_dose"], test["doses_per_day"], test["days_per_week"]) == (
        None, None, None, None)
