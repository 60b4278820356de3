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
# [secondary] three successive falls of more than 10 % (WBC, neutrophils, platelets) with the latest
# value still above its withhold threshold: flag, discuss with the specialist team (not a stop)
TREND_FALL = 0.10
TREND_OCCASIONS = 3
TREND_DECIMALS = 9  # falls are compared after rounding to 9 decimals: exactly 10 % is not "more than"

# Ciclosporin [label] US modified ciclosporin (RA/psoriasis)
CICLOSPORIN_RISE = (0.25, 0.30)  # psoriasis (default: the lower, earlier), RA
CICLOSPORIN_REPEAT_DAYS = 7  # a first rise: repeat in 1 week (the shared rule, inside the label's 2 weeks)
CICLOSPORIN_WITHHOLD_RISE_ABOVE = 0.30  # a persisting rise of more than 30 %: withhold (shared rule)
CICLOSPORIN_REDUCTION = (0.25, 0.50)
CICLOSPORIN_FAILED_REDUCTIONS = 2  # two reductions that fail: discontinue
CICLOSPORIN_STOP_RISE = 0.50  # [secondary] RA consensus: a rise of 50 % or more: stop
CICLOSPORIN_CAPSULE_MG = 25.0  # [label] smallest capsule in every market (25, 50, 100 mg)
PRESSURE_ABOVE = (140.0, 90.0)  # mmHg, systolic / diastolic
PRESSURE_REPEAT_DAYS = 7  # [gap] one reading above 140/90: measure again (within a week)
POTASSIUM_ABOVE = 5.5  # mmol/L [gap]

# Oral cyclophosphamide [secondary] creatinine bands (clinical rules): the calculator's constants
# IV cyclophosphamide [gap] a pre-pulse creatinine above the EULAR table holds the pulse
PRE_PULSE_CREATININE_ABOVE_UMOL_L = 500.0
# Mycophenolate [label] eGFR < 25: no more than 1 g twice daily (the calculator's constants)

