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
# Monitoring calendars, in days from the first dose ("months" are 4 weeks: MONTH_GAP). Each is
# the reference's table (clinical rules (monitoring)): an opening run of tests, then every 2 weeks until
# both a minimum has passed and the dose has been unchanged for 6 weeks, then a longer interval.
# A dose change during the course (titration, step-down) restarts the 2-weekly phase: the next
# test comes at most 2 weeks after it.
TWO_WEEKS, STABLE_DAYS, MONTH_DAYS = 14, 42, 28
AZATHIOPRINE_OPENING = (7, 14, 21, 28)  # [label] weekly for the first month
AZATHIOPRINE_TWO_WEEKLY_TO = 84  # [label] twice monthly to the end of month 3, then monthly
CICLOSPORIN_TWO_WEEKLY_TO = 84  # [label, guideline SPS] every 2 weeks for 3 months, then monthly
CICLOSPORIN_LIPIDS_DAY = 28  # [guideline SPS] lipids after 1 month
MYCOPHENOLATE_TWO_WEEKLY_TO = 42  # [guideline SPS] every 2 weeks for a minimum of 6 weeks
MYCOPHENOLATE_THEN_DAYS = 84  # [guideline SPS] then every 12 weeks ("3 monthly")
ORAL_CYCLOPHOSPHAMIDE_TWO_WEEKLY_TO = 84  # [guideline] French protocol: 2-weekly for 3 months
EARLIEST_START, LATEST_START = dt.date(1900, 1, 1), dt.date(2199, 12, 31)

