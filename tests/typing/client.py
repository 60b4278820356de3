"""A small client of plexodose, as an app would write it: it must type-check cleanly.

tests/typing/test_typing.py checks it with mypy --strict (and pyright), and checks that each bad
variant in BAD is refused by the type checker.
"""

from __future__ import annotations

import datetime as dt

from plexodose import (
    DailyDose,
    IVIgCourse,
    Patient,
    PlexodoseError,
    Quantity,
    azathioprine,
    ivig,
    plan,
)


def order(weight: str, height: str) -> tuple[float, float, str]:
    p = Patient(weight=weight, height=height, sex="female", age=54, tpmt="normal", nudt15="normal")
    course: IVIgCourse = ivig(p, weight_basis="auto", auto_rule="bmi_over_30", product="privigen")
    tablets: DailyDose = azathioprine(p, crcl_weight="actual")
    per_day: Quantity = tablets.daily_dose
    dispensed = course.rounded_daily_dose
    grams = course.daily_dose_g if dispensed is None else dispensed.m_as("g/day")
    return grams, per_day.m_as("mg/day"), course.weight_basis


def calendar() -> int:
    schedule = plan(Patient.example(), start=dt.date(2026, 12, 1), second_agent="mycophenolate")
    return len(schedule.filter(kind="dose"))


try:
    order("82 kg", "170 cm")
except PlexodoseError as refused:
    print(refused.field, refused.value)
