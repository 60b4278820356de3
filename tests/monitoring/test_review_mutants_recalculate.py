"""A change in weight for each weight-based daily drug (``_recalculate``), word for word: issue 19.

dosing-rules.md "A change in weight": a weight 5 % or more from the dosing weight behind the
current dose asks for a recalculation by the calculator, with all its limits, shown beside the
current dose for the prescriber to accept; never applied silently; a withheld drug restarts at
the prescriber's dose, so the new dose is only noted. Hand-computed values in the comments.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import attrs

from plexodose import (
    DailyDose,
    Labs,
    Patient,
    azathioprine,
    cyclophosphamide_oral,
    cyclosporin,
    review,
)
from plexodose._core import units as u

P = Patient.example()  # 72 kg, 175 cm, 60, male, creatinine 1 mg/dL
P80 = attrs.evolve(P, weight=u.quantity(80, "kg"))  # (80 - 72) / 72 = 11.1 %
P64 = attrs.evolve(P, weight=u.quantity(64, "kg"))  # (72 - 64) / 72 = 11.1 %
DAY = dt.date(2027, 3, 1)
U = "x10^9/L"
WBC = Labs(date=DAY, wbc=f"6 {U}")
CICLOSPORIN = cyclosporin(P)  # 5 x 72 = 360 mg/day; two 175 mg doses = 350 mg/day dispensed
ORAL = cyclophosphamide_oral(P)  # 2 x 72 = 144 mg/day; 125 mg dispensed (rounded down)


def at(drug: Any, patient: Patient, **options: Any) -> Any:
    return review(drug, WBC, on=DAY, baseline="1 mg/dL", patient=patient, **options)


def moved(now: int, current: int, calculated: int) -> str:
    return (f"weight {now} kg differs by 11.1 % from the 72 kg behind the current dose ({current} "
            f"mg/day, calculated {calculated} mg/day); 5 % or more asks for a recalculation")


def test_ciclosporin_at_80_kg_proposes_5_mg_per_kg_of_the_new_weight() -> None:
    # 5 mg/kg/day x 80 kg = 400 mg/day, two 200 mg doses; ceiling 5 x 80 = 400: within
    r = at(CICLOSPORIN, P80)
    shown = ("400 mg/day (recalculated at 80 kg: 5 mg/kg/day, calculated 400 mg/day; current 350 "
             "mg/day at 72 kg): the prescriber accepts it")
    assert (r.action, r.proposed_amount, r.proposed_unit, r.proposed_text) == (
        "recalculate", 400.0, "mg/day", shown)
    assert r.reasons[0].text == f"{moved(80, 350, 360)}: new dose {shown}"
    assert r.notes == (
        "current_dose 350 mg/day: within this patient's own ceiling (2.5-5 mg/kg/day at 72 kg)",
        "proposed dose 400 mg/day: within this patient's own ceiling (2.5-5 mg/kg/day at 80 kg)")
    assert (r.next_check, r.next_check_text) == (DAY + dt.timedelta(days=14),
                                                 "the regular cadence, every 2 weeks")


def test_ciclosporin_at_64_kg_proposes_the_lower_dose() -> None:
    # 5 x 64 = 320 mg/day, 160 a dose, dispensed as two 150 mg doses = 300 mg/day
    r = at(CICLOSPORIN, P64)
    assert (r.action, r.proposed_amount) == ("recalculate", 300.0)
    assert r.proposed_text == ("300 mg/day (recalculated at 64 kg: 5 mg/kg/day, calculated 320 "
                               "mg/day; current 350 mg/day at 72 kg): the prescriber accepts it")


def test_oral_cyclophosphamide_at_80_and_64_kg_is_recalculated_at_2_mg_per_kg() -> None:
    # 2 x 80 = 160 mg/day, tablets rounded down to 150; 2 x 64 = 128, rounded down to 125
    heavier = at(ORAL, P80)
    assert (heavier.action, heavier.proposed_amount) == ("recalculate", 150.0)
    assert heavier.reasons[0].text == (
        f"{moved(80, 125, 144)}: new dose 150 mg/day (recalculated at 80 kg: 2 mg/kg/day, "
        "calculated 160 mg/day; current 125 mg/day at 72 kg): the prescriber accepts it")
    assert heavier.notes[1] == (
        "proposed dose 150 mg/day: within this patient's own ceiling (1-2 mg/kg/day at 80 kg "
        "(creatinine < 250 umol/L), at most 200 mg/day)")
    lighter = at(ORAL, P64)
    assert (lighter.action, lighter.proposed_amount) == ("recalculate", 125.0)
    assert lighter.proposed_text == ("125 mg/day (recalculated at 64 kg: 2 mg/kg/day, calculated "
                                     "128 mg/day; current 125 mg/day at 72 kg): the prescriber accepts it")


def test_azathioprine_keeps_its_doses_a_day_when_recalculated() -> None:
    # 1 mg/kg/day x 72 = 72 mg/day in two doses of 36, dispensed 2 x 25 = 50 mg/day;
    # at 80 kg: 80 mg/day, two doses of 40, dispensed 2 x 50 = 100 mg/day (once daily: 75)
    twice = azathioprine(P, doses_per_day=2, mg_per_kg_day=1)
    r = at(twice, P80)
    assert (r.action, r.proposed_amount) == ("recalculate", 100.0)
    assert r.proposed_text == ("100 mg/day (recalculated at 80 kg: 1 mg/kg/day, calculated 80 "
                               "mg/day; current 50 mg/day at 72 kg): the prescriber accepts it")


def test_azathioprine_with_allopurinol_is_recalculated_with_allopurinol() -> None:
    # 2 x 80 = 160, capped at 150, a quarter with allopurinol: 37.5 mg/day, dispensed 25 mg
    # (one tablet); without allopurinol it would be the full 150 mg/day
    r = at(azathioprine(P, allopurinol=True), P80, allopurinol=True)
    assert (r.action, r.proposed_amount) == ("recalculate", 25.0)
    assert r.proposed_text == ("25 mg/day (recalculated at 80 kg: 2 mg/kg/day, calculated 37.5 "
                               "mg/day, capped; current 25 mg/day at 72 kg): the prescriber accepts it")
    assert r.notes[-1] == (
        "proposed dose 25 mg/day: within this patient's own ceiling (1-2 mg/kg/day at 80 kg with "
        "this patient's renal share, 20 mg-50 mg/day; with allopurinol (one quarter to one third))")


RENAL = ("eGFR 23.1 mL/min/1.73 m2 is below 60: ciclosporin is contraindicated in abnormal renal "
         "function; pass override='reason' to give it anyway")


def test_a_dose_the_calculator_refuses_at_the_new_weight_asks_for_a_recalculation_without_one() -> None:
    # 80 kg with creatinine 3 mg/dL: CKD-EPI 2021 (60, male) 23.1 < 60: ciclosporin refused
    sick = attrs.evolve(P80, serum_creatinine=u.quantity(3, "mg/dL"))
    text = (f"{moved(80, 350, 360)}: the new dose could not be calculated ({RENAL}); recalculate "
            "with the calculator")
    r = at(CICLOSPORIN, sick)
    assert (r.action, r.proposed_amount, r.proposed_text) == ("recalculate", None, "")
    first = r.reasons[0]
    assert (first.action, first.text, first.source.id) == (
        "recalculate", text, "review.recalculate.weight_change")
    # withheld: only noted; the restart takes the prescriber's dose
    withheld = at(CICLOSPORIN, sick, withheld=True)
    assert (withheld.action, withheld.notes[-1]) == ("withhold", text)
    assert "review.recalculate.weight_change" in [s.id for s in withheld.sources]
    assert [f.action for f in withheld.reasons] == ["withhold", "continue"]
    # the review's override reaches the calculator: 5 x 80 = 400 mg/day
    accepted = at(CICLOSPORIN, sick, override="renal team agrees")
    assert (accepted.action, accepted.proposed_amount) == ("recalculate", 400.0)


def test_mycophenolate_a_fixed_dose_is_not_recalculated() -> None:
    from plexodose import mycophenolate

    fixed = mycophenolate(P)
    r = at(fixed, P80)
    assert r.action == "continue"
    assert "review.recalculate.weight_change" not in [s.id for s in r.sources]


AZATHIOPRINE_SOURCES = [  # the recalculated dose's own sources follow the current dose's screen
    "review.screening.dose", "azathioprine.seed.regimen", "azathioprine.genotype.cpic",
    "azathioprine.renal.crcl", "review.counts.bsr_2017", "body.weight.devine",
    "renal.crcl.cockcroft_gault", "renal.crcl.weight", "azathioprine.label.tablets_allopurinol",
    "course.seed.duration", "review.recalculate.weight_change"]


def test_a_recalculated_azathioprine_dose_cites_the_calculators_sources() -> None:
    r = review(azathioprine(P), WBC, on=DAY, patient=P80)
    assert [s.id for s in r.sources] == [*AZATHIOPRINE_SOURCES, "azathioprine.review.cadence"]
    # withheld: the new dose is only noted, with the same sources and the restart rule
    withheld = review(azathioprine(P), WBC, on=DAY, patient=P80, withheld=True)
    assert [s.id for s in withheld.sources] == [
        *AZATHIOPRINE_SOURCES, "review.restart.explicit_dose", "azathioprine.review.cadence",
        "review.withhold.repeat"]


def test_a_poor_metabolizers_regimen_is_recalculated_on_the_reviews_override() -> None:
    # CPIC poor: N = 2 x 80 = 160, capped at 150; / 10 = 15 mg on 3 days a week: 15 x 3 / 7 =
    # 6.43 mg/day (at 72 kg: 144 / 10 x 3 / 7 = 6.17); the calculator needs the override
    poor, poor80 = attrs.evolve(P, tpmt="poor"), attrs.evolve(P80, tpmt="poor")
    r = review(azathioprine(poor, override="specialist agreed"), WBC, on=DAY, patient=poor80,
               override="specialist agreed")
    assert (r.action, round(r.proposed_amount, 2)) == ("recalculate", 6.43)
    assert r.proposed_text == ("6.43 mg/day (recalculated at 80 kg: 2 mg/kg/day, calculated 6.43 "
                               "mg/day, capped; current 6.17 mg/day at 72 kg): the prescriber accepts it")


def test_a_current_dose_that_does_not_show_its_rate_is_left_to_the_calculator() -> None:
    # the same result with its steps stored as words (no mg/kg/day number to read): the review
    # cannot recalculate it and says so; the prescriber recalculates with the calculator
    dose = azathioprine(P)
    worded = DailyDose._of(*(dose.steps if name == "_steps" else getattr(dose, name)
                             for name in DailyDose._fields))
    assert worded == dose
    r = review(worded, WBC, on=DAY, patient=P80)
    assert (r.action, r.proposed_amount) == ("recalculate", None)
    assert r.reasons[0].text == (
        "weight 80 kg differs by 11.1 % from the 72 kg behind the current dose (150 mg/day, "
        "calculated 144 mg/day); 5 % or more asks for a recalculation: the new dose could not be "
        "calculated (the current dose does not show its mg/kg/day); recalculate "
        "with the calculator")


def test_oral_cyclophosphamide_is_recalculated_at_its_own_rate() -> None:
    # 1.5 mg/kg/day x 72 = 108 mg/day, dispensed 100; at 80 kg: 1.5 x 80 = 120 mg/day, to the
    # nearest 25 mg: 125 mg/day (not the 2 mg/kg/day default: 160, 150 dispensed)
    r = at(cyclophosphamide_oral(P, mg_per_kg_day=1.5), P80)
    assert (r.action, r.proposed_amount) == ("recalculate", 125.0)
    assert r.proposed_text == ("125 mg/day (recalculated at 80 kg: 1.5 mg/kg/day, calculated 120 "
                               "mg/day; current 100 mg/day at 72 kg): the prescriber accepts it")
