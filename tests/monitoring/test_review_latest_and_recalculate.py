"""Issue 18: the latest result of each quantity across labs and history, with its own date; the
5 % weight rule ("recalculate"); judgements in the JSON form. Expectations by hand."""

from __future__ import annotations

import datetime as dt

import jsonschema
import pytest

import plexodose
from plexodose import InputRangeError, Labs, Patient, review
from plexodose._monitoring.rules import ACTIONS, severity

ON = "2027-01-20"


def _patient(kg: float) -> Patient:
    return Patient(weight=f"{kg} kg", age=50, sex="male", tpmt="normal", nudt15="normal")


def _ok(date: str) -> Labs:
    return Labs(date=date, wbc="6 x10^9/L", neutrophils="4 x10^9/L", platelets="250 x10^9/L")


# -- 1. the latest result of each quantity ---------------------------------------------------


def test_an_older_low_count_withholds_when_the_latest_set_lacks_it() -> None:
    # neutrophils 0.2 on the 16th (4 days old on the 20th, inside azathioprine's 14-day
    # interval) are the latest neutrophils: 0.2 < 1.6 x10^9/L -> withhold
    older = Labs(date="2027-01-16", wbc="1.0 x10^9/L", neutrophils="0.2 x10^9/L")
    latest = Labs(date="2027-01-17", platelets="250 x10^9/L")
    r = review("azathioprine", latest, history=[older], on=ON)
    assert r.action == "withhold" and r.proposed_amount is None
    assert any("neutrophils 0.2 x10^9/L" in f.text for f in r.reasons)
    # each result given, with the older ones' own date
    assert [t.split(": ")[0] for t in r.judgements] == [
        "platelets 250 x10^9/L", "WBC 1 x10^9/L (2027-01-16)", "neutrophils 0.2 x10^9/L (2027-01-16)"]
    assert all(": judged by " in t for t in r.judgements)


def test_a_quantity_in_the_latest_set_is_judged_there_not_in_history() -> None:
    # WBC 1.0 on the 16th, WBC 6 on the 17th: the 17th's 6 >= 3.5 is the latest WBC -> continue
    older = Labs(date="2027-01-16", wbc="1.0 x10^9/L")
    r = review("azathioprine", _ok("2027-01-17"), history=[older], on=ON)
    assert r.action == "continue"
    assert len(r.judgements) == 3  # wbc, neutrophils, platelets of the 17th only


def test_an_older_latest_result_past_the_interval_answers_repeat_never_continue() -> None:
    # WBC 6 on 2027-01-05: 2027-01-20 - 2027-01-05 = 15 days > 14 (azathioprine, not yet stable)
    older = Labs(date="2027-01-05", wbc="6 x10^9/L")
    latest = Labs(date="2027-01-17", neutrophils="4 x10^9/L", platelets="250 x10^9/L")
    r = review("azathioprine", latest, history=[older], on=ON)
    assert r.action == "repeat"
    stale = [f.text for f in r.reasons if f.action == "repeat"]
    assert stale and "WBC dated 2027-01-05 is 15 days old" in stale[0]
    within = [f.text for f in r.reasons if "within the rules' limits" in f.text]
    assert all("WBC" not in t for t in within)  # an old result is never called within
    # the same WBC 14 days old (2027-01-06): 14 <= 14 -> not stale -> continue
    fresh = review("azathioprine", latest, history=[Labs(date="2027-01-06", wbc="6 x10^9/L")], on=ON)
    assert fresh.action == "continue"


# -- 2. the 5 % weight rule -------------------------------------------------------------------


def test_actions_rank_recalculate_between_flag_and_repeat() -> None:
    # monitoring-rules.md, "Actions rank": ... repeat the test > recalculate > flag > continue
    assert ACTIONS.index("flag") < ACTIONS.index("recalculate") < ACTIONS.index("repeat")
    assert severity("recalculate") == 2
    enum = plexodose.json_schema()["$defs"]["Review"]["properties"]["action"]["enum"]
    assert list(enum) == list(ACTIONS)


