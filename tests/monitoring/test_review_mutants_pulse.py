"""The IV pulse review (``_pulse_review``, ``_pulse_recalculation``) word for word: issue 19.

monitoring-rules.md "Cyclophosphamide": the nadir WBC sets the next pulse (Michigan: raise 25 %
above the 2,000/uL target, cut below it), the French neutrophil rule postpones below 1.5 x10^9/L,
a pre-pulse creatinine above 500 umol/L holds ([gap], beyond the EULAR table); dosing-rules.md
"A change in weight": a BSA 5 % or more from the one behind the last pulse asks for a
recalculation. Hand-computed values in the comments.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import attrs

from plexodose import Labs, Patient, cyclophosphamide_iv, review
from plexodose._core import units as u

P = Patient.example()  # 72 kg, 175 cm: Mosteller sqrt(72 x 175 / 3600) = sqrt(3.5) = 1.8708 m2
P80 = attrs.evolve(P, weight=u.quantity(80, "kg"))  # sqrt(80 x 175 / 3600) = 1.9720 m2: +5.4 %
DAY = dt.date(2027, 3, 1)
U = "x10^9/L"
PULSE = cyclophosphamide_iv(P, g_per_m2=0.5)  # 0.5 g/m2 x 1.8708 m2 = 935.41 mg
MICHIGAN = "[guideline] University of Michigan / VA neurology cyclophosphamide protocol"
FRENCH = "[guideline] French national diagnosis and care protocol (PNDS), Box 6: cyclophosphamide"
CHANGE = ("[gap] plexodose choice set from hospital practice (clinical rules, 'A change in "
          "weight'; documentation: Monitoring): MGB chemotherapy activation (> 5 % approval), "
          "GenPRES CALC-003 (>= 5 % forced recalculation), Western Health (+/-10 % flag)")
MESNA = ("give mesna (80-100 % of the cyclophosphamide dose in divided doses, per the local "
         "protocol) and hydration with each pulse: plexodose does not dose mesna")
HELD = "  next check: 2027-03-08 (repeat the counts; discuss with the specialist team)"
NADIR_DAYS = "  next check: 2027-03-11 (nadir WBC 10-14 days after the pulse)"
POSTPONE = (f"neutrophils 1.2 {U} are below 1.5 {U} on the bolus date: postpone the pulse (the "
            "French protocol's default; neutrophils_rule='cut' gives 75 % instead); a postponement "
            "beyond 2 weeks: discuss another therapy")
NADIR = Labs(date=DAY - dt.timedelta(days=3), wbc=f"4 {U}")  # 2027-02-26, after the pulse


def pulse(labs: dict[str, str], **options: Any) -> Any:
    options.setdefault("on", DAY)
    return review(PULSE, Labs(date=DAY, **labs), **options)


def lines(r: Any) -> list[str]:
    text = repr(r).splitlines()
    return text[: text.index("  sources:")]


def ids(r: Any) -> list[str]:
    return [s.id for s in r.sources]


def test_a_nadir_above_2000_raises_the_next_pulse_25_percent_and_continues() -> None:
    # nadir 4,000/uL > 2,000 target: 0.5 x 1.25 = 0.625 g/m2 x 1.87083 = 1,169.27 mg, prepared
    # to the whole mg: 1,169 mg
    r = pulse({"wbc": f"5 {U}"}, nadir=NADIR)
    assert (r.action, r.proposed_amount, r.proposed_unit) == ("continue", 1169.0, "mg")
    assert lines(r) == [
        "cyclophosphamide IV, results of 2027-03-01: Continue",
        "  proposed dose: 1,169 mg for the next pulse (calculated 1,169.27 mg)",
        NADIR_DAYS,
        "  reasons:",
        "    - continue: next pulse = 0.625 g/m2 x 1.8708 m2 = 1,169.27 mg",
        f"      {MICHIGAN}",
        f"    - continue: every result given is within the rules' limits (WBC 5 {U})",
        f"      {MICHIGAN}",
        "  results:",
        f"    - WBC 5 {U}: judged by {MICHIGAN}",
        "  notes:",
        f"    ! {MESNA}",
    ]
    assert ids(r) == ["cyclophosphamide.iv.michigan.nadir", "cyclophosphamide.iv.mesna"]


def test_a_nadir_below_2000_cuts_the_next_pulse_by_20_percent() -> None:
    # nadir 1,700/uL < 2,000: cut 20 % (the default): 0.5 x 0.8 = 0.4 g/m2 x 1.8708 = 748.33 mg
    r = pulse({"wbc": f"5 {U}"}, nadir=Labs(date=DAY - dt.timedelta(days=3), wbc=f"1.7 {U}"))
    # prepared to the whole mg: 748 mg
    assert (r.action, r.proposed_text) == ("continue", "748 mg for the next pulse (calculated 748.33 mg)")
    assert [f.text for f in r.reasons] == [
        "next pulse = 0.4 g/m2 x 1.8708 m2 = 748.33 mg",
        f"every result given is within the rules' limits (WBC 5 {U})"]
    # the cut is the larger end of Michigan's 10-20 %: that choice's source is cited
    assert ids(r) == ["cyclophosphamide.iv.michigan.nadir", "cyclophosphamide.iv.mesna",
                      "dosing.reduction.larger"]


def test_low_neutrophils_postpone_the_pulse_whatever_the_wbc_says() -> None:
    # WBC 5 is within, but neutrophils 1.2 < 1.5: postponed (no dose), the repeat in a week
    r = pulse({"wbc": f"5 {U}", "neutrophils": f"1.2 {U}"})
    assert (r.action, r.proposed_amount, r.proposed_unit, r.proposed_text) == ("withhold", None, None, "")
    assert lines(r) == [
        "cyclophosphamide IV, results of 2027-03-01: Withhold and discuss with the specialist team",
        "  proposed dose: none (a restart takes the prescriber's dose)",
        HELD,
        "  reasons:",
        f"    - withhold: {POSTPONE}",
        f"      {FRENCH}",
        f"    - continue: judged and within the rules' limits: WBC 5 {U}",
        f"      {MICHIGAN}",
        "  results:",
        f"    - WBC 5 {U}: judged by {MICHIGAN}",
        f"    - neutrophils 1.2 {U}: judged by {FRENCH}",
    ]
    # no pulse is planned, so no mesna note; the withhold's one-week repeat is cited, then the
    # source of the finding that WBC is within
    assert ids(r) == ["cyclophosphamide.iv.review.french_postpone", "review.withhold.repeat",
                      "cyclophosphamide.iv.michigan.nadir"]


def test_low_neutrophils_postpone_the_pulse_a_nadir_would_raise() -> None:
    # nadir 4,000 would raise the pulse, but neutrophils 1.2 < 1.5 on the bolus date postpone it
    r = pulse({"neutrophils": f"1.2 {U}"}, nadir=NADIR)
    assert (r.action, r.proposed_amount, r.next_check) == ("withhold", None, DAY + dt.timedelta(days=7))
    assert [(f.action, f.text) for f in r.reasons] == [("withhold", POSTPONE)]
    assert r.notes == ()


def test_a_pre_pulse_creatinine_of_exactly_500_umol_is_not_above_it() -> None:
    # 500 umol/L = 5.656 mg/dL; back to 5.656 x 88.4 = 500 umol/L: not above 500, the pulse goes on
    # at 0.5 x 1.87083 = 935.41 mg, prepared 935 mg
    r = pulse({"wbc": f"5 {U}", "creatinine": "500 umol/L"})
    assert (r.action, r.proposed_text) == ("continue", "935 mg for the next pulse (calculated 935.41 mg)")
    assert r.reasons[1].text == ("every result given is within the rules' limits (WBC 5 "
                                 f"{U}, creatinine 500 umol/L (5.656 mg/dL))")
    assert r.judgements[1] == ("creatinine 500 umol/L (5.656 mg/dL): judged by [gap] plexodose conservative "
                               "choice (the EULAR/CYCLOPS table has no column above 500 umol/L)")


def test_a_new_bsa_after_a_raising_nadir_recalculates_the_raised_rate() -> None:
    # nadir 4,000: 0.625 g/m2; at 80 kg 0.625 x 1.97203 = 1,232.52 mg, prepared 1,233 (last 935 mg)
    r = pulse({"wbc": f"5 {U}"}, nadir=NADIR, patient=P80)
    assert (r.action, r.proposed_unit, r.proposed_text) == (
        "recalculate", "mg", "1,233 mg for the next pulse (calculated 1,232.52 mg)")
    assert r.proposed_amount == 1233.0
    assert lines(r) == [
        "cyclophosphamide IV, results of 2027-03-01: Recalculate the dose at the new weight: the "
        "prescriber accepts the new dose",
        "  proposed dose: 1,233 mg for the next pulse (calculated 1,232.52 mg)",
        NADIR_DAYS,
        "  reasons:",
        "    - recalculate: BSA 1.972 m2 (weight 80 kg, height 175 cm) differs by 5.4 % from the "
        "1.871 m2 behind the last pulse; 5 % or more asks for a recalculation: next pulse 1,233 mg "
        "(0.625 g/m2 x 1.972 m2; last 935 mg): the prescriber accepts it",
        f"      {CHANGE}",
        "    - continue: next pulse = 0.625 g/m2 x 1.8708 m2 = 1,169.27 mg",
        f"      {MICHIGAN}",
        f"    - continue: every result given is within the rules' limits (WBC 5 {U})",
        f"      {MICHIGAN}",
        "  results:",
        f"    - WBC 5 {U}: judged by {MICHIGAN}",
        "  notes:",
        f"    ! {MESNA}",
    ]
    # the new pulse's own sources are cited, then the weight-change rule
    assert ids(r) == ["cyclophosphamide.iv.michigan.nadir", "cyclophosphamide.iv.mesna",
                      "cyclophosphamide.seed.regimen", "body.bsa.formulas",
                      "cyclophosphamide.iv.cyclops.reduction",
                      "cyclophosphamide.cumulative.faurschou_2008",
                      "review.recalculate.weight_change"]


def test_a_pulse_that_cannot_be_recalculated_is_noted_and_the_last_rate_kept() -> None:
    # 80 kg with creatinine 6 mg/dL x 88.4 = 530 umol/L > 500: no EULAR pulse there without an
    # override: the new pulse is not calculated; the pulse at the last BSA goes ahead (935 mg)
    sick = attrs.evolve(P80, serum_creatinine=u.quantity(6, "mg/dL"))
    r = pulse({"wbc": f"5 {U}"}, patient=sick)
    assert (r.action, r.proposed_text) == ("continue", "935 mg for the next pulse (calculated 935.41 mg)")
    assert r.notes == (MESNA, (
        "the pulse at the patient's new weight and height could not be calculated (creatinine 530 "
        "umol/L is above 500: the EULAR table has no pulse dose there; dose individually "
        "(override='reason' uses the 300-500 column))"))
    assert ids(r)[-1] == "review.recalculate.weight_change"
    # the review's override reaches the recalculation: 0.5 x 1.9720 = 986.01 mg, prepared 986 mg
    accepted = pulse({"wbc": f"5 {U}"}, patient=sick, override="renal team agrees")
    assert (accepted.action, accepted.proposed_text) == (
        "recalculate", "986 mg for the next pulse (calculated 986.01 mg)")


def test_a_patient_without_a_height_is_not_recalculated() -> None:
    # no height, no BSA: the last pulse's BSA stands and nothing is asked
    r = pulse({"wbc": f"5 {U}"}, patient=attrs.evolve(P80, height=None))
    # 935.41 mg at the last BSA, prepared 935 mg
    assert (r.action, r.proposed_text) == ("continue", "935 mg for the next pulse (calculated 935.41 mg)")
    assert r.notes == (MESNA,)
    assert "review.recalculate.weight_change" not in ids(r)


def test_a_held_pulse_is_not_recalculated_at_a_new_weight() -> None:
    # WBC 1.9 < 2.0 holds the pulse: no recalculation is offered even at 80 kg
    r = pulse({"wbc": f"1.9 {U}"}, patient=P80)
    assert (r.action, r.proposed_amount) == ("withhold", None)
    assert [f.action for f in r.reasons] == ["withhold", "continue"]
    assert "review.recalculate.weight_change" not in ids(r)


def test_neutrophils_of_1_499_are_below_1_5_and_postpone() -> None:
    # 1.499 x10^9/L = 1,499/uL < 1,500: postponed, not planned at a 25 % cut
    r = pulse({"neutrophils": f"1.499 {U}"})
    assert (r.action, r.proposed_amount) == ("withhold", None)
    assert r.reasons[0].text == POSTPONE.replace("1.2 ", "1.499 ")


def test_the_postponement_names_the_neutrophils_to_three_decimals() -> None:
    r = pulse({"neutrophils": f"1.2345 {U}"})
    assert r.reasons[0].text == POSTPONE.replace("1.2 ", "1.234 ")


def test_a_pre_pulse_creatinine_just_above_500_umol_holds_the_pulse() -> None:
    # 500.4 umol/L > 500 (shown with the decimal that keeps it above 500): held, no dose,
    # repeat in a week
    r = pulse({"wbc": f"5 {U}", "creatinine": "500.4 umol/L"})
    assert (r.action, r.proposed_amount, r.next_check) == ("withhold", None, DAY + dt.timedelta(days=7))
    assert r.reasons[0].text == ("pre-pulse creatinine 500.4 umol/L is above 500 umol/L, beyond the "
                                 "EULAR table: hold the pulse and discuss (dose individually)")


def test_the_recalculated_pulse_names_the_rate_and_bsa_to_three_decimals() -> None:
    # last pulse 0.45 g/m2 x 1.8708 = 841.87 mg; nadir 4,000: 0.45 x 1.25 = 0.5625 g/m2;
    # 90 kg: sqrt(90 x 175 / 3600) = 2.0917 m2, (2.0917 - 1.8708) / 1.8708 = 11.8 %;
    # 0.5625 x 2,091.65 = 1,176.55 mg, prepared 1,177 mg
    r = review(cyclophosphamide_iv(P, g_per_m2=0.45), Labs(date=DAY, wbc=f"5 {U}"), on=DAY,
               nadir=NADIR, patient=attrs.evolve(P, weight=u.quantity(90, "kg")))
    assert (r.action, r.proposed_text) == (
        "recalculate", "1,177 mg for the next pulse (calculated 1,176.55 mg)")
    assert r.proposed_amount == 1177.0
    assert r.reasons[0].text == (
        "BSA 2.092 m2 (weight 90 kg, height 175 cm) differs by 11.8 % from the 1.871 m2 behind the "
        "last pulse; 5 % or more asks for a recalculation: next pulse 1,177 mg (0.562 g/m2 x 2.092 "
        "m2; last 842 mg): the prescriber accepts it")


def test_a_reduced_pulse_at_a_new_weight_proposes_the_reduction_not_the_recalculation() -> None:
    # WBC 2.5: 50 % of 935.41 = 467.71 mg (reduce outranks recalculate); the recalculation at
    # 80 kg (986 mg) is shown beside it, not proposed
    r = pulse({"wbc": f"2.5 {U}"}, patient=P80)
    # 467.71 mg prepared to the whole mg: 468 mg
    assert (r.action, r.proposed_text) == ("reduce", "468 mg for the next pulse (calculated 467.71 mg)")
    assert [f.action for f in r.reasons] == ["reduce", "recalculate", "continue"]
