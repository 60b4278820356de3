"""Patient construction: units normalised, every bad value refused naming its field, frozen
and evolvable, and the memo of spellings (formulas: test_body.py)."""

from __future__ import annotations

import contextlib
import gc
import math
import random
import tracemalloc

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

import plexodose as px
from plexodose import (
    Q_,
    InputRangeError,
    MissingInputError,
    Patient,
    PlexodoseError,
    UnitError,
    cyclophosphamide_iv,
    cyclosporin,
    ivig,
)
from plexodose._patient import patient as _patient

BSA_EX = math.sqrt(175 * 72 / 3600)  # Mosteller: 1.8708 m2


WORDS = ["kg", "g", "lb", "pound", "kilogram", "[lb_av]", "[oz_av]", "stone", "mg", "cm", "m",
         "mg/dL", "umol/L", "kgg", "[lb_i]", "foo"]
NUMBERS = st.one_of(st.floats(0.001, 1e6), st.integers(0, 10**6)).map(str) | st.sampled_from(
    ["72", "72.", ".5", "1e2", "+3", "-4", "nan", "inf", "1e999"])


def _made(field: str, text: str) -> float | str:
    try:
        made = px.Patient(weight="72 kg", **{field: text}) if field != "weight" else px.Patient(
            weight=text)
    except PlexodoseError as exc:
        return f"{type(exc).__name__}: {exc} ({exc.field})"
    return {"weight": made.weight_kg, "height": made.height_cm,
            "serum_creatinine": made.creatinine_mg_dl,
            "baseline_creatinine": made.baseline_creatinine_mg_dl}[field]


def test_patient_normalises_units() -> None:
    p = Patient(
        weight="158 lb", height="5.9 ft", sex="female", age="60 year", serum_creatinine="80 umol/L"
    )
    assert p.weight.m_as("kg") == pytest.approx(71.66759446)  # 158 x 0.45359237
    assert str(p.weight.units) == "kilogram"
    assert p.height.m_as("cm") == pytest.approx(179.832)  # 5.9 x 30.48
    assert p.sex == "female"
    assert p.age == 60.0
    assert p.serum_creatinine.m_as("mg/dL") == pytest.approx(0.90496)  # 80 x 113.12 / 10,000
    for variant, word in (("Female ", "female"), ("M", "male"), ("F", "female")):
        with pytest.raises(InputRangeError, match=f"type '{word}'"):  # spelled out, never guessed
            Patient(weight="72 kg", sex=variant)


def test_patient_is_frozen_and_evolvable() -> None:
    p = Patient.example()
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        p.weight = Q_(80, "kg")  # type: ignore[misc]
    heavier = attrs.evolve(p, weight="80 kg")
    assert heavier.weight_kg == 80.0
    assert heavier.height == p.height


def test_patient_repr_round_trips() -> None:
    p = Patient.example()
    assert eval(repr(p), {"Patient": Patient}) == p


@pytest.mark.parametrize(
    ("kwargs", "error", "field"),
    [
        ({"weight": 72}, UnitError, "weight"),
        ({"weight": "1 kg"}, InputRangeError, "weight"),  # below 2 kg
        ({"weight": "400 kg"}, InputRangeError, "weight"),
        ({"weight": "-72 kg"}, InputRangeError, "weight"),
        ({"weight": "0 kg"}, InputRangeError, "weight"),
        ({"weight": "72 kg", "height": "2.6 m"}, InputRangeError, "height"),
        ({"weight": "72 kg", "height": 175}, UnitError, "height"),
        ({"weight": "72 kg", "age": 121}, InputRangeError, "age"),
        ({"weight": "72 kg", "age": -1}, InputRangeError, "age"),
        ({"weight": "72 kg", "age": 17}, InputRangeError, "age"),  # adults only by default
        ({"weight": "72 kg", "sex": "x"}, InputRangeError, "sex"),
        ({"weight": "72 kg", "tpmt": "slow"}, InputRangeError, "tpmt"),
        ({"weight": "72 kg", "serum_creatinine": 1.0}, UnitError, "serum_creatinine"),
        ({"weight": "72 kg", "serum_creatinine": "30 mg/dL"}, InputRangeError, "serum_creatinine"),
        ({"weight": None}, MissingInputError, "weight"),
    ],
)
def test_patient_refuses_bad_values(
    kwargs: dict[str, object], error: type[Exception], field: str
) -> None:
    with pytest.raises(error) as info:
        Patient(**kwargs)  # type: ignore[arg-type]
    assert info.value.field == field  # type: ignore[attr-defined]


