"""Monitoring rules: the thresholds results are judged by, and where each one comes from.

Every number here is in the reference's monitoring rules; each rule is a :class:`Source` cited on
the review, the pre-treatment checklist, the taper or the schedule that applies it.
"""

from __future__ import annotations

from plexodose._core import sources as src
from plexodose._core.sources import Source

# [guideline] BSR/BHPR 2017 (as the NHS SPS pages restate it): withhold and discuss when
WBC_BELOW = 3.5  # x10^9/L
NEUTROPHILS_BELOW = 1.6  # x10^9/L
PLATELETS_BELOW = 140.0  # x10^9/L
EOSINOPHILS_ABOVE = 0.5  # x10^9/L, unexplained
LIVER_ENZYME_ABOVE = 100.0  # U/L, AST or ALT
ALBUMIN_BELOW = 30.0  # g/L, unexplained fall
CREATININE_RISE_ABOVE = 0.30  # more than 30 % above baseline: repeat in 1 week, then withhold
EGFR_BELOW = 60.0  # mL/min/1.73 m^2
RENAL_REPEAT_DAYS = 7
MCV_ABOVE = 105.0  # fL: investigate, not withhold
# Local protocols that differ (reported, not silently picked)
LOCAL_NEUTROPHILS_BELOW = 2.0
LOCAL_PLATELETS_BELOW = 150.0
LOCAL_ULN_MULTIPLE = 2.0
# [secondary] sequential falls of more than 10 % on three occasions: stop and seek advice
TREND_FALL = 0.10
TREND_OCCASIONS = 3

# Ciclosporin [label] US modified ciclosporin (RA/psoriasis)
CICLOSPORIN_RISE = (0.25, 0.30)  # psoriasis (default: the lower, earlier), RA
CICLOSPORIN_REPEAT_DAYS = 14  # repeat within 2 weeks
CICLOSPORIN_REDUCTION = (0.25, 0.50)
CICLOSPORIN_FAILED_REDUCTIONS = 2  # two reductions that fail: discontinue
CICLOSPORIN_STOP_RISE = 0.50  # [secondary] RA consensus: a rise of 50 % or more: stop
CICLOSPORIN_CAPSULE_MG = 25.0  # [label] smallest capsule in every market (25, 50, 100 mg)
PRESSURE_ABOVE = (140.0, 90.0)  # mmHg, systolic / diastolic
PRESSURE_REPEAT_DAYS = 7  # [label] blood pressure weekly for the first month
POTASSIUM_ABOVE = 5.5  # mmol/L [gap]

# Cadence [guideline SPS]; "months" are 4 weeks (the schedule's conservative convention)
FORTNIGHT_DAYS = 14
MONTH_DAYS = 28
STABLE_WEEKS = 6
AZATHIOPRINE_MONTHLY_WEEKS = 13  # monthly for 3 months after the 6 stable weeks
QUARTER_DAYS = 84  # every 12 weeks
CICLOSPORIN_FORTNIGHTLY_MONTHS = 3
WITHHOLD_REPEAT_DAYS = 7  # [gap] the reference's one repeat interval (the shared creatinine rule)

# IVIg at risk [label, one product] below 2 mg/kg/min; plexodose's conservative cap [gap]
IVIG_AT_RISK_MAX_MG_PER_KG_MIN = 2.0

_BSR = (
    "BSR/BHPR 2017 guideline for non-biologic DMARDs, as restated by the NHS Specialist "
    "Pharmacy Service monitoring pages"
)
_CICLOSPORIN_LABEL = "US modified ciclosporin prescribing information (RA/psoriasis)"