# Cadence [guideline SPS]; "months" are 4 weeks (the schedule's conservative convention)
FORTNIGHT_DAYS = 14
MONTH_DAYS = 28
STABLE_WEEKS = 6
AZATHIOPRINE_WEEKLY_DAYS = 28  # [label] CBC weekly in the first month
QUARTER_DAYS = 84  # every 12 weeks
CICLOSPORIN_FORTNIGHTLY_MONTHS = 3
WITHHOLD_REPEAT_DAYS = 7  # [gap] the reference's one repeat interval (the shared creatinine rule)


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
    id="review.counts.bsr_2017", year=2017, edition="Rheumatology 2017", links=("sps.nhs.uk",),
)
BSR_RENAL = Source(
    "guideline",
    _BSR,
    "creatinine more than 30 % above baseline over 12 months, or eGFR < 60 mL/min/1.73 m^2: "
    "repeat in 1 week; if still more than 30 % above baseline, withhold",
    id="review.renal.bsr_2017",
    year=2017,
    edition="Rheumatology 2017",
    links=("sps.nhs.uk/monitorings/mycophenolate-mofetil-monitoring",),
)
BSR_MCV = Source(
    "guideline",
    _BSR,
    "MCV > 105 fL: investigate (not withhold): check B12, folate and TSH; treat if abnormal, "
    "discuss with the specialist team if normal",
    id="review.mcv.bsr_2017", year=2017, edition="Rheumatology 2017", links=("sps.nhs.uk",),
)
BSR_TRENDS = Source(
    "guideline",
    _BSR,
    "be aware of gradual falls in WBC, neutrophils, platelets or albumin, or rising liver enzymes",
    id="review.trends.bsr_2017",
    year=2017,
    edition="Rheumatology 2017",
    links=("sps.nhs.uk/monitorings/ciclosporin-monitoring",),
)
TREND_FLAG = Source(
    "secondary",
    "a primary-care monitoring summary (second-hand), read with the SPS/BSR 2017 'be aware of "
    "trends'",
    "WBC, neutrophils or platelets falling on three successive results, each more than 10 % below "
    "the one before, the latest still above its withhold threshold: flag, discuss with the "
    "specialist team (the summary's 'stop' is not followed: the count is still normal)",
    id="review.trends.three_falls",
)
LOCAL_THRESHOLDS = Source(
    "guideline",
    "some local shared-care protocols (they differ from BSR 2017, the default)",
    "neutrophils < 2.0, platelets < 150 x10^9/L, or ALT/AST > 2x the upper limit of normal",
    id="review.counts.local",
)
CICLOSPORIN_CREATININE = Source(
    "label",
    _CICLOSPORIN_LABEL,
    "creatinine >= 25 % (psoriasis) or 30 % (RA) above the pretreatment level: repeat within "
    "2 weeks (plexodose: 1 week, the shared rule's interval); if it persists, reduce the dose by "
    "25-50 %; if two reductions fail to bring it back within that margin, discontinue",
    id="ciclosporin.review.creatinine", edition="Gengraf text", links=("120ty.net",),
)
CICLOSPORIN_STOP = Source(
    "secondary",
    "rheumatoid arthritis consensus on ciclosporin (second-hand)",
    "a creatinine rise of 50 % or more above the pretreatment level: stop",
    id="ciclosporin.review.stop",
)
CICLOSPORIN_PRESSURE = Source(
    "label",
    _CICLOSPORIN_LABEL,
    "two readings above 140/90 mmHg: treat hypertension; if it cannot be controlled, reduce the "
    "dose by 25-50 %; stop if it persists",
    id="ciclosporin.review.blood_pressure", edition="Gengraf text", links=("120ty.net",),
)
CICLOSPORIN_CAPSULES_GAP = Source(
    "gap",
    "plexodose conservative choice (the label gives a 25-50 % range, not a rounding)",
    "a reduced ciclosporin dose is whole 25 mg capsules a dose (capsules 25, 50, 100 mg) inside "
    "the label's 25-50 % range: the largest at or below the chosen reduction, else the smallest "
    "above it; none (discuss) when no whole-capsule dose lies inside the range",
    id="ciclosporin.review.reduced_capsules",
)
POTASSIUM_GAP = Source(
    "gap",
    "plexodose conservative choice (the ciclosporin sources give no potassium threshold)",
    "ciclosporin: potassium > 5.5 mmol/L is flagged for review (hyperkalaemia risk, especially "
    "in renal dysfunction); configurable (potassium_limit)",
    id="ciclosporin.review.potassium",
)
MYCOPHENOLATE_PRESSURE = Source(
    "guideline",
    "NHS Specialist Pharmacy Service, mycophenolate mofetil monitoring",
    "blood pressure > 140/90 mmHg: manage as hypertension",
    id="mycophenolate.review.blood_pressure",
    links=("sps.nhs.uk/monitorings/mycophenolate-mofetil-monitoring",),
)
ORAL_CYCLOPHOSPHAMIDE_COUNTS_GAP = Source(
    "gap",
    "plexodose conservative choice (no count table for oral cyclophosphamide was found)",
    "the shared thresholds (WBC < 3.5, neutrophils < 1.6, platelets < 140 x10^9/L: withhold and "
    "discuss) applied by analogy",
    id="cyclophosphamide.oral.review.counts",
)
AZATHIOPRINE_CADENCE = Source(
    "guideline",
    "US azathioprine prescribing information and NHS Specialist Pharmacy Service (the more "
    "frequent at each point, plexodose clinical rules)",
    "FBC, LFT and creatinine weekly for the first 4 weeks, then every 2 weeks until the third "
    "month has ended and the dose has been stable for 6 weeks, then monthly (every 12 weeks only "
    "when the prescriber sets it); a test 2 weeks after any dose increase",
    id="azathioprine.review.cadence",
    links=("prescriberpoint.com/therapies/azathioprine-200ce99", "sps.nhs.uk"),
)
MYCOPHENOLATE_CADENCE = Source(
    "guideline",
    "NHS Specialist Pharmacy Service, mycophenolate mofetil monitoring",
    "every 2 weeks for at least 6 weeks until the dose is stable, then every 12 weeks",
    id="mycophenolate.review.cadence",
    links=("sps.nhs.uk/monitorings/mycophenolate-mofetil-monitoring",),
)
CICLOSPORIN_CADENCE = Source(
    "guideline",
    "NHS Specialist Pharmacy Service, ciclosporin monitoring",
    "creatinine every 2 weeks for 3 months, then monthly for 3 months, then every 1-3 months; "
    "FBC, LFT, albumin and blood pressure every 2 weeks until the dose has been stable for 6 "
    "weeks, then monthly for 3 months",
    id="ciclosporin.review.cadence", links=("sps.nhs.uk/monitorings/ciclosporin-monitoring",),
)
ORAL_CYCLOPHOSPHAMIDE_CADENCE_GAP = Source(
    "guideline",
    "French national diagnosis and care protocol (PNDS), Box 6: cyclophosphamide",
    "blood count with platelets, creatinine and urine for blood every 2 weeks for the first 3 "
    "months, then monthly while oral treatment continues",
    id="cyclophosphamide.oral.review.cadence", links=("pmc.ncbi.nlm.nih.gov/articles/PMC7771069",),
)
ORAL_CYCLOPHOSPHAMIDE_CREATININE = Source(
    "secondary",
    "oral cyclophosphamide by creatinine (second-hand summary; the dose bands of rule "
    "cyclophosphamide.oral.renal)",
    "each creatinine is judged against the bands (< 250 umol/L 2 mg/kg/day; 250-500 1.75; > 500 "
    "1.5): a current daily dose above its band's amount is reduced to it (whole tablets, never up)",
    id="cyclophosphamide.oral.review.creatinine",
)
PRE_PULSE_CREATININE_GAP = Source(
    "gap",
    "plexodose conservative choice (the EULAR/CYCLOPS table has no column above 500 umol/L)",
    "a pre-pulse creatinine above 500 umol/L holds the pulse: discuss and dose individually",
    id="cyclophosphamide.iv.review.pre_pulse_creatinine",
)
FRENCH_POSTPONE = Source(
    "guideline",
    "French national diagnosis and care protocol (PNDS), Box 6: cyclophosphamide",
    "neutrophils < 1.5 x10^9/L on the bolus date: reduce by 25 % or postpone (plexodose default: "
    "postpone); a postponement beyond 2 weeks: discuss another therapy",
    id="cyclophosphamide.iv.review.french_postpone",
    links=("pmc.ncbi.nlm.nih.gov/articles/PMC7771069",),
)
MYCOPHENOLATE_LOW_EGFR = Source(
    "label",
    "mycophenolate mofetil prescribing information (via secondary summary)",
    "GFR < 25 mL/min/1.73 m^2: no more than 1 g twice daily (2 g a day); in a review, a current "
    "dose above 2 g/day is reduced to 1 g twice daily, with the shared eGFR repeat",
    id="mycophenolate.review.low_egfr",
)
TWO_RULES_GAP = Source(
    "gap",
    "plexodose (monitoring rules, 'When two rules apply')",
    "stop > withhold > hold > reduce > repeat > recalculate > flag > continue: the highest action "
    "any rule gives is the answer; what the others require is added and every rule is cited",
    id="review.action.highest",
)
UNJUDGED_GAP = Source(
    "gap",
    "plexodose (monitoring rules: a review acts on every result or says it did not judge it)",
    "each result that no rule for the drug examines is named as not judged, never as within "
    "limits; by default it is flagged for the prescriber to judge (unjudged='note' to only name "
    "it)",
    id="review.results.unjudged",
)
SCREENING = Source(
    "gap",
    "plexodose (dosing rules, 'Screening an order someone else wrote')",
    "a current, restart or reduced dose is screened against the patient's own range: above it "
    "needs a stated reason (override=), above an absolute limit is refused; a dose that cannot "
    "be screened is reported as not screened",
    id="review.screening.dose",
)
RENAL_STABLE_GAP = Source(
    "gap",
    "plexodose, after the SPS wording ('if still more than 30% from baseline')",
    "an eGFR < 60 with creatinine not more than 30 % above baseline never withholds; after one "
    "repeat it triggers no further repeat (stable chronic kidney disease)",
    id="review.renal.stable", links=("sps.nhs.uk/monitorings/mycophenolate-mofetil-monitoring",),
)
WITHHOLD_REPEAT_GAP = Source(
    "gap",
    "plexodose conservative choice (the reference gives no date after a withhold)",
    "after a withhold or stop: discuss with the specialist team now and repeat the tests 1 week "
    "later (the shared creatinine rule's repeat interval); the team may set another date",
    id="review.withhold.repeat",
)
RESTART_RULE = Source(
    "gap",
    "plexodose (monitoring rules: 'withhold and discuss' never invents a dose)",
    "a withheld drug restarts only at the prescriber's explicit dose (restart_dose=)",
    id="review.restart.explicit_dose",
)
CICLOSPORIN_BEFORE = Source(
    "label",
    f"{_CICLOSPORIN_LABEL}; NHS Specialist Pharmacy Service",
    "before starting: blood pressure on at least two occasions; serum creatinine on at least two "
    "occasions (the baseline is their mean); potassium, magnesium, lipids, LFTs, FBC",
    id="ciclosporin.before.label",
    edition="Gengraf text",
    links=("120ty.net", "sps.nhs.uk/monitorings/ciclosporin-monitoring"),
)
CICLOSPORIN_CONTRAINDICATIONS = src.CICLOSPORIN_CONTRAINDICATIONS  # one Source, cited by the calculator and the schedule
CICLOSPORIN_START_GAP = Source(
    "gap",
    "plexodose conservative choice (the label says 'abnormal' renal function)",
    "refuse to start ciclosporin at eGFR < 60 mL/min/1.73 m^2, creatinine 25 % or more above "
    "its baseline, or blood pressure above 140/90 mmHg given as uncontrolled, unless overridden "
    "with a reason",
    id="ciclosporin.before.refuse_start",
)
MYCOPHENOLATE_BEFORE = Source(
    "guideline",
    "NHS Specialist Pharmacy Service, mycophenolate mofetil monitoring",
    "before starting: a pregnancy test twice, 8-10 days apart, in women who could become "
    "pregnant; FBC, LFT, albumin, creatinine, blood pressure, weight, height",
    id="mycophenolate.before.sps",
    links=("sps.nhs.uk/monitorings/mycophenolate-mofetil-monitoring",),
)
THIOPURINE_GENOTYPE = Source(
    "guideline",
    "CPIC guideline for thiopurines and TPMT/NUDT15 (2018, updated 2024)",
    "TPMT and NUDT15 status set the starting dose; NUDT15 indeterminate: no activity assay "
    "exists, monitor closely",
    id="azathioprine.before.genotype",
    year=2018,
    edition="updates of April 2020 and March 2024",
    links=("PMC6576267", "cpicpgx.org/guidelines"),
)
INFECTION_SCREENING_GAP = Source(
    "gap",
    "plexodose (the reference names no infection screen)",
    "consider infection screening before immunosuppression, as local policy sets it",
    id="before.infection.screening",
)
TAPER_GAP = Source(
    "gap",
    "plexodose (no source gives a taper schedule for these agents in this indication)",
    "a taper is built only from the prescriber's step and interval, to a stated floor or stop; "
    "[seed] abrupt discontinuation after improvement may cause relapse",
    id="taper.steps.prescriber",
)
IVIG_BOXED_WARNING = src.IVIG_BOXED_WARNING  # one Source, cited by the calculator and the schedule
ORAL_CYCLOPHOSPHAMIDE_TABLET_MG = 25.0  # clinical rules: oral tablets 25 and 50 mg (DailyMed): whole 25 mg steps
