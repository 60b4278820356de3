"""Issue 19 properties: every result given is named as judged or not judged; no "within" claim
about a result no rule read; every dose a review accepts or proposes is at or below this
patient's own ceiling (or the review refuses)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from plexodose import Labs, Patient, azathioprine, review
from plexodose._core.errors import DoseRangeError
from plexodose._patient import body

DAY = dt.date(2027, 3, 1)
BEFORE = dt.date(2027, 2, 15)
DRUGS = ("azathioprine", "mycophenolate", "ciclosporin", "cyclophosphamide oral")
UNITS = {
    "wbc": (0.5, 15.0, "x10^9/L"), "neutrophils": (0.2, 10.0, "x10^9/L"),
    "eosinophils": (0.0, 2.0, "x10^9/L"), "platelets": (10.0, 500.0, "x10^9/L"),
    "alt": (5.0, 900.0, "U/L"), "ast": (5.0, 900.0, "U/L"), "albumin": (15.0, 50.0, "g/L"),
    "mcv": (70.0, 130.0, "fL"), "creatinine": (0.5, 7.0, "mg/dL"),
    "egfr": (10.0, 120.0, "mL/min/1.73 m^2"), "potassium": (3.0, 7.9, "mmol/L"),
}


@st.composite
def lab_sets(draw: Any, day: dt.date = DAY) -> Labs:
    names = draw(st.sets(st.sampled_from(sorted(UNITS)), min_size=1))
    values = {n: f"{draw(st.floats(UNITS[n][0], UNITS[n][1])):.4g} {UNITS[n][2]}" for n in names}
    if draw(st.booleans()):
        values["blood_pressure"] = f"{draw(st.integers(100, 220))}/{draw(st.integers(50, 99))} mmHg"
    return Labs(date=day, **values)


patients = st.builds(
    Patient,
    weight=st.floats(40, 150).map(lambda w: f"{w:.1f} kg"),
    sex=st.sampled_from(["male", "female"]),
    age=st.integers(18, 90),
    serum_creatinine=st.floats(0.5, 5.0).map(lambda c: f"{c:.2f} mg/dL"),
    tpmt=st.sampled_from(["normal", "intermediate", "poor"]),
    nudt15=st.sampled_from(["normal", "intermediate"]),
)


def _names(r: Any) -> list[str]:
    return [text.split(": ", 1)[0] for text in r.judgements]


@given(drug=st.sampled_from(DRUGS), latest=lab_sets(), earlier=st.one_of(st.none(), lab_sets(BEFORE)),
       unjudged=st.sampled_from(["flag", "note"]))
def test_every_result_is_named_judged_or_not_and_never_within_unjudged(
    drug: str, latest: Labs, earlier: Labs | None, unjudged: str
) -> None:
    r = review(drug, latest, history=[] if earlier is None else [earlier], baseline="1.0 mg/dL",
               on=DAY, unjudged=unjudged)
    # each result given, once: the latest set's, then the earlier set's results of quantities
    # the latest set does not carry (the latest result of each quantity is judged, issue 18)
    older = [] if earlier is None else [n for n in earlier.names() if n not in latest.names()]
    assert len(r.judgements) == len(latest.names()) + len(older)
    for text in r.judgements:
        assert ": judged by " in text or ": not judged: no rule for " in text
    claims = [f.text for f in r.reasons if "within the rules' limits" in f.text]
    claims += [n for n in r.notes if "within the rules' limits" in n]
    for name, text in zip(_names(r), r.judgements, strict=True):
        if "not judged" in text:
            assert all(name not in claim for claim in claims), (name, claims)
            named = [f.text for f in r.reasons] + list(r.notes)
            assert any(t.startswith(f"{name}: not judged") for t in named)


def _band(creatinine_mg_dl: float) -> float:
    umol = creatinine_mg_dl * 10_000 / 113.12
    return 2.0 if umol < 250 - 1e-6 else 1.75 if umol <= 500 + 1e-6 else 1.5


def _ceiling(drug: str, patient: Patient, creatinine: float | None, egfr: float | None) -> float:
    """The most this patient may be given a day, by hand (screening table, dosing-rules.md)."""
    weight = patient.weight_kg
    if drug == "ciclosporin":
        return 5 * weight
    if drug == "cyclophosphamide oral":
        scr = patient.creatinine_mg_dl if creatinine is None else creatinine
        assert scr is not None
        return min(200.0, _band(scr) * weight)
    if drug == "mycophenolate":
        if egfr is None and creatinine is not None:
            assert patient.age is not None and patient.sex is not None
            egfr = body.egfr_value(patient.age, patient.sex, creatinine)
        return 2000.0 if egfr is not None and egfr < 25 else 3000.0
    if patient.tpmt == "poor":
        return 0.0  # any dose needs a reason: none is accepted without override
    fraction = {"intermediate": 0.8, "normal": None}
    share = [fraction[g] for g in (patient.tpmt, patient.nudt15) if fraction.get(g)]
    if creatinine is not None:
        patient = Patient(weight=f"{weight} kg", sex=patient.sex, age=patient.age,
                          serum_creatinine=f"{creatinine} mg/dL", tpmt=patient.tpmt,
                          nudt15=patient.nudt15)
    if share:  # CPIC: the top of the reduced range, 80 % (50 % for both genes) of the normal N
        normal = Patient(weight=f"{weight} kg", sex=patient.sex, age=patient.age,
                         serum_creatinine=patient.serum_creatinine, tpmt="normal", nudt15="normal")
        return min(150.0, (0.5 if len(share) == 2 else 0.8) * azathioprine(normal).daily_dose_mg)
    top = azathioprine(patient)
    given = top.given_per_dose_mg * top.doses_per_day
    return min(150.0, max(top.daily_dose_mg, given))


@given(drug=st.sampled_from(DRUGS), patient=patients, latest=lab_sets(),
       current=st.one_of(st.none(), st.floats(25, 3500)), withheld=st.booleans(),
       restart=st.floats(25, 3500))
def test_every_dose_accepted_or_proposed_is_within_the_patients_ceiling(
    drug: str, patient: Patient, latest: Labs, current: float | None, withheld: bool, restart: float
) -> None:
    try:
        r = review(drug, latest, baseline="1.0 mg/dL", on=DAY, patient=patient,
                   current_dose=None if current is None else f"{current:.0f} mg/day",
                   withheld=withheld, restart_dose=f"{restart:.0f} mg/day" if withheld else None)
    except DoseRangeError:
        return  # refused: never silently accepted
    if current is not None:
        assert round(current) <= _ceiling(drug, patient, None, None) * (1 + 1e-9) + 1e-9
    if r.proposed_amount is not None:
        ceiling = _ceiling(drug, patient, latest.value("creatinine"), latest.value("egfr"))
        assert r.proposed_amount <= ceiling * (1 + 1e-9) + 1e-9, (r.proposed_amount, ceiling)