def test_azathioprine_five_point_six_percent_heavier_recalculates_capped() -> None:
    current = plexodose.azathioprine(_patient(72))  # 2 mg/kg x 72 kg = 144 mg/day (150 given)
    assert current.daily_dose_mg == 144
    # (76 - 72) / 72 = 5.56 % >= 5 % -> recalculate; 2 x 76 = 152 -> capped at 150 mg/day
    r = review(current, _ok("2027-01-16"), on="2027-01-16", patient=_patient(76))
    assert r.action == "recalculate"
    assert r.proposed_amount == 150.0 and r.proposed_unit == "mg/day"
    assert "current 150 mg/day at 72 kg" in r.proposed_text
    found = [f for f in r.reasons if f.action == "recalculate"]
    assert len(found) == 1 and "differs by 5.6 %" in found[0].text
    assert "calculated 150 mg/day, capped" in found[0].text
    assert "A change in weight" in found[0].source.citation
    assert found[0].source in r.sources


def test_exactly_five_percent_recalculates_and_below_does_not() -> None:
    current = plexodose.cyclosporin(_patient(60), mg_per_kg_day=3)  # 3 x 60 = 180 mg/day
    labs = Labs(date="2027-01-16", creatinine="0.9 mg/dL")
    # (63 - 60) / 60 = 5 % exactly: "5 % or more" -> recalculate; 3 x 63 = 189 mg/day calculated
    r = review(current, labs, baseline="0.9 mg/dL", on="2027-01-16", patient=_patient(63))
    assert r.action == "recalculate"
    assert "calculated 189 mg/day" in r.proposed_text
    # (62.9 - 60) / 60 = 4.83 % < 5 % -> no recalculation
    r = review(current, labs, baseline="0.9 mg/dL", on="2027-01-16", patient=_patient(62.9))
    assert r.action == "continue" and r.proposed_amount is None


def test_weight_change_is_configurable_from_five_to_ten_percent() -> None:
    current = plexodose.azathioprine(_patient(72))
    # 5.56 % < 10 % -> no recalculation at weight_change=0.10
    r = review(current, _ok("2027-01-16"), on="2027-01-16", patient=_patient(76), weight_change=0.10)
    assert r.action == "continue"
    # a loss counts too: (72 - 64.8) / 72 = 10 % >= 10 % -> 2 x 64.8 = 129.6 mg/day calculated
    r = review(current, _ok("2027-01-16"), on="2027-01-16", patient=_patient(64.8), weight_change=0.10)
    assert r.action == "recalculate" and "calculated 129.6 mg/day" in r.proposed_text
    for bad in (0.04, 0.2):
        with pytest.raises(InputRangeError):
            review(current, _ok("2027-01-16"), on="2027-01-16", patient=_patient(76), weight_change=bad)


def test_mycophenolate_a_fixed_dose_is_not_recalculated() -> None:
    current = plexodose.mycophenolate(_patient(60))  # 1,000 mg twice daily, not by weight
    # (70 - 60) / 60 = 16.7 %, but a fixed dose: no recalculation
    r = review(current, _ok("2027-01-16"), on="2027-01-16", patient=_patient(70))
    assert r.action == "continue"
    assert all(f.action != "recalculate" for f in r.reasons)


def test_a_higher_action_wins_and_no_recalculated_dose_is_proposed() -> None:
    current = plexodose.azathioprine(_patient(72))
    low = Labs(date="2027-01-16", wbc="3.1 x10^9/L")  # 3.1 < 3.5 -> withhold
    r = review(current, low, on="2027-01-16", patient=_patient(76))
    assert r.action == "withhold" and r.proposed_amount is None
    assert any(f.action == "recalculate" for f in r.reasons)  # still shown, never applied


