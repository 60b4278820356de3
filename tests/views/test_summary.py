"""A result's one-line summary for a chart note (issue 21): the dose as given, what it rests on,
the warnings counted with their codes, the release; one line whatever the result says."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given

import plexodose as px
from plexodose.strategies import results

EX = px.Patient.example()


def test_the_summary_of_a_rounded_dose_says_both_numbers() -> None:
    # 2 mg/kg/day x 72 kg = 144 mg, dispensed as 150 mg (3 x 50 mg): 150 / 72 = 2.08 mg/kg/day
    assert px.azathioprine(EX).summary == (
        "azathioprine: 150 mg daily; calculated 144 mg; dosing weight: 72 kg (2.08 mg/kg/day "
        f"reached; calculated 2); no warnings [plexodose {px.__version__}]")


def test_the_summary_counts_the_warnings_with_their_codes() -> None:
    # no age and no creatinine: the IVIg boxed warning's risk is not excluded (one warning);
    # 0.4 g/kg/day x 70 kg = 28 g a day for 5 days
    r = px.ivig(px.Patient(weight="70 kg", height="170 cm", sex="male"))
    assert r.summary == (
        "IVIg: 28 g daily for 5 days (total 140 g); dosing weight: 70 kg, actual body weight "
        "(BMI 24.2 is not above 30); regimen: 0.4 g/kg/day x 5; 1 warning "
        f"(ivig.renal_risk.unknown) [plexodose {px.__version__}]")


def test_an_override_is_in_the_summary() -> None:
    # an override reason is recorded on the result (here with an in-range rate) and shown
    r = px.azathioprine(EX, mg_per_kg_day=1.5, override="renal team advice")
    assert "override: renal team advice" in r.summary


@given(results())
def test_every_summary_is_one_line_with_the_headline_and_every_warning_code(r: Any) -> None:
    line = r.summary
    assert "\n" not in line and line.endswith(f"[plexodose {px.__version__}]")
    assert line.startswith(" ".join(r._view()[0].split()))
    for alert in r.alerts:
        assert alert.code in line
    n = len(r.warnings)
    assert (f"{n} warning" in line) if n else ("no warnings" in line)


@pytest.mark.parametrize("make", [px.cyclophosphamide_iv, px.mycophenolate])
def test_the_summary_says_what_the_dose_rests_on(make: Any) -> None:
    line = make(EX).summary
    # a pulse rests on the BSA (Mosteller: sqrt(175 x 72 / 3600) = sqrt(3.5) = 1.870829 m2,
    # 4 decimals as in the derivation); mycophenolate on nothing of the patient's (a fixed dose)
    assert ("BSA: 1.8708 m2 (mosteller)" in line) == (make is px.cyclophosphamide_iv)


def test_the_ivig_block_says_the_volume_to_hang() -> None:
    # 0.4 g/kg/day x 72 kg = 28.8 g -> 30 g of Privigen 10 % (0.1 g/mL): 30 / 0.1 = 300 mL a day
    r = px.ivig(EX, product="privigen")
    _, facts = r._view()
    # 300 mL at 345.6 mL/h = 0.868 h = 52 min; at 21.6 mL/h = 13.89 h = 13 h 53 min
    assert ("infusion: 300 mL of Privigen 10 % a day, takes 52 min (all at 345.6 mL/h) to "
            "13 h 53 min (all at 21.6 mL/h)") in facts
    assert not any(f.startswith("infusion:") for f in px.ivig(EX)._view()[1])  # no product
