"""The schedule generator: a calculator's result laid out on a calendar, and the seed's plan.

Doses always come from the calculators; this module only places them on dates, adds the
monitoring calendar of each drug, the response assessments and the decision points, and tracks
the cumulative cyclophosphamide dose. Dates are computed on plain ``datetime.date`` values and
floats; Quantities are built when read.

Month arithmetic: monitoring "months" are 4 weeks (checks come a little more often than
calendar months: conservative); response assessments use calendar months, so they never come
earlier than the seed's 3 and 6 months.

>>> from plexodose import Patient, ivig, schedule
>>> s = schedule(ivig(Patient.example()), start="2026-12-01")  # 28.8 g/day x 5 days
>>> [e.date.isoformat() for e in s.filter(kind="dose")]
['2026-12-01', '2026-12-02', '2026-12-03', '2026-12-04', '2026-12-05']
>>> s.total_dose("IVIg")  # 28.8 g x 5 = 144 g
<Quantity(144.0, 'gram')>
"""


from plexodose._schedule.algorithm import _drug_of, plan, schedule
from plexodose._schedule.builder import add_months, calendar_weeks, start_date
from plexodose._schedule.model import (
    ALIASES,
    AZATHIOPRINE,
    CICLOSPORIN,
    CYCLOPHOSPHAMIDE,
    DAY_ORDER,
    DRUGS,
    IVIG,
    KINDS,
    MYCOPHENOLATE,
    Event,
    Schedule,
    drug_name,
)
from plexodose._schedule.replanning import replan
from plexodose._schedule.rules import (
    ASSESS_MONTHS,
    AZATHIOPRINE_FIRST_STEP_WEEK,
    AZATHIOPRINE_MONITORING,
    AZATHIOPRINE_STEP_GAP,
    AZATHIOPRINE_STEP_WEEKS,
    AZATHIOPRINE_TITRATION,
    BLOOD_PRESSURE_WEEKS,
    CBC_WEEKS,
    CICLOSPORIN_MAINTENANCE_WEEK,
    CICLOSPORIN_MONITORING,
    CICLOSPORIN_STEP_GAP,
    CREATININE_WEEKS,
    EARLIEST_START,
    IVIG_ASSESS_AFTER_DAYS,
    IVIG_ASSESSMENT_GAP,
    IVIG_MAINTENANCE_G_PER_KG,
    IVIG_MAINTENANCE_INTERVAL_WEEKS,
    IVIG_RATE_GAP,
    LATEST_START,
    MONTH_GAP,
    MYCOPHENOLATE_MONITORING,
    MYCOPHENOLATE_STEP_GAP,
    MYCOPHENOLATE_STEP_WEEKS,
    NADIR_DAYS,
    NIH_REGIMEN,
    ORAL,
    ORAL_CYCLOPHOSPHAMIDE_MONITORING_GAP,
    ORAL_MONTHS,
    PULSE_COUNT,
    REFRACTORY_AGENTS,
    REFRACTORY_DECISION_MONTHS,
    REFRACTORY_GAP,
    SECOND_AGENTS,
    SEED_ALGORITHM,
    SEED_IVIG_RESPONSE,
    SEED_MONITORING,
    SEED_PITFALLS,
    THRESHOLDS_G,
)

__all__ = [
    "ALIASES",
    "ASSESS_MONTHS",
    "AZATHIOPRINE",
    "AZATHIOPRINE_FIRST_STEP_WEEK",
    "AZATHIOPRINE_MONITORING",
    "AZATHIOPRINE_STEP_GAP",
    "AZATHIOPRINE_STEP_WEEKS",
    "AZATHIOPRINE_TITRATION",
    "BLOOD_PRESSURE_WEEKS",
    "CBC_WEEKS",
    "CICLOSPORIN",
    "CICLOSPORIN_MAINTENANCE_WEEK",
    "CICLOSPORIN_MONITORING",
    "CICLOSPORIN_STEP_GAP",
    "CREATININE_WEEKS",
    "CYCLOPHOSPHAMIDE",
    "DAY_ORDER",
    "DRUGS",
    "EARLIEST_START",
    "IVIG",
    "IVIG_ASSESSMENT_GAP",
    "IVIG_ASSESS_AFTER_DAYS",
    "IVIG_MAINTENANCE_G_PER_KG",
    "IVIG_MAINTENANCE_INTERVAL_WEEKS",
    "IVIG_RATE_GAP",
    "KINDS",
    "LATEST_START",
    "MONTH_GAP",
    "MYCOPHENOLATE",
    "MYCOPHENOLATE_MONITORING",
    "MYCOPHENOLATE_STEP_GAP",
    "MYCOPHENOLATE_STEP_WEEKS",
    "NADIR_DAYS",
    "NIH_REGIMEN",
    "ORAL",
    "ORAL_CYCLOPHOSPHAMIDE_MONITORING_GAP",
    "ORAL_MONTHS",
    "PULSE_COUNT",
    "REFRACTORY_AGENTS",
    "REFRACTORY_DECISION_MONTHS",
    "REFRACTORY_GAP",
    "SECOND_AGENTS",
    "SEED_ALGORITHM",
    "SEED_IVIG_RESPONSE",
    "SEED_MONITORING",
    "SEED_PITFALLS",
    "THRESHOLDS_G",
    "Event",
    "Schedule",
    "_drug_of",
    "add_months",
    "calendar_weeks",
    "drug_name",
    "plan",
    "replan",
    "schedule",
    "start_date",
]