SEED_ALGORITHM = Source(
    "seed",
    src.SEED,
    "IVIg; inadequate response -> azathioprine, mycophenolate or "
    "cyclophosphamide; refractory -> ciclosporin (or cyclophosphamide)",
    id="schedule.seed.algorithm",
)
SEED_IVIG_RESPONSE = Source(
    "seed", src.SEED, "IVIg: response typically within days", id="ivig.seed.response"
)
SEED_MONITORING = Source(
    "seed",
    src.SEED,
    "repeat MRI when there is no response (rule out structural causes); repeat "
    "electrodiagnostic studies to document the course; monitor side effects of immunosuppression",
    id="schedule.seed.monitoring",
)
SEED_PITFALLS = Source(
    "seed",
    src.SEED,
    "pitfalls: escalating before ruling out neoplastic or compressive lesions; "
    "judging failure before 3-6 months; forgetting neuropathic pain; stopping abruptly",
    id="schedule.seed.pitfalls",
)
IVIG_ASSESSMENT_GAP = Source(
    "gap",
    "plexodose conservative choice (the seed says only 'within days')",
    "assess the IVIg response 14 days after the last infusion, so a slow response is not "
    "judged a failure; configurable (assess_after_days)",
    id="ivig.schedule.assessment",
)
IVIG_RATE_GAP = Source(
    "gap",
    "plexodose conservative choice (label rate increments are not in the reference)",
    "pump rates: start and maximum only, increase as tolerated per label; the duration is given "
    "as a range (all at the maximum rate .. all at the starting rate); a product may carry "
    "rate_increments_mg_per_kg_min and minutes_per_rate_step",
    id="ivig.rate.pump",
)
AZATHIOPRINE_TITRATION = Source(
    "label",
    "azathioprine US prescribing information (rheumatoid arthritis)",
    "start about 1 mg/kg/day (50-100 mg); from 6-8 weeks increase by 0.5 mg/kg/day every 4 weeks",
    id="azathioprine.titration.label",
    links=("prescriberpoint.com/therapies/azathioprine-200ce99",),
)
AZATHIOPRINE_STEP_GAP = Source(
    "gap",
    "plexodose conservative choice",
    "first azathioprine increase at week 8, the later "
    "end of the label's 6-8 weeks; configurable (first_step_week)",
    id="azathioprine.titration.first_step",
)
AZATHIOPRINE_MONITORING = Source(
    "label",
    "azathioprine US prescribing information",
    "CBC weekly during the first month, twice monthly for the second and third months, then "
    "monthly or more frequently if dosage alterations or other therapy changes are necessary",
    id="azathioprine.monitoring.label",
    links=("prescriberpoint.com/therapies/azathioprine-200ce99",),
)
AZATHIOPRINE_MONITORING_SPS = Source(
    "guideline",
    "NHS Specialist Pharmacy Service, azathioprine/mercaptopurine monitoring (BSR 2017)",
    "FBC, LFT and creatinine every 2 weeks until on a stable dose for 6 weeks, then monthly for 3 "
    "months, then every 12 weeks; after a dose increase a test 2 weeks later and the 2-weekly "
    "phase restarts",
    id="azathioprine.monitoring.sps", links=("sps.nhs.uk",),
)
CICLOSPORIN_MONITORING = Source(
    "label",
    "US modified ciclosporin prescribing information (Gengraf, psoriasis)",
    "serum creatinine and BUN every 2 weeks during the initial 3 months of therapy and then "
    "monthly if the patient is stable",
    id="ciclosporin.monitoring.label", links=("120ty.net",),
)
CICLOSPORIN_MONITORING_SPS = Source(
    "guideline",
    "NHS Specialist Pharmacy Service, ciclosporin monitoring page (sps.nhs.uk)",
    "creatinine every 2 weeks for the first 3 months; albumin, ALT or AST, blood pressure, "
    "glucose and FBC every 2 weeks until on a stable dose for 6 weeks; lipids after 1 month; "
    "once stable every 1-3 months; after started or dose changed",
    id="ciclosporin.monitoring.sps", links=("sps.nhs.uk/monitorings/ciclosporin-monitoring",),
)
CICLOSPORIN_CALENDAR_GAP = Source(
    "gap",
    "plexodose clinical rules (one calendar for one blood draw; documentation: Monitoring)",
    "creatinine, blood pressure, FBC, ALT or AST, albumin and glucose together every 2 weeks for "
    "3 months and until the dose has been stable for 6 weeks, then monthly; potassium and "
    "magnesium with each creatinine; any dose change restarts the 2-weekly phase",
    id="ciclosporin.monitoring.calendar",
)
CICLOSPORIN_STEP_GAP = Source(
    "gap",
    "plexodose conservative choice (the reference gives no week for the step-down)",
    "ciclosporin 5 mg/kg/day (above the US label's 4 mg/kg/day) for 4 weeks, then maintenance "
    "at 2.5 mg/kg/day, the lower end of 2.5-3; configurable (maintenance_week)",
    id="ciclosporin.titration.step",
)
MYCOPHENOLATE_STEP_GAP = Source(
    "gap",
    "plexodose conservative choice (a '500 mg weekly step' may be per dose or per day)",
    "weekly steps of 500 mg a day (250 mg a dose): 500, 750, then 1,000 mg twice daily",
    id="mycophenolate.titration.step",
)
MYCOPHENOLATE_MONITORING = Source(
    "guideline",
    "NHS Specialist Pharmacy Service, mycophenolate mofetil monitoring page (sps.nhs.uk)",
    "FBC, ALT or AST, albumin and creatinine every 2 weeks for a minimum of 6 weeks until the "
    "dose is stable; then 3 monthly (at least every 12 weeks once stable)",
    id="mycophenolate.monitoring.sps",
    links=("sps.nhs.uk/monitorings/mycophenolate-mofetil-monitoring",),
)
MYCOPHENOLATE_STABLE_GAP = Source(
    "gap",
    "plexodose clinical rules (reading of SPS 'until dose stable'; documentation: Monitoring)",
    "every 2 weeks until the dose has been unchanged for 6 weeks (which covers the minimum of 6 "
    "weeks), then every 12 weeks",
    id="mycophenolate.monitoring.stable",
    links=("sps.nhs.uk/monitorings/mycophenolate-mofetil-monitoring",),
)
CELLCEPT_MONITORING = Source(
    "label",
    "CellCept (mycophenolate mofetil) prescribing information, transplantation",
    "CBC weekly for the first month, twice monthly for the second and third months, and monthly "
    "for the remainder of the first year",
    id="mycophenolate.monitoring.cellcept_label",
)
DOSE_CHANGE_GAP = Source(
    "gap",
    "plexodose conservative choice (the sources name a dose increase or 'dose changed')",
    "any dose change in the course, up or down, restarts the 2-weekly phase: the next test comes "
    "at most 2 weeks after it, then every 2 weeks until the dose has been unchanged for 6 weeks",
    id="monitoring.dose_change.restart",
)
MONTH_GAP = Source(
    "gap",
    "plexodose conservative choice",
    "monitoring 'months' are 4 weeks (checks come a "
    "little early, never late); response assessments use calendar months (never early)",
    id="schedule.month.four_weeks",
)
ORAL_CYCLOPHOSPHAMIDE_MONITORING = Source(
    "guideline",
    "French national diagnosis and care protocol (PNDS), Box 6, cyclophosphamide monitoring",
    "complete blood count and platelet count, serum creatinine and the search for haematuria: "
    "every 2 weeks for the first 3 months, then monthly if the oral treatment is continued",
    id="cyclophosphamide.oral.monitoring", links=("pmc.ncbi.nlm.nih.gov/articles/PMC7771069",),
)
PRE_PULSE_CREATININE_GAP = Source(
    "gap",
    "plexodose conservative choice (the EULAR 2009 / CYCLOPS table has no column above 500 umol/L)",
    "a pre-pulse creatinine above 500 umol/L holds the IV cyclophosphamide pulse: discuss",
    id="cyclophosphamide.iv.schedule.pre_pulse_creatinine",
)
NIH_REGIMEN = Source(
    "guideline", "NIH cyclophosphamide regimen", "0.75-1 g/m2 monthly x 6 (6 pulses by default)",
    id="cyclophosphamide.iv.nih_regimen"
)
REFRACTORY_GAP = Source(
    "gap",
    "plexodose conservative choice",
    "the refractory decision comes 6 months after the "
    "second agent starts (the end of the seed's 3-6 months); the reference gives no change-over "
    "or taper schedule",
    id="schedule.refractory.timing",
)