def test_a_withheld_drug_shows_the_recalculated_dose_in_a_note_only() -> None:
    current = plexodose.azathioprine(_patient(72))
    r = review(current, _ok("2027-01-16"), on="2027-01-16", patient=_patient(76), withheld=True)
    assert r.action == "withhold" and r.proposed_amount is None
    assert any("new dose 150 mg/day" in n for n in r.notes)


def test_no_patient_or_a_named_drug_is_never_recalculated() -> None:
    current = plexodose.azathioprine(_patient(72))
    assert review(current, _ok("2027-01-16"), on="2027-01-16").action == "continue"
    assert review("azathioprine", _ok("2027-01-16"), on="2027-01-16",
                  patient=_patient(90)).action == "continue"


# -- 3. judgements in the JSON form -----------------------------------------------------------


def test_review_json_carries_judgements_and_validates() -> None:
    older = Labs(date="2027-01-16", wbc="1.0 x10^9/L", potassium="4.5 mmol/L")
    latest = Labs(date="2027-01-17", platelets="250 x10^9/L")
    r = review("azathioprine", latest, history=[older], on=ON, unjudged="note")
    data = r.to_dict()
    assert data["judgements"] == list(r.judgements) and len(data["judgements"]) == 3
    assert data["judgements"][2].startswith("potassium 4.5 mmol/L (2027-01-16): not judged")
    jsonschema.Draft202012Validator(plexodose.json_schema()).validate(data)
    schema = plexodose.json_schema()["$defs"]["Review"]
    assert "judgements" in schema["required"]
    recalculated = review(plexodose.azathioprine(_patient(72)), _ok("2027-01-16"),
                          on="2027-01-16", patient=_patient(76)).to_dict()
    assert recalculated["action"] == "recalculate"
    jsonschema.Draft202012Validator(plexodose.json_schema()).validate(recalculated)
    assert dt.date.fromisoformat(recalculated["date"]) == dt.date(2027, 1, 16)


def test_a_pulse_recalculates_on_a_5_percent_bsa_change() -> None:
    """Issue 18 class 3 (dosing-rules.md, "A change in weight"): the BSA behind an IV pulse."""
    from plexodose import cyclophosphamide_iv

    example = Patient.example()  # 72 kg, 175 cm: Mosteller sqrt(175 x 72 / 3600) = 1.8708 m2
    pulse = cyclophosphamide_iv(example)  # 0.75 g/m2 x 1.8708 = 1,403.1 mg
    day = dt.date(2027, 1, 16)
    counts = Labs(date=day, wbc="6 x10^9/L", neutrophils="4 x10^9/L")
    heavier = Patient(weight="80 kg", height="175 cm", sex="male", age=60,
                      serum_creatinine="1 mg/dL", tpmt="normal", nudt15="normal")
    # sqrt(175 x 80 / 3600) = 1.97203 m2, +5.41 % (>= 5 %): 0.75 x 1.97203 = 1,479.0 mg
    found = review(pulse, counts, on=day, patient=heavier)
    assert found.action == "recalculate"
    assert found.proposed_amount == 1479.0  # 1,479.02 mg prepared to the whole mg
    assert found.proposed_text == "1,479 mg for the next pulse (calculated 1,479.02 mg)"
    assert "differs by 5.4 %" in found.reasons[0].text
    # 74 kg: sqrt(175 x 74 / 3600) = 1.89663 m2, +1.38 %: the pulse stands
    lighter = Patient(weight="74 kg", height="175 cm", sex="male", age=60,
                      serum_creatinine="1 mg/dL", tpmt="normal", nudt15="normal")
    same = review(pulse, counts, on=day, patient=lighter)
    # the pulse stands: 1,403.12 mg prepared to the whole mg, 1,403 mg
    assert same.action == "continue" and same.proposed_amount == 1403.0
    # a pulse held by its counts is never recalculated
    held = review(pulse, Labs(date=day, wbc="1.5 x10^9/L"), on=day, patient=heavier)
    assert held.action == "withhold" and held.proposed_amount is None
