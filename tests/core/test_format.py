"""Text the library writes (_core/format): the same under any pint format, unit system or
host registry, and free of conversion noise."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pint
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from plexodose import (
    Patient,
    PlexodoseError,
    azathioprine,
    ciclosporin,
    cyclophosphamide_iv,
    cyclophosphamide_oral,
    cyclophosphamide_pulse_reduction,
    egfr,
    ivig,
    mycophenolate,
    plan,
    ureg,
)
from plexodose.cli import main
from plexodose.strategies import patients

EX = Patient.example()  # 72 kg, 175 cm, male, 60 y, creatinine 1 mg/dL, TPMT/NUDT15 normal


FORMATS = ["", "~", "P", "~P", "~#P", "L", "~L", "H", "~H", "C", "~C", "D", "#"]


def _texts() -> list[str]:
    s = plan(EX, start="2026-12-01", ivig_product="privigen")
    results = [ivig(EX, product="privigen"), azathioprine(EX), cyclophosphamide_iv(EX),
               ciclosporin(EX), mycophenolate(EX), cyclophosphamide_pulse_reduction(EX)]
    me = {"reference": "Patient/1"}
    return [*(repr(r) for r in results), *(r.to_json() for r in results), s.to_text(),
            s.to_csv(), s.to_json(), s.to_ics(stamp=_STAMP, subject=me),
            repr(s.to_fhir(subject=me)), repr(EX), repr(egfr(age=60, sex="male",
                                                             serum_creatinine="1 mg/dL"))]


_STAMP = dt.datetime(2026, 11, 30, 8, 0, tzinfo=dt.UTC)


CALCULATORS = {
    "ivig": ivig,
    "azathioprine": azathioprine,
    "cyclophosphamide_oral": cyclophosphamide_oral,
    "cyclophosphamide_iv": cyclophosphamide_iv,
    "ciclosporin": ciclosporin,
    "mycophenolate": mycophenolate,
    "cyclophosphamide_pulse_reduction": cyclophosphamide_pulse_reduction,
}


def test_class_2_text_same_under_every_pint_format_and_system(capsys: Any) -> None:
    """Never silently wrong, class 2 (text that followed the host's pint settings): results, exports
    and the command line read the same under every pint format and unit system."""
    reference = _texts()
    assert main(["dose", "ivig", "--weight", "72 kg", "--height", "175 cm", "--sex", "male"]) == 0
    cli_reference = capsys.readouterr().out
    saved = ureg.formatter.default_format
    saved_system = ureg.default_system
    try:
        for spec in FORMATS:
            ureg.formatter.default_format = spec
            assert _texts() == reference, spec
            main(["dose", "ivig", "--weight", "72 kg", "--height", "175 cm", "--sex", "male"])
            assert capsys.readouterr().out == cli_reference, spec
        ureg.default_system = "imperial"
        assert _texts() == reference
    finally:
        ureg.formatter.default_format = saved
        ureg.default_system = saved_system
    assert "IVIg: 144 g" in plan(EX, start="2026-12-01").to_text()  # 28.8 g x 5 days, never mg


def test_class_2_a_host_registry_gives_the_same_doses_and_text() -> None:
    """Never silently wrong, class 2 (text that followed the host's pint settings): a host's own
    application registry gives the same doses and text."""
    reference = _texts()
    doses = (ivig(EX).daily_dose_g, azathioprine(EX).daily_dose_mg)
    host = pint.UnitRegistry()
    host.formatter.default_format = "~P"
    saved = pint.get_application_registry().get()
    pint.set_application_registry(host)
    try:
        p = Patient(weight=host.Quantity(72, "kg"), height=host.Quantity(1.75, "m"), sex="male",
                    age=60, serum_creatinine="88.4 umol/L", tpmt="normal", nudt15="normal")
        assert (ivig(p).daily_dose_g, azathioprine(p).daily_dose_mg) == pytest.approx(doses)
        assert ivig(p).daily_dose.check("[mass] / [time]")  # built in the host's registry
        assert _texts() == reference
    finally:
        pint.set_application_registry(saved)


def test_class_13_no_conversion_noise_in_any_text() -> None:
    """Never silently wrong, class 13 (text that contradicted the numbers): no conversion noise
    (long decimals) in any text; 5 ft is 60 inches exactly, so no Devine caution."""
    p = Patient(weight="130 lb", height="5 ft", sex="female", age=60, serum_creatinine="1 mg/dL")
    texts = [repr(ivig(p, weight_basis="adjusted")), repr(azathioprine(p)), repr(p)]
    assert not any(re.search(r"\d\.\d{6,}", text) for text in texts), texts
    assert not any("below 60 inches" in text for text in texts)  # 5 ft is 60 inches exactly


@settings(max_examples=15, deadline=None)
@given(patients(), st.sampled_from(["~P", "~#P", "~L", "H", "D"]))
def test_property_text_same_under_any_pint_format(p: Patient, spec: str) -> None:
    """Never silently wrong, property (class 2): the text and JSON of results drawn by the public
    strategies are the same under any pint format."""
    results = []
    for drug in ("ivig", "azathioprine", "mycophenolate"):
        try:
            results.append(CALCULATORS[drug](p))
        except PlexodoseError:
            continue
    before = [(repr(r), r.to_json()) for r in results]
    saved = ureg.formatter.default_format
    ureg.formatter.default_format = spec
    try:
        assert [(repr(r), r.to_json()) for r in results] == before
    finally:
        ureg.formatter.default_format = saved
