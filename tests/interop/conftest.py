"""Shared by the export files: two schedules, made once per module."""

from __future__ import annotations

import datetime as dt

import pytest

from plexodose import Patient, Schedule, cyclophosphamide_iv, plan, schedule

P = Patient.example()
START = dt.date(2026, 12, 1)


@pytest.fixture(scope="module")
def full_plan() -> Schedule:
    return plan(P, start=START, ivig_product="privigen")


@pytest.fixture(scope="module")
def pulses() -> Schedule:
    # 1 g/m2 x 1.870829 m2 = 1,870.83 mg x 12 = 22.45 g: pulse 11 reaches 20 g (20.58 g)
    return schedule(cyclophosphamide_iv(P, g_per_m2=1), start=START, count=12)
