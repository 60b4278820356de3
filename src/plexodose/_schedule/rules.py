"""The rules the schedule adds to the calculators': timings, calendars and their sources."""

from __future__ import annotations

import datetime as dt

from plexodose._core import sources as src
from plexodose._core.sources import Source
from plexodose._drugs.cyclophosphamide import CUMULATIVE_THRESHOLD_G
from plexodose._schedule.model import AZATHIOPRINE, CICLOSPORIN, CYCLOPHOSPHAMIDE, MYCOPHENOLATE

# A DailyDose's drug -> (schedule drug, route)
ORAL = {
    "azathioprine": (AZATHIOPRINE, "oral"),
    "cyclophosphamide (oral)": (CYCLOPHOSPHAMIDE, "oral"),
    "ciclosporin": (CICLOSPORIN, "oral"),
    "mycophenolate mofetil": (MYCOPHENOLATE, "oral"),
}

# Rules the schedule adds to the calculators' (each cited on the schedule that uses it).
IVIG_MAINTENANCE_INTERVAL_WEEKS = 3.0  # [label]
IVIG_MAINTENANCE_G_PER_KG = 1.0  # [label]
IVIG_ASSESS_AFTER_DAYS = 14  # [gap] seed: "response typically within days"
AZATHIOPRINE_FIRST_STEP_WEEK = 8  # [label] 6-8 weeks; the later start is the default
AZATHIOPRINE_STEP_WEEKS = 4  # [label]
MYCOPHENOLATE_STEP_WEEKS = 1  # [secondary]
CICLOSPORIN_MAINTENANCE_WEEK = 4  # [gap]
ASSESS_MONTHS = (3, 6)  # [seed] 3-6 months for full effect
REFRACTORY_DECISION_MONTHS = 6  # [seed] upper end of 3-6 months: conservative
PULSE_COUNT = 6  # [guideline] NIH regimen: monthly x 6
NADIR_DAYS = (10, 14)  # [guideline] Michigan protocol
# [guideline] Travis 1995 (20 g), Faurschou 2008 (the core's 36 g), Travis 1995 (50 g)
THRESHOLDS_G = (20.0, CUMULATIVE_THRESHOLD_G, 50.0)
ORAL_MONTHS = 6  # the seed's 3-6 months, so both assessments fall inside the course
# Monitoring calendars in weeks from the first dose; None: every 4 weeks after the last listed.
CBC_WEEKS = (1, 2, 3, 4, 6, 8, 10, 12)  # weekly in month 1, every 2 weeks in months 2-3
CREATININE_WEEKS = (0, 2, 4, 6, 8, 10, 12)  # baseline, then every 2 weeks for 3 months
BLOOD_PRESSURE_WEEKS = (0, 1, 2, 3, 4)  # baseline, then weekly for a month
EARLIEST_START, LATEST_START = dt.date(1900, 1, 1), dt.date(2199, 12, 31)

SEED_ALGORITHM = Source(
    "seed",
    src.SEED,
    "IVIg; inadequate response -> azathioprine, mycophenolate or "
    "cyclophosphamide; refractory -> ciclosporin (or cyclophosphamide)",
)
SEED_IVIG_RESPONSE = Source("seed", src.SEED, "IVIg: response typically within days")
SEED_MONITORING = Source(
    "seed",
    src.SEED,
    "repeat MRI when there is no response (rule out structural causes); repeat "
    "electrodiagnostic studies to document the course; monitor side effects of immunosuppression",
)
SEED_PITFALLS = Source(
    "seed",
    src.SEED,
    "pitfalls: escalating before ruling out neoplastic or compressive lesions; "
    "judging failure before 3-6 months; forgetting neuropathic pain; stopping abruptly",
)
IVIG_ASSESSMENT_GAP = Source(
    "gap",
    "plexodose conservative choice (the seed says only 'within days')",
    "assess the IVIg response 14 days after the last infusion, so a slow response is not "
    "judged a failure; configurable (assess_after_days)",
)
IVIG_RATE_GAP = Source(
    "gap",
    "plexodose conservative choice (label rate increments are not in the reference)",
    "pump rates: start and maximum only, increase as tolerated per label; the duration is given "
    "as a range (all at the maximum rate .. all at the starting rate); a product may carry "
    "rate_increments_mg_per_kg_min and minutes_per_rate_step",
)
AZATHIOPRINE_TITRATION = Source(
    "label",
    "azathioprine US prescribing information (rheumatoid arthritis)",
    "start about 1 mg/kg/day (50-100 mg); from 6-8 weeks increase by 0.5 mg/kg/day every 4 weeks",
)
AZATHIOPRINE_STEP_GAP = Source(
    "gap",
    "plexodose conservative choice",
    "first azathioprine increase at week 8, the later "
    "end of the label's 6-8 weeks; configurable (first_step_week)",
)
AZATHIOPRINE_MONITORING = Source(
    "label",
    "azathioprine prescribing information",
    "CBC weekly for the first month, every 2 weeks in months 2-3, then monthly; LFTs",
)
CICLOSPORIN_MONITORING = Source(
    "label",
    "US modified ciclosporin prescribing information",
    "creatinine every 2 weeks for 3 months, then monthly; blood pressure weekly for a month, then "
    "monthly; a creatinine rise is judged against the baseline",
)
CICLOSPORIN_STEP_GAP = Source(
    "gap",
    "plexodose conservative choice (the reference gives no week for the step-down)",
    "ciclosporin 5 mg/kg/day (above the US label's 4 mg/kg/day) for 4 weeks, then maintenance "
    "at 2.5 mg/kg/day, the lower end of 2.5-3; configurable (maintenance_week)",
)
MYCOPHENOLATE_STEP_GAP = Source(
    "gap",
    "plexodose conservative choice (a '500 mg weekly step' may be per dose or per day)",
    "weekly steps of 500 mg a day (250 mg a dose): 500, 750, then 1,000 mg twice daily",
)
MYCOPHENOLATE_MONITORING = Source(
    "secondary",
    "plexodose dosing reference (no primary source named)",
    "mycophenolate: CBC weekly for the first month, twice monthly in months 2-3, then monthly",
)
MONTH_GAP = Source(
    "gap",
    "plexodose conservative choice",
    "monitoring 'months' are 4 weeks (checks come a "
    "little early, never late); response assessments use calendar months (never early)",
)
ORAL_CYCLOPHOSPHAMIDE_MONITORING_GAP = Source(
    "gap",
    "plexodose (no monitoring calendar for oral cyclophosphamide in the reference)",
    "no blood-count calendar is generated: set one locally",
)
PRE_PULSE_CREATININE_GAP = Source(
    "gap",
    "plexodose conservative choice (the EULAR 2009 / CYCLOPS table has no column above 500 umol/L)",
    "a pre-pulse creatinine above 500 umol/L holds the IV cyclophosphamide pulse: discuss",
)
NIH_REGIMEN = Source(
    "guideline", "NIH cyclophosphamide regimen", "0.75-1 g/m2 monthly x 6 (6 pulses by default)"
)
REFRACTORY_GAP = Source(
    "gap",
    "plexodose conservative choice",
    "the refractory decision comes 6 months after the "
    "second agent starts (the end of the seed's 3-6 months); the reference gives no change-over "
    "or taper schedule",
)