BSR_THRESHOLDS = Source(
    "guideline",
    _BSR,
    "withhold and discuss with the specialist team when WBC < 3.5, neutrophils < 1.6, "
    "platelets < 140 x10^9/L, unexplained eosinophilia > 0.5 x10^9/L, AST or ALT > 100 U/L, "
    "or an unexplained fall in albumin < 30 g/L",
)
BSR_RENAL = Source(
    "guideline",
    _BSR,
    "creatinine more than 30 % above baseline over 12 months, or eGFR < 60 mL/min/1.73 m^2: "
    "repeat in 1 week; if still more than 30 % above baseline, withhold",
)
BSR_MCV = Source(
    "guideline",
    _BSR,
    "MCV > 105 fL: investigate (not withhold): check B12, folate and TSH; treat if abnormal, "
    "discuss with the specialist team if normal",
)
BSR_TRENDS = Source(
    "guideline",
    _BSR,
    "be aware of gradual falls in WBC, neutrophils, platelets or albumin, or rising liver enzymes",
)
TREND_STOP = Source(
    "secondary",
    "a primary-care monitoring summary (second-hand)",
    "sequential falls of more than 10 % on three occasions: stop and seek advice",
)
LOCAL_THRESHOLDS = Source(
    "guideline",
    "some local shared-care protocols (they differ from BSR 2017, the default)",
    "neutrophils < 2.0, platelets < 150 x10^9/L, or ALT/AST > 2x the upper limit of normal",
)
CICLOSPORIN_CREATININE = Source(
    "label",
    _CICLOSPORIN_LABEL,
    "creatinine >= 25 % (psoriasis) or 30 % (RA) above the pretreatment level: repeat within "
    "2 weeks; if it persists, reduce the dose by 25-50 %; if two reductions fail to bring it "
    "back within that margin, discontinue",
)
CICLOSPORIN_STOP = Source(
    "secondary",
    "rheumatoid arthritis consensus on ciclosporin (second-hand)",
    "a creatinine rise of 50 % or more above the pretreatment level: stop",
)
CICLOSPORIN_PRESSURE = Source(
    "label",
    _CICLOSPORIN_LABEL,
    "two readings above 140/90 mmHg: treat hypertension; if it cannot be controlled, reduce the "
    "dose by 25-50 %; stop if it persists; blood pressure weekly for the first month",
)
CICLOSPORIN_CAPSULES_GAP = Source(
    "gap",
    "plexodose conservative choice (the label gives a 25-50 % range, not a rounding)",
    "a reduced ciclosporin dose is whole 25 mg capsules a dose (capsules 25, 50, 100 mg) inside "
    "the label's 25-50 % range: the largest at or below the chosen reduction, else the smallest "
    "above it; none (discuss) when no whole-capsule dose lies inside the range",
)
POTASSIUM_GAP = Source(
    "gap",
    "plexodose conservative choice (the ciclosporin sources give no potassium threshold)",
    "ciclosporin: potassium > 5.5 mmol/L is flagged for review (hyperkalaemia risk, especially "
    "in renal dysfunction); configurable (potassium_limit)",
)
MYCOPHENOLATE_PRESSURE = Source(
    "guideline",
    "NHS Specialist Pharmacy Service, mycophenolate mofetil monitoring",
    "blood pressure > 140/90 mmHg: manage as hypertension",
)
ORAL_CYCLOPHOSPHAMIDE_COUNTS_GAP = Source(
    "gap",
    "plexodose conservative choice (no count table for oral cyclophosphamide was found)",
    "the shared thresholds (WBC < 3.5, neutrophils < 1.6, platelets < 140 x10^9/L: withhold and "
    "discuss) applied by analogy",
)
AZATHIOPRINE_CADENCE = Source(
    "guideline",
    "NHS Specialist Pharmacy Service, azathioprine monitoring / shared care",
    "FBC, LFT and creatinine every 2 weeks until on a stable dose for 6 weeks, then monthly for "
    "3 months, then every 12 weeks; repeat 2 weeks after any dose increase",
)
MYCOPHENOLATE_CADENCE = Source(
    "guideline",
    "NHS Specialist Pharmacy Service, mycophenolate mofetil monitoring",
    "every 2 weeks for at least 6 weeks until the dose is stable, then every 12 weeks",
)
CICLOSPORIN_CADENCE = Source(
    "guideline",
    "NHS Specialist Pharmacy Service, ciclosporin monitoring",
    "creatinine every 2 weeks for 3 months, then monthly for 3 months, then every 1-3 months; "
    "FBC, LFT, albumin and blood pressure every 2 weeks until the dose has been stable for 6 "
    "weeks, then monthly for 3 months",
)
ORAL_CYCLOPHOSPHAMIDE_CADENCE_GAP = Source(
    "gap",
    "plexodose conservative choice (no calendar for oral cyclophosphamide in the reference)",
    "next blood count in 2 weeks, the shared thresholds' most frequent cadence, by analogy",
)
WITHHOLD_REPEAT_GAP = Source(
    "gap",
    "plexodose conservative choice (the reference gives no date after a withhold)",
    "after a withhold or stop: discuss with the specialist team now and repeat the tests 1 week "
    "later (the shared creatinine rule's repeat interval); the team may set another date",
)
RESTART_RULE = Source(
    "gap",
    "plexodose (monitoring rules: 'withhold and discuss' never invents a dose)",
    "a withheld drug restarts only at the prescriber's explicit dose (restart_dose=)",
)
CICLOSPORIN_BEFORE = Source(
    "label",
    f"{_CICLOSPORIN_LABEL}; NHS Specialist Pharmacy Service",
    "before starting: blood pressure on at least two occasions; serum creatinine on at least two "
    "occasions (the baseline is their mean); potassium, magnesium, lipids, LFTs, FBC",
)
CICLOSPORIN_CONTRAINDICATIONS = src.CICLOSPORIN_CONTRAINDICATIONS  # one Source, cited by the calculator and the schedule
CICLOSPORIN_START_GAP = Source(
    "gap",
    "plexodose conservative choice (the label says 'abnormal' renal function)",
    "refuse to start ciclosporin at eGFR < 60 mL/min/1.73 m^2, creatinine 25 % or more above "
    "its baseline, or blood pressure above 140/90 mmHg given as uncontrolled, unless overridden "
    "with a reason",
)
MYCOPHENOLATE_BEFORE = Source(
    "guideline",
    "NHS Specialist Pharmacy Service, mycophenolate mofetil monitoring",
    "before starting: a pregnancy test twice, 8-10 days apart, in women who could become "
    "pregnant; FBC, LFT, albumin, creatinine, blood pressure, weight, height",
)
THIOPURINE_GENOTYPE = Source(
    "guideline",
    "CPIC guideline for thiopurines and TPMT/NUDT15 (2018, updated 2024)",
    "TPMT and NUDT15 status set the starting dose; NUDT15 indeterminate: no activity assay "
    "exists, monitor closely",
)
INFECTION_SCREENING_GAP = Source(
    "gap",
    "plexodose (the reference names no infection screen)",
    "consider infection screening before immunosuppression, as local policy sets it",
)
IVIG_AT_RISK_RATE_GAP = src.IVIG_RISK_RATE_GAP  # one Source, cited by the calculator and the schedule
TAPER_GAP = Source(
    "gap",
    "plexodose (no source gives a taper schedule for these agents in this indication)",
    "a taper is built only from the prescriber's step and interval, to a stated floor or stop; "
    "[seed] abrupt discontinuation after improvement may cause relapse",
)
IVIG_BOXED_WARNING = src.IVIG_BOXED_WARNING  # one Source, cited by the calculator and the schedule
