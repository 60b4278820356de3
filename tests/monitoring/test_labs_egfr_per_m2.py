"""Issue 18 (labs): an eGFR per m^2 is not an eGFR per 1.73 m^2; pint would read 59 as 102."""

from __future__ import annotations

import pytest

from plexodose import Q_, Labs, UnitError

PER_M2 = ["59 mL/min/m^2", "59 mL/min/m**2", "59 mL/min/m2", "59 mL/min/m²", "59 ml/min/m^2"]


@pytest.mark.parametrize("text", PER_M2)
def test_egfr_per_m2_refused_in_every_spelling(text: str) -> None:
    with pytest.raises(UnitError, match=r"per m\^2, not per 1\.73 m\^2") as caught:
        Labs(date="2027-01-16", egfr=text)
    assert caught.value.field == "egfr"


def test_egfr_quantity_per_m2_or_per_minute_refused() -> None:
    for value in (Q_(59, "mL/min/m**2"), Q_(59, "mL/min")):
        with pytest.raises(UnitError, match=r"not per 1\.73 m\^2"):
            Labs(date="2027-01-16", egfr=value)


@pytest.mark.parametrize("text", ["59 mL/min/1.73 m^2", "59 mL/min/1.73m2", "59 mL/min/{1.73_m2}",
                                  "59 mL/min/1.73 m**2"])
def test_egfr_per_1_73_m2_read_as_given(text: str) -> None:
    labs = Labs(date="2027-01-16", egfr=text)
    assert labs.value("egfr") == 59.0  # not 59 x 1.73 = 102.07
    assert Labs(date="2027-01-16", egfr=labs.egfr).value("egfr") == 59.0  # its own Quantity