def test_minor_needs_an_override_reason() -> None:
    p = Patient(weight="50 kg", age=16, minor_override="paediatric neurology approved")
    assert p.age == 16.0
    with pytest.raises(InputRangeError, match="minor_override"):
        Patient(weight="50 kg", age=16, minor_override="  ")


def test_class_1_returned_quantities_are_not_live_handles() -> None:
    """Never silently wrong, class 1 (a returned object that was a live handle): a Quantity read
    from a patient and changed in place changes nothing the patient is dosed on."""
    p = Patient.example()
    p.weight.ito("lb")  # each read is a fresh Quantity: the patient holds floats
    p.height.ito("inch")
    p.serum_creatinine.ito("g/L")
    assert ivig(p).daily_dose_g == pytest.approx(28.8)  # 0.4 x 72, not 0.4 x 158.7
    assert cyclosporin(p).daily_dose_mg == pytest.approx(360.0)  # 5 x 72
    assert cyclophosphamide_iv(p).dose_mg == pytest.approx(750 * BSA_EX)  # 0.75 x 1.8708 = 1,403 mg
    assert p.weight_kg == 72.0 and p.height_cm == 175.0 and p.creatinine_mg_dl == 1.0


def test_class_10_the_patients_memo_of_spellings_is_bounded() -> None:
    """Never silently wrong, class 10 (unbounded memory): the Patient's memo of spellings replaces
    entries, it does not add them."""
    from plexodose._patient import patient as _patient

    def make_all(seed: int, n: int) -> None:
        rng = random.Random(seed)
        for _ in range(n):
            with contextlib.suppress(PlexodoseError):
                Patient(weight=f"{rng.uniform(40, 140):.4f} {rng.choice(['kg', 'lb', 'g'])}",
                        height=f"{rng.uniform(150, 200):.4f} cm")

    tracemalloc.start()  # before the memo fills, so that its own entries are traced too
    make_all(1, 4000)  # 8,000 spellings: the memo full
    gc.collect()
    before = tracemalloc.get_traced_memory()[0]
    make_all(2, 30000)  # 60,000 spellings, none seen before (unbounded, ~14 MB)
    gc.collect()
    grown = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    assert 0 < len(_patient._readings) <= _patient.READINGS_CACHE_SIZE
    assert grown < 500_000, grown  # entries replaced, not added (the memo is ~0.7 MB full)


def test_class_3_a_stored_value_is_never_read_as_another_field() -> None:
    """Never silently wrong, class 3 (impossible intermediate values), found by the second reading:
    a value stored as one field, a creatinine or a height, is never read as another, a weight."""
    a = Patient(weight="72 kg", height="170 cm", sex="female", age=60, serum_creatinine="0.9 mg/dL")
    with pytest.raises(UnitError):  # a creatinine (mg/dL) is not a weight
        Patient(weight=a.creatinine_mg_dl)
    with pytest.raises(UnitError):  # nor a height
        attrs.evolve(a, weight=a.height_cm)
    assert Patient(weight=a.weight_kg).weight_kg == 72.0  # a weight is a weight
    assert attrs.evolve(a, weight="80 kg").height_cm == 170.0


@given(number=NUMBERS, word=st.sampled_from(WORDS), field=st.sampled_from(
    ["weight", "height", "serum_creatinine", "baseline_creatinine"]))
def test_a_spelling_read_again_gives_the_first_readings_figure_or_refusal(
    number: str, word: str, field: str
) -> None:
    """Fast path (issue 10: lean, not fewer checks): the Patient's memo of spellings gives the same
    value, or the same refusal naming its field, however often a spelling comes, whichever field
    read it first."""
    text = f"{number} {word}"
    _patient._readings.clear()
    first = _made(field, text)
    for other in ("weight", "height", "serum_creatinine", field):
        _made(other, text)
    assert _made(field, text) == first


def test_the_memo_of_spellings_is_per_registry() -> None:
    """Fast path (issue 10: lean, not fewer checks): the memo of spellings is per registry. A
    spelling read under one registry is read again under another: a host's definitions give their
    own figure, never one remembered from a registry no longer in force."""
    import pint

    saved = pint.get_application_registry().get()
    figures = []
    try:
        for kg in (2, 3):
            host = pint.UnitRegistry()
            host.define(f"sack = {kg} kg")
            pint.set_application_registry(host)
            figures.append(px.Patient(weight="10 sack").weight_kg)
    finally:
        pint.set_application_registry(saved)
    assert figures == [20.0, 30.0]
    with pytest.raises(PlexodoseError, match="sack"):  # pint's defaults have no sack
        px.Patient(weight="10 sack")
