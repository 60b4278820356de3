"""review(): every threshold hand-checked on each side, for every drug and action, with its source."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from plexodose import Labs, Patient, ciclosporin, cyclophosphamide_iv, review
from plexodose._core import sources as src
from plexodose._core.errors import InputRangeError, MissingInputError, PlexodoseError
from plexodose._monitoring import thresholds as rules
from plexodose._monitoring.review import Review, severity

P = Patient.example()
DAY = dt.date(2027, 3, 1)
BASE = "1.0 mg/dL"


def labs(day: dt.date = DAY, **values: Any) -> Labs:
    return Labs(date=day, **values)


def rv(drug: Any, *, history: Any = (), **values: Any) -> Review:
    options = {k: values.pop(k) for k in list(values) if k not in LAB_FIELDS}
    options.setdefault("on", DAY)
    options.setdefault("baseline", BASE)
    return review(drug, labs(**values), history=history, **options)


LAB_FIELDS = {
    "wbc", "neutrophils", "eosinophils", "platelets", "alt", "ast", "albumin", "mcv",
    "creatinine", "egfr", "potassium", "blood_pressure", "day",
}
EARLIER = dt.date(2027, 2, 15)


def cited(r: Review, source: Any) -> bool:
    """The rule is on the review: on a reason and in the sources."""
    return source in r.sources and any(f.source is source for f in r.reasons)


# --- the shared BSR 2017 thresholds, each side ------------------------------------------------

SHARED = ("azathioprine", "mycophenolate", "ciclosporin")


@pytest.mark.parametrize("drug", SHARED)
@pytest.mark.parametrize(
    ("field", "ok", "bad"),
    [
        ("wbc", "3.5 x10^9/L", "3.49 x10^9/L"),  # withhold below 3.5
        ("neutrophils", "1.6 x10^9/L", "1.59 x10^9/L"),  # below 1.6
        ("platelets", "140 x10^9/L", "139 x10^9/L"),  # below 140
        ("eosinophils", "0.5 x10^9/L", "0.51 x10^9/L"),  # above 0.5, unexplained
        ("alt", "100 U/L", "101 U/L"),  # above 100
        ("ast", "100 U/L", "101 U/L"),
        ("albumin", "30 g/L", "29.9 g/L"),  # below 30, unexplained
    ],
)
def test_shared_withhold_thresholds(drug: str, field: str, ok: str, bad: str) -> None:
    at = rv(drug, **{field: ok})
    assert at.action == "continue" and at.proposed_dose is None
    below = rv(drug, **{field: bad})
    assert below.action == "withhold" and below.proposed_dose is None
    assert cited(below, rules.BSR_THRESHOLDS)
    assert below.next_check == DAY + dt.timedelta(days=7)  # [gap] repeat a week later
    assert cited(below, rules.BSR_THRESHOLDS) and rules.WITHHOLD_REPEAT_GAP in below.sources


@pytest.mark.parametrize("field", ["eosinophils", "albumin"])
def test_explained_abnormality_is_noted_not_acted_on(field: str) -> None:
    value = {"eosinophils": "0.9 x10^9/L", "albumin": "25 g/L"}[field]
    r = rv("azathioprine", explained=[field], **{field: value})
    assert r.action == "continue" and any("explained by the prescriber" in n for n in r.notes)


def test_mcv_is_investigated_not_withheld() -> None:
    assert rv("mycophenolate", mcv="105 fL").action == "continue"
    r = rv("mycophenolate", mcv="105.1 fL")
    assert r.action == "flag" and "B12, folate and TSH" in r.reasons[0].text
    assert cited(r, rules.BSR_MCV)


@pytest.mark.parametrize("drug", ["azathioprine", "mycophenolate"])
def test_shared_creatinine_rule_repeat_then_withhold(drug: str) -> None:
    # baseline 1.0 mg/dL: 1.3 is exactly 30 % above (not "more than"), 1.31 is 31 %
    assert rv(drug, creatinine="1.3 mg/dL").action == "continue"
    first = rv(drug, creatinine="1.31 mg/dL")
    assert first.action == "repeat" and first.next_check == DAY + dt.timedelta(days=7)
    assert cited(first, rules.BSR_RENAL) and "31 %" in first.reasons[0].text
    again = rv(drug, creatinine="1.31 mg/dL", history=[labs(EARLIER, creatinine="1.35 mg/dL")])
    assert again.action == "withhold" and again.proposed_dose is None
    recovered = rv(drug, creatinine="1.31 mg/dL", history=[labs(EARLIER, creatinine="1.2 mg/dL")])
    assert recovered.action == "repeat"  # the earlier result was within 30 %: a first rise


def test_creatinine_in_umol_l_at_the_threshold() -> None:
    # 88.4 umol/L is 1 mg/dL (113.12 g/mol); 114.92 umol/L is 1.3 mg/dL: exactly 30 %, no noise
    r = rv("azathioprine", creatinine="114.92 umol/L", baseline="88.4 umol/L")
    assert r.action == "continue"


def test_egfr_below_60_repeats_and_never_withholds_alone() -> None:
    # monitoring-rules.md (2026-12-07): an eGFR < 60 alone never withholds; "still" is the
    # creatinine rise. With no creatinine on the repeat, repeat again with one.
    assert rv("azathioprine", egfr="60 mL/min/1.73 m^2").action == "continue"
    first = rv("azathioprine", egfr="59 mL/min/1.73 m^2")
    assert first.action == "repeat" and first.next_check == DAY + dt.timedelta(days=7)
    again = rv("azathioprine", egfr="59 mL/min/1.73 m^2",
               history=[labs(EARLIER, egfr="55 mL/min/1.73 m^2")])
    assert again.action == "repeat" and "with a creatinine" in again.reasons[0].text


def test_a_creatinine_without_baseline_is_refused() -> None:
    with pytest.raises(MissingInputError, match="baseline=") as caught:
        review("azathioprine", labs(creatinine="1.2 mg/dL"), on=DAY)
    assert caught.value.field == "baseline"
    # the baseline as pre-treatment Labs: their mean, (0.9 + 1.1) / 2 = 1.0
    pre = [labs(dt.date(2027, 1, 1), creatinine="0.9 mg/dL"), labs(dt.date(2027, 1, 8), creatinine="1.1 mg/dL")]
    assert review("azathioprine", labs(creatinine="1.31 mg/dL"), baseline=pre, on=DAY).action == "repeat"


# --- sources that differ: reported, not silently picked -----------------------------------------


def test_local_thresholds_are_reported_and_selectable() -> None:
    bsr = rv("azathioprine", neutrophils="1.9 x10^9/L", platelets="145 x10^9/L")
    assert bsr.action == "continue"
    assert sum("a local protocol" in n for n in bsr.notes) == 2
    assert rules.LOCAL_THRESHOLDS in bsr.sources
    local = rv("azathioprine", neutrophils="1.9 x10^9/L", thresholds="local", uln_alt="40 U/L",
               uln_ast="40 U/L")
    assert local.action == "withhold" and cited(local, rules.LOCAL_THRESHOLDS)
    # local ALT: above 2 x 40 = 80 U/L withholds; 80 does not
    assert rv("azathioprine", alt="80 U/L", thresholds="local", uln_alt="40 U/L").action == "continue"
    assert rv("azathioprine", alt="81 U/L", thresholds="local", uln_alt="40 U/L").action == "withhold"
    noted = rv("azathioprine", alt="90 U/L", uln_alt="40 U/L")
    assert noted.action == "continue" and any("2x the upper limit" in n for n in noted.notes)
    with pytest.raises(MissingInputError) as caught:
        rv("azathioprine", alt="90 U/L", thresholds="local")
    assert caught.value.field == "uln_alt"


# --- trends ----------------------------------------------------------------------------------


def _series(values: list[str], field: str = "platelets") -> tuple[list[Labs], str]:
    days = [DAY - dt.timedelta(days=14 * k) for k in range(len(values) - 1, 0, -1)]
    return [labs(d, **{field: v}) for d, v in zip(days, values, strict=False)], values[-1]


def test_three_sequential_falls_over_10_percent_flag() -> None:
    # 400 -> 359 (-10.25 %) -> 322 (-10.3 %) -> 289 (-10.25 %): three falls of more than 10 %,
    # 289 still above 140: a flag (monitoring-rules.md 2026-12-07), no longer a stop
    past, last = _series(["400 x10^9/L", "359 x10^9/L", "322 x10^9/L", "289 x10^9/L"])
    r = rv("ciclosporin", history=past, platelets=last)
    assert r.action == "flag" and cited(r, rules.TREND_FLAG) and r.proposed_dose is None
    # 400 -> 360 is exactly 10 %: not "more than"; the last two falls are a gradual fall (flag)
    past, last = _series(["400 x10^9/L", "360 x10^9/L", "322 x10^9/L", "289 x10^9/L"])
    r = rv("ciclosporin", history=past, platelets=last)
    assert r.action == "flag" and cited(r, rules.BSR_TRENDS)


def test_rising_liver_enzymes_and_falling_albumin_are_flagged() -> None:
    past, last = _series(["30 U/L", "40 U/L", "50 U/L"], "alt")
    assert rv("azathioprine", history=past, alt=last).action == "flag"
    past, last = _series(["40 U/L", "40 U/L", "50 U/L"], "alt")
    assert rv("azathioprine", history=past, alt=last).action == "continue"  # not strictly rising
    past, last = _series(["40 g/L", "37 g/L", "35 g/L"], "albumin")
    assert rv("mycophenolate", history=past, albumin=last).action == "flag"


# --- ciclosporin ------------------------------------------------------------------------------


def test_ciclosporin_creatinine_rule() -> None:
    # baseline 1.0 mg/dL; margin 25 % (psoriasis, the default)
    assert rv("ciclosporin", creatinine="1.24 mg/dL").action == "continue"
    first = rv("ciclosporin", creatinine="1.25 mg/dL")  # exactly 25 %: ">= 25 %"
    # a first rise: repeat in 1 week (the one sequence, monitoring-rules.md 2026-12-07)
    assert first.action == "repeat" and first.next_check == DAY + dt.timedelta(days=7)
    assert cited(first, rules.CICLOSPORIN_CREATININE)
    before = [labs(EARLIER, creatinine="1.26 mg/dL")]
    confirmed = rv("ciclosporin", creatinine="1.25 mg/dL", history=before, current_dose="350 mg/day")
    assert confirmed.action == "reduce"
    # 350 mg/day twice daily, 50 % by default: 87.5 mg a dose; whole 25 mg capsules inside 25-50 %
    # (87.5-131.25 mg a dose) are 100 and 125; none at or below 87.5, so the smallest: 100 mg
    assert confirmed.proposed_dose.magnitude == 200.0 and str(confirmed.proposed_dose.units) == "milligram / day"
    assert confirmed.proposed_text.startswith("100 mg twice daily (200 mg/day)")
    assert cited(confirmed, rules.CICLOSPORIN_CREATININE) and rules.CICLOSPORIN_CAPSULES_GAP in confirmed.sources
    # 25 %: 131.25 mg a dose -> 125 mg (250 mg/day)
    quarter = rv("ciclosporin", creatinine="1.25 mg/dL", history=before, current_dose="350 mg/day",
                 reduction=0.25)
    assert quarter.proposed_amount == 250.0
    once = rv("ciclosporin", creatinine="1.25 mg/dL", reductions=1, current_dose="200 mg/day")
    # still up after one reduction: reduce again; 200/day: 50-75 mg a dose -> 50 (50 %)
    assert once.action == "reduce" and once.proposed_amount == 100.0
    twice = rv("ciclosporin", creatinine="1.25 mg/dL", reductions=2)
    assert twice.action == "stop" and twice.proposed_dose is None and "two reductions" in twice.reasons[0].text
    assert rv("ciclosporin", creatinine="1.49 mg/dL").action == "repeat"
    fifty = rv("ciclosporin", creatinine="1.5 mg/dL")  # 50 % or more: stop [secondary]
    assert fifty.action == "stop" and cited(fifty, rules.CICLOSPORIN_STOP)


def test_ciclosporin_rheumatoid_margin_and_dose_from_the_result() -> None:
    assert rv("ciclosporin", creatinine="1.29 mg/dL", creatinine_rise=0.30).action == "continue"
    assert rv("ciclosporin", creatinine="1.3 mg/dL", creatinine_rise=0.30).action == "repeat"
    result = ciclosporin(P)
    per_dose = result.dispensed.amount if result.dispensed else result.per_dose_mg
    r = rv(result, creatinine="1.25 mg/dL", reductions=1)
    assert r.action == "reduce"
    assert r.proposed_amount is not None and r.proposed_amount <= 0.75 * 2 * per_dose
    assert r.proposed_amount >= 0.5 * 2 * per_dose


def test_ciclosporin_reduction_without_a_dispensable_dose() -> None:
    # 50 mg/day: 25-50 % less is 12.5-18.75 mg a dose: no whole 25 mg capsule
    r = rv("ciclosporin", creatinine="1.3 mg/dL", reductions=1, current_dose="50 mg/day")
    assert r.action == "reduce" and r.proposed_dose is None
    assert any("no whole-capsule dose" in n for n in r.notes)
    r = rv("ciclosporin", creatinine="1.3 mg/dL", reductions=1)
    assert r.proposed_dose is None and any("give the current dose" in n for n in r.notes)


def test_ciclosporin_blood_pressure() -> None:
    assert rv("ciclosporin", blood_pressure="140/90 mmHg").action == "continue"
    for reading in ("141/90 mmHg", "140/91 mmHg"):
        one = rv("ciclosporin", blood_pressure=reading)
        assert one.action == "repeat" and one.next_check == DAY + dt.timedelta(days=7)
    before = [labs(EARLIER, blood_pressure="145/92 mmHg")]
    two = rv("ciclosporin", blood_pressure="150/95 mmHg", history=before)
    assert two.action == "flag" and "treat hypertension" in two.reasons[0].text
    assert cited(two, rules.CICLOSPORIN_PRESSURE)
    uncontrolled = rv("ciclosporin", blood_pressure="150/95 mmHg", history=before,
                      uncontrolled_hypertension=True, current_dose="300 mg/day")
    # 300 mg/day, 50 %: 75 mg a dose is inside 75-112.5: 150 mg/day
    assert uncontrolled.action == "reduce" and uncontrolled.proposed_amount == 150.0
    persists = rv("ciclosporin", blood_pressure="150/95 mmHg", history=before,
                  uncontrolled_hypertension=True, pressure_reductions=1)
    assert persists.action == "stop" and persists.proposed_dose is None


def test_ciclosporin_potassium_is_flagged_above_5_5() -> None:
    assert rv("ciclosporin", potassium="5.5 mmol/L").action == "continue"
    r = rv("ciclosporin", potassium="5.51 mmol/L")
    assert r.action == "flag" and cited(r, rules.POTASSIUM_GAP)
    assert rv("ciclosporin", potassium="5.8 mmol/L", potassium_limit=6).action == "continue"
    unjudged = rv("azathioprine", potassium="6.5 mmol/L")  # no rule for it: named, flagged
    assert unjudged.action == "flag" and "not judged" in unjudged.reasons[0].text


def test_blood_pressure_for_mycophenolate_and_azathioprine() -> None:
    r = rv("mycophenolate", blood_pressure="141/85 mmHg")
    assert r.action == "flag" and cited(r, rules.MYCOPHENOLATE_PRESSURE)
    assert rv("mycophenolate", blood_pressure="140/90 mmHg").action == "continue"
    assert rv("azathioprine", blood_pressure="180/100 mmHg").action == "flag"  # not judged


# --- cyclophosphamide -------------------------------------------------------------------------


def test_oral_cyclophosphamide_counts_by_analogy() -> None:
    assert rv("cyclophosphamide oral", wbc="3.5 x10^9/L").action == "continue"
    r = rv("cyclophosphamide oral", wbc="3.4 x10^9/L")
    assert r.action == "withhold" and cited(r, rules.ORAL_CYCLOPHOSPHAMIDE_COUNTS_GAP)
    assert "by analogy" in r.reasons[0].text
    assert rv("cyclophosphamide oral", platelets="139 x10^9/L").action == "withhold"
    assert rv("cyclophosphamide oral", eosinophils="0.9 x10^9/L", unjudged="note").action == "continue"


def test_iv_pulses_reuse_the_nadir_and_pre_pulse_rules() -> None:
    pulse = cyclophosphamide_iv(P, g_per_m2=0.5)  # 0.5 g/m2 x 1.8708 m2 = 935.4 mg
    half = review(pulse, labs(wbc="2500 /uL"), on=DAY)  # pre-pulse 2,000-3,000: 50 %
    # 935.41 x 50 % = 467.71 mg, prepared to the whole mg: 468 mg
    assert half.action == "reduce" and half.proposed_amount == 468.0
    assert half.proposed_text == "468 mg for the next pulse (calculated 467.71 mg)"
    assert str(half.proposed_dose.units) == "milligram" and src.CYCLOPHOSPHAMIDE_NADIR in half.sources
    held = review(pulse, labs(wbc="1.9 x10^9/L"), on=DAY)  # below 2,000/uL: hold
    assert held.action == "withhold" and held.proposed_dose is None
    raised = review(pulse, labs(wbc="5 x10^9/L"), nadir=labs(EARLIER, wbc="3.5 x10^9/L"), on=DAY)
    # nadir above 2,000: raise 25 %: 0.625 g/m2 x 1.8708 = 1,169.3 mg, prepared 1,169 mg
    assert raised.action == "continue" and raised.proposed_amount == 1169.0
    # French protocol: postpone by default (monitoring-rules.md 2026-12-07); a 25 % cut on request
    postponed = review(pulse, labs(wbc="5 x10^9/L", neutrophils="1.4 x10^9/L"), on=DAY)
    assert postponed.action == "withhold" and postponed.proposed_dose is None
    cut = review(pulse, labs(wbc="5 x10^9/L", neutrophils="1.4 x10^9/L"), on=DAY,
                 neutrophils_rule="cut")
    assert cut.action == "reduce" and src.FRENCH_NEUTROPHILS in cut.sources
    assert cut.proposed_amount == 702.0  # 935.41 x 0.75 = 701.56 mg, prepared 702 mg
    with pytest.raises(MissingInputError):
        review("cyclophosphamide iv", labs(wbc="5 x10^9/L"), on=DAY)


def test_ivig_and_unknown_drugs_are_refused() -> None:
    for drug in ("IVIg", "prednisolone", 3):
        with pytest.raises(InputRangeError) as caught:
            review(drug, labs(wbc="5 x10^9/L"), on=DAY)
        assert caught.value.field == "drug"


# --- withheld, restart, dates and cadence -----------------------------------------------------


def test_a_withheld_drug_restarts_only_at_the_prescribers_dose() -> None:
    waiting = rv("azathioprine", wbc="5 x10^9/L", withheld=True)
    assert waiting.action == "withhold" and waiting.proposed_dose is None
    assert cited(waiting, rules.RESTART_RULE)
    restart = rv("azathioprine", wbc="5 x10^9/L", withheld=True, restart_dose="50 mg/day")
    assert restart.action == "continue" and restart.proposed_amount == 50.0
    still_low = rv("azathioprine", wbc="3 x10^9/L", withheld=True, restart_dose="50 mg/day")
    assert still_low.action == "withhold" and still_low.proposed_dose is None
    with pytest.raises(InputRangeError) as caught:
        rv("azathioprine", wbc="5 x10^9/L", restart_dose="50 mg/day")
    assert caught.value.field == "restart_dose"


def test_dates_are_checked() -> None:
    with pytest.raises(InputRangeError, match="in the future") as caught:
        review("azathioprine", labs(wbc="5 x10^9/L"), on=DAY - dt.timedelta(days=1))
    assert caught.value.field == "labs"
    with pytest.raises(InputRangeError, match="before the treatment") as caught:
        review("azathioprine", labs(wbc="5 x10^9/L"), on=DAY, started=DAY + dt.timedelta(days=1))
    with pytest.raises(InputRangeError, match="before the treatment") as caught:
        review("azathioprine", labs(wbc="5 x10^9/L"), on=DAY, started=EARLIER,
               history=[labs(EARLIER - dt.timedelta(days=1), wbc="5 x10^9/L")])
    assert caught.value.field == "history"
    with pytest.raises(InputRangeError) as caught:
        review("azathioprine", labs(wbc="5 x10^9/L"), on=DAY, history=[labs(DAY, wbc="5 x10^9/L")])
    assert caught.value.field == "history"
    with pytest.raises(InputRangeError) as caught:
        review("azathioprine", labs(creatinine="1 mg/dL"), on=DAY,
               baseline=labs(DAY + dt.timedelta(days=1), creatinine="1 mg/dL"))
    assert caught.value.field == "baseline"
    with pytest.raises(InputRangeError) as caught:
        review("azathioprine", {"wbc": "3 x10^9/L"}, on=DAY)
    assert caught.value.field == "labs"


def test_normal_results_continue_on_the_drugs_cadence() -> None:
    normal = {"wbc": "6 x10^9/L", "neutrophils": "4 x10^9/L", "platelets": "250 x10^9/L",
              "alt": "30 U/L", "creatinine": "1.0 mg/dL"}
    r = rv("azathioprine", **normal)
    assert r.action == "continue" and r.proposed_dose is None
    assert r.next_check == DAY + dt.timedelta(days=14)  # every 2 weeks until stable 6 weeks
    assert "within the rules' limits" in r.reasons[0].text
    # stable 8 weeks (56 days on treatment at least): the third month may not have ended, so
    # every 2 weeks (the label's twice monthly in months 2-3, the more frequent source)
    stable8 = rv("azathioprine", stable_since=DAY - dt.timedelta(weeks=8), **normal)
    assert stable8.next_check == DAY + dt.timedelta(days=14)
    # stable 20 weeks (140 >= 84 days, stable >= 6 weeks): monthly; 12-weekly is the
    # prescriber's choice, never the review's (monitoring-rules.md, 2026-12-07)
    stable20 = rv("azathioprine", stable_since=DAY - dt.timedelta(weeks=20), **normal)
    assert stable20.next_check == DAY + dt.timedelta(days=28)
    # weekly for the first 4 weeks on treatment (label: CBC weekly in the first month)
    first_month = rv("azathioprine", started=DAY - dt.timedelta(days=20), **normal)
    assert first_month.next_check == DAY + dt.timedelta(days=7)
    mmf = rv("mycophenolate", stable_since=DAY - dt.timedelta(weeks=7), **normal)
    assert mmf.next_check == DAY + dt.timedelta(days=84)
    csa = rv("ciclosporin", started=DAY - dt.timedelta(weeks=20),
             stable_since=DAY - dt.timedelta(weeks=8), **normal)
    assert csa.next_check == DAY + dt.timedelta(days=28)  # after 3 months, stable: monthly
    csa_early = rv("ciclosporin", started=DAY - dt.timedelta(weeks=4), **normal)
    assert csa_early.next_check == DAY + dt.timedelta(days=14)


def test_review_block_shows_headline_reasons_sources_and_next_check() -> None:
    r = rv("azathioprine", wbc="3.1 x10^9/L")
    text = repr(r)
    assert text.splitlines()[0] == (
        "azathioprine, results of 2027-03-01: Withhold and discuss with the specialist team"
    )
    assert "next check: 2027-03-08" in text and "[guideline] BSR/BHPR 2017" in text
    assert "proposed dose: none" in text and str(r) == text
    assert all(f.source in r.sources for f in r.reasons)
    assert severity("continue") < severity("flag") < severity("repeat") < severity("reduce")
    assert severity("reduce") < severity("withhold") < severity("stop")


def test_bad_options_are_refused() -> None:
    for options, field in (
        ({"thresholds": "nice"}, "thresholds"),
        ({"reduction": 0.6}, "reduction"),
        ({"creatinine_rise": 0.2}, "creatinine_rise"),
        ({"explained": ["wbc"]}, "explained"),
        ({"reductions": -1}, "reductions"),
        ({"withheld": "yes"}, "withheld"),
        ({"current_dose": 300}, "current_dose"),
        ({"potassium_limit": 12}, "potassium_limit"),
    ):
        with pytest.raises(PlexodoseError) as caught:
            rv("ciclosporin", wbc="5 x10^9/L", **options)
        assert caught.value.field == field, options


def test_more_refusals_and_a_withheld_reduction() -> None:
    with pytest.raises(MissingInputError) as caught:
        review("azathioprine", labs(), on=DAY)
    assert caught.value.field == "labs"
    with pytest.raises(InputRangeError) as caught:
        rv("azathioprine", wbc="5 x10^9/L", explained=5)
    assert caught.value.field == "explained"
    pulse = cyclophosphamide_iv(P, g_per_m2=0.5)
    with pytest.raises(InputRangeError) as caught:
        review(pulse, labs(wbc="5 x10^9/L"), on=DAY, restart_dose="500 mg/day")
    assert caught.value.field == "restart_dose"
    with pytest.raises(InputRangeError) as caught:
        Review(drug="x", date=DAY, action="stop", reasons=(), next_check=DAY, proposed_amount=1.0)
    assert caught.value.field == "proposed_amount"
    # withheld ciclosporin whose creatinine is still up: no computed restart dose
    held = rv("ciclosporin", creatinine="1.3 mg/dL", reductions=1, current_dose="300 mg/day",
              withheld=True)
    assert held.action == "withhold" and held.proposed_dose is None


def test_a_proposed_dose_never_passes_the_drug_s_maximum() -> None:
    """A restart is the prescriber's dose, but never above what the calculators allow."""
    from plexodose import DoseRangeError, Patient, ciclosporin

    normal = labs(wbc="5 x10^9/L", creatinine="0.9 mg/dL")
    with pytest.raises(DoseRangeError, match="above the azathioprine maximum of 150 mg/day"):
        review("azathioprine", normal, on=DAY, baseline="0.9 mg/dL", withheld=True,
               restart_dose="400 mg/day")
    ok = review("azathioprine", normal, on=DAY, baseline="0.9 mg/dL", withheld=True,
                restart_dose="150 mg/day")  # the cap itself
    assert ok.proposed_amount == 150.0
    with pytest.raises(DoseRangeError, match="3,000 mg/day"):
        review("mycophenolate", normal, on=DAY, baseline="0.9 mg/dL", withheld=True,
               restart_dose="4000 mg/day")
    # ciclosporin's ceiling is 5 mg/kg/day: 5 x 72 kg = 360 mg/day, known from the result
    result = ciclosporin(Patient.example())
    with pytest.raises(DoseRangeError, match="360 mg/day"):
        review(result, normal, on=DAY, baseline="0.9 mg/dL", withheld=True,
               restart_dose="400 mg/day")
    with pytest.raises(InputRangeError, match="give the calculator's DailyDose"):
        review("ciclosporin", normal, on=DAY, baseline="0.9 mg/dL", withheld=True,
               restart_dose="300 mg/day")
